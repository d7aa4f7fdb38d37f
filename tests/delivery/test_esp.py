"""Email through django-anymail's real Postmark backend, against a fake Postmark.

A campaign goes out through the ESP; Postmark's tracking webhooks (its own
payloads, with the basic auth anymail checks) come back: delivered, a hard
bounce, a spam complaint. The bounced address becomes unusable, the
complainer's email marketing consent is withdrawn, and nothing unauthenticated
changes anything.
"""

import base64
import json

import pytest

from care.delivery.dispatch import messages_dispatch
from care.models import DeliveryEvent, Message
from crm.models import Consent
from tests.delivery.util import reloaded
from tests.factories import CustomerFactory, MessageFactory, campaign_with_templates, consent
from tests.fake_postmark import TOKEN, FakePostmark, Reply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("morning")]
SECRET = "postmark-hook:s3cret-pass"
TRACKING = "/anymail/postmark/tracking/"


@pytest.fixture
def postmark(settings):
    server = FakePostmark().start()
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": TOKEN,
        "POSTMARK_API_URL": server.url,
        "WEBHOOK_SECRET": SECRET,
    }
    yield server
    server.stop()


def campaign_messages(count: int, purpose: str = "marketing") -> list[Message]:
    campaign = campaign_with_templates(purpose=purpose, channels=["email"])
    messages = []
    for _ in range(count):
        customer = CustomerFactory(locale="en")
        consent(customer, "email", purpose, True)
        messages.append(MessageFactory(campaign=campaign, customer=customer, channel="email"))
    return messages


def hook(client, payload: dict, auth: str | None = SECRET):
    headers = {}
    if auth is not None:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post(TRACKING, json.dumps(payload), content_type="application/json", **headers)


def email_marketing_granted(customer) -> bool:
    return Consent.objects.filter(
        customer=customer, channel="email", purpose="marketing"
    ).latest("recorded_at", "id").granted


def test_a_campaign_through_the_esp_and_its_webhooks(client, postmark):
    delivered, bounced, complained = messages = campaign_messages(3)
    result = messages_dispatch()
    assert result.counts == {"sent": 3}
    sent = {s.payload["To"]: s for s in postmark.sent}
    for message in messages:
        row = reloaded(message)
        postmark_sent = sent[row.customer.email]
        # The ESP's id is the provider id; our row rides along as metadata.
        assert row.provider_id == postmark_sent.message_id
        assert postmark_sent.payload["Metadata"] == {"message": str(row.pk)}
        assert postmark_sent.payload["Headers"]  # List-Unsubscribe and Message-ID
    pay = {m.pk: sent[m.customer.email] for m in messages}

    for payload in (
        postmark.webhook_payload(pay[delivered.pk], "Delivery"),
        postmark.webhook_payload(pay[bounced.pk], "Bounce"),
        postmark.webhook_payload(pay[complained.pk], "Delivery"),
        postmark.webhook_payload(pay[complained.pk], "SpamComplaint"),
    ):
        assert hook(client, payload).status_code == 200

    assert reloaded(delivered).status == "delivered"
    assert reloaded(bounced).status == "failed" and reloaded(bounced).reason == "undelivered"
    assert reloaded(complained).status == "delivered"
    assert reloaded(complained).provider_status == "complained"
    bounced.customer.refresh_from_db()
    assert bounced.customer.email_unusable_at is not None
    assert "hard bounce" in bounced.customer.email_unusable_reason
    assert email_marketing_granted(complained.customer) is False
    assert email_marketing_granted(delivered.customer) is True
    assert DeliveryEvent.objects.filter(status="bounced", error_code="hard").count() == 1

    # The funnel of the campaign (care.outreach.results) agrees.
    from care.outreach.results import campaign_funnel

    funnel = campaign_funnel(delivered.campaign)
    assert (funnel.planned, funnel.sent, funnel.delivered) == (3, 3, 2)
    assert funnel.failed == {"undelivered": 1}


def test_a_repeated_webhook_has_one_effect(client, postmark):
    [message] = campaign_messages(1)
    messages_dispatch()
    payload = postmark.webhook_payload(postmark.sent[0], "SpamComplaint")
    assert hook(client, payload).status_code == 200
    assert hook(client, payload).status_code == 200
    assert DeliveryEvent.objects.filter(status="complained").count() == 1
    assert Consent.objects.filter(customer=message.customer, granted=False).count() == 1


