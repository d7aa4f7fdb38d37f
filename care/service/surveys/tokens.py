"""The survey link's token: the survey id, signed with a salt of its own."""

import datetime as dt
from dataclasses import dataclass

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


@dataclass(frozen=True)
class TokenPayload:
    survey_id: int
    # Signed longer ago than CARE_SURVEY_VALID_DAYS: the link has expired,
    # whatever the survey row says (a row's expiry can be moved; the
    # signature's time cannot).
    signature_expired: bool


def survey_id_from_token(token: str) -> TokenPayload:
    """The survey id a token carries, and whether its signed age is past; raise
    BadToken if the token is not ours.

    The token is signed when the message is rendered, just before it is sent,
    so its age matches the survey's `expires_at` (sent + CARE_SURVEY_VALID_DAYS).
    """
    max_age = dt.timedelta(days=settings.CARE_SURVEY_VALID_DAYS)
    expired = False
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        payload = signing.loads(token, salt=SALT)  # ours, but old: found, expired
        expired = True
    except signing.BadSignature as exc:
        raise BadToken(str(exc)) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise BadToken("malformed payload")
    return TokenPayload(payload["s"], expired)


def survey_is_expired(survey: Survey, now: dt.datetime) -> bool:
    """The row's own expiry (the link's signed age is checked by the page too)."""
    return survey.expires_at is None or now >= survey.expires_at
