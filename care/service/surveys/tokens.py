"""The survey link's token: the survey id, signed with a salt of its own."""

import datetime as dt

from django.conf import settings
from django.core import signing

from care.models import Survey

SALT = "care.survey.link"


class BadToken(Exception):
    """The token was not made by us (tampered, truncated or from another salt)."""


def survey_token(survey: Survey) -> str:
    return signing.dumps({"s": survey.pk}, salt=SALT, compress=False)


def survey_url(survey: Survey) -> str:
    return f"{settings.SITE_URL}/s/{survey_token(survey)}"


def survey_from_token(token: str) -> Survey:
    """The survey a token points to; raise BadToken if it is not ours.

    The signature is checked with a generous max_age as a second lock; the
    7-day expiry itself is the survey's `expires_at` (see `survey_is_expired`).
    """
    max_age = dt.timedelta(days=settings.CARE_SURVEY_VALID_DAYS + 1)
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        payload = signing.loads(token, salt=SALT)  # ours, but old: found, expired
    except signing.BadSignature as exc:
        raise BadToken(str(exc)) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise BadToken("malformed payload")
    survey = (
        Survey.objects.select_related("customer", "ticket")
        .filter(pk=payload["s"])
        .first()
    )
    if survey is None:
        raise BadToken("no such survey")
    if survey.sent_at is None:
        _stamp_if_sent(survey)
    return survey


def _stamp_if_sent(survey: Survey) -> None:
    # The reaper can record a message as sent without dispatch's hook: stamp
    # the survey from its message, so its link works.
    from care.models import SENT_LIKE
    from care.service.surveys.services import surveys_sent

    message = survey.message
    if message is not None and message.status in SENT_LIKE and message.sent_at:
        surveys_sent([message])
        survey.refresh_from_db()


def survey_is_expired(survey: Survey, now: dt.datetime) -> bool:
    return survey.expires_at is None or now >= survey.expires_at
