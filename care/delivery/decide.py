"""The send-time decision for one claimed message: go, wait, or skip (and why).

Order: campaign content still the approved one (else wait), campaign still
running, the trigger kind's own last check (a survey whose ticket reopened,
say), not expired, address, consent, care before marketing, frequency cap,
quiet hours (defer), holdout. Everything the rules
need for a batch is loaded in a handful of queries up front, so the cost per
message stays flat.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q

from care.models import MAYBE_SENT, Message, MessageStatus, Reason
from care.outreach.approval import campaigns_hold_unapproved, campaigns_unapproved
from care.outreach.campaigns import campaign_is_live
from care.outreach.triggers import KindBatch, send_hooks
from care.rules import (
    cap_reached,
    customer_zone,
    in_holdout,
    parse_quiet_hours,
    quiet_until,
)
from care.service.care_first import care_first_details
from crm.models import Customer, Purpose
from crm.querysets import latest_consent


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    detail: str = ""
    send_after: dt.datetime | None = None


def _skip(reason: str, detail: str = "") -> Outcome:
    return Outcome(MessageStatus.SKIPPED, reason, detail)


@dataclass
class BatchContext:
    consents: dict[tuple[int, str, str], bool | None]
    # Customer id -> why marketing waits (open ticket, recovery case, low score).
    in_care: dict[int, str]
    recent_marketing: Counter
    quiet: tuple[dt.time, dt.time] | None
    cap_limit: int
    # Trigger kind -> its own last check for this batch (care.outreach.triggers).
    kinds: dict[str, KindBatch] = field(default_factory=dict)
    # Campaigns whose content changed since approval: their rows wait.
    held: set[int] = field(default_factory=set)

    @classmethod
    def load(
        cls, messages: list[Message], now: dt.datetime, *, hold: bool = True
    ) -> "BatchContext":
        """With `hold` off (a dry run) nothing is written: changed campaigns are
        only reported, not sent back for approval."""
        if not messages:
            return cls({}, {}, Counter(), None, 0)
        marketing = {m.customer_id for m in messages if m.purpose == Purpose.MARKETING}
        return cls(
            consents=_consents(messages),
            in_care=care_first_details(marketing, now),
            recent_marketing=_recent_marketing(
                marketing, {m.pk for m in messages}, now
            ),
            quiet=parse_quiet_hours(settings.CARE_QUIET_HOURS),
            cap_limit=settings.CARE_FREQUENCY_CAP,
            kinds=_kinds(messages, now),
            held=(campaigns_hold_unapproved if hold else campaigns_unapproved)(
                {m.campaign for m in messages}
            ),
        )

    def kind(self, message: Message) -> KindBatch:
        return self.kinds.get(message.trigger) or KindBatch()

    def count_sent(self, message: Message) -> None:
        if message.purpose == Purpose.MARKETING:
            self.recent_marketing[message.customer_id] += 1
        self.kind(message).count_sent(message)


def _kinds(messages: list[Message], now: dt.datetime) -> dict[str, KindBatch]:
    by_kind: dict[str, list[Message]] = {}
    for message in messages:
        by_kind.setdefault(message.trigger, []).append(message)
    return {kind: send_hooks(kind).batch(rows, now) for kind, rows in by_kind.items()}


def _consents(messages: list[Message]) -> dict[tuple[int, str, str], bool | None]:
    """The latest consent decision per (customer, channel, purpose) in the batch."""
    found: dict[tuple[int, str, str], bool | None] = {}
    topics = {(m.channel, m.purpose) for m in messages}
    for channel, purpose in topics:
        ids = {
            m.customer_id
            for m in messages
            if (m.channel, m.purpose) == (channel, purpose)
        }
        rows = Customer.objects.filter(pk__in=ids).annotate(
            granted=latest_consent(channel, purpose)
        )
        for pk, granted in rows.values_list("pk", "granted"):
            found[(pk, channel, purpose)] = granted
    return found


def _recent_marketing(
    customer_ids: set[int], batch_ids: set[int], now: dt.datetime
) -> Counter:
    if not customer_ids:
        return Counter()
    since = now - dt.timedelta(days=settings.CARE_FREQUENCY_CAP_DAYS)
    rows = (
        Message.objects.filter(
            customer_id__in=customer_ids,
            purpose=Purpose.MARKETING,
            status__in=MAYBE_SENT,
            is_test=False,  # a colleague's test send is no message to the customer
        )
        .filter(Q(sent_at__gte=since) | Q(sent_at__isnull=True, claimed_at__gte=since))
        .exclude(pk__in=batch_ids)
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    return Counter({row["customer_id"]: row["n"] for row in rows})


def _before_rules(
    message: Message, context: BatchContext, now: dt.datetime
) -> Outcome | None:
    if message.campaign_id in context.held:
        return Outcome(MessageStatus.DEFERRED, Reason.AWAITING_APPROVAL, "", now)
    if not campaign_is_live(message.campaign, now):
        return _skip(Reason.CAMPAIGN_ENDED)
    reason = context.kind(message).check(message)
    if reason:
        return _skip(reason)
    # A message deferred by quiet hours may go late; otherwise late is useless.
    if (
        message.expires_at
        and now > message.expires_at
        and message.reason != Reason.QUIET_HOURS
    ):
        return _skip(Reason.EXPIRED)
    customer = message.customer
    if not (customer.phone if message.channel == "sms" else customer.email):
        return _skip(Reason.NO_ADDRESS)
    if message.channel == "sms" and customer.phone_unusable_at is not None:
        return _skip(Reason.CONTACT_UNUSABLE, customer.phone_unusable_reason)
    if message.channel == "email" and customer.email_unusable_at is not None:
        return _skip(Reason.CONTACT_UNUSABLE, customer.email_unusable_reason)
    return None


def decide(message: Message, context: BatchContext, now: dt.datetime) -> Outcome | None:
    """None means: send it now."""
    outcome = _before_rules(message, context, now)
    if outcome is not None:
        return outcome
    customer = message.customer
    if (
        context.consents.get((customer.pk, message.channel, message.purpose))
        is not True
    ):
        return _skip(Reason.NO_CONSENT)
    if message.purpose == Purpose.MARKETING:
        if customer.pk in context.in_care:
            return _skip(Reason.CARE_FIRST, context.in_care[customer.pk])
        if cap_reached(context.recent_marketing[customer.pk], context.cap_limit):
            return _skip(Reason.FREQUENCY_CAP)
    until = quiet_until(now, customer_zone(customer.time_zone), context.quiet)
    if until is not None:
        return Outcome(MessageStatus.DEFERRED, Reason.QUIET_HOURS, "", until)
    if in_holdout(message.campaign_id, customer.pk, message.campaign.holdout_share):
        return Outcome(MessageStatus.HELD_OUT)
    return None
