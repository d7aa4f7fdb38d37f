"""Send one claimed message and write down what happened (through the Recorder).

The channel raises a typed ChannelError; what it means is decided here, from
its attributes, never from its text: ambiguous -> unknown (reconciled, never
resent blindly), retry_after -> deferred with backoff (the sender is blocked
for a while), permanent -> failed (and the contact marked when the provider's
code says the phone or the consent is the problem), else deferred and retried
until CARE_DISPATCH_MAX_ATTEMPTS. See docs/delivery.md.
"""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from care.content.engine import MissingTemplate, RenderError, TemplateCache
from care.delivery.channels import ChannelError, get_backend
from care.delivery.decide import Outcome
from care.delivery.provider_errors import contact_error_effects
from care.delivery.recorder import Recorder
from care.delivery.render import message_render
from care.delivery.throughput import sms_budget
from care.models import Message, MessageStatus, Reason
from care.rules import retry_delay, throttle_delay

log = logging.getLogger(__name__)


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


def message_send(
    message: Message, recorder: Recorder, cache: TemplateCache, now: dt.datetime
) -> str:
    """Render and send one message; record the outcome and return its status."""
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
        return MessageStatus.SKIPPED
    message.subject, message.body = rendered.subject, rendered.body
    message.html_body, message.coupon_code = rendered.html_body, rendered.coupon_code
    try:
        provider_id = get_backend(message.channel).send(message)
    except ChannelError as exc:
        return _failed(message, recorder, exc, now)
    except Exception as exc:  # a backend bug: retry like a transient error
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
    if exc.ambiguous or exc.retry_after is not None:
        return _in_doubt_or_throttled(message, recorder, exc, now)
    if exc.permanent:
        return _refused(message, recorder, exc)
    attempts = message.attempts + 1
    limit = settings.CARE_DISPATCH_MAX_ATTEMPTS
    common = {
        "reason_detail": str(exc)[:500],
        "last_error": str(exc),
        "attempts": attempts,
    }
    if limit and attempts >= limit:
        recorder.add(
            message, status=MessageStatus.FAILED, reason=Reason.MAX_ATTEMPTS, **common
        )
        return MessageStatus.FAILED
    recorder.add(
        message,
        status=MessageStatus.DEFERRED,
        reason=Reason.TRANSIENT_ERROR,
        send_after=now + retry_delay(attempts),
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
        reason_detail=str(exc)[:500],
        last_error=str(exc),
        attempts=message.attempts + 1,
    )
    return MessageStatus.FAILED


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
