"""The figures of the status page: the queue, failures, rates, late surveys, overdue cases."""

import datetime as dt

import pytest

from care.models import CampaignStatus, MessageStatus, Reason
from care.operations.status import (
    EXPIRED,
    FAILED,
    NOT_PLANNED,
    QUIET_HOURS,
    WAITING,
    cases_overdue,
    channel_failure_rates,
    oldest_due_age,
    queue_status,
    surveys_at_risk,
)
from tests.factories import CampaignFactory, MessageFactory
from tests.operations.conftest import MORNING
from tests.operations.helpers import (
    recovery_case,
    resolved_ticket,
    survey_campaign,
    survey_message,
)

pytestmark = pytest.mark.django_db
AGO = lambda **kw: MORNING - dt.timedelta(**kw)


def test_it_counts_what_is_due_and_how_long_the_oldest_has_waited(frozen):
    MessageFactory(send_after=AGO(minutes=30))
    MessageFactory(status=MessageStatus.DEFERRED, send_after=AGO(minutes=5))
    MessageFactory(send_after=MORNING + dt.timedelta(hours=1))  # not yet due
    paused = CampaignFactory(status=CampaignStatus.PAUSED)
    MessageFactory(campaign=paused, send_after=AGO(days=3))  # waits on purpose
    status = queue_status(MORNING)
    assert status.due_now == 2
    assert status.oldest_due_age(MORNING) == 1800 == oldest_due_age(MORNING)


def test_it_counts_deferrals_by_reason_and_rows_stuck_in_sending(frozen, settings):
    for reason in (Reason.QUIET_HOURS, Reason.QUIET_HOURS, Reason.THROTTLED):
        MessageFactory(status=MessageStatus.DEFERRED, reason=reason)
    lease = settings.CARE_DISPATCH_LEASE_SECONDS
    MessageFactory(status=MessageStatus.SENDING, claimed_at=AGO(seconds=lease + 1))
    MessageFactory(status=MessageStatus.SENDING, claimed_at=MORNING)
    MessageFactory(status=MessageStatus.UNKNOWN)
    status = queue_status(MORNING)
    assert status.deferred_by_reason == [("quiet_hours", 2), ("throttled", 1)]
    assert (status.sending, status.stuck_sending, status.unknown) == (2, 1, 1)


def test_it_groups_the_last_days_failures_by_channel_reason_and_provider_code(frozen):
    for _ in range(2):
        MessageFactory(
            status=MessageStatus.FAILED,
            reason=Reason.PERMANENT_ERROR,
            error_code="21211",
            updated_at=MORNING,
        )
    MessageFactory(
        status=MessageStatus.FAILED,
        reason=Reason.UNDELIVERED,
        error_code="30003",
        channel="sms",
    )
    old = MessageFactory(status=MessageStatus.FAILED, reason=Reason.MAX_ATTEMPTS)
    type(old).objects.filter(pk=old.pk).update(updated_at=AGO(days=2))
    assert queue_status(MORNING).failed_24h == [
        ("sms", "permanent_error", "21211", 2),
        ("sms", "undelivered", "30003", 1),
    ]


def test_it_computes_each_channels_failure_rate_over_the_last_hour(frozen):
    for _ in range(3):
        MessageFactory(status=MessageStatus.SENT, sent_at=AGO(minutes=10))
    MessageFactory(status=MessageStatus.SENT, sent_at=AGO(hours=2))  # too old
    MessageFactory(status=MessageStatus.FAILED, reason=Reason.PERMANENT_ERROR)
    MessageFactory(
        status=MessageStatus.DEFERRED, reason=Reason.TRANSIENT_ERROR, channel="email"
    )
    MessageFactory(status=MessageStatus.SENT, sent_at=MORNING, channel="email")
    rates = {r.channel: r for r in channel_failure_rates(MORNING)}
    assert (rates["sms"].attempts, rates["sms"].failures) == (4, 1)
    assert rates["sms"].rate == 0.25 and rates["email"].rate == 0.5


def test_a_message_sent_then_undelivered_counts_once_as_a_try(frozen):
    MessageFactory(
        status=MessageStatus.FAILED, reason=Reason.UNDELIVERED, sent_at=AGO(minutes=5)
    )
    (rate,) = channel_failure_rates(MORNING)
    assert (rate.attempts, rate.failures) == (1, 1)


def test_it_finds_surveys_past_45_minutes_and_why_they_are_not_out(frozen):
    campaign = survey_campaign()
    not_planned = resolved_ticket(50)
    quiet = resolved_ticket(55)
    survey_message(campaign, quiet, MessageStatus.DEFERRED, Reason.QUIET_HOURS)
    throttled = resolved_ticket(60)
    survey_message(campaign, throttled, MessageStatus.DEFERRED, Reason.THROTTLED)
    failed = resolved_ticket(65)
    survey_message(campaign, failed, MessageStatus.FAILED, Reason.PERMANENT_ERROR)
    expired = resolved_ticket(70)
    survey_message(campaign, expired, MessageStatus.SKIPPED, Reason.EXPIRED)
    # Not at risk: sent, skipped by a rule, too recent, too old to watch.
    survey_message(campaign, resolved_ticket(50), MessageStatus.SENT)
    survey_message(campaign, resolved_ticket(50), MessageStatus.SKIPPED, "no_consent")
    resolved_ticket(30)
    resolved_ticket(200)
    found = {r.ticket_ref: r for r in surveys_at_risk(MORNING)}
    assert {ref: r.kind for ref, r in found.items()} == {
        not_planned.external_id: NOT_PLANNED,
        quiet.external_id: QUIET_HOURS,
        throttled.external_id: WAITING,
        failed.external_id: FAILED,
        expired.external_id: EXPIRED,
    }
    assert found[quiet.external_id].explained_by_quiet_hours
    assert not found[throttled.external_id].explained_by_quiet_hours


def test_a_reopened_tickets_old_survey_does_not_hide_the_new_resolution(frozen):
    campaign = survey_campaign()
    ticket = resolved_ticket(50)
    survey_message(campaign, ticket, MessageStatus.SKIPPED, Reason.TICKET_REOPENED)
    ticket.reopened_count = 1
    ticket.save()
    (risk,) = surveys_at_risk(MORNING)
    assert risk.kind == NOT_PLANNED


def test_no_survey_is_expected_without_a_live_survey_campaign(frozen):
    survey_campaign(status=CampaignStatus.PAUSED)
    resolved_ticket(50)
    assert surveys_at_risk(MORNING) == []


def test_only_tickets_in_a_survey_campaigns_audience_are_watched(frozen):
    survey_campaign(audience={"locales": ["en"]})
    english = resolved_ticket(50, customer__locale="en")
    resolved_ticket(50, customer__locale="zh-hans")
    assert [r.ticket_id for r in surveys_at_risk(MORNING)] == [english.pk]


def test_it_lists_open_cases_past_either_deadline(frozen):
    first = recovery_case(first_due_minutes=-10)
    resolution = recovery_case(
        first_due_minutes=-100, resolution_due_minutes=-5, responded=True
    )
    recovery_case(first_due_minutes=30)
    recovery_case(first_due_minutes=-10, responded=True)
    found = {c.case_id: c.deadline for c in cases_overdue(MORNING)}
    assert found == {first.pk: "first_response", resolution.pk: "resolution"}
