"""Alerts: one email per incident when it opens, one when it ends, never two."""

import datetime as dt
import threading
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from care.models import Heartbeat, Incident, MessageStatus, Reason
from care.operations.alerts import (
    Condition,
    alert_recipients,
    alerts_evaluate,
    alerts_run,
    incident_open,
    incidents_claim,
)
from tests.care.test_concurrency import in_threads
from tests.factories import MessageFactory
from tests.operations.conftest import MORNING, PULSE_NAMES, beat, managers_group
from tests.operations.helpers import (
    recovery_case,
    resolved_ticket,
    survey_campaign,
    survey_message,
)

pytestmark = pytest.mark.django_db


def open_keys() -> set[str]:
    return set(
        Incident.objects.filter(closed_at__isnull=True).values_list("key", flat=True)
    )


def test_a_stopped_scheduler_mails_once_then_once_more_when_it_is_back(
    frozen, scheduler_alive, manager, outbox
):
    frozen.shift(dt.timedelta(minutes=20))
    alerts_evaluate(now=MORNING + dt.timedelta(minutes=20))
    alerts_evaluate(now=MORNING + dt.timedelta(minutes=21))
    assert len(outbox) == 1
    (email,) = outbox
    assert email.to == ["mona@care.example"]
    assert "Scheduler stopped" in email.subject
    assert "Sweep (planning) not seen for 20 min" in email.body
    assert "/admin/care/heartbeat/status/" in email.body
    assert open_keys() == {"scheduler_late:scheduler"}

    back = MORNING + dt.timedelta(minutes=22)
    for name in PULSE_NAMES:
        beat(name, back)
    alerts_evaluate(now=back)
    alerts_evaluate(now=back + dt.timedelta(minutes=1))
    assert len(outbox) == 2 and "Resolved" in outbox[1].subject
    assert open_keys() == set()


def test_a_survey_past_45_minutes_alerts_naming_the_ticket(
    frozen, scheduler_alive, manager, outbox
):
    campaign = survey_campaign()
    late = resolved_ticket(50)
    survey_message(campaign, late, MessageStatus.DEFERRED, Reason.THROTTLED)
    quiet = resolved_ticket(50)
    survey_message(campaign, quiet, MessageStatus.DEFERRED, Reason.QUIET_HOURS)
    alerts_evaluate(now=MORNING)
    assert open_keys() == {f"survey_late:ticket:{late.pk}"}
    (email,) = outbox
    assert f"Survey for ticket {late.external_id} not sent 45+ minutes" in email.body
    assert "still deferred: throttled" in email.body
    assert quiet.external_id not in email.body


def test_many_new_incidents_travel_in_one_email(
    frozen, scheduler_alive, manager, outbox
):
    survey_campaign()
    tickets = [resolved_ticket(50) for _ in range(3)]
    alerts_evaluate(now=MORNING)
    (email,) = outbox
    assert "(and 2 more)" in email.subject
    assert all(t.external_id in email.body for t in tickets)


def test_a_survey_incident_ends_when_the_survey_goes(
    frozen, scheduler_alive, manager, outbox
):
    campaign = survey_campaign()
    ticket = resolved_ticket(50)
    message = survey_message(campaign, ticket, MessageStatus.PLANNED)
    alerts_evaluate(now=MORNING)
    message.status, message.sent_at = MessageStatus.SENT, MORNING
    message.save()
    alerts_evaluate(now=MORNING)
    assert [e.subject.split(":")[0] for e in outbox] == [
        "[Proactive Care] Alert",
        "[Proactive Care] Resolved",
    ]


def test_a_failing_channel_alerts_above_the_threshold(
    frozen, scheduler_alive, manager, outbox, settings
):
    settings.CARE_ALERT_FAILURE_MIN_ATTEMPTS = 10
    for _ in range(7):
        MessageFactory(status=MessageStatus.FAILED, reason=Reason.PERMANENT_ERROR)
    for _ in range(3):
        MessageFactory(status=MessageStatus.SENT, sent_at=MORNING)
    alerts_evaluate(now=MORNING)
    assert open_keys() == {"channel_failing:sms"}
    assert "sms failing: 7 of 10 tries in the last hour (70%)" in outbox[0].body


def test_a_few_failures_below_the_minimum_of_tries_raise_nothing(
    frozen, scheduler_alive, outbox
):
    for _ in range(5):
        MessageFactory(status=MessageStatus.FAILED, reason=Reason.PERMANENT_ERROR)
    alerts_evaluate(now=MORNING)
    assert open_keys() == set()


