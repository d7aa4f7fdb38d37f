"""Send what is due now; with --loop, keep sending until SIGTERM or SIGINT.

`dispatch --loop` is the production sender (docs/deploy.md): one or more per
host, each safe to kill at any moment. django-q2 only runs the schedules.
"""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from care.delivery.dispatch import DispatchResult, dispatch_loop, messages_dispatch


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
            help="--loop: the heartbeat's name (default dispatch@<host>)",
        )

    def handle(
        self, *args, batch_size, max_batches: int, loop: bool, name: str, **options
    ):
        if (batch_size is not None and batch_size < 1) or max_batches < 0:
            raise CommandError(
                "--batch-size must be at least 1 and --max-batches at least 0."
            )
        if loop:
            result = self._loop(batch_size or 50, name)
        else:
            result = messages_dispatch(
                batch_size=batch_size or 500, max_batches=max_batches
            )
        self._report(result)

    def _loop(self, batch_size: int, name: str) -> DispatchResult:
        stop = threading.Event()

        def ask_to_stop(signum, frame) -> None:
            # Only sets a flag: the loop stops between two sends.
            stop.set()

        signal.signal(signal.SIGTERM, ask_to_stop)
        signal.signal(signal.SIGINT, ask_to_stop)
        return dispatch_loop(stop=stop, batch_size=batch_size, name=name)

    def _report(self, result: DispatchResult) -> None:
        if not result.counts:
            self.stdout.write("Nothing due.")
        for status, count in sorted(result.counts.items()):
            self.stdout.write(f"{status}: {count}")
        if result.claims:
            self.stdout.write(f"claims: {result.claims} ({result.claimed} rows)")
