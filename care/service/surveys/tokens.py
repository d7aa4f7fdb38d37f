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


def survey_id_from_token(token: str) -> int:
    """The survey id a token carries; raise BadToken if the token is not ours.

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
    return payload["s"]


def survey_is_expired(survey: Survey, now: dt.datetime) -> bool:
    return survey.expires_at is None or now >= survey.expires_at
