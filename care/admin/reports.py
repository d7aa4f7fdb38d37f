"""The care reports page (admin): CSAT, NPS, FCR, response rate, latency, recovery."""

import datetime as dt
import itertools

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.reports.charts import bars, line_points, polyline
from care.reports.selectors import (
    LATENCY_EDGES,
    ReportFilter,
    report_agents,
    report_build,
)
from crm.models import Channel

DEFAULT_DAYS = 90
NPS_CSS = ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2


class ReportForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("from"), required=False)
    end = forms.DateField(label=gettext_lazy("to (inclusive)"), required=False)
    agent = forms.ChoiceField(label=gettext_lazy("agent"), required=False)
    channel = forms.ChoiceField(label=gettext_lazy("channel"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        everyone = [("", gettext_lazy("all"))]
        self.fields["agent"].choices = everyone + [(a, a) for a in report_agents()]
        self.fields["channel"].choices = everyone + list(Channel.choices)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(
                _("The end date must not be before the start date.")
            )
        return data


def report_filter(form: ReportForm) -> ReportFilter:
    """The filter of a valid form; the last 90 days (all agents, channels) otherwise."""
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    zone = timezone.get_current_timezone()
    return ReportFilter(
        start=dt.datetime.combine(start, dt.time(), zone),
        end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone),
        agent=data.get("agent", ""),
        channel=data.get("channel", ""),
    )


def _charts(report) -> dict:
    points = line_points([share for _, share, _ in report.trend])
    labels = [f"{a}-{b}" for a, b in itertools.pairwise(LATENCY_EDGES)]
    labels.append(f"{LATENCY_EDGES[-1]}+")
    return {
        "csat_bars": bars([(str(s), n) for s, n in report.csat_counts]),
        "nps_bars": bars([(str(s), n) for s, n in report.nps_counts], NPS_CSS),
        "latency_bars": bars(list(zip(labels, report.latency_counts))),
        "trend_polyline": polyline(points),
        "trend_dots": [
            {
                "x": x,
                "y": y,
                "start": report.trend[i][0],
                "share": report.trend[i][1],
                "count": report.trend[i][2],
            }
            for x, y, i in points
        ],
    }


def reports_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("care.view_reports"):
        return HttpResponse(_("You may not see the care reports."), status=403)
    form = ReportForm(request.GET or None)
    chosen = report_filter(form)
    report = report_build(chosen, timezone.now())
    context = {
        **admin.site.each_context(request),
        "title": _("Care reports"),
        "form": form,
        "filter": chosen,
        "period_end": (chosen.end - dt.timedelta(days=1)).date(),
        "report": report,
        **_charts(report),
    }
    return TemplateResponse(request, "admin/care/reports.html", context)
