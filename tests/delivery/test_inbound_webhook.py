"""POST /webhooks/twilio/inbound: opt-out, opt-in, help, other replies."""

import itertools

import pytest

from care.models import InboundMessage
from crm.models import Consent
from tests.delivery.util import signed_post
from tests.factories import CustomerFactory, consent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("morning")]
PATH = "/webhooks/twilio/inbound"
_sids = itertools.count(1)


def reply(client, customer, body, sid=None, **extra):
    params = {
        "MessageSid": sid or f"SM{next(_sids):032x}",
        "From": customer.phone,
        "To": "+15005550006",
        "Body": body,
        **extra,
    }
    return signed_post(client, PATH, params)


def sms_marketing(customer) -> Consent:
    return Consent.objects.filter(
        customer=customer, channel="sms", purpose="marketing"
    ).latest("recorded_at", "id")


@pytest.fixture
def customer():
    customer = CustomerFactory(locale="en")
    consent(customer, "sms", "marketing", True)
    return customer


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        " stop ",
        "StopAll",
        "UNSUBSCRIBE",
        "cancel",
        "END",
        "quit",
        "TD",
        "td",
        "退订",
        " 退订 ",
    ],
)
def test_it_withdraws_sms_marketing_consent_on_an_opt_out_word(client, customer, body):
    assert reply(client, customer, body).status_code == 200
    latest = sms_marketing(customer)
    assert latest.granted is False
    assert latest.source.startswith("sms-reply:")


def test_it_honours_twilios_opt_out_type(client, customer):
    reply(client, customer, "please no more", OptOutType="STOP")
    assert sms_marketing(customer).granted is False


@pytest.mark.parametrize("body", ["START", "yes", "Unstop"])
def test_it_grants_consent_again_on_start(client, customer, body):
    reply(client, customer, "STOP")
    reply(client, customer, body)
    assert sms_marketing(customer).granted is True


def test_it_answers_help_in_the_customers_language(client, customer):
    response = reply(client, customer, "HELP")
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response><Message>" in response.content
    assert b"reply STOP" in response.content


def test_it_answers_help_in_chinese_for_a_chinese_customer(client):
    customer = CustomerFactory(locale="zh-hans")
    response = reply(client, customer, "info")
    assert "退订" in response.content.decode()


def test_it_confirms_an_opt_out_twilio_did_not_handle(client, customer):
    response = reply(client, customer, "TD")
    assert b"<Message>" in response.content


def test_it_stays_silent_when_twilio_answered_the_opt_out_itself(client, customer):
    response = reply(client, customer, "STOP", OptOutType="STOP")
    assert b"<Message>" not in response.content


def test_it_keeps_any_other_reply_on_the_customers_record(client, customer):
    response = reply(client, customer, "Can I change my appointment?")
    assert response.status_code == 200
    (kept,) = InboundMessage.objects.filter(customer=customer)
    assert (kept.kind, kept.body) == ("other", "Can I change my appointment?")
    assert sms_marketing(customer).granted is True


def test_it_does_not_read_a_sentence_with_stop_in_it_as_an_opt_out(client, customer):
    reply(client, customer, "please stop by the shop")
    assert sms_marketing(customer).granted is True


def test_it_acts_once_on_a_repeated_delivery(client, customer):
    reply(client, customer, "STOP", sid="SM" + "1" * 32)
    reply(client, customer, "START", sid="SM" + "2" * 32)
    reply(client, customer, "STOP", sid="SM" + "1" * 32)  # Twilio retried
    assert sms_marketing(customer).granted is True
    assert InboundMessage.objects.count() == 2


def test_it_refuses_a_forged_stop(client, customer):
    response = client.post(
        PATH,
        {"MessageSid": "SM1", "From": customer.phone, "Body": "STOP"},
        HTTP_X_TWILIO_SIGNATURE="bm90IGEgc2lnbmF0dXJl",
    )
    assert response.status_code == 403
    assert sms_marketing(customer).granted is True
    assert not InboundMessage.objects.exists()


def test_it_refuses_a_stop_signed_with_another_token(client, customer):
    response = signed_post(
        client,
        PATH,
        {"MessageSid": "SM1", "From": customer.phone, "Body": "STOP"},
        token="someone-elses-token",
    )
    assert response.status_code == 403


def test_it_keeps_a_reply_from_an_unknown_number(client):
    response = signed_post(
        client, PATH, {"MessageSid": "SM9", "From": "+15550001111", "Body": "hi"}
    )
    assert response.status_code == 200
    assert InboundMessage.objects.get().customer is None


@pytest.mark.parametrize("params", [{}, {"Body": "STOP"}, {"MessageSid": "SM1"}])
def test_it_answers_malformed_input_with_400(client, params):
    assert signed_post(client, PATH, params).status_code == 400


def test_it_refuses_get(client):
    assert client.get(PATH).status_code == 405


def test_a_failing_survey_hook_keeps_the_reply(client, customer, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("care.delivery.inbound.survey_answer_by_sms", broken)
    assert reply(client, customer, "3").status_code == 200
    assert InboundMessage.objects.get().kind == "other"
