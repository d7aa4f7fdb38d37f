import datetime as dt

import pytest
from django.utils import timezone

from care.models import InboundMessage, RecoveryCase
from care.service.surveys import survey_answer_by_sms
from tests.delivery.util import signed_post
from tests.factories import CustomerFactory
from tests.surveys.helpers import sent_survey

pytestmark = pytest.mark.usefixtures("playbooks", "frozen")


def reply(customer, body: str) -> bool:
    return survey_answer_by_sms(
        customer=customer, body=body, received_at=timezone.now()
    )


def test_it_records_a_single_digit_as_the_csat():
    survey = sent_survey()
    assert reply(survey.customer, " 4 ") is True
    survey.refresh_from_db()
    assert (survey.csat, survey.answered_via) == (4, "sms")


def test_it_takes_a_full_width_digit():
    survey = sent_survey()
    assert reply(survey.customer, "５") is True


@pytest.mark.parametrize("body", ["0", "6", "45", "four", "", "STOP", "1 2"])
def test_it_ignores_anything_but_one_digit_from_1_to_5(body):
    survey = sent_survey()
    assert reply(survey.customer, body) is False
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_it_ignores_a_digit_when_no_survey_is_open():
    assert reply(CustomerFactory(), "5") is False


def test_it_takes_only_the_first_digit_reply():
    survey = sent_survey()
    reply(survey.customer, "5")
    assert reply(survey.customer, "1") is False
    survey.refresh_from_db()
    assert survey.csat == 5


def test_it_ignores_a_digit_after_the_link_expired(frozen):
    survey = sent_survey()
    frozen.shift(dt.timedelta(days=8))
    assert reply(survey.customer, "3") is False


def test_a_low_digit_opens_a_recovery_case():
    survey = sent_survey()
    reply(survey.customer, "2")
    assert RecoveryCase.objects.filter(survey=survey).exists()


def test_a_three_opens_no_case():
    survey = sent_survey()
    reply(survey.customer, "3")
    assert not RecoveryCase.objects.exists()


def test_a_digit_texted_back_through_the_signed_webhook_answers_the_survey(
    client, settings
):
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    survey = sent_survey()
    params = {
        "MessageSid": "SM" + "1" * 32,
        "From": survey.customer.phone,
        "To": "+15005550006",
        "Body": "5",
    }
    response = signed_post(client, "/webhooks/twilio/inbound", params)
    params["MessageSid"], params["Body"] = "SM" + "2" * 32, "see you soon"
    signed_post(client, "/webhooks/twilio/inbound", params)

    survey.refresh_from_db()
    assert response.status_code == 200
    assert (survey.csat, survey.answered_via) == (5, "sms")
    kinds = InboundMessage.objects.order_by("id").values_list("kind", flat=True)
    assert list(kinds) == ["survey", "other"]
