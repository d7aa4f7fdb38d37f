"""Post-service surveys: the link, the answer, SMS digit replies.

Public: `survey_answer_by_sms(*, customer, body, received_at) -> bool` (called by
the inbound SMS webhook), `survey_answer`, `survey_token`/`survey_from_token`.
"""

from care.service.surveys.services import (
    SurveyError,
    customers_recently_surveyed,
    survey_answer,
    survey_answer_by_sms,
    survey_context,
    survey_for_message,
    survey_from_token,
    survey_sample_context,
    surveys_sent,
)
from care.service.surveys.tokens import BadToken, survey_token, survey_url

__all__ = [
    "BadToken",
    "SurveyError",
    "customers_recently_surveyed",
    "survey_answer",
    "survey_answer_by_sms",
    "survey_context",
    "survey_for_message",
    "survey_from_token",
    "survey_sample_context",
    "survey_token",
    "survey_url",
    "surveys_sent",
]
