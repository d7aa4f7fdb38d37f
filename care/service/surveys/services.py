"""Writes for surveys: the row behind a survey message, its answer, SMS digit replies."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import (
    ON_ITS_WAY,
    SENT_LIKE,
    AnswerVia,
    Message,
    Reason,
    Survey,
    SurveyKind,
    TriggerKind,
)
from care.rules import customer_zone
from care.service.recovery import recovery_case_open
from care.service.surveys.scores import is_low, parse_sms_digit
from care.service.surveys.tokens import (
    BadToken,
    TokenPayload,
    survey_id_from_token,
    survey_is_expired,
    survey_url,
)
from crm.models import Customer

PREVIEW_URL = "/s/preview"


class SurveyError(Exception):
    """An answer that cannot be taken; `code` says why (answered, expired)."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code


def _kind(message: Message) -> str:
    return (
        SurveyKind.FOLLOW_UP
        if message.occasion.get("follow_up")
        else SurveyKind.SERVICE
    )


def survey_for_message(message: Message) -> Survey:
    """The survey a message carries, created the first time it is rendered."""
    existing = Survey.objects.filter(message=message).first()
    if existing is not None:
        return existing
    ticket = message.ticket
    survey = Survey(
        ticket=ticket,
        customer_id=message.customer_id,
        message=message,
        kind=_kind(message),
        channel=message.channel,
        agent=ticket.agent,
        resolved_at=ticket.resolved_at,
        # A message deferred by quiet hours still carries that reason when it goes.
        deferred_reason=Reason.QUIET_HOURS
        if message.reason == Reason.QUIET_HOURS
        else "",
    )
    try:
        with transaction.atomic():
            survey.save()
    except IntegrityError:  # the ticket's one service survey exists already
        return Survey.objects.get(ticket=ticket, kind=SurveyKind.SERVICE)
    return survey


def survey_sample_context() -> dict:
    """The survey variables of a preview: a placeholder link, sent on the day."""
    return {
        "survey_url": f"{settings.SITE_URL}{PREVIEW_URL}",
        "survey_yesterday": False,
    }


def survey_context(message: Message) -> dict:
    """Template variables of a survey message: its link, and whether it is a day late.

    Creates the Survey row behind the link (the token names it).
    """
    ticket = message.ticket
    if message.pk is None or ticket is None:  # a preview: nothing to link to yet
        return survey_sample_context()
    survey = survey_for_message(message)
    zone = customer_zone(message.customer.time_zone)
    now = timezone.now().astimezone(zone)
    resolved = (ticket.resolved_at or now).astimezone(zone)
    return {
        "survey_url": survey_url(survey),
        "survey_yesterday": resolved.date() < now.date(),
    }


def surveys_sent(messages: list[Message]) -> None:
    """Stamp the surveys of messages just sent: sent time and link expiry."""
    valid = dt.timedelta(days=settings.CARE_SURVEY_VALID_DAYS)
    for message in messages:
        sent = message.sent_at or timezone.now()
        Survey.objects.filter(message=message, sent_at__isnull=True).update(
            sent_at=sent, expires_at=sent + valid
        )


@dataclass(frozen=True)
class SurveyLink:
    survey: Survey
    expired: bool  # past the row's expiry or the token's signed age

    @classmethod
    def of(cls, survey: Survey, payload: TokenPayload, now: dt.datetime) -> "SurveyLink":
        return cls(survey, payload.signature_expired or survey_is_expired(survey, now))


def survey_from_token(token: str) -> SurveyLink:
    """The survey a link's token points to, and whether the link has expired;
    raise BadToken if the token is not ours."""
    payload = survey_id_from_token(token)
    survey = (
        Survey.objects.select_related("customer", "ticket")
        .filter(pk=payload.survey_id)
        .first()
    )
    if survey is None:
        raise BadToken("no such survey")
    if survey.sent_at is None:
        _stamp_if_sent(survey)
    return SurveyLink.of(survey, payload, timezone.now())


def _stamp_if_sent(survey: Survey) -> None:
    # The reaper can record a message as sent without the kind's `sent` hook:
    # stamp the survey from its message, so its link works.
    message = survey.message
    if message is not None and message.status in SENT_LIKE and message.sent_at:
        surveys_sent([message])
        survey.refresh_from_db()


def _validate(csat: int | None, nps: int | None, comment: str) -> None:
    errors = {}
    if csat is None or not 1 <= csat <= 5:
        errors["csat"] = _("Choose a score from 1 to 5.")
    if nps is not None and not 0 <= nps <= 10:
        errors["nps"] = _("Choose a number from 0 to 10.")
    if len(comment) > 2000:
        errors["comment"] = _("Please keep the comment under 2,000 characters.")
    if errors:
        raise ValidationError(errors)


def survey_answer(
    *,
    survey: Survey,
    csat: int | None,
    nps: int | None = None,
    comment: str = "",
    via: str = AnswerVia.WEB,
    now: dt.datetime | None = None,
) -> Survey:
    """Record the one answer a survey takes; a low one opens a recovery case."""
    now = now or timezone.now()
    _validate(csat, nps, comment)
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at is not None:
            raise SurveyError("answered", _("This survey has already been answered."))
        if survey_is_expired(locked, now):
            raise SurveyError("expired", _("This survey link has expired."))
        locked.csat, locked.nps, locked.comment = csat, nps, comment.strip()
        locked.answered_at, locked.answered_via = now, via
        locked.full_clean()
        locked.save()
        if is_low(csat, nps):
            recovery_case_open(survey=locked, now=now)
    return locked


def survey_latest_open(customer: Customer, at: dt.datetime) -> Survey | None:
    return (
        Survey.objects.filter(
            customer=customer,
            sent_at__isnull=False,
            sent_at__lte=at,
            answered_at__isnull=True,
            expires_at__gt=at,
        )
        .order_by("-sent_at", "-id")
        .first()
    )


def survey_answer_by_sms(
    *, customer: Customer, body: str, received_at: dt.datetime
) -> bool:
    """Take an SMS reply as the CSAT of the customer's latest open survey.

    True when `body` is a single digit 1-5 and an open survey took it; False
    otherwise (not a digit, no open survey, already answered), so the caller
    can treat the text as an ordinary reply.
    """
    csat = parse_sms_digit(body)
    if csat is None:
        return False
    survey = survey_latest_open(customer, received_at)
    if survey is None:
        return False
    try:
        survey_answer(survey=survey, csat=csat, via=AnswerVia.SMS, now=received_at)
    except SurveyError:
        return False
    return True


def customers_recently_surveyed(
    customer_ids: set[int], exclude_ids: set[int], now: dt.datetime
) -> set[int]:
    """Customers a survey message reached within CARE_SURVEY_REPEAT_DAYS."""
    if not customer_ids:
        return set()
    since = now - dt.timedelta(days=settings.CARE_SURVEY_REPEAT_DAYS)
    rows = Message.objects.filter(
        customer_id__in=customer_ids,
        trigger=TriggerKind.SURVEY,
        status__in=ON_ITS_WAY,
        sent_at__gte=since,
    ).exclude(pk__in=exclude_ids)
    return set(rows.values_list("customer_id", flat=True))
