"""Post-service survey: a ticket was resolved D minutes ago and no survey went out for it.

Its hooks into the send path: the link and "yesterday" wording in the
template context (the Survey row behind the link is made then), a last check
that drops the survey when the ticket reopened or the customer was surveyed
within CARE_SURVEY_REPEAT_DAYS, and the Survey row stamped once sent.
"""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Exists, OuterRef

from care.models import TICKET_DONE, Message, Reason, Ticket, TriggerKind
from care.outbox.plan import Due
from care.outreach.triggers.base import KindBatch, SendHooks, audience_q
from care.service.surveys import (
    customers_recently_surveyed,
    survey_context,
    survey_sample_context,
    surveys_sent,
)


def survey_due(campaign, now: dt.datetime, params: dict) -> Iterator[Due]:
    delay = dt.timedelta(minutes=int(params["delay_minutes"]))
    within = dt.timedelta(minutes=int(params["within_minutes"]))
    surveyed = Message.objects.sent_like().filter(
        ticket=OuterRef("pk"), trigger=TriggerKind.SURVEY
    )
    tickets = (
        Ticket.objects.done()
        .filter(resolved_at__gt=now - within, resolved_at__lte=now - delay)
        .filter(audience_q(campaign.audience, "customer__"))
        .filter(~Exists(surveyed))
        .values_list("id", "customer_id", "resolved_at", "reopened_count")
    )
    for ticket_id, customer_id, resolved_at, reopened in tickets.iterator(
        chunk_size=2000
    ):
        # One survey per resolution: if the ticket reopens and is resolved
        # again, the new resolution gets its own chance.
        yield Due(
            customer_id=customer_id,
            subject=f"ticket:{ticket_id}",
            occasion=f"r{reopened}",
            send_after=now,
            ticket_id=ticket_id,
            expires_at=resolved_at + within,
            data={"reopened_count": reopened, "resolved_at": resolved_at.isoformat()},
        )


def is_service_survey(message: Message) -> bool:
    # Follow-up surveys after a recovery case are deliberate: no 7-day limit.
    return not message.occasion.get("follow_up")


def ticket_reopened(message: Message) -> bool:
    """The ticket is open again, or was reopened since the survey was planned."""
    ticket = message.ticket
    if ticket is None:
        return False
    planned_for = message.occasion.get("reopened_count", ticket.reopened_count)
    return ticket.status not in TICKET_DONE or ticket.reopened_count != planned_for


class SurveyBatch(KindBatch):
    def __init__(self, messages: list[Message], now: dt.datetime) -> None:
        # Customers a post-service survey reached within CARE_SURVEY_REPEAT_DAYS.
        self.recently_surveyed = customers_recently_surveyed(
            {m.customer_id for m in messages if is_service_survey(m)},
            {m.pk for m in messages},
            now,
        )

    def check(self, message: Message) -> str:
        if ticket_reopened(message):
            return Reason.TICKET_REOPENED
        if is_service_survey(message) and message.customer_id in self.recently_surveyed:
            return Reason.RECENT_SURVEY
        return ""

    def count_sent(self, message: Message) -> None:
        if is_service_survey(message):
            self.recently_surveyed.add(message.customer_id)


class SurveyHooks(SendHooks):
    def context(self, message: Message) -> dict:
        return survey_context(message)

    def sample_context(self) -> dict:
        return survey_sample_context()

    def batch(self, messages: list[Message], now: dt.datetime) -> KindBatch:
        return SurveyBatch(messages, now)

    def sent(self, messages: list[Message]) -> None:
        surveys_sent(messages)
