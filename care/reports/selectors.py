"""Reads for the care reports: a few aggregate-free queries, arithmetic in Python.

Survey figures are over surveys *sent* in the period (so the response rate and
the scores describe the same cohort); first-contact resolution over tickets
resolved in the period; recovery over cases opened in the period.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from care.models import TICKET_DONE, RecoveryCase, Survey, SurveyKind, Ticket
from care.reports.arithmetic import (
    CaseFacts,
    Latency,
    RecoverySummary,
    csat_share,
    csat_trend,
    distribution,
    histogram,
    latency_summary,
    nps_points,
    rate,
    recovery_summary,
)
from crm.models import Order

LATENCY_EDGES = [0, 10, 20, 30, 40, 50, 60]
# Periods up to this many days chart CSAT by week, longer ones by month.
TREND_WEEKS_UP_TO = 120


@dataclass(frozen=True)
class ReportFilter:
    start: dt.datetime
    end: dt.datetime
    agent: str = ""
    channel: str = ""


@dataclass
class Report:
    sent: int
    answered: int
    response_rate: float | None
    csat: float | None
    csat_count: int
    nps: float | None
    nps_count: int
    fcr: float | None
    fcr_count: int
    latency: Latency
    recovery: RecoverySummary
    csat_counts: list[tuple[int, int]]
    nps_counts: list[tuple[int, int]]
    latency_counts: list[int]
    trend: list[tuple[dt.date, float | None, int]]
    trend_unit: str  # "week" or "month"


def _surveys(f: ReportFilter):
    rows = Survey.objects.filter(sent_at__gte=f.start, sent_at__lt=f.end)
    if f.agent:
        rows = rows.filter(agent=f.agent)
    if f.channel:
        rows = rows.filter(channel=f.channel)
    return rows


def _fcr(f: ReportFilter) -> tuple[float | None, int]:
    tickets = Ticket.objects.filter(
        resolved_at__gte=f.start,
        resolved_at__lt=f.end,
        status__in=TICKET_DONE,
        first_contact_resolution__isnull=False,
    )
    if f.agent:
        tickets = tickets.filter(agent=f.agent)
    flags = list(tickets.values_list("first_contact_resolution", flat=True))
    return rate(sum(flags), len(flags)), len(flags)


def good_answer_q() -> Q:
    """A satisfied answer in SQL, as `care.service.surveys.scores.is_good` says in Python."""
    not_low = ~Q(csat__lte=settings.CARE_RECOVERY_CSAT_MAX) & ~Q(
        nps__lte=settings.CARE_RECOVERY_NPS_MAX
    )
    return not_low & (Q(csat__gte=4) | Q(csat__isnull=True, nps__gte=9))


def _cases(f: ReportFilter) -> list[CaseFacts]:
    """Cases opened in the period; recovered: a later good answer or a new order."""
    cases = RecoveryCase.objects.filter(opened_at__gte=f.start, opened_at__lt=f.end)
    if f.agent:
        cases = cases.filter(ticket__agent=f.agent)
    if f.channel:
        cases = cases.filter(survey__channel=f.channel)
    ordered = Order.objects.filter(
        customer=OuterRef("customer"), placed_at__gt=OuterRef("opened_at")
    )
    praised = Survey.objects.filter(
        good_answer_q(),
        customer=OuterRef("customer"),
        answered_at__gt=OuterRef("opened_at"),
    )
    rows = cases.annotate(ordered=Exists(ordered), praised=Exists(praised)).values_list(
        "first_response_due",
        "resolution_due",
        "first_response_at",
        "resolved_at",
        "ordered",
        "praised",
    )
    return [
        CaseFacts(first_due, due, first, resolved, bool(ordered or praised))
        for first_due, due, first, resolved, ordered, praised in rows
    ]


def _trend_unit(f: ReportFilter) -> str:
    return (
        "week" if f.end - f.start <= dt.timedelta(days=TREND_WEEKS_UP_TO) else "month"
    )


def _latencies(surveys: list[tuple]) -> list[float]:
    """Minutes from resolution to sending, for post-service surveys."""
    return [
        (sent - resolved).total_seconds() / 60
        for kind, sent, resolved, *_ in surveys
        if kind == SurveyKind.SERVICE and resolved is not None
    ]


def report_build(f: ReportFilter, now: dt.datetime) -> Report:
    """Every figure of the care reports page for one filter."""
    surveys = list(
        _surveys(f).values_list(
            "kind", "sent_at", "resolved_at", "answered_at", "csat", "nps"
        )
    )
    answered = [s for s in surveys if s[3] is not None]
    csats = [s[4] for s in answered if s[4] is not None]
    npss = [s[5] for s in answered if s[5] is not None]
    minutes = _latencies(surveys)
    fcr, fcr_count = _fcr(f)
    days = [(timezone.localtime(s[1]).date(), s[4]) for s in answered if s[4]]
    return Report(
        sent=len(surveys),
        answered=len(answered),
        response_rate=rate(len(answered), len(surveys)),
        csat=csat_share(csats),
        csat_count=len(csats),
        nps=nps_points(npss),
        nps_count=len(npss),
        fcr=fcr,
        fcr_count=fcr_count,
        latency=latency_summary(minutes),
        recovery=recovery_summary(_cases(f), now),
        csat_counts=distribution(csats, 1, 5),
        nps_counts=distribution(npss, 0, 10),
        latency_counts=histogram(minutes, LATENCY_EDGES),
        trend=csat_trend(days, _trend_unit(f)),
        trend_unit=_trend_unit(f),
    )


def report_agents() -> list[str]:
    agents = Ticket.objects.exclude(agent="").values_list("agent", flat=True)
    return sorted(set(agents.distinct()))
