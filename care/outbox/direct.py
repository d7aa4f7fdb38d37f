"""Plan one outbox row outside the sweep (goodwill coupons, follow-up surveys).

The same rules as planned messages: the channel is the campaign's first with
an address and consent, the once-only key makes a second call return the
first row, and dispatch checks everything again at send time.
"""

import datetime as dt

from django.db import IntegrityError, transaction

from care.models import Campaign, Message, MessageStatus
from care.outbox.contacts import choose_channel, contacts_fetch
from care.outbox.log import message_event_log
from care.outbox.plan import Due, occasion_key


def message_plan_direct(
    *,
    campaign: Campaign,
    customer_id: int,
    subject: str,
    occasion: str,
    send_after: dt.datetime,
    data: dict | None = None,
    ticket_id: int | None = None,
    expires_at: dt.datetime | None = None,
) -> Message:
    """Write (once) the message for this occasion; return it."""
    due = Due(
        customer_id=customer_id,
        subject=subject,
        occasion=occasion,
        send_after=send_after,
        data=data or {},
        ticket_id=ticket_id,
        expires_at=expires_at,
    )
    existing = Message.objects.filter(occasion_key=occasion_key(campaign, due)).first()
    if existing is not None:
        return existing
    row = _message(campaign, due)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # planned meanwhile by a second click or worker
        return Message.objects.get(occasion_key=row.occasion_key)
    message_event_log(row, row.status, row.reason)
    return row


def _message(campaign: Campaign, due: Due) -> Message:
    contact = contacts_fetch([due.customer_id], campaign.channels, campaign.purpose)
    channel, reason = choose_channel(contact[due.customer_id], campaign.channels)
    okey = occasion_key(campaign, due)
    return Message(
        key=f"{okey}/{channel}",
        occasion_key=okey,
        campaign=campaign,
        customer_id=due.customer_id,
        trigger=campaign.trigger,
        channel=channel,
        purpose=campaign.purpose,
        occasion=due.data,
        ticket_id=due.ticket_id,
        status=MessageStatus.SKIPPED if reason else MessageStatus.PLANNED,
        reason=reason,
        send_after=due.send_after,
        expires_at=due.expires_at,
    )
