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
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from care.delivery.channels import ChannelError, get_backend
from care.models import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallResult:
    """What the provider said: its id for the message, or the typed error."""

    provider_id: str = ""
    error: ChannelError | None = None
    released: bool = False  # not sent: dispatch was stopping when its turn came


RELEASED = CallResult(released=True)
MAYBE_SENT = CallResult(error=ChannelError("interrupted mid-send", ambiguous=True))


def channel_call(message: Message) -> CallResult:
    """Hand one prepared message (its attempt committed) to its channel."""
    try:
        return CallResult(get_backend(message.channel).send(message))
    except ChannelError as exc:
        return CallResult(error=exc)
    except Exception as exc:  # a backend bug: retried like a transient error
        log.exception("channel backend crashed on message %s", message.pk)
        return CallResult(error=ChannelError(repr(exc)))


class Owner(Protocol):
    """Whose message it is (dispatch's Batch): asked before the call starts."""

    def stopping(self) -> bool: ...


Done = tuple[Message, CallResult, Owner]


class SendPool:
    """Channel calls, `size` at once, emails taking a slot each.

    The dispatcher submits from its thread and collects what finished. Up to
    `backlog` messages may wait behind the busy threads, so that the threads
    keep sending while the dispatcher commits the next chunk's attempts or
    the last chunk's outcomes. A message whose turn comes after `stopping()`
    turned true is not sent: it comes back `released`, to be put back. A
    dispatch loop keeps one pool across its claims, so the next claim's
    messages join the queue while the last one's are still in flight.
    Nothing here writes to the database.
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
        # Inline (size 1), each answer is written down before the next call.
        self.backlog = 2 * self.size + 50 if self.executor else 1
        self.outstanding = 0
        self.done: queue.SimpleQueue[Done] = queue.SimpleQueue()

    @property
    def full(self) -> bool:
        return self.outstanding >= self.backlog

    def submit(self, message: Message, owner: Owner) -> None:
        if self.executor is None:
            self.outstanding += 1
            self._run(message, owner)
            return
        # Counted only once queued: an executor shutting down (the interpreter
        # exiting) refuses, and a count that never comes back would hang collect.
        self.executor.submit(self._run, message, owner)
        self.outstanding += 1

    def _run(self, message: Message, owner: Owner) -> None:
        if owner.stopping():
            self.done.put((message, RELEASED, owner))
            return
        result = MAYBE_SENT
        try:
            result = self._call(message)
        finally:
            # Interrupted mid-call (SystemExit, KeyboardInterrupt): the
            # request may have left, so the message is in doubt, never put back.
            self.done.put((message, result, owner))

    def _call(self, message: Message) -> CallResult:
        if message.channel != "email":
            return channel_call(message)
        # An SMTP server or ESP limits connections: emails take a slot.
        with self.email_slots:
            return channel_call(message)

    def collect(self, *, block: bool = False, all: bool = False) -> list[Done]:
        """The calls finished so far; `block`: wait for one, `all`: for every one."""
        done = []
        while self.outstanding and (all or (block and not done)):
            done.append(self.done.get())
            self.outstanding -= 1
        while self.outstanding:
            try:
                done.append(self.done.get_nowait())
            except queue.Empty:
                break
            self.outstanding -= 1
        return done


_executors: dict[tuple[int, int], tuple[ThreadPoolExecutor, threading.Semaphore]] = {}
_lock = threading.Lock()


def send_pool() -> SendPool:
    """A pool on this process's threads (kept for the life of the process)."""
    size, email = max(1, settings.DISPATCH_CONCURRENCY), settings.EMAIL_CONCURRENCY
    with _lock:
        if (size, email) not in _executors:
            _executors[(size, email)] = (
                ThreadPoolExecutor(size, thread_name_prefix="care-send"),
                threading.BoundedSemaphore(max(1, email)),
            )
        executor, slots = _executors[(size, email)]
    return SendPool(size, slots, executor)