def test_the_bounced_address_gets_no_more_email_until_it_changes(client, postmark):
    [message] = campaign_messages(1)
    messages_dispatch()
    hook(client, postmark.webhook_payload(postmark.sent[0], "Bounce"))
    [again] = [MessageFactory(campaign=message.campaign, customer=message.customer, channel="email")]
    messages_dispatch()
    assert reloaded(again).status == "skipped" and reloaded(again).reason == "contact_unusable"
    assert len(postmark.sent) == 1


def test_a_soft_bounce_fails_the_message_but_keeps_the_address(client, postmark):
    [message] = campaign_messages(1)
    messages_dispatch()
    payload = postmark.webhook_payload(postmark.sent[0], "Bounce", Type="SoftBounce")
    assert hook(client, payload).status_code == 200
    assert reloaded(message).status == "failed"
    message.customer.refresh_from_db()
    assert message.customer.email_unusable_at is None


def test_an_address_the_esp_calls_inactive_is_refused_for_good(postmark):
    [message] = campaign_messages(1)
    postmark.inactive.add(message.customer.email.lower())
    messages_dispatch()
    row = reloaded(message)
    assert row.status == "failed" and row.reason == "permanent_error"
    row.customer.refresh_from_db()
    assert row.customer.email_unusable_reason == "refused by the ESP"


def test_an_esp_500_leaves_the_message_in_doubt_not_resent(postmark):
    [message] = campaign_messages(1)
    postmark.script.append(Reply(500, {"ErrorCode": 500, "Message": "Internal"}))
    messages_dispatch()
    assert reloaded(message).status == "unknown"


def test_an_esp_out_of_reach_is_retried(postmark, settings):
    [message] = campaign_messages(1)
    settings.ANYMAIL = settings.ANYMAIL | {"POSTMARK_API_URL": "http://127.0.0.1:9/"}
    messages_dispatch()
    assert reloaded(message).status == "deferred"


@pytest.mark.parametrize(
    "auth", [None, "postmark-hook:wrong", "someone:s3cret-pass", "garbage"]
)
def test_an_unauthenticated_or_forged_webhook_changes_nothing(client, postmark, auth):
    [message] = campaign_messages(1)
    messages_dispatch()
    payload = postmark.webhook_payload(postmark.sent[0], "SpamComplaint")
    assert hook(client, payload, auth=auth).status_code == 403
    assert not DeliveryEvent.objects.exists()
    assert reloaded(message).status == "sent"
    assert email_marketing_granted(message.customer) is True


def test_without_a_webhook_secret_the_webhook_refuses_everything(client, postmark, settings):
    [message] = campaign_messages(1)
    messages_dispatch()
    settings.ANYMAIL = {k: v for k, v in settings.ANYMAIL.items() if k != "WEBHOOK_SECRET"}
    payload = postmark.webhook_payload(postmark.sent[0], "Bounce")
    assert hook(client, payload).status_code == 403
    assert hook(client, payload, auth=None).status_code == 403
    assert not DeliveryEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", "{}", '{"RecordType": "Bounce"}', '"text"', "\u0000",
     '{"FromFull": {"Email": "x@example.com"}}'],
)
def test_an_unreadable_event_is_a_400_or_ignored_never_a_500(client, postmark, body):
    headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
    response = client.post(TRACKING, body, content_type="application/json", **headers)
    assert response.status_code in (200, 400, 403)
    assert not DeliveryEvent.objects.exists()


def test_an_event_about_an_unknown_message_is_kept_and_changes_nothing(client, postmark):
    [message] = campaign_messages(1)
    messages_dispatch()
    payload = postmark.webhook_payload(postmark.sent[0], "Bounce") | {
        "MessageID": "00000000-0000-0000-0000-000000000000", "Metadata": {}
    }
    assert hook(client, payload).status_code == 200
    event = DeliveryEvent.objects.get()
    assert event.message is None and event.status == "bounced"
    assert reloaded(message).status == "sent"
