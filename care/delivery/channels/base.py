"""What every channel is: send one rendered message, or raise a typed ChannelError.

A channel only talks to its provider. What an error means for the customer
(a phone that can never receive SMS, consent withdrawn at the carrier) is
decided by the delivery code that called it, from the error's attributes.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from care.models import Message


class ChannelError(Exception):
    """A send failed; the attributes say what kind of failure, never the text.

    `permanent`: retrying can never help.

    `ambiguous`: the request may have reached the provider (a timeout or a 5xx
    after sending), so it must be reconciled, never retried blindly.
    `retry_after`: the provider throttled us (seconds it asked us to wait, or
    0 when it did not say); retried with backoff and jitter.
    `code`: the provider's error code, when it gave one.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        ambiguous: bool = False,
        retry_after: float | None = None,
        code: str = "",
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.ambiguous = ambiguous
        self.retry_after = retry_after
        self.code = code


class ChannelBackend:
    """Send one rendered message; return the provider's id for it."""

    def send(self, message: "Message") -> str:
        raise NotImplementedError

    def warm(self) -> None:
        """Load what the first send would (care.delivery.channels.backends_warm)."""

    def was_sent(
        self, message: "Message", exclude: frozenset[str] = frozenset()
    ) -> bool | None:
        """After a worker died mid-send: did the provider take it? None: cannot tell.

        Called only for a message whose attempt (recipient, body, time) was
        committed before its request. `exclude`: provider ids already
        recorded for other messages, which cannot be this one. The reaper
        resends only on a definite False. Backends that can look a message up
        at the provider (Twilio) override this.
        """
        return None


def address_of(message: "Message") -> str:
    """The customer's current address on the message's channel ("" when none)."""
    customer = message.customer
    return customer.phone if message.channel == "sms" else customer.email


def recipient_phone(message: "Message") -> str:
    """The number the attempt names (else the customer's); a permanent error if none."""
    phone = message.recipient or message.customer.phone
    if not phone:
        raise ChannelError("the customer has no phone number", permanent=True)
    return phone
