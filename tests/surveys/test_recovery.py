import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from care.delivery.dispatch import messages_dispatch
from care.models import Message, RecoveryCase, RecoveryPolicy
from care.service.recovery import (
    RecoveryError,
    recovery_case_escalate,
    recovery_case_resolve,
    recovery_case_respond,
    recovery_case_take,
    recovery_cases_mine,
    recovery_policy_for,
)
from care.service.surveys import survey_answer
from tests.factories import CampaignFactory, MessageTemplateFactory, consent
from tests.surveys.helpers import sent_survey

pytestmark = pytest.mark.usefixtures("playbooks", "frozen")


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", is_staff=True)


def low_case(**kwargs) -> RecoveryCase:
    survey = sent_survey(**kwargs)
    survey_answer(survey=survey, csat=1, nps=2, comment="Slow")
    return RecoveryCase.objects.get(survey=survey)


def test_a_low_csat_opens_a_case_with_one_hour_and_24_hour_deadlines(alice):
    case = low_case()
    now = timezone.now()
    assert case.status == "open"
    assert case.first_response_due == now + dt.timedelta(hours=1)
    assert case.resolution_due == now + dt.timedelta(hours=24)


def test_the_case_goes_to_the_tickets_agent_when_they_have_a_login(alice):
    case = low_case(agent="alice")
    assert (case.assignee, case.queue) == (alice, "care")


def test_the_case_waits_in_the_queue_when_the_agent_has_no_login():
    case = low_case(agent="someone else")
    assert (case.assignee, case.queue) == (None, "care")


@pytest.mark.parametrize(
    ("csat", "nps", "opens"), [(3, 7, False), (2, None, True), (5, 6, True)]
)
def test_it_opens_a_case_at_csat_2_or_nps_6_and_below(csat, nps, opens):
    survey = sent_survey()
    survey_answer(survey=survey, csat=csat, nps=nps)
    assert RecoveryCase.objects.exists() is opens


def test_the_thresholds_are_settings(settings):
    settings.CARE_RECOVERY_CSAT_MAX = 3
    survey = sent_survey()
    survey_answer(survey=survey, csat=3, nps=8)
    assert RecoveryCase.objects.exists()


def test_a_policy_per_segment_sets_the_queue_and_tighter_deadlines():
    policy = recovery_policy_for("champions")
    assert (policy.queue, policy.first_response_minutes, policy.resolution_minutes) == (
        "senior",
        30,
        480,
    )
    assert recovery_policy_for("lost").queue == "care"


def test_a_high_value_customer_goes_to_the_senior_queue(alice):
    from segmentation.models import CustomerRfm

    survey = sent_survey(agent="alice")
    CustomerRfm.objects.create(
        customer=survey.customer, segment="champions", scored_at=timezone.now()
    )
    survey_answer(survey=survey, csat=1)
    case = RecoveryCase.objects.get()
    assert (case.queue, case.assignee, case.segment) == ("senior", None, "champions")
    assert case.first_response_due == timezone.now() + dt.timedelta(minutes=30)


def test_a_case_is_overdue_after_its_first_response_deadline(frozen):
    case = low_case()
    frozen.shift(dt.timedelta(minutes=61))
    assert case.is_overdue(timezone.now())


def test_a_response_moves_the_deadline_to_the_resolution(frozen, alice):
    case = low_case()
    recovery_case_respond(case=case, user=alice, note="Called", now=timezone.now())
    frozen.shift(dt.timedelta(hours=2))
    case.refresh_from_db()
    assert not case.is_overdue(timezone.now())
    assert "Called" in case.notes


def test_take_assigns_and_escalate_moves_to_the_managers_queue(alice):
    case = low_case(agent="nobody")
    case = recovery_case_take(case=case, user=alice, now=timezone.now())
    assert case.assignee == alice
    case = recovery_case_escalate(case=case, user=alice, note="VIP", now=timezone.now())
    assert (case.queue, case.assignee, case.escalated_at) == (
        "managers",
        None,
        timezone.now(),
    )


def test_a_resolved_case_cannot_be_resolved_again(alice):
    case = low_case()
    recovery_case_resolve(case=case, user=alice, now=timezone.now())
    with pytest.raises(RecoveryError):
        recovery_case_resolve(case=case, user=alice, now=timezone.now())


def test_resolving_with_follow_up_sends_a_follow_up_survey(alice, sms_outbox):
    case = low_case()
    sms_outbox.clear()
    case = recovery_case_resolve(
        case=case, user=alice, follow_up=True, now=timezone.now()
    )
    messages_dispatch()
    case.follow_up.refresh_from_db()
    assert case.follow_up.status == "sent"
    assert case.follow_up.survey.kind == "follow_up"
    assert "/s/" in sms_outbox[0].body


def test_my_cases_lists_mine_and_my_queues_unassigned_cases_by_deadline(
    alice, django_user_model
):
    Group.objects.get_or_create(name="care")[0].user_set.add(alice)
    mine = low_case(agent="alice")
    queued = low_case(agent="nobody")
    other = django_user_model.objects.create_user("bob")
    taken = low_case(agent="nobody")
    recovery_case_take(case=taken, user=other, now=timezone.now())
    assert set(recovery_cases_mine(alice)) == {mine, queued}


# --- the marketing pause --------------------------------------------------------------


def marketing_message(customer) -> Message:
    from care.outreach.sweep import messages_plan  # noqa: F401
    from tests.factories import MessageFactory

    campaign = CampaignFactory(trigger="birthday", purpose="marketing")
    MessageTemplateFactory(campaign=campaign, channel="sms", locale="zh-hans")
    consent(customer, "sms", "marketing")
    return MessageFactory(campaign=campaign, customer=customer)


def test_marketing_is_skipped_while_a_case_is_open(alice):
    case = low_case()
    message = marketing_message(case.customer)
    messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.reason) == ("skipped", "care_first")
    assert f"recovery case #{case.pk}" in message.reason_detail


def test_marketing_stays_paused_for_14_days_after_a_low_score(frozen, alice):
    case = low_case()
    recovery_case_resolve(case=case, user=alice, now=timezone.now())
    frozen.shift(dt.timedelta(days=13))
    message = marketing_message(case.customer)
    messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.reason) == ("skipped", "care_first")
    assert "low survey score" in message.reason_detail


def test_marketing_resumes_after_14_days_once_the_case_is_resolved(frozen, alice):
    case = low_case()
    recovery_case_resolve(case=case, user=alice, now=timezone.now())
    frozen.shift(dt.timedelta(days=14, minutes=1))
    message = marketing_message(case.customer)
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == "sent"


def test_service_messages_still_go_during_the_pause(alice):
    case = low_case()
    campaign = CampaignFactory(trigger="maintenance", purpose="service")
    MessageTemplateFactory(campaign=campaign, channel="sms", locale="zh-hans")
    from tests.factories import MessageFactory

    message = MessageFactory(campaign=campaign, customer=case.customer)
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_default_policy_row_is_editable():
    RecoveryPolicy.objects.filter(segment="").update(first_response_minutes=15)
    case = low_case()
    assert case.first_response_due == timezone.now() + dt.timedelta(minutes=15)
