"""SMS backends without a provider: the console (default) and an in-memory outbox for tests."""

import sys
import uuid
from typing import TYPE_CHECKING

from care.delivery.channels.base import ChannelBackend, recipient_phone

if TYPE_CHECKING:
    from care.models import Message

# Like django.core.mail.outbox: LocmemBackend appends every sent message here.
outbox: list["Message"] = []


class ConsoleBackend(ChannelBackend):
    def send(self, message: "Message") -> str:
        sys.stdout.write(f"SMS to {recipient_phone(message)}: {message.body}\n")
        sys.stdout.flush()
        return f"console-{uuid.uuid4().hex[:16]}"


class LocmemBackend(ChannelBackend):
    def send(self, message: "Message") -> str:
        recipient_phone(message)
        outbox.append(message)
        return f"locmem-{uuid.uuid4().hex[:16]}"

    def was_sent(
        self, message: "Message", exclude: frozenset[str] = frozenset()
    ) -> bool | None:
        return any(sent.pk == message.pk for sent in outbox)
