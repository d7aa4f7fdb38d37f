"""Forecast (issue 10): what a campaign would send over the next days, writing nothing.

For each of the next 14 days the sweep's own SELECT (care.outbox.setwise
`plan_rows`, the planning statement without its INSERT) says which rows
would be planned that day, with the planning skips (no consent, no address,
conflict). Each would-be message then goes through dispatch's decision
(care.delivery.decide: consent, care first, frequency cap, quiet hours,
holdout) at its own send moment, in time order so the cap counts the
forecast's own sends. Drafts are forecast as if they were running.

Known limits, said on the page: the care-team state (open tickets, cases,
recent sends) is today's; a conflict is seen against rows already in the
outbox, not against other campaigns' forecasts; days are simulated at the
same time of day as now (the sweep runs every minute).
"""

import copy
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from care.delivery.decide import BatchContext, decide
from care.models import Campaign, CampaignStatus, Message, MessageStatus, Reason
from care.outbox.bulk import as_messages
from care.outbox.dryrun import plan_rows
from care.outbox.source import sources_merge
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


@dataclass
class Forecast:
    campaign: Campaign
    start: dt.date
    per_day: list[tuple[dt.date, int]]
    # Reason -> count; "quiet_hours" counts messages that wait, not dropped ones.
    reasons: Counter = field(default_factory=Counter)
    lines: list[ForecastLine] = field(default_factory=list)

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


def _would_run(campaign: Campaign, now: dt.datetime) -> bool:
    return (campaign.starts_at is None or campaign.starts_at <= now) and (
        campaign.ends_at is None or now < campaign.ends_at
    )


def _planned_rows(campaign: Campaign, now: dt.datetime, days: int) -> list[dict]:
    """Rows the sweeps of the next `days` would plan, each occasion once.

    The days' sources are merged into one, read with one planning query.
    """
    sources = [
        source
        for day in range(days)
        if _would_run(campaign, moment := now + dt.timedelta(days=day))
        for source in campaign_sources(campaign, moment)
    ]
    merged = sources_merge(sources)
    return plan_rows(campaign, merged) if merged is not None else []


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
    messages = _messages(campaign, _planned_rows(campaign, now, days))
    planned = [m for m in messages if m.status == MessageStatus.PLANNED]
    context = BatchContext.load(planned, now, hold=False)
    context.held = set()  # a draft's approval is what the forecast is for
    lines = [
        _decide(m, context) if m.status == MessageStatus.PLANNED else _line(m)
        for m in messages
    ]
    return _summary(campaign, start, days, lines)


def _summary(
    campaign: Campaign, start: dt.date, days: int, lines: list[ForecastLine]
) -> Forecast:
    per_day = Counter(
        timezone.localdate(line.when) for line in lines if line.outcome == "sent"
    )
    reasons = Counter(line.reason for line in lines if line.reason)
    dates = [start + dt.timedelta(days=n) for n in range(days)]
    # A message deferred past the last day still counts, on the last day.
    late = sum(n for day, n in per_day.items() if day > dates[-1])
    counts = [(day, per_day[day] + (late if day == dates[-1] else 0)) for day in dates]
    lines.sort(key=lambda line: (line.when, line.customer_id))
    return Forecast(campaign, start, counts, reasons, lines)
