"""The real twilio client against the fake server, through dispatch."""

import datetime as dt

import pytest

from care.delivery.dispatch import messages_dispatch
from care.models import MessageStatus, Reason
from crm.models import Consent
from tests.delivery.conftest import FROM_NUMBER, MORNING, SITE_URL
from tests.delivery.util import planned, reloaded
from tests.factories import MessageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("morning")]


def test_it_sends_through_the_real_client_and_records_the_sid(fake_twilio):
    message = planned()
    messages_dispatch()
    message = reloaded(message)
    assert message.status == MessageStatus.SENT
    assert message.provider_id in fake_twilio.messages
    (request,) = fake_twilio.creates()
    assert request.auth_user == fake_twilio.account_sid
    assert request.form["To"] == message.customer.phone
    assert request.form["From"] == FROM_NUMBER
    assert request.form["Body"] == message.body


def test_it_asks_for_status_callbacks_with_our_message_id(fake_twilio):
    message = planned()
    messages_dispatch()
    (request,) = fake_twilio.creates()
    assert request.form["StatusCallback"] == (
        f"{SITE_URL}/webhooks/twilio/status?m={message.pk}"
    )


def test_it_sends_from_the_messaging_service_when_configured(fake_twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    planned()
    messages_dispatch()
    (request,) = fake_twilio.creates()
    assert request.form["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in request.form


def test_it_gives_time_sensitive_messages_a_validity_period(fake_twilio):
    message = planned(trigger="survey")
    message.expires_at = message.send_after + dt.timedelta(minutes=50)
    message.save()
    messages_dispatch()
    (request,) = fake_twilio.creates()
    assert request.form["ValidityPeriod"] == str(50 * 60)


def test_it_gives_ordinary_messages_no_validity_period(fake_twilio):
    planned()
    messages_dispatch()
    (request,) = fake_twilio.creates()
    assert "ValidityPeriod" not in request.form


@pytest.mark.parametrize("code", [21211, 21614])
def test_it_fails_an_unusable_number_and_marks_it(fake_twilio, code):
    fake_twilio.then_error(code)
    message = planned()
    messages_dispatch()
    message = reloaded(message)
    assert (message.status, message.reason) == ("failed", Reason.PERMANENT_ERROR)
    assert str(code) in message.reason_detail
    assert str(code) in message.customer.phone_unusable_reason
    assert message.customer.phone_unusable_at is not None


def test_it_skips_later_sms_to_a_number_marked_unusable(fake_twilio):
    fake_twilio.then_error(21211)
    first = planned()
    messages_dispatch()
    second = MessageFactory(campaign=first.campaign, customer=first.customer)
    messages_dispatch()
    second = reloaded(second)
    assert (second.status, second.reason) == ("skipped", Reason.CONTACT_UNUSABLE)
    assert len(fake_twilio.creates()) == 1


def test_it_withdraws_sms_marketing_consent_on_21610(fake_twilio):
    fake_twilio.then_error(21610, message="Attempt to send to unsubscribed recipient")
    message = planned(purpose="marketing")
    messages_dispatch()
    assert reloaded(message).status == MessageStatus.FAILED
    latest = Consent.objects.filter(
        customer=message.customer, channel="sms", purpose="marketing"
    ).latest("recorded_at", "id")
    assert (latest.granted, latest.source) == (False, "twilio:21610")


def test_it_catches_the_newer_service_exception_as_permanent(fake_twilio):
    fake_twilio.then_service_error(21211)
    message = planned()
    messages_dispatch()
    message = reloaded(message)
    assert (message.status, message.reason) == ("failed", Reason.PERMANENT_ERROR)
    assert "21211" in message.reason_detail


def test_it_backs_off_after_a_429_without_counting_it_as_a_failure(
    fake_twilio, morning
):
    fake_twilio.then_throttle(retry_after=30)
    message = planned()
    messages_dispatch()
    message = reloaded(message)
    assert (message.status, message.reason) == ("deferred", Reason.THROTTLED)
    wait = message.send_after - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=30) <= wait <= dt.timedelta(minutes=10)


def test_it_sends_a_throttled_message_once_the_backoff_has_passed(fake_twilio, morning):
    fake_twilio.then_throttle(retry_after=1)
    message = planned()
    messages_dispatch()
    morning.shift(dt.timedelta(minutes=11))
    messages_dispatch()
    assert reloaded(message).status == MessageStatus.SENT
    assert len(fake_twilio.creates()) == 2


def test_it_retries_a_credentials_error_as_transient(fake_twilio):
    fake_twilio.then_error(20003, status=401, message="Authenticate")
    message = planned()
    messages_dispatch()
    assert reloaded(message).reason == Reason.TRANSIENT_ERROR


def test_it_never_resends_after_a_5xx(fake_twilio, morning):
    fake_twilio.then_server_error(create=True)
    message = planned()
    messages_dispatch()
    message = reloaded(message)
    assert (message.status, message.reason) == ("unknown", Reason.AMBIGUOUS)
    morning.shift(dt.timedelta(minutes=1))
    messages_dispatch()
    assert len(fake_twilio.creates()) == 1


def test_it_treats_a_timeout_as_ambiguous(fake_twilio):
    fake_twilio.then_slow(2.0)
    message = planned()
    messages_dispatch()
    message = reloaded(message)
    assert (message.status, message.reason) == ("unknown", Reason.AMBIGUOUS)
    assert len(fake_twilio.creates()) == 1


def test_it_reconciles_a_timed_out_send_that_reached_twilio(fake_twilio, morning):
    fake_twilio.then_slow(2.0, create=True)
    message = planned()
    messages_dispatch()
    morning.shift(dt.timedelta(minutes=3))
    messages_dispatch()
    message = reloaded(message)
    assert message.status == MessageStatus.SENT
    assert message.provider_id in fake_twilio.messages
    assert len(fake_twilio.creates()) == 1


def test_it_sends_again_a_timed_out_message_twilio_never_took(fake_twilio, morning):
    fake_twilio.then_slow(2.0, create=False)
    message = planned()
    messages_dispatch()
    morning.shift(dt.timedelta(minutes=3))
    messages_dispatch()  # look-up: not there -> queued again and sent
    message = reloaded(message)
    assert message.status == MessageStatus.SENT
    assert len(fake_twilio.creates()) == 2
    assert len(fake_twilio.messages) == 1


def test_it_waits_for_a_callback_before_looking_a_message_up(fake_twilio, morning):
    fake_twilio.then_slow(2.0, create=True)
    planned()
    messages_dispatch()
    morning.shift(dt.timedelta(seconds=30))
    messages_dispatch()
    assert not [r for r in fake_twilio.requests if r.method == "GET"]


def test_it_looks_up_by_recipient_without_a_date_sent_filter(fake_twilio, morning):
    # A message Twilio still queues has no DateSent: a filter on it would
    # miss exactly the messages in doubt.
    fake_twilio.then_slow(2.0, create=True)
    message = planned()
    messages_dispatch()
    morning.shift(dt.timedelta(minutes=3))
    messages_dispatch()
    (lookup,) = [r for r in fake_twilio.requests if r.method == "GET"]
    assert lookup.query["To"] == message.customer.phone
    assert not any(name.startswith("DateSent") for name in lookup.query)


def test_it_does_not_take_an_older_message_with_the_same_text_for_this_one(
    fake_twilio, morning
):
    fake_twilio.then_slow(2.0, create=False)
    message = planned()
    messages_dispatch()  # timed out, never created
    body = reloaded(message).body
    fake_twilio.add_message(
        message.customer.phone, body, when=MORNING - dt.timedelta(hours=2)
    )
    morning.shift(dt.timedelta(minutes=3))
    messages_dispatch()
    message = reloaded(message)
    assert message.status == MessageStatus.SENT
    assert len(fake_twilio.creates()) == 2  # not found, so sent again


def test_it_looks_up_the_number_the_attempt_went_to(fake_twilio, morning):
    fake_twilio.then_slow(2.0, create=True)
    message = planned()
    old_phone = message.customer.phone
    messages_dispatch()
    message.customer.phone = "+8613900000999"
    message.customer.save()
    morning.shift(dt.timedelta(minutes=3))
    messages_dispatch()
    assert reloaded(message).status == MessageStatus.SENT
    assert [r.query["To"] for r in fake_twilio.requests if r.method == "GET"] == [
        old_phone
    ]
    assert len(fake_twilio.creates()) == 1


def test_it_fetches_by_sid_when_the_sid_is_known(fake_twilio, morning):
    from care.delivery.channels.twilio_sms import TwilioBackend

    message = planned()
    messages_dispatch()
    message = reloaded(message)
    assert TwilioBackend().was_sent(message) is True
    assert fake_twilio.requests[-1].path.endswith(f"/{message.provider_id}.json")


def test_it_queues_a_connection_refused_send_as_transient(settings, morning):
    settings.SMS_BACKEND = "care.delivery.channels.twilio_sms.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # discard port: refused
    message = planned()
    messages_dispatch()
    assert reloaded(message).reason == Reason.TRANSIENT_ERROR


def test_it_keeps_messages_waiting_while_no_sender_is_configured(fake_twilio, settings):
    settings.TWILIO_FROM_NUMBER = ""
    message = planned()
    messages_dispatch()
    assert reloaded(message).reason == Reason.TRANSIENT_ERROR
    assert fake_twilio.creates() == []
