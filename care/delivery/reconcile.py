"""Messages whose fate is in doubt: rows a dead worker left in `sending`, and `unknown` ones.

Both ask the channel whether the provider took the message (`was_sent`) and
read its answer the same way (`lookup_fields`): yes -> sent, no -> queued
again, cannot tell -> unknown. Nothing is ever resent blindly: a duplicate is
worse than a gap.
"""

import datetime as dt
import logging

from django.conf import settings

from care.delivery.channels import get_backend
from care.delivery.receipts import deliveries_settle
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
    # Stamped before its chunk was sent (dispatch): never stamped, never tried.
    return (
        message.attempted_at is not None and message.attempted_at >= message.claimed_at
    )


def messages_reap(*, now: dt.datetime) -> int:
    """Resolve rows left in `sending` past the lease by a worker that died."""
    lease = dt.timedelta(seconds=settings.CARE_DISPATCH_LEASE_SECONDS)
    stale = Message.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=now - lease
    )
    count = 0
    for message in stale.select_related("customer")[:1000]:
        tried = _tried(message)
        try:
            sent = get_backend(message.channel).was_sent(message) if tried else False
        except Exception:  # the provider could not be asked now: ask again next time
            log.exception("could not reconcile message %s", message.pk)
            continue
        guard = Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claimed_by=message.claimed_by
        )
        if tried:
            fields = lookup_fields(
                message, sent, now, unknown_reason=Reason.LEASE_EXPIRED
            )
        else:
            fields = {
                "status": MessageStatus.DEFERRED,
                "reason": Reason.NOT_ATTEMPTED,
                "send_after": now,
            }
        count += guard.update(updated_at=now, **fields)
    return count


def messages_reconcile(*, now: dt.datetime, limit: int = 200) -> int:
    """Settle messages in doubt: by receipts, else by asking the provider.

    A message is looked up once it has been in doubt for TWILIO_RECONCILE_AFTER
    seconds (time for a status callback to arrive first). Found: sent. Not
    found: queued again. The provider cannot tell: asked again later.
    """
    count = deliveries_settle(now=now)
    after = now - dt.timedelta(seconds=settings.TWILIO_RECONCILE_AFTER)
    doubtful = Message.objects.filter(
        status=MessageStatus.UNKNOWN, updated_at__lte=after
    ).select_related("customer")
    for message in doubtful.order_by("updated_at")[:limit]:
        try:
            sent = get_backend(message.channel).was_sent(message)
        except Exception:  # the provider cannot be asked now: next time
            log.exception("could not reconcile message %s", message.pk)
            sent = None
        guard = Message.objects.filter(pk=message.pk, status=MessageStatus.UNKNOWN)
        fields = lookup_fields(message, sent, now, unknown_reason=message.reason)
        # Still in doubt: only its clock moves, so it is asked again later.
        updated = guard.update(updated_at=now, **fields)
        count += updated if sent is not None else 0
    return count
