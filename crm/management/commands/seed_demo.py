"""Load a deterministic, realistic demo data set (see docs/demo.md)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from crm.demo.seed import Seeder, demo_customers, demo_delete
from crm.models import Customer

MAX_CUSTOMERS = 1_000_000


class Command(BaseCommand):
    help = (
        "Load the demo data set: customers, consent, products, orders, browsing, "
        "assets and tickets. Does nothing when customers exist, unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers",
            type=int,
            default=2_000,
            help="how many customers (default 2,000)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="random seed: the same seed gives the same data (default 42)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo data (DEMO-... ids) first, then load it again",
        )

    def handle(self, *args, customers: int, seed: int, reset: bool, **options) -> None:
        if not 1 <= customers <= MAX_CUSTOMERS:
            raise CommandError(
                f"--customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers}"
            )
        if reset:
            self.stdout.write(
                f"Deleted {demo_delete():,} demo customers and their data."
            )
        existing = demo_customers().count() if reset else Customer.objects.count()
        if existing:
            self.stdout.write(
                f"{existing:,} customers already exist; nothing loaded "
                "(use --reset to replace the demo data)."
            )
            return
        self.load(customers, seed, show_progress=options["verbosity"] > 0)

    def load(self, customers: int, seed: int, *, show_progress: bool) -> None:
        started = timezone.now()
        seeder = Seeder(
            seed=seed, now=started, stream=self.stderr, show_progress=show_progress
        )
        counts = seeder.run(customers)
        seconds = (timezone.now() - started).total_seconds()
        summary = ", ".join(f"{value:,} {name}" for name, value in counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo data (seed {seed}) in {seconds:.1f}s: {summary}."
            )
        )
