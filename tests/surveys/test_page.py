import datetime as dt

import pytest
from django.test import Client

from care.models import RecoveryCase, Survey
from care.service.surveys import survey_token
from tests.factories import CustomerFactory
from tests.surveys.helpers import sent_survey

pytestmark = pytest.mark.usefixtures("playbooks", "frozen")


def url(survey: Survey) -> str:
    return f"/s/{survey_token(survey)}"


def test_it_shows_the_page_in_chinese_to_a_chinese_customer():
    survey = sent_survey(customer=CustomerFactory(locale="zh-hans"))
    response = Client().get(url(survey))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "您对我们的服务满意吗" in html
    assert 'name="viewport"' in html and "https://" not in html


def test_it_shows_the_page_in_english_to_an_english_customer():
    survey = sent_survey(customer=CustomerFactory(locale="en"))
    html = Client().get(url(survey)).content.decode()
    assert '<html lang="en">' in html
    assert "How satisfied are you with our service?" in html


def test_it_records_an_answer_once():
    survey = sent_survey()
    response = Client().post(
        url(survey), {"csat": "5", "nps": "10", "comment": "Great"}
    )
    survey.refresh_from_db()
    assert response.status_code == 200
    assert (survey.csat, survey.nps, survey.comment, survey.answered_via) == (
        5,
        10,
        "Great",
        "web",
    )


def test_it_refuses_a_second_answer_politely():
    survey = sent_survey(customer=CustomerFactory(locale="en"))
    Client().post(url(survey), {"csat": "5"})
    response = Client().post(url(survey), {"csat": "1"})
    survey.refresh_from_db()
    assert response.status_code == 200
    assert "already have your answer" in response.content.decode()
    assert survey.csat == 5


def test_it_says_an_expired_link_has_expired(frozen):
    survey = sent_survey(customer=CustomerFactory(locale="en"))
    frozen.shift(dt.timedelta(days=7, seconds=1))
    response = Client().post(url(survey), {"csat": "5"})
    survey.refresh_from_db()
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert survey.answered_at is None


def test_it_honours_the_links_signed_age_when_the_rows_expiry_was_moved(frozen):
    survey = sent_survey(customer=CustomerFactory(locale="en"))
    link = url(survey)  # signed now, as the sent message's link was
    Survey.objects.filter(pk=survey.pk).update(
        expires_at=survey.expires_at + dt.timedelta(days=30)
    )
    frozen.shift(dt.timedelta(days=7, seconds=1))
    response = Client().post(link, {"csat": "5"})
    survey.refresh_from_db()
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert survey.answered_at is None
    # A link signed today for the same row still opens: the row's expiry holds.
    assert Client().get(url(survey)).status_code == 200


def test_it_still_works_just_before_the_seven_days_are_up(frozen):
    survey = sent_survey()
    frozen.shift(dt.timedelta(days=6, hours=23))
    Client().post(url(survey), {"csat": "4"})
    survey.refresh_from_db()
    assert survey.csat == 4


def test_it_answers_400_to_a_tampered_token():
    survey = sent_survey()
    token = survey_token(survey)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().get(f"/s/{forged}").status_code == 400
    assert Client().post(f"/s/{forged}", {"csat": "1"}).status_code == 400


def test_it_answers_400_to_a_token_signed_for_another_survey_id():
    from django.core import signing

    survey = sent_survey()
    other = signing.dumps({"s": survey.pk}, salt="another.salt", compress=False)
    assert Client().get(f"/s/{other}").status_code == 400
    assert Client().get("/s/preview").status_code == 400


def test_it_explains_a_missing_score_without_writing_anything():
    survey = sent_survey(customer=CustomerFactory(locale="en"))
    response = Client().post(url(survey), {"nps": "11", "comment": "x"})
    survey.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please choose a score from 1 to 5." in html
    assert "Please choose a number from 0 to 10." in html
    assert survey.answered_at is None


def test_it_refuses_an_overlong_comment_with_a_message():
    survey = sent_survey(customer=CustomerFactory(locale="en"))
    response = Client().post(url(survey), {"csat": "3", "comment": "x" * 2001})
    assert "under 2,000 characters" in response.content.decode()


def test_a_low_answer_on_the_page_opens_a_recovery_case():
    survey = sent_survey()
    Client().post(url(survey), {"csat": "4", "nps": "3"})
    assert RecoveryCase.objects.get().survey == survey


def test_it_works_without_a_csrf_cookie():
    survey = sent_survey()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(survey), {"csat": "5"}).status_code == 200
    survey.refresh_from_db()
    assert survey.csat == 5


def test_a_survey_whose_send_the_reaper_confirmed_still_opens():
    survey = sent_survey()
    Survey.objects.filter(pk=survey.pk).update(sent_at=None, expires_at=None)
    assert Client().get(url(survey)).status_code == 200
    survey.refresh_from_db()
    assert survey.expires_at == survey.sent_at + dt.timedelta(days=7)
