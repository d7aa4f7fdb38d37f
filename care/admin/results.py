"""A campaign's results page (`<id>/results/`, CSV with ?format=csv), on the campaign admin."""

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from care.models import Campaign
from care.reports.campaigns import campaign_report, report_csv_rows


class CampaignResultsMixin:
    """Adds the results page to CampaignAdmin (anyone who may view the campaign)."""

    def get_urls(self):
        results = path(
            "<path:object_id>/results/",
            self.admin_site.admin_view(self.results_view),
            name="care_campaign_results",
        )
        return [results, *super().get_urls()]

    def results_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        campaign = self.get_object(request, object_id)
        if campaign is None:
            raise Http404(_("No such campaign."))
        if not self.has_view_permission(request, campaign):
            return HttpResponse(_("You may not see this campaign."), status=403)
        report = campaign_report(campaign)
        if request.GET.get("format") == "csv":
            return _csv(campaign, report_csv_rows(report))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Results: %(name)s") % {"name": campaign.name},
            "opts": self.model._meta,
            "original": campaign,
            "report": report,
            "chart": report.chart,
        }
        return TemplateResponse(request, "admin/care/campaign/results.html", context)


def results_link(campaign: Campaign) -> str:
    url = reverse("admin:care_campaign_results", args=[campaign.pk])
    return format_html('<a href="{}">{}</a>', url, _("Results"))


def _csv(campaign: Campaign, rows: list[list[str]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-results.csv"'
    writer = csv.writer(response)
    writer.writerows(rows)
    return response
