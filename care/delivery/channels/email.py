"""Email through Django's email framework (EMAIL_BACKEND decides how it leaves).

The Message-ID is derived from the outbox row, not drawn at random: every
attempt of one message carries the same one, which is recorded with the
attempt before the SMTP or ESP call. After a crash the message can be found
by it in the mail server's or the ESP's logs, and a receiving mailbox that
already holds that Message-ID (Gmail does this) keeps one copy.
"""

import hashlib
import smtplib
import socket
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
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
        try:
            email.send()
        except (smtplib.SMTPException, OSError) as exc:
            raise smtp_error(exc) from exc
        return msgid


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
