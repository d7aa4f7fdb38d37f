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
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from care.models import Campaign, Message, MessageStatus
from care.outbox.bulk import among, as_messages, messages_insert, rows_fetch
from care.outbox.contacts import choose_channel, contacts_fetch
from care.outbox.log import plan_log

# Due rows handled per round of queries (lookup, contacts, insert).
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


def _row(campaign: Campaign, due: Due, contact: dict) -> dict:
    """The varying fields of one outbox row (see care.outbox.bulk.VARYING)."""
    channel, reason = choose_channel(contact, campaign.channels)
    okey = occasion_key(campaign, due)
    return {
        "key": f"{okey}/{channel}",
        "occasion_key": okey,
        "customer_id": due.customer_id,
        "channel": channel,
        "occasion": due.data,
        "product_id": due.product_id,
        "asset_id": due.asset_id,
        "ticket_id": due.ticket_id,
        "status": MessageStatus.SKIPPED if reason else MessageStatus.PLANNED,
        "reason": reason,
        "send_after": due.send_after,
        "expires_at": due.expires_at,
    }


def chunks(items: Iterable[Due], size: int) -> Iterator[list[Due]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def dues_plan(
    campaign: Campaign, chunk: list[Due], result: PlanResult, *, dry_run: bool
) -> None:
    """Plan one chunk of dues into outbox rows (in memory only with dry_run)."""
    # Drop what is already planned first: a sweep runs every minute and most
    # of what a trigger reports due was planned by an earlier run.
    keyed = {occasion_key(campaign, due): due for due in chunk}
    planned = Message.objects.filter(among("occasion_key", list(keyed), "text"))
    existing = {key for (key,) in rows_fetch(planned.values_list("occasion_key"))}
    fresh_due = [due for key, due in keyed.items() if key not in existing]
    contacts = contacts_fetch(
        [d.customer_id for d in fresh_due], campaign.channels, campaign.purpose
    )
    rows = [
        _row(campaign, due, contacts[due.customer_id])
        for due in fresh_due
        if due.customer_id in contacts
    ]
    result.due += len(chunk)
    if dry_run:
        inserted = rows
        result.rows.extend(as_messages(campaign, rows))
    else:
        # What this call inserted: a row another sweep wrote first is "already".
        inserted = messages_insert(campaign, rows, CHUNK)
    already = len(existing) + len(rows) - len(inserted)
    statuses = Counter(row["status"] for row in inserted)
    result.skipped += statuses[MessageStatus.SKIPPED]
    result.planned += statuses[MessageStatus.PLANNED]
    result.already += already
    if inserted and not dry_run:
        plan_log(campaign.pk, campaign.trigger, inserted, already)
