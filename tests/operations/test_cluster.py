"""The real django-q2 cluster beats, dies, is noticed, and recovers.

`manage.py qcluster` runs in a subprocess against the test database (the ORM
broker on SQLite, Redis when REDIS_URL is set). The test hands it the sweep,
dispatch and reaper tasks through the broker, as django-q2's scheduler does
(its first scheduling tick comes only 30 s after start), and waits for the
heartbeats the cluster's worker writes. Then it kills the cluster's process
group.

Time: the cluster's heartbeats carry real times. The test process then
travels (time-machine) to a millisecond past the "late" threshold after the
last beat, where /healthz and the alerts are evaluated in-process; the second
run of the cluster beats later in real time, so a millisecond after that
travelled moment its beats are fresh again.
"""

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Success
from django_q.tasks import async_task

from care.models import Heartbeat, Message, MessageStatus, Reason
from care.operations.alerts import alerts_evaluate
from care.operations.heartbeat import last_seen
from tests.factories import CustomerFactory, consent
from tests.operations.helpers import resolved_ticket, survey_campaign, survey_message

ROOT = Path(__file__).resolve().parents[2]
TASKS = {
    "care-sweep": "care.tasks.campaigns_sweep_task",
    "care-dispatch": "care.tasks.messages_dispatch_task",
    "care-reconcile": "care.tasks.messages_reconcile_task",
}
WAIT = 90.0  # seconds: an upper bound for a slow machine, not a sleep


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Cluster:
    """`manage.py qcluster` in its own process group, against the test database."""

    def __init__(self, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CARE_QUIET_HOURS": "",  # whatever the real hour, the survey may go
            "SMS_BACKEND": "care.delivery.channels.sms.ConsoleBackend",
            "SMS_RATE_PER_SECOND": "0",
        }
        if settings.REDIS_URL:
            env["REDIS_URL"] = settings.REDIS_URL
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """Kill the whole cluster at once (guard, pusher, workers, monitor)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.log.close()


def wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no {what} after {WAIT}s; cluster log:\n{log.read_text()}"
            )
        time.sleep(0.2)


def beaten_since(job: str, moment: dt.datetime | None) -> bool:
    beat = Heartbeat.objects.filter(name=job, finished_at__isnull=False).first()
    return beat is not None and (moment is None or beat.finished_at > moment)


def run_tasks(log: Path, since: dt.datetime | None = None) -> None:
    """One sweep, then one dispatch, then one reaper run, each awaited."""
    for job, func in TASKS.items():
        async_task(func)
        wait_for(lambda job=job: beaten_since(job, since), f"{job} heartbeat", log)


@pytest.mark.django_db(transaction=True)
def test_the_real_cluster_stops_is_noticed_once_and_recovers(
    client, manager, outbox, tmp_path
):
    log = tmp_path / "qcluster.log"
    get_broker().purge_queue()
    campaign = survey_campaign()
    cluster = Cluster(log)
    try:
        run_tasks(log)
        healthy = client.get("/healthz")
        assert healthy.status_code == 200, healthy.content
    finally:
        cluster.kill()

    # It really ran in the cluster: another process wrote the beats, and
    # django-q2's monitor kept each task's success.
    beats = {b.name: b for b in Heartbeat.objects.filter(name__in=TASKS)}
    assert {b.pid for b in beats.values()} - {os.getpid(), None}
    assert all(b.host == socket.gethostname() for b in beats.values())
    assert set(TASKS.values()) <= set(Success.objects.values_list("func", flat=True))
    first_run = max(last_seen(b) for b in beats.values())

    # A millisecond past "late" for the last beat of the first run, so that
    # any beat of the second run (later in real time) is fresh again then.
    late = first_run + dt.timedelta(
        seconds=60 + settings.CARE_HEARTBEAT_LATE_SECONDS, milliseconds=1
    )
    with time_machine.travel(late, tick=False):
        # While the cluster is down, a survey misses its hour (nobody planned
        # it) and another waits for the end of the customer's quiet hours.
        missed = resolved_ticket(50, customer=customer_with_sms())
        quiet = resolved_ticket(55, customer=customer_with_sms("America/New_York"))
        survey_message(
            campaign,
            quiet,
            MessageStatus.DEFERRED,
            Reason.QUIET_HOURS,
            send_after=late + dt.timedelta(hours=10),
        )

        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["heartbeat"].startswith(
            "Unavailable: scheduler late: sweep"
        )
        alerts_evaluate(now=timezone.now())  # a second evaluator: no second mail
        client.get("/healthz")
        assert len(outbox) == 1
        (alert,) = outbox
        assert "Scheduler late" in alert.body
        assert f"Survey for ticket {missed.external_id} not sent" in alert.body
        assert quiet.external_id not in alert.body

    # The cluster runs again (in real time: the ORM broker hands out tasks
    # whose enqueue time has passed) and plans and sends the late survey.
    again = Cluster(log)
    try:
        run_tasks(log, since=first_run)
    finally:
        again.kill()
    assert Message.objects.get(ticket=missed).status == MessageStatus.SENT

    with time_machine.travel(late + dt.timedelta(milliseconds=1), tick=False):
        alerts_evaluate(now=timezone.now())
        healthy = client.get("/healthz")
        assert healthy.status_code == 200, healthy.content
    assert len(outbox) == 2
    recovery = outbox[1]
    assert recovery.subject.startswith("[Proactive Care] Resolved: Scheduler late")
    assert missed.external_id in recovery.body


def customer_with_sms(time_zone: str = "Asia/Shanghai"):
    customer = CustomerFactory(time_zone=time_zone)
    consent(customer, "sms", "service")
    return customer
