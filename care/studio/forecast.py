"""Forecast (issue 10): what a campaign would send over the next days, writing nothing.

For each of the next 14 days the sweep's own SELECT (care.outbox.setwise
`plan_rows`, the planning statement without its INSERT) says which rows
would be planned that day, with the planning skips (no consent, no address,
conflict). Each would-be message then goes through dispatch's decision
(care.delivery.decide: consent, care first, frequency cap, quiet hours,
holdout) at its own send moment, in time order so the cap counts the
forecast's own sends. Drafts are forecast as if they were running.

A large forecast is simulated on a sample (issue 16, "a million customers
without waiting"): above FORECAST_SAMPLE due messages, only the customers of
a fixed pseudo-random 1 in k (k = due / FORECAST_SAMPLE, rounded up) go
through the planning query and the send-time rules, and every count is scaled
by the due messages over the sample's due messages. Whole customers are
sampled, so one customer's messages (the frequency cap, care first) are
simulated together. A whole-audience forecast at 1M customers took minutes
and gigabytes, one Python object per would-be message; a sample of 10,000
takes seconds and estimates a share within about one percentage point.

Known limits, said on the page: the care-team state (open tickets, cases,
recent sends) is today's; a conflict is seen against rows already in the
outbox, not against other campaigns' forecasts; days are simulated at the
same time of day as now (the sweep runs every minute).
"""

import copy
import dataclasses
import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils import timezone

from care.delivery.decide import BatchContext, decide
from care.models import Campaign, CampaignStatus, Message, MessageStatus, Reason
from care.outbox.bulk import as_messages
from care.outbox.dryrun import plan_rows
from care.outbox.setwise import due_count
from care.outbox.source import Source, sources_merge
from care.outreach.sweep import campaign_sources
from crm.models import Customer

DAYS = 14
# The reasons the forecast always lists (issue 10), then any other found.
REASONS = (
    Reason.NO_CONSENT,
    Reason.QUIET_HOURS,
    Reason.FREQUENCY_CAP,
    Reason.CARE_FIRST,
    "holdout",
    Reason.CONFLICT,
)
HOLDOUT = "holdout"
# The sample's pseudo-random pick of customers: the top 16 bits of a 32-bit
# multiplicative (Fibonacci) hash of the id, the same integers on PostgreSQL
# and SQLite, so a forecast shows the same customers wherever it runs.
GOLDEN = 2654435761


@dataclass(frozen=True)
class ForecastLine:
    """One would-be message: who, when, on which channel, and what becomes of it."""

    customer_id: int
    channel: str
    when: dt.datetime
    # "sent" (would go), or the status it would get: skipped, held_out.
    outcome: str
    reason: str = ""
    detail: str = ""
    # Deferred by quiet hours from this moment to `when`.
    deferred_from: dt.datetime | None = None
    # The unsaved row, its customer attached (for rendering a sample page).
    message: Message | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Sample:
    due: int
    of: int
    every: int

    @property
    def scale(self) -> float:
        return self.of / self.due if self.due else 0.0


@dataclass
class Forecast:
    campaign: Campaign
    start: dt.date
    per_day: list[tuple[dt.date, int]]
    # Reason -> count; "quiet_hours" counts messages that wait, not dropped ones.
    reasons: Counter = field(default_factory=Counter)
    lines: list[ForecastLine] = field(default_factory=list)
    # None: every would-be message was simulated. Else the sample: how many
    # due messages it held, of how many, one customer in `every`; the counts
    # above are scaled up from it, `lines` are the sample's.
    sample: Sample | None = None

    @property
    def sending(self) -> int:
        return sum(n for _, n in self.per_day)

    def reason_rows(self) -> list[tuple[str, int]]:
        """The issue's reasons first (zeros too), then any other, largest first."""
        rest = sorted(
            (r for r in self.reasons if r not in REASONS),
            key=lambda r: -self.reasons[r],
        )
        return [(reason, self.reasons[reason]) for reason in (*REASONS, *rest)]


def sample_q(every: int) -> Q:
    """Customers of a fixed pseudo-random 1 in `every` (see GOLDEN)."""
    bits = F("pk") * GOLDEN % 2**32 / 2**16
    return Q(Exact(bits % every, 0))


def _would_run(campaign: Campaign, now: dt.datetime) -> bool:
    return (campaign.starts_at is None or campaign.starts_at <= now) and (
        campaign.ends_at is None or now < campaign.ends_at
    )


def _source(campaign: Campaign, now: dt.datetime, days: int) -> Source | None:
    """Who the sweeps of the next `days` would find due, each occasion once.

    The days' sources are merged into one, read with one planning query.
    """
    sources = [
        source
        for day in range(days)
        if _would_run(campaign, moment := now + dt.timedelta(days=day))
        for source in campaign_sources(campaign, moment)
    ]
    return sources_merge(sources)


