"""Dispatch: claim due outbox rows, apply the rules, send, record; once, or in a loop.

Claims (care.delivery.claim) take service rows before marketing ones, and
SMS rows only as far as the sender's token bucket allows
(care.delivery.throughput); two workers never take the same row.

Each chunk of RECORD_EVERY claimed rows is decided and rendered, then its
attempts (recipient, rendered text, `attempted_at`) are committed, then sent,
up to DISPATCH_CONCURRENCY requests in flight (care.delivery.sendpool: only
the provider calls run in its threads); outcomes are written after, in this
thread (care.delivery.recorder). A worker killed at any
moment leaves rows in `sending`: after the lease (CARE_DISPATCH_LEASE_SECONDS)
the reaper queues the ones never attempted again and looks the attempted ones
up at the provider by what the attempt committed (care.delivery.reconcile).
It never resends blindly: a duplicate is worse than a gap.

`dispatch_loop` is the `manage.py dispatch --loop` process: it claims and
sends without django-q2's worker queue (docs/architecture.md says why), stops
between two sends when asked (SIGTERM/SIGINT) and puts back what it claimed
but did not send.
"""

import datetime as dt
import itertools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone

from care.content.engine import TemplateCache
from care.delivery.claim import messages_claim, worker_name
from care.delivery.decide import BatchContext, decide
from care.delivery.outcomes import (
    call_record,
    message_prepare,
    message_release,
    outcome_record,
)
from care.delivery.reconcile import messages_reap, messages_reconcile
from care.delivery.recorder import RECORD_EVERY, Recorder, attempts_write
from care.delivery.sendpool import Done, SendPool, send_pool
from care.delivery.throughput import sms_bucket
from care.models import Message, MessageStatus

log = logging.getLogger(__name__)

# Counted in DispatchResult for claimed rows put back unsent (dispatch stopping).
RELEASED = "released"


@dataclass
class DispatchResult:
    counts: dict[str, int] = field(default_factory=dict)
    claims: int = 0  # claim queries that won rows
    claimed: int = 0  # rows they won
    sms_requests: int = 0  # requests to the SMS provider (each spent a token)
    wait: float = 0.0  # seconds until the SMS bucket has a token, when it had none

    def add(self, status: str, count: int = 1) -> None:
        self.counts[status] = self.counts.get(status, 0) + count

    def merge(self, other: "DispatchResult") -> None:
        for status, count in other.counts.items():
            self.add(status, count)
        self.claims += other.claims
        self.claimed += other.claimed
        self.sms_requests += other.sms_requests

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Batch:
    """One claim's rows and what sending them needs; `stopping()` before each send."""

    token: str
    now: dt.datetime
    messages: list[Message]
    context: BatchContext
    cache: TemplateCache
    recorder: Recorder
    # Stop sending after this monotonic time: half the lease, so the reaper
    # never takes rows from a worker that is still sending them.
    deadline: float
    stop: threading.Event | None = None
    outstanding: int = 0  # handed to the send pool, answer not yet recorded
    sealed: bool = False  # every message of the claim handed over or settled

    @classmethod
    def load(
        cls, ids: list[int], token: str, now: dt.datetime, stop: threading.Event | None
    ) -> "Batch":
        messages = list(
            Message.objects.filter(
                id__in=ids, claimed_by=token, status=MessageStatus.SENDING
            )
            .select_related("customer")
            # Loaded once per claim and shared by its rows (a claim has a
            # campaign or two, 500 rows), not joined to every row.
            .prefetch_related("campaign__offer", "product", "asset", "ticket")
            .order_by("send_after", "id")
        )
        return cls(
            token=token,
            now=now,
            messages=messages,
            context=BatchContext.load(messages, now),
            cache=TemplateCache({m.campaign_id for m in messages}),
            recorder=Recorder(token),
            deadline=time.monotonic() + settings.CARE_DISPATCH_LEASE_SECONDS / 2,
            stop=stop,
        )

    def stopping(self) -> bool:
        asked = self.stop is not None and self.stop.is_set()
        return asked or time.monotonic() > self.deadline


