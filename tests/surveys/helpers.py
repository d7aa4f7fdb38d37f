"""Small builders shared by the survey and recovery tests."""

import datetime as dt

from django.utils import timezone

from care.delivery.dispatch import messages_dispatch
from care.models import Campaign, Message, Survey
from care.outreach.sweep import messages_plan
from tests.factories import CustomerFactory, TicketFactory, consent


def resolved_ticket(minutes_ago: int = 10, customer=None, **kwargs):
    customer = customer or CustomerFactory()
    consent(customer, "sms", "service")
    return TicketFactory(
        customer=customer,
        status="resolved",
        agent=kwargs.pop("agent", "alice"),
        opened_at=timezone.now() - dt.timedelta(hours=2),
        resolved_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        **kwargs,
    )


def survey_campaign() -> Campaign:
    return Campaign.objects.get(slug="post-service-survey")


def plan_and_send() -> list[Message]:
    messages_plan(campaign=survey_campaign(), now=timezone.now())
    messages_dispatch()
    return list(Message.objects.filter(trigger="survey").order_by("id"))


def sent_survey(customer=None, **kwargs) -> Survey:
    """A survey that went out now, through the real sweep and dispatch."""
    ticket = resolved_ticket(customer=customer, **kwargs)
    plan_and_send()
    return Survey.objects.get(ticket=ticket)
