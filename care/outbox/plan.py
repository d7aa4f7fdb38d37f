"""Planning: turn what is due into outbox rows, in bulk and idempotently.

The idempotency key is "<campaign id>/<trigger>/<subject>/<occasion>/<channel>",
for example "12/birthday/customer:42/2027/sms" or "3/survey/ticket:55/r0/email".
`occasion_key` is the same without the channel and is unique too, so an
occasion gets one message whatever channel it was planned on. Both are unique
in the database: an insert that ignores conflicts makes a re-run, or two
sweeps at once, plan nothing twice. The channel is chosen at plan time
(care.outbox.contacts).

Who is due comes from outside (care.outreach's triggers, as `Due` records):
this module knows rows, not campaigns' triggers.
"""

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from care.models import Campaign, Message, MessageStatus
from care.outbox.bulk import as_messages
from care.outbox.dryrun import plan_counts, plan_rows
from care.outbox.log import plan_log
from care.outbox.setwise import Planned, plan_insert
from care.outbox.slices import plan_sliced
from care.outbox.source import Source

# Dues of a trigger that finds them in Python, planned per statement.
CHUNK = 5000


@dataclass(frozen=True)
class Due:
    """One occasion a trigger found: who, about what, from when."""

    customer_id: int
    # `subject` and `occasion` make the once-only key: e.g. "asset:9" and "2026-12-01".
    subject: str
    occasion: str
    send_after: dt.datetime
    data: dict = field(default_factory=dict)
    product_id: int | None = None
    asset_id: int | None = None
    ticket_id: int | None = None
    expires_at: dt.datetime | None = None


# A dry run keeps this many of a campaign's rows to show (run_triggers
# --dry-run --limit); its counts cover every row.
PREVIEW_ROWS = 1000


@dataclass
class PlanResult:
    campaign: Campaign
    due: int = 0
    planned: int = 0
    skipped: int = 0
    already: int = 0
    rows: list[Message] = field(default_factory=list)
    error: str = ""


def occasion_key(campaign: Campaign, due: Due) -> str:
    return f"{campaign.pk}/{campaign.trigger}/{due.subject}/{due.occasion}"


# A chunk of a trigger's dues as the table `d` of a set-wise plan.
DUE_COLUMNS = {
    "customer_id": "bigint",
    "subject": "text",
    "occasion": "text",
    "data": "jsonb",
    "send_after": "timestamptz",
    "expires_at": "timestamptz",
    "product_id": "bigint",
    "asset_id": "bigint",
    "ticket_id": "bigint",
}


def dues_source(chunk: list[Due]) -> Source:
    rows = [{name: getattr(due, name) for name in DUE_COLUMNS} for due in chunk]
    return Source(rows, DUE_COLUMNS, join="c.id = d.customer_id", subject="d.subject")


def chunks(items: Iterable[Due], size: int) -> Iterator[list[Due]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def source_plan(
    campaign: Campaign, source: Source, result: PlanResult, *, dry_run: bool
) -> None:
    """Plan what the source finds due: rows written, or only read with dry_run."""
    if dry_run:
        done = Planned(plan_counts(campaign, source))
        room = PREVIEW_ROWS - len(result.rows)
        if room > 0 and done.counts:
            rows = plan_rows(campaign, source, limit=room)
            result.rows.extend(as_messages(campaign, rows))
    else:
        done = plan_sliced(campaign, source)
        if done is None:
            done = plan_insert(campaign, source)
        if campaign.conflict_group and done.already:
            # A sibling of the group may have taken some occasions while this
            # statement ran (its snapshot did not see them): those rows were
            # not written. Written now, they see the holder: `conflict`.
            again = plan_insert(campaign, source).counts
            done.counts.update(again)
            done.already -= again.total()
    planned, skipped = (
        done.count(MessageStatus.PLANNED),
        done.count(MessageStatus.SKIPPED),
    )
    result.due += planned + skipped + done.already
    result.planned += planned
    result.skipped += skipped
    result.already += done.already
    if done.counts and not dry_run:
        plan_log(campaign.pk, campaign.trigger, done.counts, done.already)
