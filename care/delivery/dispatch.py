"""Dispatch: claim due outbox rows, apply the rules, send, record.

Claiming flips rows to `sending` in a short transaction (on PostgreSQL with
SELECT ... FOR UPDATE SKIP LOCKED; on SQLite the IMMEDIATE transaction
serialises claimers) and a guarded UPDATE ... WHERE status IN (planned,
deferred), so two workers never take the same row. Sending happens outside
the transaction; every outcome is written with an UPDATE guarded by the
claim token.

A worker killed mid-send leaves rows in `sending`. Before each chunk of
RECORD_EVERY rows is sent, the chunk is stamped `attempted_at`; after the lease
(CARE_DISPATCH_LEASE_SECONDS) the reaper queues rows that were never tried
again, and for the (at most one chunk of) rows that were, asks the channel
whether the message went: a definite "no" puts it back in the queue, a "yes"
records it as sent, and "cannot tell" marks it `unknown` for reconciliation.
It is never resent blindly: a duplicate is worse than a gap.
"""

import datetime as dt
import os
import socket
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from care.content.engine import TemplateCache
from care.delivery.decide import BatchContext, decide
from care.delivery.outcomes import message_send, outcome_record
from care.delivery.reconcile import messages_reap, messages_reconcile
from care.delivery.recorder import RECORD_EVERY, Recorder
from care.delivery.throughput import sms_budget
from care.models import CampaignStatus, Message, MessageStatus

# Counted in DispatchResult when the SMS rate budget was spent (the row stays due).
RATE_LIMITED = "rate_limited"


@dataclass
class DispatchResult:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, count: int = 1) -> None:
        self.counts[status] = self.counts.get(status, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def messages_claim(
    *,
    now: dt.datetime,
    limit: int,
    worker: str = "",
    exclude_channels: tuple[str, ...] = (),
) -> tuple[str, list[int]]:
    """Flip up to `limit` due rows to sending; return the claim token and their ids."""
    token = f"{(worker or worker_name())[:80]}:{uuid.uuid4().hex[:8]}"
    due = (
        Message.objects.retryable()
        .filter(send_after__lte=now, campaign__status=CampaignStatus.ACTIVE)
        .order_by("send_after", "id")
    )
    if exclude_channels:
        due = due.exclude(channel__in=exclude_channels)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return token, []
        Message.objects.filter(id__in=ids).retryable().update(
            status=MessageStatus.SENDING,
            claimed_at=now,
            claimed_by=token,
            updated_at=now,
        )
    # Only the rows this token won (the guarded update may have lost some).
    claimed = Message.objects.filter(
        id__in=ids, claimed_by=token, status=MessageStatus.SENDING
    )
    return token, list(claimed.values_list("id", flat=True))


def _load(ids: list[int], token: str) -> list[Message]:
    return list(
        Message.objects.filter(
            id__in=ids, claimed_by=token, status=MessageStatus.SENDING
        )
        .select_related(
            "customer", "campaign", "campaign__offer", "product", "asset", "ticket"
        )
        .order_by("send_after", "id")
    )


def batch_process(*, ids: list[int], token: str, now: dt.datetime) -> DispatchResult:
    result = DispatchResult()
    messages = _load(ids, token)
    context = BatchContext.load(messages, now)
    cache = TemplateCache({m.campaign_id for m in messages})
    recorder = Recorder(token)
    try:
        for start in range(0, len(messages), RECORD_EVERY):
            chunk = messages[start : start + RECORD_EVERY]
            _mark_attempted(chunk, token)
            for message in chunk:
                result.add(_process(message, context, recorder, cache, now))
            recorder.flush()
    finally:
        # Also on an exception: what was sent so far is written down.
        recorder.flush()
    return result


def _mark_attempted(chunk: list[Message], token: str) -> None:
    # Written (and committed) before the chunk is sent: after a crash the
    # reaper knows which claimed rows were never tried and can safely queue
    # them again; only this chunk can be in doubt.
    Message.objects.filter(id__in=[m.pk for m in chunk], claimed_by=token).update(
        attempted_at=timezone.now()
    )


def _process(
    message: Message,
    context: BatchContext,
    recorder: Recorder,
    cache: TemplateCache,
    now: dt.datetime,
) -> str:
    outcome = decide(message, context, now)
    if outcome is not None:
        outcome_record(message, recorder, outcome)
        return outcome.status
    if message.channel == "sms" and not sms_budget().take():
        # Over the sender's rate: back in the queue as it was, still due.
        released = MessageStatus.DEFERRED if message.reason else MessageStatus.PLANNED
        recorder.add(message, status=released)
        return RATE_LIMITED
    status = message_send(message, recorder, cache, now)
    if status == MessageStatus.SENT:
        context.count_sent(message)
    return status


def messages_dispatch(
    *, batch_size: int = 500, max_batches: int = 0, worker: str = ""
) -> DispatchResult:
    """Send what is due now, batch after batch; return counts per outcome.

    Stops claiming after CARE_DISPATCH_TIME_BUDGET seconds so a scheduled run
    ends well within the task timeout; the next run carries on.
    """
    result = DispatchResult()
    reaped = messages_reap(now=timezone.now())
    if reaped:
        result.add("reaped", reaped)
    reconciled = messages_reconcile(now=timezone.now())
    if reconciled:
        result.add("reconciled", reconciled)
    batches = 0
    deadline = time.monotonic() + settings.CARE_DISPATCH_TIME_BUDGET
    # When the SMS budget is spent, SMS rows stay due and email keeps flowing.
    exclude: tuple[str, ...] = () if sms_budget().available() else ("sms",)
    while (not max_batches or batches < max_batches) and time.monotonic() < deadline:
        now = timezone.now()
        token, ids = messages_claim(
            now=now, limit=batch_size, worker=worker, exclude_channels=exclude
        )
        if not ids:
            break
        batches += 1
        counts = batch_process(ids=ids, token=token, now=now).counts
        for status, count in counts.items():
            result.add(status, count)
        if counts.get(RATE_LIMITED) or counts.get(MessageStatus.DEFERRED):
            exclude = () if sms_budget().available() else ("sms",)
    return result
