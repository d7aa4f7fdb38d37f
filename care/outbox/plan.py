"""Planning: turn what triggers say is due into outbox rows, in bulk and idempotently.

The idempotency key is "<campaign id>/<trigger>/<subject>/<occasion>/<channel>",
for example "12/birthday/customer:42/2027/sms" or "3/survey/ticket:55/r0/email".
`occasion_key` is the same without the channel and is unique too, so an
occasion gets one message whatever channel it was planned on. Both are unique
in the database: `bulk_create(ignore_conflicts=True)` makes a re-run, or two
sweeps at once, plan nothing twice.

The channel is chosen at plan time: the first of the campaign's channels for
which the customer has an address and a granted consent. With none, the row is
still written, as skipped with its reason, so staff can see why nobody wrote.
Consent is checked again at send time on the planned channel (no switching
then: the key names the channel).
"""

import datetime as dt
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from care.outbox.bulk import (
    among,
    as_messages,
    messages_insert,
    rows_fetch,
    statistics_refresh,
)
from care.outreach.campaigns import campaign_is_live, trigger_params
from care.models import Campaign, CampaignStatus, Message, MessageStatus, Reason
from care.outreach.triggers import TRIGGERS, Due
from crm.models import Consent, Customer

# Due rows handled per round of queries (lookup, contacts, insert).
CHUNK = 5000
log = logging.getLogger(__name__)


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


def _contacts(ids: list[int], channels: list[str], purpose: str) -> dict[int, dict]:
    """Address and current consent per channel for a chunk of customers: one query."""
    annotations = {
        f"consent_{channel}": Subquery(
            Consent.objects.filter(
                customer=OuterRef("pk"), channel=channel, purpose=purpose
            )
            .order_by("-recorded_at", "-id")
            .values("granted")[:1]
        )
        for channel in channels
    }
    rows = Customer.objects.filter(among("pk", ids, "bigint")).annotate(**annotations)
    fields = ["pk", "phone", "email", "phone_unusable_at", *annotations]
    found = rows_fetch(rows.values_list(*fields))
    return {row[0]: dict(zip(fields, row, strict=True)) for row in found}


def has_address(contact: dict, channel: str) -> bool:
    if channel == "sms":
        # A number the SMS provider refused for good is no address (issue 5).
        return bool(contact["phone"]) and contact.get("phone_unusable_at") is None
    return bool(contact["email"])


def choose_channel(contact: dict, channels: list[str]) -> tuple[str, str]:
    """Return (channel, skip reason or "") for the first usable channel."""
    for channel in channels:
        if has_address(contact, channel) and contact.get(f"consent_{channel}") is True:
            return channel, ""
    with_address = [c for c in channels if has_address(contact, c)]
    if with_address:
        return with_address[0], Reason.NO_CONSENT
    return channels[0], Reason.NO_ADDRESS


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


def _chunks(items: Iterable[Due], size: int) -> Iterator[list[Due]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _plan_chunk(
    campaign: Campaign, chunk: list[Due], result: PlanResult, dry_run: bool
) -> None:
    # Drop what is already planned first: a sweep runs every minute and most
    # of what a trigger reports due was planned by an earlier run.
    keyed = {occasion_key(campaign, due): due for due in chunk}
    planned = Message.objects.filter(among("occasion_key", list(keyed), "text"))
    existing = {key for (key,) in rows_fetch(planned.values_list("occasion_key"))}
    fresh_due = [due for key, due in keyed.items() if key not in existing]
    contacts = _contacts(
        [d.customer_id for d in fresh_due], campaign.channels, campaign.purpose
    )
    rows = [
        _row(campaign, due, contacts[due.customer_id])
        for due in fresh_due
        if due.customer_id in contacts
    ]
    result.due += len(chunk)
    result.already += len(existing)
    result.skipped += sum(1 for row in rows if row["status"] == MessageStatus.SKIPPED)
    result.planned += sum(1 for row in rows if row["status"] == MessageStatus.PLANNED)
    if dry_run:
        result.rows.extend(as_messages(campaign, rows))
    else:
        messages_insert(campaign, rows, CHUNK)


def messages_plan(
    *, campaign: Campaign, now: dt.datetime, dry_run: bool = False
) -> PlanResult:
    """Plan the campaign's due messages; with dry_run, return them without writing."""
    result = PlanResult(campaign=campaign)
    if not campaign_is_live(campaign, now) and not dry_run:
        return result
    spec = TRIGGERS[campaign.trigger]
    for chunk in _chunks(spec.due(campaign, now, trigger_params(campaign)), CHUNK):
        _plan_chunk(campaign, chunk, result, dry_run)
    if not dry_run:
        statistics_refresh(result.planned + result.skipped)
    return result


def campaigns_sweep(
    *,
    now: dt.datetime,
    dry_run: bool = False,
    on_planned: Callable[[PlanResult, int], None] | None = None,
) -> list[PlanResult]:
    """Run every active campaign's trigger once (a dry run also covers drafts).

    `on_planned(result, total)` is called after each campaign (progress display).
    """
    statuses = [CampaignStatus.ACTIVE]
    if dry_run:
        statuses += [CampaignStatus.DRAFT, CampaignStatus.AWAITING_APPROVAL]
    campaigns = list(
        Campaign.objects.filter(status__in=statuses)
        .select_related("offer")
        .order_by("pk")
    )
    results = []
    for campaign in campaigns:
        results.append(_plan_safely(campaign, now, dry_run))
        if on_planned is not None:
            on_planned(results[-1], len(campaigns))
    return results


def _plan_safely(campaign: Campaign, now: dt.datetime, dry_run: bool) -> PlanResult:
    # One broken campaign (say, an audience naming a field that is gone) must
    # not stop the others; what it planned before failing stays planned.
    try:
        return messages_plan(campaign=campaign, now=now, dry_run=dry_run)
    except Exception as exc:
        log.exception("sweep of campaign %s failed", campaign.slug)
        return PlanResult(campaign=campaign, error=f"{type(exc).__name__}: {exc}")
