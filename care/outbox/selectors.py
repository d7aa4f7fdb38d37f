"""Reads of outreach data for other interfaces (the API's customer profile)."""

from typing import Any

from care.models import Message
from crm.models import Customer

# As Message.get_reason_display() reads them.
_REASONS = dict(Message._meta.get_field("reason").flatchoices)


def customer_recent_messages(
    customer: Customer, *, limit: int = 20
) -> list[dict[str, Any]]:
    """The customer's newest messages: campaign, channel, status and why one was not sent."""
    # Only the columns shown: the whole message and campaign rows cost more to
    # compile and plan than to read (the API answers every customer PUT with them).
    rows = (
        Message.objects.filter(customer=customer)
        .order_by("-created_at", "-id")
        .values_list(
            "campaign__slug",
            "trigger",
            "channel",
            "purpose",
            "status",
            "reason",
            "send_after",
            "sent_at",
        )[:limit]
    )
    return [
        {
            "campaign": slug,
            "trigger": trigger,
            "channel": channel,
            "purpose": purpose,
            "status": status,
            "reason": reason or None,
            "reason_text": str(_REASONS.get(reason, reason)) if reason else None,
            "send_after": send_after.isoformat(),
            "sent_at": sent_at.isoformat() if sent_at else None,
        }
        for slug, trigger, channel, purpose, status, reason, send_after, sent_at in rows
    ]
