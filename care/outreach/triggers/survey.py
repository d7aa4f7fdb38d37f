"""Post-service survey: a ticket was resolved D minutes ago and no survey went out for it."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Exists, OuterRef

from care.outreach.triggers.base import Due, audience_q


def survey_due(campaign, now: dt.datetime, params: dict) -> Iterator[Due]:
    from care.models import SENT_LIKE, Message, Ticket, TicketStatus

    delay = dt.timedelta(minutes=int(params["delay_minutes"]))
    within = dt.timedelta(minutes=int(params["within_minutes"]))
    surveyed = Message.objects.filter(
        ticket=OuterRef("pk"), trigger="survey", status__in=SENT_LIKE
    )
    tickets = (
        Ticket.objects.filter(
            status__in=(TicketStatus.RESOLVED, TicketStatus.CLOSED),
            resolved_at__gt=now - within,
            resolved_at__lte=now - delay,
        )
        .filter(audience_q(campaign.audience, "customer__"))
        .filter(~Exists(surveyed))
        .values_list("id", "customer_id", "resolved_at", "reopened_count")
    )
    for ticket_id, customer_id, resolved_at, reopened in tickets.iterator(
        chunk_size=2000
    ):
        # One survey per resolution: if the ticket reopens and is resolved
        # again, the new resolution gets its own chance.
        yield Due(
            customer_id=customer_id,
            subject=f"ticket:{ticket_id}",
            occasion=f"r{reopened}",
            send_after=now,
            ticket_id=ticket_id,
            expires_at=resolved_at + within,
            data={"reopened_count": reopened, "resolved_at": resolved_at.isoformat()},
        )