def batch_process(
    *,
    ids: list[int],
    token: str,
    now: dt.datetime,
    stop: threading.Event | None = None,
    pool: SendPool | None = None,
) -> DispatchResult:
    """Send one claim, up to DISPATCH_CONCURRENCY requests in flight.

    Chunk by chunk: decide and render, commit the attempts, hand each message
    to the send pool, and record the outcomes as they come back, all in this
    thread. The next chunk is prepared while the previous one's requests are
    in flight. With a `pool` of the caller's (the dispatch loop's), it returns
    once everything is handed over: the tail of the claim is recorded while
    the next claim is prepared. Without one, it waits for every answer.
    """
    result = DispatchResult()
    batch = Batch.load(ids, token, now, stop)
    wait_all = pool is None
    pool = pool or send_pool()
    try:
        for start in range(0, len(batch.messages), RECORD_EVERY):
            chunk = batch.messages[start : start + RECORD_EVERY]
            if batch.stopping():
                _release(chunk, batch, result)
                continue
            ready = attempts_write(
                _prepare(chunk, batch, result), token, timezone.now()
            )
            for message in ready:
                _submit(message, pool, batch, result)
            _record(pool.collect(), result)
    except BaseException:
        wait_all = True  # what was sent so far is written down, then it goes up
        raise
    finally:
        batch.sealed = True
        _record(pool.collect(all=wait_all), result)
        if not batch.outstanding:
            batch.recorder.flush()
    return result


def _submit(
    message: Message, pool: SendPool, batch: Batch, result: DispatchResult
) -> None:
    while pool.full:
        _record(pool.collect(block=True), result)
    if batch.stopping():
        _release([message], batch, result)
        return
    if message.channel == "sms":
        # Counted when handed over: the token is spent unless it comes back
        # released, and then it is simply not given back (never over the rate).
        result.sms_requests += 1
    batch.outstanding += 1
    pool.submit(message, batch)


def _prepare(
    chunk: list[Message], batch: Batch, result: DispatchResult
) -> list[Message]:
    """Decide and render each message of the chunk; return those to send now."""
    ready = []
    for message in chunk:
        outcome = decide(message, batch.context, batch.now)
        if outcome is not None:
            outcome_record(message, batch.recorder, outcome)
            result.add(outcome.status)
        elif not message_prepare(message, batch.recorder, batch.cache):
            result.add(MessageStatus.SKIPPED)
        else:
            # Counted before the request: once attempted it may reach the customer.
            batch.context.count_sent(message)
            ready.append(message)
    return ready


def _release(messages: list[Message], batch: Batch, result: DispatchResult) -> None:
    for message in messages:
        message_release(message, batch.recorder)
    result.add(RELEASED, len(messages))


def _record(done: list[Done], result: DispatchResult) -> None:
    """Write down the answers, each with its own claim's recorder."""
    for message, call, batch in done:
        batch.outstanding -= 1
        if call.released:  # its turn came after the stop: never requested
            _release([message], batch, result)
        else:
            status = call_record(message, batch.recorder, call)
            result.add(status)
            if status == MessageStatus.SENT:
                _pause_for_tests(message)
        if batch.sealed and not batch.outstanding:
            batch.recorder.flush()


def pool_drain(pool: SendPool) -> DispatchResult:
    """Wait for every request in flight and write its outcome down."""
    result = DispatchResult()
    _record(pool.collect(all=True), result)
    return result


_sends = itertools.count(1)


def _pause_for_tests(message: Message) -> None:
    """CARE_TEST_PAUSE_AFTER_SEND="N:S": after the Nth accepted send, pause S seconds.

    Test-only: it holds a worker in the window between the provider's
    acceptance and the outcome write, so that a test can kill it there.
    """
    spec = settings.CARE_TEST_PAUSE_AFTER_SEND
    if not spec:
        return
    nth, seconds = spec.split(":")
    if next(_sends) != int(nth):
        return
    sys.stderr.write(f"care-test: paused after send of message {message.pk}\n")
    sys.stderr.flush()
    time.sleep(float(seconds))


def dispatch_round(
    *,
    batch_size: int,
    worker: str = "",
    stop: threading.Event | None = None,
    pool: SendPool | None = None,
) -> DispatchResult:
    """Take SMS tokens, claim one batch, send it, give back the tokens not spent.

    With the loop's `pool`, the claim's last requests may still be in flight
    when it returns (see batch_process).
    """
    bucket = sms_bucket()
    grant = bucket.take(batch_size)
    result = DispatchResult()
    try:
        now = timezone.now()
        token, ids = messages_claim(
            now=now,
            limit=batch_size,
            worker=worker,
            sms_limit=grant.granted if bucket.limited else None,
            marketing_sms_limit=grant.for_marketing if bucket.limited else None,
        )
        if ids:
            result = batch_process(ids=ids, token=token, now=now, stop=stop, pool=pool)
            result.claims, result.claimed = 1, len(ids)
    finally:
        bucket.refund(grant.granted - result.sms_requests)
    if bucket.limited and not grant.granted:
        result.wait = grant.wait
    return result


