import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import InboundMessage
from tests.factories import CampaignFactory, CustomerFactory, MessageTemplateFactory

pytestmark = pytest.mark.django_db


def test_the_customer_page_shows_sms_replies(admin_client):
    customer = CustomerFactory()
    InboundMessage.objects.create(
        provider_id="SM1",
        customer=customer,
        from_number=customer.phone,
        body="Can I move my appointment?",
        kind="other",
        received_at=timezone.now(),
    )
    response = admin_client.get(
        reverse("admin:crm_customer_change", args=[customer.pk])
    )
    assert "Can I move my appointment?" in response.text
    assert 'id="story-replies"' in response.text


def test_the_campaign_page_shows_encoding_and_segments(admin_client):
    campaign = CampaignFactory()
    MessageTemplateFactory(campaign=campaign, body="Hi {{ customer.name }}")
    response = admin_client.get(
        reverse("admin:care_campaign_change", args=[campaign.pk])
    )
    assert "GSM-7" in response.text and "1 segment" in response.text


@pytest.mark.parametrize("model", ["deliveryevent", "inboundmessage"])
def test_the_logs_are_listed(admin_client, model):
    assert (
        admin_client.get(reverse(f"admin:care_{model}_changelist")).status_code == 200
    )


def test_it_warns_about_a_twilio_setup_that_cannot_work(settings):
    from care.checks import twilio_warnings

    settings.SMS_BACKEND = "care.delivery.channels.twilio_sms.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SITE_URL = "http://127.0.0.1:8000"
    ids = {w.id for w in twilio_warnings(settings)}
    assert ids == {"care.W101", "care.W102", "care.W103"}


def test_it_does_not_warn_about_twilio_when_it_is_not_used(settings):
    from care.checks import twilio_warnings

    settings.SMS_BACKEND = "care.delivery.channels.sms.ConsoleBackend"
    assert twilio_warnings(settings) == []
