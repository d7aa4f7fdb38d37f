"""Delivery services: provider receipts, contact effects of errors, reconciliation.

Status callbacks write `provider_status`/`error_code` (columns dispatch never
writes) with an UPDATE guarded by the status rank, so a late or repeated
callback never moves a message backwards. `Message.status` follows: at once
when the row is settled (sent, delivered, unknown), and through
`deliveries_settle` for a row whose send outcome was still being written when
the callback came.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from care.delivery.channels import get_backend
from care.models import DeliveryEvent, Message, MessageStatus, Reason
from crm.models import Channel, Customer, Purpose
from crm.services import consent_record, customer_phone_mark_unusable

log = logging.getLogger(__name__)

# Twilio's message statuses, in the order they can happen.
RANK = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "canceled": 5,
    "read": 6,
}
UNDELIVERED = ("undelivered", "failed", "canceled")
# The phone number itself is the problem (invalid, landline, not a mobile).
UNUSABLE_CODES = {
    "21211": "invalid number (Twilio 21211)",
    "21217": "invalid number (Twilio 21217)",
    "21614": "not a mobile number (Twilio 21614)",
    "30006": "landline or unreachable carrier (Twilio 30006)",
}
# The recipient opted out at the carrier or at Twilio.
OPTED_OUT_CODES = frozenset({"21610"})


def contact_error_effects(*, customer: Customer, code: str, detail: str = "") -> str:
    """Mark the phone unusable or the SMS consent withdrawn; return what was done."""
    if code in UNUSABLE_CODES:
        customer_phone_mark_unusable(customer=customer, reason=UNUSABLE_CODES[code])
        return "phone_unusable"
    if code in OPTED_OUT_CODES:
        consent_record(
            customer=customer,
            channel=Channel.SMS,
            purpose=Purpose.MARKETING,
            granted=False,
            source=f"twilio:{code}",
        )
        return "consent_withdrawn"
    return ""


def _lower_statuses(status: str) -> list[str]:
    return [""] + [name for name, rank in RANK.items() if rank < RANK[status]]


def _message_for(sid: str, ref: str | None) -> Message | None:
    if ref and ref.isascii() and ref.isdigit() and len(ref) < 19:
        found = Message.objects.filter(pk=int(ref)).select_related("customer").first()
        if found is not None and found.provider_id in ("", sid):
            return found
    return Message.objects.filter(provider_id=sid).select_related("customer").first()


def delivery_status_record(
    *, params: dict[str, str], message_ref: str | None = None
) -> DeliveryEvent | None:
    """Record one status callback; None when it repeats one already recorded.

    Raises ValueError when MessageSid or MessageStatus is missing or unknown.
    """
    sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").strip()
    status = status.lower()
    if not sid or len(sid) > 100 or status not in RANK:
        raise ValueError("MessageSid and a known MessageStatus are required")
    code = (params.get("ErrorCode") or "").strip()[:10]
    message = _message_for(sid, message_ref)
    try:
        with transaction.atomic():
            event = DeliveryEvent.objects.create(
                message=message,
                provider_id=sid,
                status=status,
                error_code=code,
                payload={k: str(v)[:500] for k, v in list(params.items())[:40]},
                received_at=timezone.now(),
            )
    except IntegrityError:
        return None  # the same callback again: no second effect
    if message is not None:
        _apply(message, sid, status, code)
    return event


def _apply(message: Message, sid: str, status: str, code: str) -> None:
    now = timezone.now()
    moved = Message.objects.filter(
        pk=message.pk, provider_status__in=_lower_statuses(status)
    ).update(provider_status=status, error_code=code, updated_at=now)
    if not moved:
        return  # an older status arriving late
    settled = Message.objects.filter(pk=message.pk, status__in=_SETTLEABLE)
    if not message.provider_id:
        # Proves the request reached Twilio (an ambiguous send, or a send whose
        # outcome is still being written: dispatch writes the same id).
        Message.objects.filter(pk=message.pk, provider_id="").update(provider_id=sid)
    settled.update(**_status_fields(status, code, now))
    if status in UNDELIVERED and code:
        contact_error_effects(customer=message.customer, code=code)


_SETTLEABLE = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNKNOWN)


def _status_fields(status: str, code: str, now: dt.datetime) -> dict:
    if status in ("delivered", "read"):
        return {"status": MessageStatus.DELIVERED, "delivered_at": now, "reason": ""}
    if status in UNDELIVERED:
        detail = f"Twilio {status}" + (f", error {code}" if code else "")
        return {
            "status": MessageStatus.FAILED,
            "reason": Reason.UNDELIVERED,
            "reason_detail": detail,
        }
    return {"status": MessageStatus.SENT, "reason": ""}


def deliveries_settle(*, now: dt.datetime) -> int:
    """Bring `status` in line with receipts that arrived while a send was recorded."""
    open_rows = Message.objects.filter(
        status__in=(MessageStatus.SENT, MessageStatus.UNKNOWN)
    )
    count = open_rows.filter(provider_status__in=("delivered", "read")).update(
        status=MessageStatus.DELIVERED, delivered_at=now, reason="", updated_at=now
    )
    count += open_rows.filter(provider_status__in=UNDELIVERED).update(
        status=MessageStatus.FAILED,
        reason=Reason.UNDELIVERED,
        reason_detail="Twilio undelivered",
        updated_at=now,
    )
    count += (
        Message.objects.filter(status=MessageStatus.UNKNOWN)
        .exclude(provider_status="")
        .update(status=MessageStatus.SENT, sent_at=now, reason="", updated_at=now)
    )
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
        if sent is True:
            fields = {
                "status": MessageStatus.SENT,
                "sent_at": message.attempted_at or now,
                "provider_id": message.provider_id,
                "reason": "",
            }
        elif sent is False:
            fields = {
                "status": MessageStatus.DEFERRED,
                "reason": Reason.RETRY_NOT_SENT,
                "send_after": now,
            }
        else:
            fields = {}
        count += guard.update(updated_at=now, **fields) if fields else 0
        if not fields:
            guard.update(updated_at=now)
    return count
