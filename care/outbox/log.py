"""One structured log line per message outcome, and one per planned chunk.

Every line carries ids and codes only (message id, campaign id, channel,
status, reason, the provider's error code), never an address or a text, so
logs can be shipped anywhere. Planning writes up to a hundred thousand rows
per sweep: it logs one line per chunk with its counts (the rows themselves are
in the outbox); every send-time outcome (sent, skipped, deferred, failed,
held out, in doubt) gets a line of its own.

Lives in the outbox core so that planning, dispatch's recorder and the
receipts can all use it (docs/architecture.md).
"""

import logging
from collections import Counter
from collections.abc import Iterable

from care.models import RETRYABLE, Message, MessageStatus

log = logging.getLogger("care.messages")

LOUD = {MessageStatus.FAILED, MessageStatus.UNKNOWN}


def message_event_log(message: Message, status: str, reason: str = "", **more) -> None:
    """Log one message's new status (ids and codes only)."""
    event = f"message_{status}"
    log.log(
        logging.WARNING if status in LOUD else logging.INFO,
        "message %s %s",
        message.pk,
        status,
        extra={
            "event": event,
            "message_id": message.pk,
            "campaign_id": message.campaign_id,
            "trigger": message.trigger,
            "channel": message.channel,
            "status": status,
            "reason": reason,
            **more,
        },
    )


def outcomes_log(entries: Iterable[tuple[Message, dict]]) -> None:
    """Log the outcomes a dispatch batch recorded: (message, fields written)."""
    for message, fields in entries:
        status = fields.get("status")
        if status is None:
            continue
        if status in RETRYABLE and "reason" not in fields:
            # Over the sender's rate: back in the queue as it was.
            message_event_log(message, "requeued", message.reason)
            continue
        message_event_log(
            message, status, fields.get("reason", ""), attempts=message.attempts
        )


def plan_log(campaign_id: int, trigger: str, counts: Counter, already: int) -> None:
    """One line for a planned chunk: counts by (channel, status, reason)."""
    planned = sum(n for (_, status, _), n in counts.items() if status == "planned")
    log.info(
        "campaign %s planned %s messages",
        campaign_id,
        planned,
        extra={
            "event": "messages_planned",
            "campaign_id": campaign_id,
            "trigger": trigger,
            "planned": planned,
            "skipped": sum(counts.values()) - planned,
            "already_planned": already,
            "by_channel_status_reason": {
                "/".join(part or "-" for part in key): n for key, n in counts.items()
            },
        },
    )
