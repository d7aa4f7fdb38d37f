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
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from care.delivery.channels import ChannelError, get_backend
from care.delivery.decide import BatchContext, Outcome, decide
from care.models import (
    RETRYABLE,
    CampaignStatus,
    Message,
    MessageStatus,
    Reason,
)
from care.delivery.recorder import RECORD_EVERY, Recorder
from care.content.engine import RenderError, TemplateCache, message_render
from care.rules import retry_delay, throttle_delay
from care.delivery.throughput import sms_budget

log = logging.getLogger(__name__)
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
    due = Message.objects.filter(
        status__in=RETRYABLE,
        send_after__lte=now,
        campaign__status=CampaignStatus.ACTIVE,
    ).order_by("send_after", "id")
    if exclude_channels:
        due = due.exclude(channel__in=exclude_channels)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return token, []
        Message.objects.filter(id__in=ids, status__in=RETRYABLE).update(
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


def _record_outcome(message: Message, recorder: Recorder, outcome: Outcome) -> None:
    fields = {
        "status": outcome.status,
        "reason": outcome.reason,
        "reason_detail": outcome.detail,
    }
    if outcome.send_after is not None:
        fields["send_after"] = outcome.send_after
    recorder.add(message, **fields)


def _send(
    message: Message, recorder: Recorder, cache: TemplateCache, now: dt.datetime
) -> str:
    try:
        rendered = message_render(message, cache)
    except RenderError as exc:
        reason = Reason.NO_TEMPLATE if "no " in str(exc)[:3] else Reason.RENDER_ERROR
        recorder.add(
            message,
            status=MessageStatus.SKIPPED,
            reason=reason,
            reason_detail=str(exc)[:500],
        )
        return MessageStatus.SKIPPED
    message.subject, message.body = rendered.subject, rendered.body
    message.html_body, message.coupon_code = rendered.html_body, rendered.coupon_code
    try:
        provider_id = get_backend(message.channel).send(message)
    except ChannelError as exc:
        return _failed(message, recorder, exc, now)
    except (
        Exception
    ) as exc:  # a backend bug: retry like a transient error, keep the trace
        log.exception("channel backend crashed on message %s", message.pk)
        return _failed(message, recorder, ChannelError(repr(exc)), now)
    if rendered.coupon_code:
        recorder.coupons.append((message, rendered.coupon_code))
    recorder.add(
        message,
        status=MessageStatus.SENT,
        provider_id=provider_id[:100],
        sent_at=timezone.now(),
        reason="",
        reason_detail="",
        attempts=message.attempts + 1,
        subject=rendered.subject[:300],
        body=rendered.body,
        html_body=rendered.html_body,
        coupon_code=rendered.coupon_code,
    )
    return MessageStatus.SENT


def _failed(
    message: Message, recorder: Recorder, exc: ChannelError, now: dt.datetime
) -> str:
    attempts = message.attempts + 1
    limit = settings.CARE_DISPATCH_MAX_ATTEMPTS
    detail = str(exc)[:500]
    if (
        getattr(exc, "ambiguous", False)
        or getattr(exc, "retry_after", None) is not None
    ):
        return _in_doubt_or_throttled(message, recorder, exc, now)
    if exc.permanent or (limit and attempts >= limit):
        reason = Reason.PERMANENT_ERROR if exc.permanent else Reason.MAX_ATTEMPTS
        recorder.add(
            message,
            status=MessageStatus.FAILED,
            reason=reason,
            reason_detail=detail,
            last_error=str(exc),
            attempts=attempts,
        )
        return MessageStatus.FAILED
    recorder.add(
        message,
        status=MessageStatus.DEFERRED,
        reason=Reason.TRANSIENT_ERROR,
        reason_detail=detail,
        last_error=str(exc),
        attempts=attempts,
        send_after=now + retry_delay(attempts),
    )
    return MessageStatus.DEFERRED


def _in_doubt_or_throttled(
    message: Message, recorder: Recorder, exc: ChannelError, now: dt.datetime
) -> str:
    """Ambiguous: reconcile, never resend blindly. Throttled: back off with jitter.

    Throttling does not count towards CARE_DISPATCH_MAX_ATTEMPTS: the message
    did nothing wrong. See docs/delivery.md.
    """
    common = {
        "reason_detail": str(exc)[:500],
        "last_error": str(exc),
        "attempts": message.attempts + 1,
    }
    if exc.ambiguous:
        # The rendered text is what the look-up matches on.
        recorder.add(
            message,
            status=MessageStatus.UNKNOWN,
            reason=Reason.AMBIGUOUS,
            subject=message.subject[:300],
            body=message.body,
            html_body=message.html_body,
            **common,
        )
        return MessageStatus.UNKNOWN
    delay = throttle_delay(message.attempts + 1, exc.retry_after or 0.0)
    if message.channel == "sms":
        sms_budget().block(delay.total_seconds())
    recorder.add(
        message,
        status=MessageStatus.DEFERRED,
        reason=Reason.THROTTLED,
        send_after=now + delay,
        **common,
    )
    return MessageStatus.DEFERRED


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
        _record_outcome(message, recorder, outcome)
        return outcome.status
    if message.channel == "sms" and not sms_budget().take():
        # Over the sender's rate: back in the queue as it was, still due.
        released = MessageStatus.DEFERRED if message.reason else MessageStatus.PLANNED
        recorder.add(message, status=released)
        return RATE_LIMITED
    status = _send(message, recorder, cache, now)
    if status == MessageStatus.SENT:
        context.count_sent(message)
    return status


def messages_reap(*, now: dt.datetime) -> int:
    """Resolve rows left in `sending` past the lease by a worker that died."""
    lease = dt.timedelta(seconds=settings.CARE_DISPATCH_LEASE_SECONDS)
    stale = Message.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=now - lease
    )
    count = 0
    for message in stale.select_related("customer")[:1000]:
        tried = (
            message.attempted_at is not None
            and message.attempted_at >= message.claimed_at
        )
        try:
            sent = get_backend(message.channel).was_sent(message) if tried else False
        except Exception:  # the provider could not be asked now: ask again next time
            log.exception("could not reconcile message %s", message.pk)
            continue
        guard = Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claimed_by=message.claimed_by
        )
        if not tried:
            fields = {
                "status": MessageStatus.DEFERRED,
                "reason": Reason.NOT_ATTEMPTED,
                "send_after": now,
            }
        elif sent is True:
            fields = {"status": MessageStatus.SENT, "sent_at": now, "reason": ""}
            if message.provider_id:  # the lookup found the provider's id
                fields["provider_id"] = message.provider_id
        elif sent is False:
            fields = {
                "status": MessageStatus.DEFERRED,
                "reason": Reason.RETRY_NOT_SENT,
                "send_after": now,
            }
        else:
            fields = {"status": MessageStatus.UNKNOWN, "reason": Reason.LEASE_EXPIRED}
        count += guard.update(updated_at=now, **fields)
    return count


def messages_dispatch(
    *, batch_size: int = 500, max_batches: int = 0, worker: str = ""
) -> DispatchResult:
    """Send what is due now, batch after batch; return counts per outcome.

    Stops claiming after CARE_DISPATCH_TIME_BUDGET seconds so a scheduled run
    ends well within the task timeout; the next run carries on.
    """
    from care.delivery.receipts import messages_reconcile

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
