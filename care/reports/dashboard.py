"""The managers' dashboard on the admin index: a handful of grouped queries, drawn as SVG.

What it shows (docs/results.md says how each figure is computed):
- messages per day for the last 14 days, by channel and status (a message's
  day is when it was sent, else when it was last decided: skipped, held out);
- delivery rate (delivered / sent) and click rate (messages a person clicked
  / delivered) over the same 14 days, per channel;
- customers per segment now, and the movement of the last 30 days (changes
  into and out of each segment);
- CSAT (share of 4-5) and NPS per week for 12 weeks;
- recovery cases open and overdue;
- the campaigns with the most conversions among their messages of the same 14
  days (the attribution of care.outreach.results, each with its own window).
Each part is one or two aggregate queries; none reads rows one by one, so the
page answers in well under a second on the 100k-customer demo (BENCHMARKS.md).
"""

import datetime as dt
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import (
    SENT_LIKE,
    Campaign,
    CaseStatus,
    Click,
    Coupon,
    CouponStatus,
    Message,
    MessageStatus,
    RecoveryCase,
    Survey,
)
from care.reports.arithmetic import csat_share, nps_points, rate
from care.reports.charts import series_chart
from crm.models import Order
from segmentation.models import CustomerRfm, Segment, SegmentTransition

DAYS = 14
MOVEMENT_DAYS = 30
TREND_WEEKS = 12
TOP_CAMPAIGNS = 5
# The statuses drawn per day (the ones still on their way are left out).
DRAWN = (
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.FAILED,
    MessageStatus.SKIPPED,
    MessageStatus.HELD_OUT,
)


@dataclass(frozen=True)
class ChannelRates:
    channel: str
    sent: int
    delivered: int
    clicked: int

    @property
    def delivery_rate(self) -> float | None:
        return rate(self.delivered, self.sent)

    @property
    def click_rate(self) -> float | None:
        return rate(self.clicked, self.delivered)


@dataclass(frozen=True)
class SegmentRow:
    segment: str
    label: str
    customers: int
    moved_in: int
    moved_out: int

    @property
    def net(self) -> int:
        return self.moved_in - self.moved_out


@dataclass(frozen=True)
class WeekScores:
    start: dt.date
    csat: float | None
    nps: float | None
    answers: int


@dataclass(frozen=True)
class TopCampaign:
    campaign_id: int
    name: str
    sent: int
    converted: int


@dataclass(frozen=True)
class Dashboard:
    days: list[dt.date]
    per_day: dict[str, dict[str, list[int]]]  # channel -> status -> count per day
    rates: list[ChannelRates]
    segments: list[SegmentRow]
    weeks: list[WeekScores]
    cases_open: int
    cases_overdue: int
    top_campaigns: list[TopCampaign]

    def charts(self) -> list[dict]:
        labels = [d.isoformat() for d in self.days]
        names = dict(MessageStatus.choices)
        return [
            {
                "channel": channel,
                **series_chart(
                    labels,
                    [(str(names[s]), counts[s]) for s in DRAWN],
                    width=300,
                    height=100,
                ),
            }
            for channel, counts in self.per_day.items()
        ]

    def trend_chart(self) -> dict:
        labels = [w.start.isoformat() for w in self.weeks]
        return {
            "csat": series_chart(
                labels, [(_("CSAT"), [100 * (w.csat or 0) for w in self.weeks])],
                width=300, height=100,
            ),
            "nps": series_chart(
                labels, [(_("NPS"), [max(w.nps or 0, 0) for w in self.weeks])],
                width=300, height=100,
            ),
        }


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), timezone.get_current_timezone())


def messages_per_day(days: list[dt.date]) -> dict[str, dict[str, list[int]]]:
    """Counts per channel, status and day: sent rows by `sent_at`, the others by when
    they were due (`send_after`). One count per day with a range filter each, so
    the database compares timestamps and never converts one per row."""
    edges = [_day_start(day) for day in days] + [_day_start(days[-1] + dt.timedelta(days=1))]
    found: dict[str, dict[str, list[int]]] = {}
    for column, rows in (
        (
            "sent_at",
            Message.objects.filter(
                is_test=False, sent_at__gte=edges[0], sent_at__lt=edges[-1]
            ),
        ),
        (
            "send_after",
            Message.objects.filter(
                is_test=False,
                status__in=[s for s in DRAWN if s not in SENT_LIKE],
                sent_at__isnull=True,
                send_after__gte=edges[0],
                send_after__lt=edges[-1],
            ),
        ),
    ):
        per_day = {
            f"d{i}": Count("id", filter=Q(**{f"{column}__gte": a, f"{column}__lt": b}))
            for i, (a, b) in enumerate(itertools.pairwise(edges))
        }
        for row in rows.values("channel", "status").annotate(**per_day).order_by():
            if row["status"] not in DRAWN:
                continue
            counts = found.setdefault(row["channel"], {s: [0] * len(days) for s in DRAWN})
            for i in range(len(days)):
                counts[row["status"]][i] += row[f"d{i}"]
    return dict(sorted(found.items()))


