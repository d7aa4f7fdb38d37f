"""POST /webhooks/twilio/status: receipts, repeats, order, signatures."""

import pytest

from care.delivery.receipts import deliveries_settle
from care.models import DeliveryEvent, MessageStatus, Reason
from tests.delivery.util import planned, reloaded, signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("morning")]
SID = "SM" + "a" * 32


def sent_message(**fields):
    message = planned()
    message.status = MessageStatus.SENT
    message.provider_id = SID
    for name, value in fields.items():
        setattr(message, name, value)
    message.save()
    return message


def callback(client, message, status, code="", path=None):
    params = {"MessageSid": SID, "MessageStatus": status, "AccountSid": "AC1"}
    if code:
        params["ErrorCode"] = code
    return signed_post(
        client, path or f"/webhooks/twilio/status?m={message.pk}", params
    )


def test_it_records_delivered(client):
    message = sent_message()
    assert callback(client, message, "delivered").status_code == 204
    message = reloaded(message)
    assert (message.status, message.provider_status) == ("delivered", "delivered")
    assert message.delivered_at is not None


def test_it_keeps_an_event_log(client):
    message = sent_message()
    callback(client, message, "sent")
    callback(client, message, "delivered")
    events = DeliveryEvent.objects.filter(message=message).order_by("id")
    assert [e.status for e in events] == ["sent", "delivered"]


def test_it_records_a_repeated_callback_once(client):
    message = sent_message()
    callback(client, message, "delivered")
    assert callback(client, message, "delivered").status_code == 204
    assert DeliveryEvent.objects.filter(message=message).count() == 1


def test_it_never_goes_backwards(client):
    message = sent_message()
    callback(client, message, "delivered")
    callback(client, message, "sent")
    message = reloaded(message)
    assert (message.status, message.provider_status) == ("delivered", "delivered")


def test_it_fails_an_undelivered_message_with_the_error_code(client):
    message = sent_message()
    callback(client, message, "undelivered", code="30003")
    message = reloaded(message)
    assert (message.status, message.reason) == ("failed", Reason.UNDELIVERED)
    assert message.error_code == "30003" and "30003" in message.reason_detail


def test_it_marks_a_landline_unusable_from_a_receipt(client):
    message = sent_message()
    callback(client, message, "failed", code="30006")
    assert reloaded(message).customer.phone_unusable_at is not None


def test_it_matches_by_provider_id_without_our_id(client):
    message = sent_message()
    callback(client, message, "delivered", path="/webhooks/twilio/status")
    assert reloaded(message).status == MessageStatus.DELIVERED


def test_it_settles_a_message_in_doubt_from_a_receipt(client):
    message = sent_message(status=MessageStatus.UNKNOWN, provider_id="")
    callback(client, message, "sent")
    message = reloaded(message)
    assert (message.status, message.provider_id) == ("sent", SID)


def test_it_applies_a_receipt_that_raced_the_send_record(client):
    message = sent_message(status=MessageStatus.SENDING, provider_id="")
    callback(client, message, "delivered")
    assert reloaded(message).status == MessageStatus.SENDING  # dispatch owns it
    message.status = MessageStatus.SENT
    message.save(update_fields=["status"])
    from django.utils import timezone

    deliveries_settle(now=timezone.now())
    assert reloaded(message).status == MessageStatus.DELIVERED


def test_it_refuses_a_forged_signature(client):
    message = sent_message()
    response = client.post(
        f"/webhooks/twilio/status?m={message.pk}",
        {"MessageSid": SID, "MessageStatus": "delivered"},
        HTTP_X_TWILIO_SIGNATURE="forged",
    )
    assert response.status_code == 403
    assert reloaded(message).status == MessageStatus.SENT


def test_it_refuses_a_signature_over_other_parameters(client):
    sent_message()
    response = signed_post(
        client, "/webhooks/twilio/status", {"MessageSid": SID, "MessageStatus": "sent"}
    )
    assert response.status_code == 204
    tampered = client.post(
        "/webhooks/twilio/status",
        {"MessageSid": SID, "MessageStatus": "failed"},
        HTTP_X_TWILIO_SIGNATURE=response.wsgi_request.headers["X-Twilio-Signature"],
    )
    assert tampered.status_code == 403


def test_it_refuses_everything_without_an_auth_token(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    message = sent_message()
    assert callback(client, message, "delivered").status_code == 403


@pytest.mark.parametrize(
    "params",
    [{}, {"MessageSid": SID}, {"MessageSid": SID, "MessageStatus": "exploded"}],
)
def test_it_answers_malformed_callbacks_with_400(client, params):
    assert signed_post(client, "/webhooks/twilio/status", params).status_code == 400


def test_it_answers_a_callback_for_an_unknown_message_without_error(client):
    response = signed_post(
        client,
        "/webhooks/twilio/status?m=999999",
        {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"},
    )
    assert response.status_code == 204
