"""`manage.py dispatch --loop` as a real process: killed after the provider took a
message, and stopped by SIGTERM or SIGINT.

The processes share the test database, so these tests need PostgreSQL
(DATABASE_URL=postgres://...); the Redis broker is used when REDIS_URL is set.
"""

import datetime as dt
import os
import queue
import signal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from care.delivery.dispatch import messages_dispatch
from care.delivery.reconcile import messages_reap
from care.models import Message, MessageStatus, Reason
from tests.chaos import ChaosConfig, Worker, database_url, plan_messages, worker_env


@pytest.fixture
def shared_database(transactional_db, settings) -> str:
    if connection.vendor != "postgresql":
        pytest.skip(
            "dispatch processes share the test database: set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
        )
    settings.CARE_QUIET_HOURS = ""  # real time here: whatever the hour, send
    return database_url(connection.settings_dict)


def start_worker(
    db_url: str, twilio_url: str, pause: str, concurrency: int
) -> tuple[Worker, queue.Queue]:
    """A dispatch loop that pauses (and says so on stderr) after an accepted send."""
    events: queue.Queue = queue.Queue()
    env = worker_env(
        db_url=db_url,
        redis_url=os.environ.get("REDIS_URL", ""),
        twilio_url=twilio_url,
        config=ChaosConfig(lease_seconds=600, reconcile_after=120),
        CARE_TEST_PAUSE_AFTER_SEND=pause,
        DISPATCH_CONCURRENCY=concurrency,
    )
    return Worker(env, name="test", batch_size=50, events=events), events


# 1: one request at a time; 8: the others go on while the outcome waits.
@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_worker_killed_after_the_provider_took_a_message_leaves_it_sent_once(
    shared_database, fake_twilio, settings, concurrency
):
    plan_messages(3, timezone.now())
    worker, events = start_worker(
        shared_database, fake_twilio.url, pause="1:60", concurrency=concurrency
    )
    _, message_id = events.get(timeout=60)  # accepted, outcome not yet written
    worker.kill()
    message = Message.objects.get(pk=message_id)
    # The attempt was committed before the request: what the look-up needs.
    assert message.status == MessageStatus.SENDING and message.attempted_at
    assert message.recipient == message.customer.phone
    assert message.body == f"{message.customer.name}: your service is due."
    if concurrency == 1:
        assert len(fake_twilio.messages) == 1

    after_lease = timezone.now() + dt.timedelta(
        seconds=settings.CARE_DISPATCH_LEASE_SECONDS
        + settings.TWILIO_RECONCILE_AFTER
        + 1
    )
    with time_machine.travel(after_lease, tick=False):
        messages_reap(now=timezone.now())
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
        # The sid the fake gave this message's request (with 8 in flight,
        # others may have reached it before or after this one).
        sids = [
            sid
            for sid, sent in fake_twilio.messages.items()
            if sent["to"] == message.recipient
        ]
        assert sids == [message.provider_id]
        # The two the worker had attempted but not sent: not found, so sent now.
        messages_dispatch()
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    recipients = [m["to"] for m in fake_twilio.messages.values()]
    assert sorted(recipients) == sorted(
        Message.objects.values_list("customer__phone", flat=True)
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_worker_records_its_send_and_puts_back_the_rest(
    shared_database, fake_twilio, signum
):
    plan_messages(80, timezone.now())
    worker, events = start_worker(
        shared_database, fake_twilio.url, pause="3:2", concurrency=1
    )
    events.get(timeout=60)  # three sent, the rest of its claim of 50 waiting
    worker.process.send_signal(signum)
    assert worker.process.wait(timeout=20) == 0
    rows = Message.objects.all()
    assert not rows.filter(status=MessageStatus.SENDING).exists()
    sent = rows.filter(status=MessageStatus.SENT)
    assert sent.count() == len(fake_twilio.messages) == 3
    waiting = rows.filter(status=MessageStatus.PLANNED)
    assert waiting.count() == 77 and not waiting.exclude(claimed_by="").exists()
    assert "released: 47" in worker.out
    assert not rows.filter(reason=Reason.LEASE_EXPIRED).exists()


def test_a_stopped_concurrent_worker_records_every_answer_and_puts_back_the_rest(
    shared_database, fake_twilio
):
    fake_twilio.latency = 0.05
    plan_messages(400, timezone.now())
    worker, events = start_worker(
        shared_database, fake_twilio.url, pause="20:2", concurrency=8
    )
    events.get(timeout=60)  # twenty answered, more in flight and queued
    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(timeout=20) == 0
    rows = Message.objects.all()
    assert not rows.filter(status=MessageStatus.SENDING).exists()
    sent = rows.filter(status=MessageStatus.SENT)
    # Every request that reached the provider is recorded sent; nothing else is.
    assert sent.count() == len(fake_twilio.messages) >= 20
    assert set(sent.values_list("provider_id", flat=True)) == set(fake_twilio.messages)
    waiting = rows.filter(status=MessageStatus.PLANNED)
    assert waiting.count() == 400 - sent.count()
    assert not waiting.exclude(claimed_by="").exists()
    assert not rows.filter(reason=Reason.LEASE_EXPIRED).exists()
