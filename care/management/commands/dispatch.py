"""Send what is due now; with --loop, keep sending until SIGTERM or SIGINT.

`dispatch --loop` is the production sender (docs/deploy.md): one or more per
host, each safe to kill at any moment. django-q2 only runs the schedules.
Every dispatcher beats on its own heartbeat row and evaluates the alerts (at
most once a minute in all): when the cluster is the one down, the senders
still raise "scheduler late".
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from care.delivery.dispatch import DispatchResult, dispatch_loop, messages_dispatch
from care.models import Job
from care.operations.alerts import alerts_run
from care.operations.heartbeat import (
    dispatcher_heartbeat_name,
    heartbeat_beat,
    heartbeat_run,
)

log = logging.getLogger(__name__)
# A dispatch loop writes its heartbeat (and evaluates the alerts) this often.
BEAT_EVERY = 10.0


class Command(BaseCommand):
    help = (
        "Claim due outbox messages, apply the send-time rules, send and record them. "
        "With --loop, keep doing so until stopped (SIGTERM/SIGINT: finish the "
        "message in flight, put the rest of the claim back, exit)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument(
            "--max-batches", type=int, default=0, help="0: until nothing is due"
        )
        parser.add_argument(
            "--loop", action="store_true", help="run until SIGTERM or SIGINT"
        )
        parser.add_argument(
            "--name",
            default="",
            help="the heartbeat's name (default dispatch@<host>)",
        )

    def handle(
        self, *args, batch_size, max_batches: int, loop: bool, name: str, **options
    ):
        if (batch_size is not None and batch_size < 1) or max_batches < 0:
            raise CommandError(
                "--batch-size must be at least 1 and --max-batches at least 0."
            )
        name = dispatcher_heartbeat_name(name)
        if loop:
            # A claim of a few rounds of requests in flight keeps the pool
            # busy, and small enough that a survey due next waits little.
            default = max(50, 4 * settings.DISPATCH_CONCURRENCY)
            result = self._loop(batch_size or default, name)
        else:
            # Each dispatcher beats on its own row, so several show separately.
            with heartbeat_run(name, job=Job.DISPATCH) as run:
                result = messages_dispatch(
                    batch_size=batch_size or 500, max_batches=max_batches
                )
                run.summary = result.counts
            evaluate_alerts()
        self._report(result)

    def _loop(self, batch_size: int, name: str) -> DispatchResult:
        stop = threading.Event()

        def ask_to_stop(signum, frame) -> None:
            # Only sets a flag: the loop stops between two sends.
            stop.set()

        before = {sig: signal.signal(sig, ask_to_stop) for sig in STOP_SIGNALS}
        beat = LoopBeat(name)
        try:
            result = dispatch_loop(
                stop=stop, batch_size=batch_size, name=name, on_cycle=beat
            )
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)
        beat(result, force=True)
        return result

    def _report(self, result: DispatchResult) -> None:
        if not result.counts:
            self.stdout.write("Nothing due.")
        for status, count in sorted(result.counts.items()):
            self.stdout.write(f"{status}: {count}")
        if result.claims:
            self.stdout.write(f"claims: {result.claims} ({result.claimed} rows)")


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class LoopBeat:
    """A dispatch loop's heartbeat: one run since the process began, counts so far."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = timezone.now()
        self.last = 0.0

    def __call__(self, totals: DispatchResult, *, force: bool = False) -> None:
        if not force and time.monotonic() - self.last < BEAT_EVERY:
            return
        self.last = time.monotonic()
        summary = {**totals.counts, "claims": totals.claims, "claimed": totals.claimed}
        heartbeat_beat(
            name=self.name,
            started_at=self.started,
            finished_at=timezone.now(),
            summary=summary,
            job=Job.DISPATCH,
        )
        evaluate_alerts()


def evaluate_alerts() -> None:
    """Dispatchers raise alerts too (once a minute in all): the cluster may be down."""
    try:
        alerts_run()
    except Exception:  # alerting must never stop sending
        log.exception("alert evaluation failed")
