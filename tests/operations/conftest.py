import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core import mail

from care.models import Heartbeat
from care.operations.heartbeat import heartbeat_beat

# The heartbeats of the per-minute scheduled tasks (their schedules' names).
PULSE_NAMES = ("care-sweep", "care-dispatch", "care-reconcile")
GRANT = importlib.import_module("care.migrations.0011_grant_view_operations")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning in Shanghai, outside quiet hours (21:00-08:00).
MORNING = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def beat(name: str, at: dt.datetime, summary: dict | None = None, took: float = 0.5):
    """One finished run of `name` that ended at `at`."""
    return heartbeat_beat(
        name=name,
        started_at=at - dt.timedelta(seconds=took),
        finished_at=at,
        summary=summary or {},
    )


@pytest.fixture
def scheduler_alive(db, frozen) -> dt.datetime:
    """Sweep, dispatch and reaper all ran a moment ago."""
    for name in PULSE_NAMES:
        beat(name, MORNING)
    return MORNING


def managers_group() -> Group:
    """The managers group as migration 0010 leaves it (a test that flushed the
    database took it away: the migration's own code puts it back)."""
    GRANT.grant(apps, None)
    return Group.objects.get(name="managers")


@pytest.fixture
def manager(db) -> User:
    """A manager (not a superuser): the managers group keeps care.view_operations."""
    user = User.objects.create_user(
        "mona", email="mona@care.example", password="pw", is_staff=True
    )
    user.groups.add(managers_group())
    return user


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def outbox():
    mail.outbox.clear()
    return mail.outbox


def heartbeats() -> dict[str, Heartbeat]:
    return {b.name: b for b in Heartbeat.objects.all()}