def channel_rates(since: dt.datetime) -> list[ChannelRates]:
    went = Message.objects.filter(is_test=False, sent_at__gte=since)
    counts = went.values_list("channel").annotate(
        sent=Count("id"),
        delivered=Count("id", filter=Q(status=MessageStatus.DELIVERED) | Q(delivered_at__isnull=False)),
    ).order_by()
    clicked = dict(
        Click.objects.filter(counted=True, message__sent_at__gte=since)
        .values_list("message__channel")
        .annotate(n=Count("message", distinct=True))
        .order_by()
    )
    return [
        ChannelRates(channel, sent, delivered, clicked.get(channel, 0))
        for channel, sent, delivered in sorted(counts)
    ]


def segment_rows(since: dt.datetime) -> list[SegmentRow]:
    customers = dict(CustomerRfm.objects.values_list("segment").annotate(n=Count("pk")).order_by())
    moves = SegmentTransition.objects.filter(changed_at__gte=since)
    moved_in = dict(moves.values_list("to_segment").annotate(n=Count("pk")).order_by())
    moved_out = dict(
        moves.exclude(from_segment__isnull=True)
        .values_list("from_segment")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        SegmentRow(s.value, str(s.label), customers.get(s, 0), moved_in.get(s, 0), moved_out.get(s, 0))
        for s in Segment
        if customers.get(s) or moved_in.get(s) or moved_out.get(s)
    ]


def weekly_scores(today: dt.date) -> list[WeekScores]:
    first = today - dt.timedelta(days=today.weekday(), weeks=TREND_WEEKS - 1)
    csat: dict[dt.date, list[int]] = defaultdict(list)
    nps: dict[dt.date, list[int]] = defaultdict(list)
    answers: Counter = Counter()
    rows = Survey.objects.filter(answered_at__gte=_day_start(first)).values_list(
        "answered_at", "csat", "nps"
    )
    for answered_at, csat_score, nps_score in rows:
        day = timezone.localdate(answered_at)
        week = day - dt.timedelta(days=day.weekday())
        answers[week] += 1
        if csat_score is not None:
            csat[week].append(csat_score)
        if nps_score is not None:
            nps[week].append(nps_score)
    weeks = [first + dt.timedelta(weeks=i) for i in range(TREND_WEEKS)]
    return [WeekScores(w, csat_share(csat[w]), nps_points(nps[w]), answers[w]) for w in weeks]


def case_counts(now: dt.datetime) -> tuple[int, int]:
    open_cases = RecoveryCase.objects.filter(status=CaseStatus.OPEN)
    overdue = open_cases.filter(
        Q(first_response_at__isnull=True, first_response_due__lt=now) | Q(resolution_due__lt=now)
    )
    return open_cases.count(), overdue.count()


def top_campaigns(since: dt.datetime) -> list[TopCampaign]:
    """Conversions among each campaign's messages sent since `since` (its own window).

    A conversion cannot come before its message, so only the messages of
    customers who ordered since then are looked up in the orders (the window's
    date arithmetic runs for those alone); a coupon redeemed by an order
    (care.outreach.offers) converts its message. A few grouped queries per
    distinct attribution window (usually one), whatever the number of campaigns.
    """
    went = Message.objects.filter(is_test=False, sent_at__gte=since)
    buyers = Order.objects.filter(placed_at__gte=since).values("customer_id")
    sent = Counter(dict(_per_campaign(went)))
    hits = set(
        Coupon.objects.filter(status=CouponStatus.REDEEMED, message__sent_at__gte=since)
        .values_list("message_id", "message__campaign_id")
    )
    windows = Campaign.objects.order_by().values_list("attribution_days", flat=True)
    for days in set(windows):
        in_window = Order.objects.filter(
            customer=OuterRef("customer_id"),
            placed_at__gte=OuterRef("sent_at"),
            placed_at__lt=OuterRef("sent_at") + dt.timedelta(days=days),
        )
        # Chained filters, the union taken here: one OR with the coupon's
        # condition makes SQLite look up every message.
        hits |= set(
            went.filter(campaign__attribution_days=days, customer_id__in=buyers)
            .filter(Exists(in_window))
            .values_list("pk", "campaign_id")
        )
    converted = Counter(campaign for _pk, campaign in hits)
    names = dict(Campaign.objects.filter(pk__in=list(sent)).values_list("pk", "name"))
    found = [TopCampaign(pk, names[pk], sent[pk], converted[pk]) for pk in sent]
    found.sort(key=lambda c: (-c.converted, -c.sent, c.name))
    return found[:TOP_CAMPAIGNS]


def _per_campaign(rows) -> list[tuple[int, int]]:
    return list(rows.values_list("campaign_id").annotate(n=Count("id")).order_by())


def dashboard_build(now: dt.datetime) -> Dashboard:
    today = timezone.localdate(now)
    days = [today - dt.timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    opened, overdue = case_counts(now)
    return Dashboard(
        days=days,
        per_day=messages_per_day(days),
        rates=channel_rates(_day_start(days[0])),
        segments=segment_rows(now - dt.timedelta(days=MOVEMENT_DAYS)),
        weeks=weekly_scores(today),
        cases_open=opened,
        cases_overdue=overdue,
        top_campaigns=top_campaigns(_day_start(days[0])),
    )
