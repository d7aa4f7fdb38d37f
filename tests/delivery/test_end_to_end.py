"""The whole pipeline: plan, send through the real Twilio client, STOP, nothing more."""

import datetime as dt

import pytest

from care.delivery.dispatch import messages_dispatch
from care.models import Message, MessageStatus, Reason
from care.outreach.sweep import campaigns_sweep
from tests.delivery.util import signed_post
from tests.factories import CustomerFactory, campaign_with_templates, consent

pytestmark = [pytest.mark.django_db]


def test_after_a_stop_no_further_marketing_sms_goes_to_that_number(
    client, fake_twilio, morning
):
    customer = CustomerFactory(birthday=dt.date(1990, 11, 26), locale="en")
    consent(customer, "sms", "marketing", True)
    birthday = campaign_with_templates(
        trigger="birthday", purpose="marketing", channels=["sms"]
    )

    campaigns_sweep(now=dt.datetime.now(dt.UTC))
    messages_dispatch()
    first = Message.objects.get(campaign=birthday, customer=customer)
    assert first.status == MessageStatus.SENT
    (request,) = fake_twilio.creates()
    assert request.form["To"] == customer.phone
    assert request.form["Body"].endswith("Reply STOP to opt out")

    response = signed_post(
        client,
        "/webhooks/twilio/inbound",
        {"MessageSid": "SM" + "5" * 32, "From": customer.phone, "Body": "STOP"},
    )
    assert response.status_code == 200

    later = campaign_with_templates(
        trigger="birthday", purpose="marketing", channels=["sms"]
    )
    morning.shift(dt.timedelta(hours=1))
    campaigns_sweep(now=dt.datetime.now(dt.UTC))
    messages_dispatch()
    second = Message.objects.get(campaign=later, customer=customer)
    assert (second.status, second.reason) == (MessageStatus.SKIPPED, Reason.NO_CONSENT)
    assert len(fake_twilio.creates()) == 1


def test_a_stop_also_stops_a_message_planned_before_it(client, fake_twilio, morning):
    customer = CustomerFactory(birthday=dt.date(1990, 11, 26), locale="en")
    consent(customer, "sms", "marketing", True)
    campaign_with_templates(trigger="birthday", purpose="marketing", channels=["sms"])
    campaigns_sweep(now=dt.datetime.now(dt.UTC))  # planned, not yet sent
    signed_post(
        client,
        "/webhooks/twilio/inbound",
        {"MessageSid": "SM" + "6" * 32, "From": customer.phone, "Body": "td"},
    )
    messages_dispatch()
    planned = Message.objects.get(customer=customer)
    assert (planned.status, planned.reason) == (
        MessageStatus.SKIPPED,
        Reason.NO_CONSENT,
    )
    assert fake_twilio.creates() == []


def test_planning_picks_email_when_the_phone_is_unusable(morning):
    from crm.services import customer_phone_mark_unusable

    customer = CustomerFactory(birthday=dt.date(1990, 11, 26), locale="en")
    consent(customer, "sms", "marketing", True)
    consent(customer, "email", "marketing", True)
    customer_phone_mark_unusable(customer=customer, reason="invalid number")
    campaign_with_templates(
        trigger="birthday", purpose="marketing", channels=["sms", "email"]
    )
    campaigns_sweep(now=dt.datetime.now(dt.UTC))
    assert Message.objects.get(customer=customer).channel == "email"


def test_a_new_phone_number_clears_the_unusable_mark(morning):
    from crm.services import customer_phone_mark_unusable, customer_upsert

    customer = CustomerFactory()
    customer_phone_mark_unusable(customer=customer, reason="invalid number")
    customer_upsert(external_id=customer.external_id, phone="+8613912345678")
    customer.refresh_from_db()
    assert (customer.phone_unusable_at, customer.phone_unusable_reason) == (None, "")
