"""Email through Django's email framework (EMAIL_BACKEND decides how it leaves)."""

import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid

from care.content.links import list_unsubscribe_headers
from care.delivery.channels.base import ChannelBackend, ChannelError

if TYPE_CHECKING:
    from care.models import Message


def _list_headers(message: "Message") -> dict[str, str]:
    if message.purpose != "marketing":
        return {}
    return list_unsubscribe_headers(message.customer)


class EmailBackend(ChannelBackend):
    def send(self, message: "Message") -> str:
        address = message.customer.email
        if not address:
            raise ChannelError("the customer has no email address", permanent=True)
        msgid = make_msgid(domain="proactive-care")
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
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(f"recipient refused: {exc}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"email not sent: {exc}", permanent=False) from exc
        return msgid
