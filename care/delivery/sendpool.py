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
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from care.delivery.channels import ChannelError, backends_warm, get_backend
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


SWITCH_INTERVAL = 0.001  # seconds, see Workers


class Workers:
    """`size` daemon threads running the calls put on one queue, for the process's life.

    Not concurrent.futures: a Future, its Condition and the executor's
    bookkeeping per call cost the dispatcher's thread more than the rest of
    handing a message over (it shares the GIL with the calls).
    """

    def __init__(self, size: int) -> None:
        # An answer that came back waits for the GIL while the dispatcher's
        # thread prepares the next chunk: at most the switch interval (5 ms
        # by default), each time a thread wakes, several times per request.
        # 1 ms keeps 32 requests in flight instead of 30 at 200 ms.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self.jobs: queue.SimpleQueue[tuple[Callable, tuple]] = queue.SimpleQueue()
        # First in the queue: what the first send would otherwise do on its
        # way out (care.delivery.channels.backends_warm).
        self.jobs.put((backends_warm, ()))
        for number in range(size):
            name = f"care-send-{number}"
            threading.Thread(target=self._work, name=name, daemon=True).start()

    def _work(self) -> None:
        while True:
            job, args = self.jobs.get()
            try:
                job(*args)
            except BaseException:  # a worker never dies: the pool keeps its size
                log.exception("send pool: a job failed")

    def submit(self, job: Callable, *args) -> None:
        self.jobs.put((job, args))


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
        workers: Workers | None,
    ) -> None:
        self.size = max(1, size)
        self.email_slots = email_slots
        self.workers = workers if self.size > 1 else None
        # Inline (size 1), each answer is written down before the next call.
        self.backlog = 2 * self.size + 50 if self.workers else 1
        self.outstanding = 0
        self.done: queue.SimpleQueue[Done] = queue.SimpleQueue()

    @property
    def full(self) -> bool:
        return self.outstanding >= self.backlog

    def submit(self, message: Message, owner: Owner) -> None:
        self.outstanding += 1
        if self.workers is None:
            self._run(message, owner)
        else:
            self.workers.submit(self._run, message, owner)

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


_workers: dict[int, Workers] = {}
_email_slots: dict[int, threading.BoundedSemaphore] = {}
_lock = threading.Lock()


def send_pool() -> SendPool:
    """A pool on this process's threads (kept for the life of the process)."""
    size, email = max(1, settings.DISPATCH_CONCURRENCY), settings.EMAIL_CONCURRENCY
    with _lock:
        if size > 1 and size not in _workers:
            _workers[size] = Workers(size)
        if email not in _email_slots:
            _email_slots[email] = threading.BoundedSemaphore(max(1, email))
        workers, slots = _workers.get(size), _email_slots[email]
    return SendPool(size, slots, workers)
