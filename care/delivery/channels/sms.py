"""SMS backends without a provider: the console (default) and an in-memory outbox for tests."""

import sys
import uuid
from typing import TYPE_CHECKING

from care.delivery.channels.base import ChannelBackend, ChannelError

if TYPE_CHECKING:
    from care.models import Message

# Like django.core.mail.outbox: LocmemBackend appends every sent message here.
outbox: list["Message"] = []


def _recipient(message: "Message") -> str:
    phone = message.customer.phone
    if not phone:
        raise ChannelError("the customer has no phone number", permanent=True)
    return phone


class ConsoleBackend(ChannelBackend):
    def send(self, message: "Message") -> str:
        sys.stdout.write(f"SMS to {_recipient(message)}: {message.body}\n")
        sys.stdout.flush()
        return f"console-{uuid.uuid4().hex[:16]}"


class LocmemBackend(ChannelBackend):
    def send(self, message: "Message") -> str:
        _recipient(message)
        outbox.append(message)
        return f"locmem-{uuid.uuid4().hex[:16]}"

    def was_sent(self, message: "Message") -> bool | None:
        return any(sent.pk == message.pk for sent in outbox)


def __getattr__(name: str):
    # "care.delivery.channels.sms.TwilioBackend" (the settings' default with credentials)
    # resolves lazily: the twilio library is imported only when it is used.
    if name == "TwilioBackend":
        from care.delivery.channels.twilio_sms import TwilioBackend

        return TwilioBackend
    raise AttributeError(name)
