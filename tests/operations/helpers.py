"""Rows the operations tests share: survey tickets and messages, cases, messages by status."""

import datetime as dt

from django.utils import timezone

from care.models import (
    Campaign,
    CaseStatus,
    Message,
    MessageStatus,
    RecoveryCase,
    Ticket,
    TicketStatus,
)
from tests.factories import MessageFactory, TicketFactory, campaign_with_templates


def survey_campaign(**kwargs) -> Campaign:
    return campaign_with_templates(
        trigger="survey", purpose="service", channels=["sms"], **kwargs
    )


def resolved_ticket(minutes_ago: int, **kwargs) -> Ticket:
    now = timezone.now()
    return TicketFactory(
        status=TicketStatus.RESOLVED,
        opened_at=now - dt.timedelta(hours=3),
        resolved_at=now - dt.timedelta(minutes=minutes_ago),
        **kwargs,
    )


def survey_message(
    campaign: Campaign, ticket: Ticket, status: str, reason: str = "", **kwargs
) -> Message:
    """The survey message of the ticket's current resolution, as the sweep plans it."""
    okey = f"{campaign.pk}/survey/ticket:{ticket.pk}/r{ticket.reopened_count}"
    return MessageFactory(
        campaign=campaign,
        customer=ticket.customer,
        ticket=ticket,
        key=f"{okey}/sms",
        occasion_key=okey,
        status=status,
        reason=reason,
        occasion={"reopened_count": ticket.reopened_count},
        **kwargs,
    )


def recovery_case(
    *, first_due_minutes: int, resolution_due_minutes: int = 600, responded=False
) -> RecoveryCase:
    """An open case whose deadlines are this many minutes from now (negative: past)."""
    now = timezone.now()
    ticket = TicketFactory()
    return RecoveryCase.objects.create(
        ticket=ticket,
        customer=ticket.customer,
        queue="care",
        status=CaseStatus.OPEN,
        opened_at=now - dt.timedelta(hours=2),
        first_response_due=now + dt.timedelta(minutes=first_due_minutes),
        resolution_due=now + dt.timedelta(minutes=resolution_due_minutes),
        first_response_at=now if responded else None,
    )


def in_status(status: str, **kwargs) -> Message:
    return MessageFactory(status=status, **kwargs)


FAILED = MessageStatus.FAILED