def _due(campaign: Campaign, source: Source) -> int:
    if not source.rows:
        return 0
    sql, params = due_count(campaign, source)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _sampled(campaign: Campaign, source: Source) -> tuple[Source, Sample | None]:
    """The source itself, or above FORECAST_SAMPLE due messages a sample of it.

    The sample is no longer wide: its few customers' consents are looked up
    one by one rather than every customer's read (care.outbox.setwise).
    """
    due, limit = _due(campaign, source), settings.FORECAST_SAMPLE
    if due <= limit:
        return source, None
    every = math.ceil(due / limit)
    part = dataclasses.replace(
        source, customers=source.customers & sample_q(every), wide=False, ids=None
    )
    found = _due(campaign, part)
    if not found:  # only with a tiny limit: a sample of nobody says nothing
        return source, None
    return part, Sample(found, due, every)


def _messages(campaign: Campaign, rows: list[dict]) -> list[Message]:
    # Drafts are forecast as if they were running; nothing is saved.
    live = copy.copy(campaign)
    live.status = CampaignStatus.ACTIVE
    messages = as_messages(live, rows)
    customers = Customer.objects.in_bulk({m.customer_id for m in messages})
    for message in messages:
        message.customer = customers[message.customer_id]
    messages.sort(key=lambda m: (m.send_after, m.customer_id))
    return messages


def _decide(message: Message, context: BatchContext) -> ForecastLine:
    """Dispatch's decision at the message's moment (and again after quiet hours)."""
    line = ForecastLine(
        message.customer_id,
        message.channel,
        message.send_after,
        "sent",
        message=message,
    )
    when = message.send_after
    for _ in range(2):  # at most one deferral: the quiet window's end is not quiet
        outcome = decide(message, context, when)
        if outcome is None:
            context.count_sent(message)
            return ForecastLine(**{**line.__dict__, "when": when})
        if outcome.status != MessageStatus.DEFERRED:
            reason = HOLDOUT if outcome.status == MessageStatus.HELD_OUT else ""
            return ForecastLine(
                message.customer_id,
                message.channel,
                when,
                outcome.status,
                outcome.reason or reason,
                outcome.detail,
                message=message,
            )
        line = ForecastLine(
            message.customer_id,
            message.channel,
            when,
            "sent",
            outcome.reason,
            deferred_from=message.send_after,
            message=message,
        )
        when = outcome.send_after or when
        message.reason = outcome.reason  # a deferred message may go late
    return line


def _line(message: Message) -> ForecastLine:
    """A row the planning itself skipped (no consent or address, conflict)."""
    return ForecastLine(
        message.customer_id,
        message.channel,
        message.send_after,
        MessageStatus.SKIPPED,
        message.reason,
        message.reason_detail,
        message=message,
    )


def campaign_forecast(
    *, campaign: Campaign, now: dt.datetime | None = None, days: int = DAYS
) -> Forecast:
    """The campaign's next `days` days: messages per day, skips by reason, every line."""
    now = now or timezone.now()
    start = timezone.localdate(now)
    source, sample = _source(campaign, now, days), None
    if source is not None:
        source, sample = _sampled(campaign, source)
    rows = plan_rows(campaign, source) if source is not None else []
    messages = _messages(campaign, rows)
    planned = [m for m in messages if m.status == MessageStatus.PLANNED]
    context = BatchContext.load(planned, now, hold=False)
    context.held = set()  # a draft's approval is what the forecast is for
    lines = [
        _decide(m, context) if m.status == MessageStatus.PLANNED else _line(m)
        for m in messages
    ]
    return _summary(campaign, start, days, lines, sample)


def _scaled(counts: Counter, sample: Sample | None) -> Counter:
    if sample is None:
        return counts
    return Counter({key: round(n * sample.scale) for key, n in counts.items()})


def _summary(
    campaign: Campaign,
    start: dt.date,
    days: int,
    lines: list[ForecastLine],
    sample: Sample | None = None,
) -> Forecast:
    per_day = _scaled(
        Counter(
            timezone.localdate(line.when) for line in lines if line.outcome == "sent"
        ),
        sample,
    )
    reasons = _scaled(Counter(line.reason for line in lines if line.reason), sample)
    dates = [start + dt.timedelta(days=n) for n in range(days)]
    # A message deferred past the last day still counts, on the last day.
    late = sum(n for day, n in per_day.items() if day > dates[-1])
    counts = [(day, per_day[day] + (late if day == dates[-1] else 0)) for day in dates]
    lines.sort(key=lambda line: (line.when, line.customer_id))
    return Forecast(campaign, start, counts, reasons, lines, sample)
