"""Every sweep, dispatch, reaper and RFM run writes its heartbeat; the scheduler's state follows."""

import datetime as dt
import io
import socket

import pytest
from django.core.management import call_command

from care import tasks
from care.models import DURATION_BUCKETS, Heartbeat, MessageStatus
from care.operations.heartbeat import (
    ALIVE,
    LATE,
    STOPPED,
    heartbeat_age,
    heartbeat_beat,
    heartbeat_run,
    heartbeats_prune,
    scheduler_status,
)
from tests.factories import (
    CustomerFactory,
    MessageFactory,
    campaign_with_templates,
    consent,
)
from tests.operations.conftest import MORNING, beat, heartbeats

pytestmark = pytest.mark.django_db


def test_it_records_start_finish_duration_and_summary(frozen):
    with heartbeat_run("care-sweep") as run:
        assert Heartbeat.objects.get(name="care-sweep").running
        frozen.shift(dt.timedelta(seconds=3))
        run.summary = {"planned": 4}
    row = Heartbeat.objects.get(name="care-sweep")
    assert (row.job, row.started_at, row.finished_at) == (
        "sweep",
        MORNING,
        MORNING + dt.timedelta(seconds=3),
    )
    assert (row.duration_s, row.summary, row.runs) == (3.0, {"planned": 4}, 1)
    assert row.last_work_at == row.finished_at and not row.running
    assert row.host == socket.gethostname()


def test_it_keeps_a_cumulative_histogram_of_durations(frozen):
    for seconds in (0.05, 3, 45, 1000):
        beat("care-sweep", MORNING, took=seconds)
    row = Heartbeat.objects.get(name="care-sweep")
    cumulative = dict(zip((*DURATION_BUCKETS, "+Inf"), row.duration_buckets))
    assert (cumulative[0.1], cumulative[5.0], cumulative[60.0]) == (1, 2, 3)
    assert (cumulative[600.0], cumulative["+Inf"]) == (3, 4)
    assert row.runs == 4 and row.duration_sum == pytest.approx(1048.05)


def test_it_records_a_failed_run_and_lets_the_error_through(frozen):
    with pytest.raises(ZeroDivisionError), heartbeat_run("care-reconcile"):
        1 / 0
    row = Heartbeat.objects.get(name="care-reconcile")
    assert row.failures == 1 and row.last_error.startswith("ZeroDivisionError")
    assert row.finished_at == MORNING


def test_a_run_with_nothing_to_do_is_alive_but_did_no_work(frozen):
    beat("care-sweep", MORNING - dt.timedelta(hours=2), {"planned": 3})
    beat("care-sweep", MORNING, {"planned": 0})
    row = Heartbeat.objects.get(name="care-sweep")
    assert row.finished_at == MORNING
    assert row.last_work_at == MORNING - dt.timedelta(hours=2)


def test_the_scheduler_is_alive_late_then_stopped(frozen, scheduler_alive):
    assert scheduler_status(MORNING).state == ALIVE
    five_minutes_on = MORNING + dt.timedelta(minutes=5, seconds=1)
    status = scheduler_status(five_minutes_on)
    assert status.state == LATE
    assert {j.job for j in status.late_jobs} == {"sweep", "dispatch", "reaper"}
    assert scheduler_status(MORNING + dt.timedelta(minutes=16)).state == STOPPED


def test_one_late_job_makes_the_scheduler_late_not_stopped(frozen):
    beat("care-sweep", MORNING - dt.timedelta(minutes=10))
    beat("care-dispatch", MORNING)
    beat("care-reconcile", MORNING)
    status = scheduler_status(MORNING)
    assert status.state == LATE
    assert [j.job for j in status.late_jobs] == ["sweep"]


def test_a_long_run_under_way_is_a_sign_of_life(frozen):
    beat("care-sweep", MORNING - dt.timedelta(minutes=30))
    beat("care-dispatch", MORNING)
    beat("care-reconcile", MORNING)
    with heartbeat_run("care-sweep"):
        frozen.shift(dt.timedelta(minutes=3))
        assert scheduler_status(MORNING + dt.timedelta(minutes=3)).state == ALIVE


def test_no_heartbeat_at_all_means_the_scheduler_is_stopped(db):
    assert scheduler_status(MORNING).state == STOPPED


def test_any_dispatcher_keeps_dispatch_alive_and_each_shows_separately(frozen):
    beat("dispatch@host-a", MORNING - dt.timedelta(hours=1))
    beat("dispatch@host-b", MORNING)
    job = scheduler_status(MORNING).job("dispatch")
    assert job.state == ALIVE
    assert sorted(b.name for b in job.beats) == [
        "dispatch@host-a",
        "dispatch@host-b",
    ]


def test_processes_gone_for_a_week_are_forgotten_but_scheduled_jobs_are_kept(frozen):
    beat("dispatch@old-host", MORNING - dt.timedelta(days=8))
    beat("care-sweep", MORNING - dt.timedelta(days=8))
    beat("dispatch@live", MORNING)
    assert heartbeats_prune(now=MORNING) == 1
    assert set(heartbeats()) == {"care-sweep", "dispatch@live"}


def test_the_sweep_task_beats_with_what_it_planned(frozen):
    consent(CustomerFactory(birthday=dt.date(1990, 11, 30)), "sms", "marketing")
    campaign_with_templates(trigger="birthday", channels=["sms"])
    tasks.campaigns_sweep_task()
    row = heartbeats()["care-sweep"]
    assert row.summary["planned"] == 1 and row.summary["campaigns"] == 1


def test_the_dispatch_task_and_command_beat_on_rows_of_their_own(frozen, sms_outbox):
    campaign = campaign_with_templates(purpose="service")
    message = MessageFactory(campaign=campaign, send_after=MORNING)
    consent(message.customer, "sms", "service")
    tasks.messages_dispatch_task()
    call_command("dispatch", stdout=io.StringIO())
    rows = heartbeats()
    assert rows["care-dispatch"].summary == {MessageStatus.SENT: 1}
    command_row = rows[f"dispatch@{socket.gethostname()}"]
    assert command_row.job == "dispatch" and command_row.summary == {}


def test_the_reaper_task_beats_with_what_it_resolved(frozen):
    MessageFactory(
        status=MessageStatus.SENDING,
        claimed_at=MORNING - dt.timedelta(hours=1),
        claimed_by="dead-worker:1",
    )
    tasks.messages_reconcile_task()
    assert heartbeats()["care-reconcile"].summary == {"reaped": 1, "reconciled": 0}


def test_the_rfm_task_beats_with_its_run(frozen):
    run_id = tasks.rfm_score_task()
    assert heartbeats()["rfm-nightly"].summary["run"] == run_id


def test_a_loop_beating_for_the_same_start_counts_one_run(frozen):
    started = MORNING - dt.timedelta(minutes=5)
    for minutes in (4, 3, 2):
        heartbeat_beat(
            name="dispatch@host-a",
            started_at=started,
            finished_at=MORNING - dt.timedelta(minutes=minutes),
            summary={"sent": 10 - minutes, "pid": 42},
        )
    row = Heartbeat.objects.get(name="dispatch@host-a")
    assert (row.job, row.runs, row.summary["sent"]) == ("dispatch", 1, 8)
    assert heartbeat_age("dispatch@host-a", MORNING) == dt.timedelta(minutes=2)
    assert heartbeat_age("never-ran", MORNING) is None


def test_a_summary_holding_only_a_pid_is_no_work(frozen):
    beat("dispatch@host-a", MORNING, {"pid": 42})
    assert Heartbeat.objects.get(name="dispatch@host-a").last_work_at is None
