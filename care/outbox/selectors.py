"""Reads of outreach data for other interfaces (the API's customer profile)."""

from typing import Any

from care.models import Message
from crm.models import Customer


def customer_recent_messages(
    customer: Customer, *, limit: int = 20
) -> list[dict[str, Any]]:
    """The customer's newest messages: campaign, channel, status and why one was not sent."""
    rows = (
        Message.objects.filter(customer=customer)
        .select_related("campaign")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        {
            "campaign": message.campaign.slug,
            "trigger": message.trigger,
            "channel": message.channel,
            "purpose": message.purpose,
            "status": message.status,
            "reason": message.reason or None,
            "reason_text": str(message.get_reason_display())
            if message.reason
            else None,
            "send_after": message.send_after.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        }
        for message in rows
    ]