def test_a_case_past_its_first_response_deadline_alerts_until_answered(
    frozen, scheduler_alive, manager, outbox
):
    case = recovery_case(first_due_minutes=-1)
    recovery_case(first_due_minutes=-100, resolution_due_minutes=-1, responded=True)
    alerts_evaluate(now=MORNING)
    assert open_keys() == {f"case_overdue:case:{case.pk}"}
    assert f"Recovery case #{case.pk}" in outbox[0].body
    case.first_response_at = MORNING
    case.save()
    alerts_evaluate(now=MORNING)
    assert open_keys() == set() and len(outbox) == 2


def test_an_incident_already_open_is_neither_opened_nor_mailed_again(
    frozen, scheduler_alive, manager, outbox
):
    case = recovery_case(first_due_minutes=-1)
    alerts_evaluate(now=MORNING)
    # A second evaluator that read "nothing open" a moment before the first
    # wrote its row: the partial unique key refuses its copy.
    condition = Condition("case_overdue", f"case:{case.pk}", {})
    assert incident_open(condition, MORNING) is False
    assert (
        incidents_claim(list(Incident.objects.all()), "opened_mail_at", MORNING) == []
    )
    assert Incident.objects.count() == 1 and len(outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_evaluators_racing_in_threads_open_and_mail_each_incident_once(
    postgres_only, manager, outbox, settings
):
    settings.CARE_QUIET_HOURS = ""
    for name in PULSE_NAMES:
        beat(name, timezone.now())
    cases = [recovery_case(first_due_minutes=-1) for _ in range(3)]
    barrier = threading.Barrier(4)

    def evaluate() -> None:
        barrier.wait()
        alerts_evaluate(now=timezone.now())

    in_threads(evaluate, 4)
    assert (
        Incident.objects.count() == 3
        and Incident.objects.filter(opened_mail_at=None).count() == 0
    )
    # Each incident in exactly one email (evaluators may share the batch out).
    bodies = "".join(email.body for email in outbox)
    assert all(bodies.count(f"Recovery case #{case.pk} ") == 1 for case in cases)


def test_a_mail_that_fails_is_tried_again_at_the_next_evaluation(
    frozen, scheduler_alive, manager, outbox
):
    recovery_case(first_due_minutes=-1)
    with mock.patch(
        "care.operations.alerts.send_mail", side_effect=ConnectionRefusedError
    ):
        alerts_evaluate(now=MORNING)
    assert outbox == [] and Incident.objects.get().opened_mail_at is None
    alerts_evaluate(now=MORNING)
    assert len(outbox) == 1 and Incident.objects.get().opened_mail_at == MORNING


def test_an_incident_that_ended_before_anyone_was_told_sends_no_all_clear(
    frozen, scheduler_alive, outbox
):
    case = recovery_case(first_due_minutes=-1)
    alerts_evaluate(now=MORNING)  # nobody to mail yet
    case.first_response_at = MORNING
    case.save()
    alerts_evaluate(now=MORNING)
    assert outbox == [] and Incident.objects.get().closed_at == MORNING


def test_managers_and_the_listed_addresses_are_mailed(manager, settings):
    settings.CARE_ALERT_EMAILS = ["oncall@care.example"]
    User.objects.create_user(
        "gone", email="gone@care.example", is_active=False
    ).groups.add(managers_group())
    User.objects.create_user("carl", email="carl@care.example")
    assert alert_recipients() == ["mona@care.example", "oncall@care.example"]


def test_alerts_are_evaluated_at_most_once_a_minute_across_callers(
    frozen, scheduler_alive, manager, outbox
):
    assert alerts_run() is not None
    assert alerts_run() is None
    frozen.shift(dt.timedelta(seconds=61))
    assert alerts_run() is not None
    assert Heartbeat.objects.get(name="care-alerts").runs == 2


def test_the_alert_task_is_scheduled_and_beats(frozen, scheduler_alive):
    from care.tasks import alerts_evaluate_task
    from config.schedules import SCHEDULES

    funcs = {entry["func"] for entry in SCHEDULES}
    assert "care.tasks.alerts_evaluate_task" in funcs
    assert alerts_evaluate_task() == {"opened": 0, "closed": 0, "mailed": 0}
    assert Heartbeat.objects.get(name="care-alerts").finished_at == MORNING


def test_a_nightly_rfm_run_missed_is_a_late_scheduler_too(
    frozen, scheduler_alive, manager, outbox
):
    beat("rfm-nightly", MORNING - dt.timedelta(days=2))
    alerts_evaluate(now=MORNING)
    assert "Scheduler late: RFM scoring not seen for 2880 min" in outbox[0].body