def first_claim(pool: SendPool) -> int:
    """Rows for a first claim: a chunk, or what keeps the pool busy for a round or four."""
    return max(RECORD_EVERY, 4 * pool.size)


def messages_resolve(*, now: dt.datetime) -> DispatchResult:
    """The reaper and the reconciliation of messages in doubt, counted."""
    result = DispatchResult()
    reaped = messages_reap(now=now)
    if reaped:
        result.add("reaped", reaped)
    reconciled = messages_reconcile(now=now)
    if reconciled:
        result.add("reconciled", reconciled)
    return result


def messages_dispatch(
    *, batch_size: int = 500, max_batches: int = 0, worker: str = ""
) -> DispatchResult:
    """Send what is due now, batch after batch, then return; counts per outcome.

    Stops claiming after CARE_DISPATCH_TIME_BUDGET seconds; the next run
    carries on. When the SMS bucket is empty, SMS rows stay due (unclaimed)
    and email keeps flowing; nothing sleeps.
    """
    pool = send_pool()  # first: its threads warm up while this one claims
    result = messages_resolve(now=timezone.now())
    batches = 0
    deadline = time.monotonic() + settings.CARE_DISPATCH_TIME_BUDGET
    # Unless the batches are counted, the first claim is small: nothing is in
    # flight until its rows are loaded, decided and attempted; the next, full
    # one is prepared while it is sent.
    size = batch_size if max_batches else min(batch_size, first_claim(pool))
    try:
        while (not max_batches or batches < max_batches) and (
            time.monotonic() < deadline
        ):
            done = dispatch_round(batch_size=size, worker=worker, pool=pool)
            size = batch_size
            result.merge(done)
            if not done.claimed or done.counts.get(RELEASED):
                break  # nothing due, or out of lease: the next run carries on
            batches += 1
    finally:
        result.merge(pool_drain(pool))
    return result


def dispatch_loop(
    *,
    stop: threading.Event,
    batch_size: int = 50,
    name: str = "",
    on_cycle: Callable[[DispatchResult], None] | None = None,
) -> DispatchResult:
    """Dispatch until `stop` is set: the body of `manage.py dispatch --loop`.

    Safe to kill at any moment (the reaper resolves what it held); on `stop`
    it finishes the request in flight, records it and puts the rest of its
    claim back. Sleeps only when nothing could be claimed: CARE_DISPATCH_POLL
    seconds, or less when the SMS bucket refills sooner. Runs the reaper and
    the reconciliation every CARE_DISPATCH_RECONCILE_EVERY seconds.
    `on_cycle(totals)` is called after each round (the command's heartbeat).
    """
    worker = f"{name or worker_name()}:{os.getpid()}"[:80]
    totals, next_resolve = DispatchResult(), 0.0
    pool = send_pool()
    while not stop.is_set():
        try:
            if time.monotonic() >= next_resolve:
                totals.merge(messages_resolve(now=timezone.now()))
                next_resolve = time.monotonic() + settings.CARE_DISPATCH_RECONCILE_EVERY
            done = dispatch_round(
                batch_size=batch_size, worker=worker, stop=stop, pool=pool
            )
            if not done.claimed or done.counts.get(RELEASED):
                done.merge(pool_drain(pool))  # idle or stopping: settle the tail
            totals.merge(done)
            if on_cycle is not None:
                on_cycle(totals)
        except Exception:  # the database or Redis went away: try again shortly
            log.exception("dispatch loop: round failed")
            connection.close()
            # What is still in flight is the reaper's (its attempts are committed).
            pool = send_pool()
            stop.wait(settings.CARE_DISPATCH_POLL)
            continue
        if not done.claimed or done.counts.get(RELEASED):
            stop.wait(min(settings.CARE_DISPATCH_POLL, done.wait or float("inf")))
    totals.merge(pool_drain(pool))
    return totals
