"""Email provider events (django-anymail's tracking webhooks) on the message they describe.

Anymail parses each ESP's own payload into one normalized event; this module
keeps the ones that matter (delivered, bounced, deferred, complained, opened,
clicked, unsubscribed) as the message's delivery events, moves the message
forward (never back: a late "delivered" after a bounce changes nothing), and
has provider_errors decide what the event means for the address (a hard
bounce) or the consent (a complaint, an unsubscribe at the ESP).

The webhook URLs are anymail's own views behind `webhook_guard`: with no
ANYMAIL WEBHOOK_SECRET configured they refuse everything (anymail itself
would only warn), a failed basic auth or signature is a 403, and a body that
cannot be read is a 400; neither changes anything.
"""

import functools
import logging
from collections.abc import Callable

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, tracking
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from care.delivery.provider_errors import email_event_effects
from care.delivery.receipts import delivery_event_keep
from care.delivery.recorder import sent_effects
from care.models import SETTLEABLE, Message, MessageStatus, Reason

log = logging.getLogger(__name__)

# Anymail's event types we keep -> our status, in the order they can happen.
STATUSES = {
    "deferred": "deferred",
    "delivered": "delivered",
    "bounced": "bounced",
    "rejected": "bounced",  # refused by the ESP as an invalid address
    "opened": "opened",
    "clicked": "clicked",
    "complained": "complained",
    "unsubscribed": "unsubscribed",
}
RANK = {
    "deferred": 3,
    "delivered": 5,
    "bounced": 5,
    "opened": 6,
    "clicked": 6,
    "complained": 7,
    "unsubscribed": 7,
}
# Events that prove the email reached the mailbox.
REACHED = ("delivered", "opened", "clicked", "complained", "unsubscribed")


def is_hard_bounce(event: AnymailTrackingEvent) -> bool:
    """A bounce that no retry can mend (the ESP's own word when it gives one)."""
    if event.event_type == "rejected":
        return event.reject_reason == "invalid"
    if event.event_type != "bounced":
        return False
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    if "Type" in raw:  # Postmark
        return raw["Type"] in ("HardBounce", "BadEmailAddress")
    if "severity" in raw:  # Mailgun
        return raw["severity"] == "permanent"
    return event.reject_reason in ("bounced", "invalid")


def _message_for(event: AnymailTrackingEvent) -> Message | None:
    rows = Message.objects.select_related("customer")
    ref = str((event.metadata or {}).get("message", ""))
    if ref.isascii() and ref.isdigit() and len(ref) < 19:
        found = rows.filter(pk=int(ref), channel="email").first()
        if found is not None and found.provider_id in ("", event.message_id):
            return found
    if not event.message_id:
        return None
    return rows.filter(provider_id=event.message_id, channel="email").first()


def email_event_record(*, event: AnymailTrackingEvent, esp_name: str) -> bool:
    """Record one ESP event; False when it is not kept or repeats one on file."""
    status = STATUSES.get(event.event_type)
    provider_id = str(event.message_id or "")[:100]
    if status is None or not provider_id:
        return False
    hard = status == "bounced" and is_hard_bounce(event)
    code = "hard" if hard else ("soft" if status == "bounced" else "")
    message = _message_for(event)
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    if delivery_event_keep(message, provider_id, status, code, raw) is None:
        return False  # the same event again: no second effect
    if message is not None:
        _apply(message, provider_id, status, event, esp_name)
        email_event_effects(
            customer=message.customer,
            address=event.recipient or message.recipient,
            status=status,
            hard_bounce=hard,
            source=esp_name.lower(),
        )
    return True


def _apply(
    message: Message, provider_id: str, status: str, event: AnymailTrackingEvent,
    esp_name: str,
) -> None:
    now = timezone.now()
    lower = [""] + [s for s, rank in RANK.items() if rank < RANK[status]]
    rows = Message.objects.filter(pk=message.pk)
    if not rows.filter(provider_status__in=lower).update(
        provider_status=status, updated_at=now
    ):
        return  # an earlier event arriving late
    rows.filter(provider_id="").update(provider_id=provider_id)
    settled = rows.filter(status__in=SETTLEABLE)
    was_unknown = settled.filter(status=MessageStatus.UNKNOWN).exists()
    if status in REACHED:
        settled.exclude(status=MessageStatus.DELIVERED).update(
            status=MessageStatus.DELIVERED,
            delivered_at=event.timestamp or now,
            reason="",
            updated_at=now,
        )
    elif status == "bounced":
        settled.update(
            status=MessageStatus.FAILED,
            reason=Reason.UNDELIVERED,
            reason_detail=f"{esp_name} bounce: {event.description or ''}"[:500],
            updated_at=now,
        )
    if was_unknown and status in REACHED:
        rows.filter(sent_at__isnull=True).update(sent_at=now)
        sent_effects([message])  # a message in doubt that the ESP reports: it went


@receiver(tracking, dispatch_uid="care.email_events")
def _on_tracking(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    email_event_record(event=event, esp_name=esp_name)


def webhook_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anymail's webhook view, refusing what anymail would let through or answer 500 to."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            log.warning("email webhook refused: ANYMAIL_WEBHOOK_SECRET is not set")
            return _plain("webhook not configured", 403)
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            return _plain("invalid credentials or signature", 403)
        except ImproperlyConfigured as exc:  # an ESP's signing key missing, say
            log.warning("email webhook refused: %s", exc)
            return _plain("webhook not configured", 403)
        except (AnymailError, ValueError, KeyError, TypeError) as exc:
            return _plain(f"unreadable event: {type(exc).__name__}", 400)

    return guarded


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(f"{text}\n", status=status, content_type="text/plain")
