"""Prepare one claimed message, send it, write down what happened (the Recorder).

The channel raises a typed ChannelError; what it means is decided here, from
its attributes, never from its text: ambiguous -> unknown (reconciled, never
resent blindly), retry_after -> this message alone deferred for the time the
provider asked (other messages keep going), permanent -> failed (and the
contact marked when the provider's code says the phone or the consent is the
problem), else deferred and retried until CARE_DISPATCH_MAX_ATTEMPTS. See
docs/delivery.md.

Each function works on one message and the Recorder, in the dispatcher's
thread; only the provider call itself may run in the send pool.
"""

from django.conf import settings
from django.utils import timezone

from care.content.engine import MissingTemplate, RenderError, TemplateCache
from care.delivery.channels import ChannelError
from care.delivery.channels.base import address_of
from care.delivery.decide import Outcome
from care.delivery.provider_errors import contact_error_effects
from care.delivery.recorder import Recorder
from care.delivery.render import message_render
from care.delivery.sendpool import CallResult
from care.models import Message, MessageStatus, Reason
from care.rules import retry_delay, throttle_delay


def outcome_record(message: Message, recorder: Recorder, outcome: Outcome) -> None:
    """Write down the send-time decision not to send now (skip, defer, hold out)."""
    fields = {
        "status": outcome.status,
        "reason": outcome.reason,
        "reason_detail": outcome.detail,
    }
    if outcome.send_after is not None:
        fields["send_after"] = outcome.send_after
    recorder.add(message, **fields)


def message_prepare(message: Message, recorder: Recorder, cache: TemplateCache) -> bool:
    """Render the message and name its recipient; False (skip recorded) if it cannot.

    The content and recipient set here are what `attempts_write` commits
    before the request leaves.
    """
    try:
        rendered = message_render(message, cache)
    except RenderError as exc:
        reason = (
            Reason.NO_TEMPLATE
            if isinstance(exc, MissingTemplate)
            else Reason.RENDER_ERROR
        )
        recorder.add(
            message,
            status=MessageStatus.SKIPPED,
            reason=reason,
            reason_detail=str(exc)[:500],
        )
        return False
    message.subject, message.body = rendered.subject[:300], rendered.body
    message.html_body, message.coupon_code = rendered.html_body, rendered.coupon_code
    message.recipient = address_of(message)[:254]
    return True


def message_release(message: Message, recorder: Recorder) -> None:
    """Put a claimed message back in the queue, unsent (dispatch is stopping)."""
    recorder.add(
        message,
        status=MessageStatus.DEFERRED if message.reason else MessageStatus.PLANNED,
        claimed_by="",
        attempts=message.attempts,
        coupon_code="",
    )


def call_record(message: Message, recorder: Recorder, result: CallResult) -> str:
    """Write down what the provider said about one message; return its status.

    In the dispatcher's thread: the provider call may have run in the pool
    (care.delivery.sendpool), its consequences are written here.
    """
    if result.error is not None:
        return _failed(message, recorder, result.error)
    recorder.add(
        message,
        status=MessageStatus.SENT,
        provider_id=result.provider_id[:100],
        sent_at=timezone.now(),
        reason="",
        reason_detail="",
        attempts=message.attempts + 1,
    )
    return MessageStatus.SENT


def _failed(message: Message, recorder: Recorder, exc: ChannelError) -> str:
    if exc.ambiguous or exc.retry_after is not None:
        return _in_doubt_or_throttled(message, recorder, exc)
    if exc.permanent:
        return _refused(message, recorder, exc)
    attempts = message.attempts + 1
    limit = settings.CARE_DISPATCH_MAX_ATTEMPTS
    common = _not_sent(exc, attempts)
    if limit and attempts >= limit:
        recorder.add(
            message, status=MessageStatus.FAILED, reason=Reason.MAX_ATTEMPTS, **common
        )
        return MessageStatus.FAILED
    recorder.add(
        message,
        status=MessageStatus.DEFERRED,
        reason=Reason.TRANSIENT_ERROR,
        send_after=timezone.now() + retry_delay(attempts),
        **common,
    )
    return MessageStatus.DEFERRED


def _refused(message: Message, recorder: Recorder, exc: ChannelError) -> str:
    """The provider refused for good; its code may say the contact is the problem."""
    if exc.code:
        contact_error_effects(
            customer=message.customer,
            channel=message.channel,
            code=exc.code,
            detail=str(exc),
        )
    recorder.add(
        message,
        status=MessageStatus.FAILED,
        reason=Reason.PERMANENT_ERROR,
        **_not_sent(exc, message.attempts + 1),
        # The provider's code, for the operations page (failed by code). No
        # callback can race it: a refused message has no provider id.
        error_code=str(exc.code)[:10],
    )
    return MessageStatus.FAILED


def _not_sent(exc: ChannelError, attempts: int) -> dict:
    # The attempt committed the rendered coupon code; a message that did not
    # go holds none (its next attempt renders a fresh one).
    return {
        "reason_detail": str(exc)[:500],
        "last_error": str(exc),
        "attempts": attempts,
        "coupon_code": "",
    }


def _in_doubt_or_throttled(
    message: Message, recorder: Recorder, exc: ChannelError
) -> str:
    """Ambiguous: reconcile, never resend blindly. Throttled: this message backs off.

    Throttling does not count towards CARE_DISPATCH_MAX_ATTEMPTS: the message
    did nothing wrong. Only the throttled message waits (Retry-After, at least
    a jittered backoff); the fleet keeps its pace, which the shared token
    bucket sets (care.delivery.throughput). See docs/delivery.md.
    """
    if exc.ambiguous:
        # The attempt (body, recipient, time) is committed: the look-up matches on it.
        recorder.add(
            message,
            status=MessageStatus.UNKNOWN,
            reason=Reason.AMBIGUOUS,
            reason_detail=str(exc)[:500],
            last_error=str(exc),
            attempts=message.attempts + 1,
        )
        return MessageStatus.UNKNOWN
    common = _not_sent(exc, message.attempts + 1)
    delay = throttle_delay(message.attempts + 1, exc.retry_after or 0.0)
    recorder.add(
        message,
        status=MessageStatus.DEFERRED,
        reason=Reason.THROTTLED,
        # From the answer, not the claim: Retry-After counts from now.
        send_after=timezone.now() + delay,
        **common,
    )
    return MessageStatus.DEFERRED
