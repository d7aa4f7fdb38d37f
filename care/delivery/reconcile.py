"""Messages whose fate is in doubt: rows a dead worker left in `sending`, and `unknown` ones.

Every request to a provider follows a committed attempt (recipient, rendered
body, `attempted_at`: care.delivery.recorder.attempts_write), so a row in
doubt can be looked up by what was really sent. Both paths ask the channel
(`was_sent`) and read its answer the same way (`lookup_fields`): yes -> sent
(its coupon and the kind's after-send step follow), no -> queued again,
cannot tell -> unknown, for a person. Nothing is ever resent blindly: a
duplicate is worse than a gap.

A look-up waits TWILIO_RECONCILE_AFTER seconds after the attempt, so that a
request still in flight when its worker died has reached the provider (or
never will) before the provider is asked.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from care.delivery.channels import get_backend
from care.delivery.receipts import deliveries_settle
from care.delivery.recorder import sent_effects
from care.models import Message, MessageStatus, Reason

log = logging.getLogger(__name__)


def lookup_fields(
    message: Message, sent: bool | None, now: dt.datetime, *, unknown_reason: str
) -> dict:
    """What the provider's answer to "did it go?" means for the row."""
    if sent is True:
        fields = {
            "status": MessageStatus.SENT,
            "sent_at": message.attempted_at or now,
            "reason": "",
        }
        if message.provider_id:  # the look-up may have found the provider's id
            fields["provider_id"] = message.provider_id
        return fields
    if sent is False:
        return {
            "status": MessageStatus.DEFERRED,
            "reason": Reason.RETRY_NOT_SENT,
            "send_after": now,
        }
    return {"status": MessageStatus.UNKNOWN, "reason": unknown_reason}


def _tried(message: Message) -> bool:
    # Its attempt was committed under this claim: the request may have left.
    return (
        message.attempted_at is not None and message.attempted_at >= message.claimed_at
    )


def _settled(message: Message, now: dt.datetime) -> bool:
    """Long enough since the attempt for its request to have landed, if it ever will."""
    after = dt.timedelta(seconds=settings.TWILIO_RECONCILE_AFTER)
    return message.attempted_at is None or message.attempted_at <= now - after


def _ask(message: Message) -> bool | None:
    """The channel's look-up, told which provider ids belong to other rows."""
    # The customer's other messages (an index leads with the customer).
    taken = frozenset(
        Message.objects.filter(customer_id=message.customer_id, channel=message.channel)
        .exclude(pk=message.pk)
        .exclude(provider_id="")
        .values_list("provider_id", flat=True)
    )
    return get_backend(message.channel).was_sent(message, exclude=taken)


def _in_doubt():
    return Message.objects.select_related("customer", "campaign__offer")


@contextmanager
def _locked(queryset, limit: int) -> Iterator[list[Message]]:
    """Rows to reconcile, locked against other reconcilers until the block ends.

    Every dispatch process runs the reaper: on PostgreSQL each takes the
    rows no other holds (SKIP LOCKED) and keeps them while it asks the
    provider, so no row is looked up by two at once. A reconciler that dies
    releases its rows with its transaction. SQLite has one writer at a time:
    there the rows are read without a lock (a transaction would stop every
    other writer while the provider answers).
    """
    if not connection.features.has_select_for_update_skip_locked:
        yield list(queryset[:limit])
        return
    with transaction.atomic():
        yield list(queryset.select_for_update(skip_locked=True, of=("self",))[:limit])


def messages_reap(*, now: dt.datetime, limit: int = 200) -> int:
    """Resolve rows left in `sending` past the lease by a worker that died."""
    lease = dt.timedelta(seconds=settings.CARE_DISPATCH_LEASE_SECONDS)
    stale = _in_doubt().filter(status=MessageStatus.SENDING, claimed_at__lt=now - lease)
    with _locked(stale.order_by("claimed_at"), limit) as rows:
        return sum(_reap(message, now) for message in rows)


def _reap(message: Message, now: dt.datetime) -> int:
    tried = _tried(message)
    if tried and not _settled(message, now):
        return 0
    try:
        sent = _ask(message) if tried else False
    except Exception:  # the provider could not be asked now: ask again next time
        log.exception("could not reconcile message %s", message.pk)
        return 0
    guard = Message.objects.filter(
        pk=message.pk, status=MessageStatus.SENDING, claimed_by=message.claimed_by
    )
    if tried:
        fields = lookup_fields(message, sent, now, unknown_reason=Reason.LEASE_EXPIRED)
    else:
        fields = {
            "status": MessageStatus.DEFERRED,
            "reason": Reason.NOT_ATTEMPTED,
            "send_after": now,
        }
    return _apply(message, guard, fields, now)


def messages_reconcile(*, now: dt.datetime, limit: int = 200) -> int:
    """Settle messages in doubt: by receipts, else by asking the provider.

    A message is looked up once it has been in doubt for TWILIO_RECONCILE_AFTER
    seconds (time for a status callback to arrive first). Found: sent. Not
    found: queued again. The provider cannot tell: asked again later.
    """
    count = deliveries_settle(now=now)
    after = now - dt.timedelta(seconds=settings.TWILIO_RECONCILE_AFTER)
    doubtful = _in_doubt().filter(status=MessageStatus.UNKNOWN, updated_at__lte=after)
    with _locked(doubtful.order_by("updated_at"), limit) as rows:
        return count + sum(_settle(message, now) for message in rows)


def _settle(message: Message, now: dt.datetime) -> int:
    try:
        sent = _ask(message)
    except Exception:  # the provider cannot be asked now: next time
        log.exception("could not reconcile message %s", message.pk)
        sent = None
    guard = Message.objects.filter(pk=message.pk, status=MessageStatus.UNKNOWN)
    fields = lookup_fields(message, sent, now, unknown_reason=message.reason)
    # Still in doubt: only its clock moves, so it is asked again later.
    updated = _apply(message, guard, fields, now)
    return updated if sent is not None else 0


def _apply(message: Message, guard, fields: dict, now: dt.datetime) -> int:
    updated = guard.update(updated_at=now, **fields)
    if updated and fields["status"] == MessageStatus.SENT:
        message.sent_at = fields["sent_at"]
        sent_effects([message])
    return updated
