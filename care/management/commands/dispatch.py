"""Send every outbox message that is due now (the scheduler runs this every minute)."""

from django.core.management.base import BaseCommand, CommandError

from care.delivery.dispatch import messages_dispatch


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
        result = messages_dispatch(batch_size=batch_size, max_batches=max_batches)
        if not result.counts:
            self.stdout.write("Nothing due.")
        for status, count in sorted(result.counts.items()):
            self.stdout.write(f"{status}: {count}")
