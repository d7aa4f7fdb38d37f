from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from care.models import Message


class ChannelError(Exception):
    """A send failed. `permanent` says whether retrying could ever help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class ChannelBackend:
    """Send one rendered message; return the provider's id for it."""

    def send(self, message: "Message") -> str:
        raise NotImplementedError

    def was_sent(self, message: "Message") -> bool | None:
        """After a worker died mid-send: did the provider take it? None: cannot tell.

        The reaper resends only on a definite False. Backends that can look a
        message up at the provider (Twilio, issue 5) override this.
        """
        return None
