import datetime as dt

import pytest
from django.utils import timezone

from care.delivery.dispatch import messages_dispatch
from care.models import Message, Survey
from tests.factories import CustomerFactory
from tests.surveys.conftest import SHANGHAI
from tests.surveys.helpers import plan_and_send, resolved_ticket, survey_campaign

pytestmark = pytest.mark.usefixtures("playbooks", "frozen")


def test_it_sends_the_survey_ten_minutes_after_resolution_with_its_link(sms_outbox):
    ticket = resolved_ticket(10)
    [message] = plan_and_send()
    survey = Survey.objects.get(ticket=ticket)
    assert message.status == "sent"
    assert survey.sent_at == timezone.now()
    assert survey.expires_at == timezone.now() + dt.timedelta(days=7)
    assert survey.sent_at - ticket.resolved_at <= dt.timedelta(minutes=60)
    assert "http://testserver/s/" in sms_outbox[0].body


def test_it_waits_until_ten_minutes_have_passed():
    resolved_ticket(5)
    assert plan_and_send() == []


def test_it_does_not_send_a_survey_more_than_an_hour_late(frozen):
    resolved_ticket(10)
    from care.outreach.sweep import messages_plan

    messages_plan(campaign=survey_campaign(), now=timezone.now())
    frozen.shift(dt.timedelta(minutes=51))
    messages_dispatch()
    message = Message.objects.get(trigger="survey")
    assert (message.status, message.reason) == ("skipped", "expired")
    assert not Survey.objects.exists()


def test_it_defers_a_survey_to_the_morning_in_quiet_hours_and_says_so(frozen, sms_outbox):
    frozen.move_to(dt.datetime(2026, 11, 23, 21, 0, tzinfo=SHANGHAI))
    ticket = resolved_ticket(10, customer=CustomerFactory(locale="en"))
    [message] = plan_and_send()
    assert (message.status, message.reason) == ("deferred", "quiet_hours")
    assert message.send_after == dt.datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)
    frozen.move_to(dt.datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI))
    messages_dispatch()
    survey = Survey.objects.get(ticket=ticket)
    assert survey.deferred_reason == "quiet_hours"
    assert "about your service yesterday" in sms_outbox[0].body.lower()


def test_it_drops_the_survey_when_the_ticket_reopened_first():
    from care.outreach.sweep import messages_plan

    ticket = resolved_ticket(10)
    messages_plan(campaign=survey_campaign(), now=timezone.now())
    ticket.status, ticket.reopened_count, ticket.resolved_at = "open", 1, None
    ticket.save()
    messages_dispatch()
    message = Message.objects.get(trigger="survey")
    assert (message.status, message.reason) == ("skipped", "ticket_reopened")


def test_it_sends_one_survey_per_ticket(frozen):
    resolved_ticket(10)
    plan_and_send()
    frozen.shift(dt.timedelta(minutes=5))
    assert len(plan_and_send()) == 1
    assert Survey.objects.count() == 1


def test_it_skips_a_second_survey_to_the_same_customer_within_seven_days(frozen):
    customer = CustomerFactory()
    resolved_ticket(10, customer=customer)
    plan_and_send()
    frozen.shift(dt.timedelta(days=6))
    resolved_ticket(10, customer=customer)
    second = plan_and_send()[-1]
    assert (second.status, second.reason) == ("skipped", "recent_survey")


def test_it_surveys_the_same_customer_again_after_seven_days(frozen):
    customer = CustomerFactory()
    resolved_ticket(10, customer=customer)
    plan_and_send()
    frozen.shift(dt.timedelta(days=7, minutes=1))
    resolved_ticket(10, customer=customer)
    assert plan_and_send()[-1].status == "sent"


def test_it_surveys_a_ticket_closed_straight_after_resolution():
    ticket = resolved_ticket(10)
    ticket.status = "closed"
    ticket.save()
    assert plan_and_send()[0].status == "sent"


def test_it_skips_customers_without_consent_for_service_messages():
    from tests.factories import TicketFactory

    TicketFactory(
        status="resolved", resolved_at=timezone.now() - dt.timedelta(minutes=10)
    )
    [message] = plan_and_send()
    assert (message.status, message.reason) == ("skipped", "no_consent")
