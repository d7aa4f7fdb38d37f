"""Email through Django's email framework (EMAIL_BACKEND decides how it leaves).

The Message-ID is derived from the outbox row, not drawn at random: every
attempt of one message carries the same one, which is recorded with the
attempt before the SMTP or ESP call. After a crash the message can be found
by it in the mail server's or the ESP's logs, and a receiving mailbox that
already holds that Message-ID (Gmail does this) keeps one copy.

Through an ESP (django-anymail's backends, chosen by EMAIL_BACKEND) the
provider id is the ESP's own message id, which its tracking webhooks name
(care.delivery.email_events); our row's id rides along as metadata too.
"""

import hashlib
import smtplib
import socket
from email.utils import parseaddr
from typing import TYPE_CHECKING

import requests
from anymail.exceptions import (
    AnymailAPIError,
    AnymailError,
    AnymailRecipientsRefused,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives

from care.content.links import list_unsubscribe_headers
from care.delivery.channels.base import ChannelBackend, ChannelError

if TYPE_CHECKING:
    from care.models import Message


def _list_headers(message: "Message") -> dict[str, str]:
    if message.purpose != "marketing":
        return {}
    return list_unsubscribe_headers(message.customer)


def message_id_header(message: "Message") -> str:
    """The Message-ID of every attempt of this outbox row (RFC 5322 msg-id)."""
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:12]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return f"<care.{message.pk}.{digest}@{domain or 'proactive-care'}>"


class EmailBackend(ChannelBackend):
    def send(self, message: "Message") -> str:
        address = message.recipient or message.customer.email
        if not address:
            raise ChannelError("the customer has no email address", permanent=True)
        msgid = message_id_header(message)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"Message-ID": msgid, **_list_headers(message)},
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        email.metadata = {"message": str(message.pk)}  # read by ESP backends only
        try:
            email.send()
        except AnymailError as exc:
            raise esp_error(exc) from exc
        except ImproperlyConfigured as exc:  # ESP settings missing: ours to fix
            raise ChannelError(f"email not sent: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise smtp_error(exc) from exc
        status = getattr(email, "anymail_status", None)
        return (status.message_id if status is not None else None) or msgid


# The server refused us, not the message: our set-up, retried until fixed.
OUR_SETUP = (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused)
# Nothing was handed over: the connection never opened.
NOT_CONNECTED = (ConnectionRefusedError, smtplib.SMTPConnectError, socket.gaierror)


def smtp_error(exc: Exception) -> ChannelError:
    """Classify an SMTP failure: refused, not sent, or possibly sent (ambiguous).

    A server that answered with an error code did not take the message (5xx
    for good, 4xx for now). A connection that dropped or timed out after it
    opened may have delivered the whole message before the reply was lost:
    that is ambiguous, left `unknown` for a person, never resent blindly.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return ChannelError(f"recipient refused: {exc}", permanent=True)
    if isinstance(exc, OUR_SETUP + NOT_CONNECTED):
        return ChannelError(f"email not sent: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        return ChannelError(
            f"email refused: {exc}",
            permanent=exc.smtp_code >= 500,
            code=str(exc.smtp_code),
        )
    return ChannelError(f"email may have gone: {exc}", ambiguous=True)


def esp_error(exc: AnymailError) -> ChannelError:
    """Classify an ESP failure (django-anymail), as smtp_error does for SMTP.

    Refused recipients (Postmark's inactive or invalid address) are for good;
    a connection that never opened or an answer of 401/403/429 is retried; a
    timeout or a 5xx may have sent the message: ambiguous.
    """
    if isinstance(exc, AnymailRecipientsRefused):
        return ChannelError(f"recipient refused: {exc}", permanent=True, code="rejected")
    status = exc.status_code if isinstance(exc, AnymailAPIError) else None
    if status is None:
        cause = exc.__cause__
        if isinstance(cause, requests.ConnectTimeout) or (
            isinstance(cause, requests.ConnectionError)
            and "NewConnectionError" in repr(cause)
        ):
            return ChannelError(f"email not sent: ESP not reachable: {exc}")
        return ChannelError(f"email may have gone: {exc}", ambiguous=True)
    if status >= 500:
        return ChannelError(f"ESP {status}: {exc}", ambiguous=True, code=str(status))
    if status in (401, 403, 429):
        return ChannelError(f"ESP {status}: {exc}", retry_after=0 if status == 429 else None)
    return ChannelError(f"ESP refused: {exc}", permanent=True, code=str(status))
