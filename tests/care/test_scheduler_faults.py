"""The scheduler's bad days, with django-q2's real scheduler and the real schedule rows.

`Conf.SYNC` makes django-q2 run each task it creates at once, through its own
worker and monitor code, so a test sees what a cluster would have run (the
Task rows django-q2 keeps per schedule).
"""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Schedule, Task
from django_q.scheduler import scheduler

from care.models import Heartbeat, Message
from care.schedules import schedules_install
from config.schedules import SCHEDULES
from crm.models import Customer
from tests.factories import CustomerFactory, campaign_with_templates
from tests.threads import in_threads

NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cluster(monkeypatch):
    """django-q2 running each task it creates in this process."""
    monkeypatch.setattr(Conf, "SYNC", True)
    return get_broker()


def sweep_only() -> list[dict]:
    return [entry for entry in SCHEDULES if entry["name"] == "care-sweep"]


def sweeps_run() -> int:
    return Task.objects.filter(group="care-sweep", success=True).count()


def birthdays_in(days: int, count: int, zone: str = "Asia/Shanghai") -> list[Customer]:
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    birthday = (today + dt.timedelta(days=days)).replace(year=1990)
    return [CustomerFactory(birthday=birthday, time_zone=zone) for _ in range(count)]


@pytest.mark.django_db
def test_a_cluster_stopped_for_an_hour_runs_the_missed_sweep_once(cluster):
    assert Conf.CATCH_UP is False
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as clock:
        campaign_with_templates(trigger="birthday")
        birthdays_in(7, 3)
        schedules_install()
        clock.shift(dt.timedelta(seconds=1))
        scheduler(cluster)
        assert sweeps_run() == 1 and Message.objects.count() == 3
        clock.shift(dt.timedelta(hours=1))
        birthdays_in(7, 2)  # the next day's birthdays came due meanwhile
        scheduler(cluster)
        scheduler(cluster)
        assert sweeps_run() == 2  # not 61
        assert Schedule.objects.get(name="care-sweep").next_run > timezone.now()
        assert Message.objects.count() == 5
        assert Message.objects.values("customer").distinct().count() == 5
        beat = Heartbeat.objects.get(name="care-sweep")
        assert beat.finished_at == timezone.now()


@pytest.mark.django_db
def test_installing_schedules_does_not_run_the_nightly_job_now(cluster):
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=SHANGHAI)):
        schedules_install()
        rfm = Schedule.objects.get(name="rfm-nightly")
        assert rfm.next_run == dt.datetime(2026, 11, 24, 2, 30, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_a_second_cluster_at_the_same_moment_finds_nothing_to_run(cluster):
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as clock:
        campaign_with_templates(trigger="birthday")
        birthdays_in(7, 3)
        schedules_install(sweep_only())
        clock.shift(dt.timedelta(seconds=1))
        scheduler(cluster)
        scheduler(get_broker())  # another cluster, same schedules
        assert sweeps_run() == 1
        assert Message.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_clusters_ticking_at_once_plan_nothing_twice(postgres_only, cluster):
    campaign_with_templates(trigger="birthday")
    birthdays_in(7, 300)
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=1)):
        schedules_install(sweep_only())
    in_threads(lambda: scheduler(get_broker()), 2)
    assert sweeps_run() == 1
    assert Message.objects.count() == 300
    assert Message.objects.values("customer").distinct().count() == 300


@pytest.mark.django_db
def test_each_scheduled_task_records_its_last_run():
    start = dt.datetime(2026, 11, 23, 2, 30, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        for entry in SCHEDULES:
            import_string(entry["func"])(**entry.get("kwargs", {}))
    beats = {beat.name: beat for beat in Heartbeat.objects.all()}
    assert set(beats) == {entry["name"] for entry in SCHEDULES}
    assert {beat.finished_at for beat in beats.values()} == {start}
    assert "run" in beats["rfm-nightly"].summary


# --- daylight saving time ------------------------------------------------------

DST_CHANGES = {
    # New York springs forward (02:00 -> 03:00) on 14 March 2027 ...
    "spring forward": dt.date(2027, 3, 14),
    # ... and falls back (02:00 -> 01:00) on 7 November 2027.
    "fall back": dt.date(2027, 11, 7),
}


@pytest.mark.parametrize("change", sorted(DST_CHANGES))
@pytest.mark.django_db
def test_a_dst_change_neither_skips_nor_repeats_a_days_birthdays(
    cluster, settings, change
):
    settings.TIME_ZONE = "America/New_York"
    day = DST_CHANGES[change]
    # One customer per birthday 4 to 10 days after the change: with 7 days
    # ahead, their messages are due on the three days either side of it.
    birthdays = [day + dt.timedelta(days=n) for n in range(4, 11)]
    customers = {
        CustomerFactory(
            birthday=birthday.replace(year=1990), time_zone="America/New_York"
        ).pk: birthday
        for birthday in birthdays
    }
    campaign_with_templates(trigger="birthday")
    first = dt.datetime.combine(birthdays[0] - dt.timedelta(days=8), dt.time())
    last = dt.datetime.combine(birthdays[-1] - dt.timedelta(days=6), dt.time())
    with time_machine.travel(first.replace(tzinfo=NEW_YORK), tick=False) as clock:
        schedules_install(sweep_only())
        while timezone.now() < last.replace(tzinfo=NEW_YORK):
            clock.shift(dt.timedelta(minutes=100))  # the cluster ticks, a sweep runs
            scheduler(cluster)
    messages = Message.objects.filter(customer_id__in=customers)
    assert Counter(messages.values_list("customer_id", flat=True)) == Counter(
        {pk: 1 for pk in customers}
    )
    for message in messages:
        birthday = customers[message.customer_id]
        planned_on = message.created_at.astimezone(NEW_YORK).date()
        assert message.occasion["birthday"] == birthday.isoformat()
        assert planned_on == birthday - dt.timedelta(days=7), message.occasion
        assert message.occasion["days_ahead"] == 7
