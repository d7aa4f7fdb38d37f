"""Requests in flight at once: a thread pool that runs only the provider calls.

A send is mostly waiting: a provider 200 ms away allows 5 sends a second to a
process that waits for each answer. DISPATCH_CONCURRENCY threads share the
channel's pooled keep-alive session (the Twilio client's requests Session,
its pool sized to match), so that many requests are in flight at once.

Threads, not the twilio client's asyncio support (AsyncTwilioHttpClient over
aiohttp): the rest of a send (decide, render, the attempt, the outcome) is
synchronous Django ORM work, which would have to hop threads for every
query under asyncio anyway; email goes through Django's synchronous backends;
and a thread pool over the same client keeps one code path for every channel
and every concurrency, 1 included (then the call runs inline).

Only `channel_call` runs in the pool: it touches no database. Claiming,
deciding, the attempt committed before each request and the outcome written
after it all stay in the dispatcher's thread, on its one connection: SQLite
has one writer, and Django gives each thread its own connection.
"""

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from django.conf import settings

from care.delivery.channels import ChannelError, get_backend
from care.models import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallResult:
    """What the provider said: its id for the message, or the typed error."""

    provider_id: str = ""
    error: ChannelError | None = None


def channel_call(message: Message) -> CallResult:
    """Hand one prepared message (its attempt committed) to its channel."""
    try:
        return CallResult(get_backend(message.channel).send(message))
    except ChannelError as exc:
        return CallResult(error=exc)
    except Exception as exc:  # a backend bug: retried like a transient error
        log.exception("channel backend crashed on message %s", message.pk)
        return CallResult(error=ChannelError(repr(exc)))


Done = tuple[Message, CallResult]


class SendPool:
    """One batch's channel calls: up to `size` at once, emails taking a slot each.

    The caller submits from one thread and collects what finished; nothing
    here writes to the database.
    """

    def __init__(
        self,
        size: int,
        email_slots: threading.BoundedSemaphore,
        executor: ThreadPoolExecutor | None,
    ) -> None:
        self.size = max(1, size)
        self.email_slots = email_slots
        self.executor = executor if self.size > 1 else None
        self.inflight: dict[Future, Message] = {}
        self.finished: list[Done] = []

    @property
    def full(self) -> bool:
        return len(self.inflight) >= self.size

    def submit(self, message: Message) -> None:
        if self.executor is None:
            self.finished.append((message, self._call(message)))
            return
        self.inflight[self.executor.submit(self._call, message)] = message

    def _call(self, message: Message) -> CallResult:
        if message.channel != "email":
            return channel_call(message)
        # An SMTP server or ESP limits connections: emails take a slot.
        with self.email_slots:
            return channel_call(message)

    def collect(self, *, block: bool = False, all: bool = False) -> list[Done]:
        """The calls finished so far; `block`: wait for one, `all`: for every one."""
        if self.inflight and (block or all):
            wait(
                list(self.inflight),
                return_when="ALL_COMPLETED" if all else FIRST_COMPLETED,
            )
        done, self.finished = self.finished, []
        for future in [f for f in self.inflight if f.done()]:
            done.append((self.inflight.pop(future), future.result()))
        return done


_executors: dict[tuple[int, int], tuple[ThreadPoolExecutor, threading.Semaphore]] = {}
_lock = threading.Lock()


def send_pool() -> SendPool:
    """A pool for one batch, on this process's threads (kept between batches)."""
    size, email = max(1, settings.DISPATCH_CONCURRENCY), settings.EMAIL_CONCURRENCY
    with _lock:
        if (size, email) not in _executors:
            _executors[(size, email)] = (
                ThreadPoolExecutor(size, thread_name_prefix="care-send"),
                threading.BoundedSemaphore(max(1, email)),
            )
        executor, slots = _executors[(size, email)]
    return SendPool(size, slots, executor)
