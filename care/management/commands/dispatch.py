"""Send every outbox message that is due now (the scheduler runs this every minute)."""

import logging

from django.core.management.base import BaseCommand, CommandError

from care.delivery.dispatch import messages_dispatch
from care.models import Job
from care.operations.alerts import alerts_run
from care.operations.heartbeat import dispatcher_heartbeat_name, heartbeat_run

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Claim due outbox messages, apply the send-time rules, send and record them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--max-batches", type=int, default=0, help="0: until nothing is due"
        )

    def handle(self, *args, batch_size: int, max_batches: int, **options) -> None:
        if batch_size < 1 or max_batches < 0:
            raise CommandError(
                "--batch-size must be at least 1 and --max-batches at least 0."
            )
        # Each dispatcher beats on its own row, so several show separately.
        with heartbeat_run(dispatcher_heartbeat_name(), job=Job.DISPATCH) as run:
            result = messages_dispatch(batch_size=batch_size, max_batches=max_batches)
            run.summary = result.counts
        evaluate_alerts()
        if not result.counts:
            self.stdout.write("Nothing due.")
        for status, count in sorted(result.counts.items()):
            self.stdout.write(f"{status}: {count}")


def evaluate_alerts() -> None:
    """Dispatchers raise alerts too (at most once a minute in all): the cluster may be the one down."""
    try:
        alerts_run()
    except Exception:  # alerting must never stop sending
        log.exception("alert evaluation failed")
