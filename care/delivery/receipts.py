"""Provider receipts: Twilio status callbacks, and settling the rows they describe.

Status callbacks write `provider_status`/`error_code` (columns dispatch never
writes) with an UPDATE guarded by the status rank, so a late or repeated
callback never moves a message backwards. `Message.status` follows: at once
when the row is settled (sent, delivered, unknown), and through
`deliveries_settle` for a row whose send outcome was still being written when
the callback came.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from care.delivery.provider_errors import contact_error_effects
from care.delivery.recorder import sent_effects
from care.models import (
    AWAITING_RECEIPT,
    SETTLEABLE,
    DeliveryEvent,
    Message,
    MessageStatus,
    Reason,
)
from care.outbox.log import message_event_log

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
# Final Twilio statuses: reached the handset, or never will.
DELIVERED = ("delivered", "read")
UNDELIVERED = ("undelivered", "failed", "canceled")


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
    event = delivery_event_keep(message, sid, status, code, params)
    if event is None:
        return None  # the same callback again: no second effect
    if message is not None:
        _apply(message, sid, status, code)
    return event


def delivery_event_keep(
    message: Message | None, provider_id: str, status: str, code: str, payload: dict
) -> DeliveryEvent | None:
    """Keep one provider event as received; None when it repeats one on file."""
    try:
        with transaction.atomic():
            return DeliveryEvent.objects.create(
                message=message,
                provider_id=provider_id,
                status=status,
                error_code=code,
                payload={k: str(v)[:500] for k, v in list(payload.items())[:40]},
                received_at=timezone.now(),
            )
    except IntegrityError:
        return None


def _apply(message: Message, sid: str, status: str, code: str) -> None:
    now = timezone.now()
    moved = Message.objects.filter(
        pk=message.pk, provider_status__in=_lower_statuses(status)
    ).update(provider_status=status, error_code=code, updated_at=now)
    if not moved:
        return  # an older status arriving late
    settled = Message.objects.filter(pk=message.pk, status__in=SETTLEABLE)
    if not message.provider_id:
        # Proves the request reached Twilio (an ambiguous send, or a send whose
        # outcome is still being written: dispatch writes the same id).
        Message.objects.filter(pk=message.pk, provider_id="").update(provider_id=sid)
    fields = _status_fields(status, code, now)
    # A message in doubt that Twilio reports: it went, with what follows a send.
    found = settled.filter(status=MessageStatus.UNKNOWN).update(**fields)
    moved = found + settled.update(**fields)
    if found and fields["status"] != MessageStatus.FAILED:
        sent_effects([message])
    if moved and status in (*DELIVERED, *UNDELIVERED):
        message_event_log(message, fields["status"], fields["reason"], error_code=code)
    if status in UNDELIVERED and code:
        contact_error_effects(
            customer=message.customer, channel=message.channel, code=code
        )


def _status_fields(status: str, code: str, now: dt.datetime) -> dict:
    if status in DELIVERED:
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
    open_rows = Message.objects.filter(status__in=AWAITING_RECEIPT)
    count = open_rows.filter(provider_status__in=DELIVERED).update(
        status=MessageStatus.DELIVERED, delivered_at=now, reason="", updated_at=now
    )
    count += open_rows.filter(provider_status__in=UNDELIVERED).update(
        status=MessageStatus.FAILED,
        reason=Reason.UNDELIVERED,
        reason_detail="Twilio undelivered",
        updated_at=now,
    )
    found = list(
        Message.objects.filter(status=MessageStatus.UNKNOWN)
        .exclude(provider_status="")
        .select_related("campaign__offer")
    )
    settled = Message.objects.filter(
        pk__in=[m.pk for m in found], status=MessageStatus.UNKNOWN
    ).update(status=MessageStatus.SENT, sent_at=now, reason="", updated_at=now)
    if settled:
        sent_effects(found)
    return count + settled
