"""The campaign forecast page: `<id>/forecast/` (admin:care_campaign_forecast).

Messages per day for the next 14 days as a CSS bar chart, the skips by
reason, a paged sample of who would get what, when and on which channel
(`?format=csv` for every line). Nothing is written. It is also the approval
page: a draft is submitted from it and a campaign awaiting approval approved
from it, so the approver decides with the forecast in front of them.

Kept out of campaigns.py (the form's module): CampaignAdmin takes the
mixin, the URL, and the link field.
"""

import csv
from collections.abc import Iterator

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from care.content.engine import RenderError, TemplateCache
from care.delivery.render import message_render
from care.models import Campaign, CampaignStatus, MessageStatus, Reason
from care.outreach.campaigns import (
    APPROVE_PERMISSION,
    campaign_approve,
    campaign_submit,
)
from care.studio.forecast import HOLDOUT, Forecast, ForecastLine, campaign_forecast

PAGE_SIZE = 50
OUTCOMES = {
    "sent": _("would be sent"),
    MessageStatus.SKIPPED: _("skipped"),
    MessageStatus.HELD_OUT: _("held out"),
}


def reason_label(reason: str) -> str:
    if reason == HOLDOUT:
        return gettext("Held out to measure the campaign (holdout)")
    if reason == Reason.QUIET_HOURS:
        return gettext("Quiet hours: waits until morning (still sent)")
    return str(Reason(reason).label) if reason in Reason.values else reason


def _bars(forecast: Forecast) -> list[dict]:
    top = max((n for _, n in forecast.per_day), default=0) or 1
    return [
        {"day": day, "count": n, "percent": round(100 * n / top)}
        for day, n in forecast.per_day
    ]


def _text(line: ForecastLine, cache: TemplateCache) -> str:
    if line.outcome != "sent" or line.message is None:
        return ""
    try:
        return message_render(line.message, cache).body
    except RenderError as exc:
        return gettext("cannot render: %(error)s") % {"error": exc}


def _csv_rows(forecast: Forecast) -> Iterator[list]:
    yield [
        "customer",
        "name",
        "language",
        "channel",
        "when",
        "outcome",
        "reason",
        "detail",
        "text",
    ]
    cache = TemplateCache({forecast.campaign.pk})
    for line in forecast.lines:
        customer = line.message.customer
        yield [
            customer.external_id,
            customer.name,
            customer.locale,
            line.channel,
            timezone.localtime(line.when).isoformat(),
            line.outcome,
            line.reason,
            line.detail,
            _text(line, cache),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(forecast: Forecast) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(forecast)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"forecast-{forecast.campaign.slug}-{forecast.start.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ForecastAdminMixin:
    """The forecast page and link, for CampaignAdmin."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.forecast_view)
        forecast = path(
            "<path:object_id>/forecast/", view, name="care_campaign_forecast"
        )
        return [forecast, *super().get_urls()]

    def has_forecast_permission(self, request) -> bool:
        """Marketers (change) and managers (approve); care staff only view campaigns."""
        return request.user.has_perm("care.change_campaign") or request.user.has_perm(
            APPROVE_PERMISSION
        )

    @admin.display(description=_("forecast"))
    def forecast_link(self, obj: Campaign) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:care_campaign_forecast", args=[obj.pk])
        return format_html(
            '<a class="button" href="{}">{}</a>', url, gettext("Forecast")
        )

    def forecast_view(self, request, object_id: str):
        campaign = self.get_object(request, unquote(object_id))
        if campaign is None:
            return self._get_obj_does_not_exist_redirect(
                request, self.model._meta, object_id
            )
        if not self.has_forecast_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._forecast_decide(request, campaign)
        wanted = request.GET.get("format", "html")
        if wanted not in ("html", "csv"):
            return HttpResponseBadRequest(
                gettext("format must be html or csv, not %(format)s")
                % {"format": wanted}
            )
        try:
            forecast = campaign_forecast(campaign=campaign)
        except (ValueError, KeyError, TypeError, IndexError, DatabaseError) as exc:
            # Settings the sweep could not use either (a draft saved before its
            # checks, an audience naming what is gone): say so, never a 500.
            self.message_user(
                request,
                gettext("This campaign cannot be forecast: %(error)s") % {"error": exc},
                messages.ERROR,
            )
            return redirect("admin:care_campaign_change", campaign.pk)
        if wanted == "csv":
            return _csv_response(forecast)
        return TemplateResponse(
            request,
            "admin/care/campaign/forecast.html",
            self._forecast_context(request, campaign, forecast),
        )

    def _forecast_context(self, request, campaign: Campaign, forecast: Forecast):
        page = Paginator(forecast.lines, PAGE_SIZE).get_page(request.GET.get("page"))
        cache = TemplateCache({campaign.pk})
        sample = [
            {
                "line": line,
                "customer": line.message.customer,
                "outcome": OUTCOMES.get(line.outcome, line.outcome),
                "reason": reason_label(line.reason) if line.reason else "",
                "text": _text(line, cache),
            }
            for line in page
        ]
        can_approve = request.user.has_perm(APPROVE_PERMISSION)
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": campaign,
            "title": gettext("Forecast: %(name)s") % {"name": campaign.name},
            "forecast": forecast,
            "bars": _bars(forecast),
            "reasons": [(reason_label(r), n) for r, n in forecast.reason_rows()],
            "page": page,
            "sample": sample,
            "can_submit": campaign.status == CampaignStatus.DRAFT
            and request.user.has_perm("care.change_campaign"),
            "can_approve": campaign.status == CampaignStatus.AWAITING_APPROVAL
            and can_approve,
        }

    def _forecast_decide(self, request, campaign: Campaign):
        """Submit or approve from the forecast page (the services decide who may)."""
        action = request.POST.get("action")
        try:
            if action == "submit" and request.user.has_perm("care.change_campaign"):
                campaign_submit(campaign=campaign)
                self.message_user(request, gettext("Submitted for approval."))
            elif action == "approve":
                campaign_approve(campaign=campaign, user=request.user)
                self.message_user(request, gettext("Approved and activated."))
            else:
                raise PermissionDenied
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        return redirect("admin:care_campaign_forecast", campaign.pk)
