"""Run every active campaign's trigger now; --dry-run prints instead of writing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from care.outbox.plan import PREVIEW_ROWS, PlanResult
from care.outreach.sweep import campaigns_sweep
from care.rules import customer_zone
from care.studio.dry_run import PreviewLine, sweep_preview
from crm.progress import Progress


class Command(BaseCommand):
    help = (
        "Plan due messages for every active campaign. With --dry-run, print per campaign "
        "who would get what and when, and who would be skipped and why; write nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--limit",
            type=int,
            default=50,
            help=f"dry run: at most this many lines per campaign (0-{PREVIEW_ROWS})",
        )

    def handle(self, *args, dry_run: bool, limit: int, **options) -> None:
        if not 0 <= limit <= PREVIEW_ROWS:
            raise CommandError(
                f"--limit must be between 0 and {PREVIEW_ROWS} (lines shown per "
                f"campaign; the counts cover every message), not {limit}."
            )
        now = timezone.now()
        if not dry_run:
            self._sweep(now, verbose=options["verbosity"] >= 1)
            return
        for result, lines in sweep_preview(now=now, limit=limit):
            campaign = result.campaign
            if result.error:
                self.stderr.write(
                    f"{campaign.name} [{campaign.slug}]: failed: {result.error}"
                )
                continue
            self.stdout.write(
                self.style.MIGRATE_HEADING(
                    f"{campaign.name} [{campaign.slug}, {campaign.get_status_display()}]: "
                    f"{result.planned} to plan, {result.skipped} skipped at planning, "
                    f"{result.already} already planned"
                )
            )
            for line in lines:
                self.stdout.write("  " + self._describe(line))
            if result.planned + result.skipped > len(lines):
                self.stdout.write(
                    f"  ... and {result.planned + result.skipped - len(lines)} more"
                )
        self.stdout.write("Dry run: nothing was written.")

    def _sweep(self, now, *, verbose: bool) -> None:
        progress = None

        def advance(result: PlanResult, total: int) -> None:
            nonlocal progress
            if progress is None:
                progress = Progress(
                    "Campaigns swept", total, stream=self.stderr, enabled=verbose
                )
            progress.advance()

        results = campaigns_sweep(now=now, on_planned=advance)
        if progress is not None:
            progress.finish()
        for result in results:
            if result.error:
                self.stderr.write(f"{result.campaign.slug}: failed: {result.error}")
                continue
            self.stdout.write(
                f"{result.campaign.slug}: planned {result.planned}, "
                f"skipped {result.skipped}, already planned {result.already}"
            )

    def _describe(self, line: PreviewLine) -> str:
        message = line.message
        customer = message.customer
        when = line.when.astimezone(customer_zone(customer.time_zone)).strftime(
            "%Y-%m-%d %H:%M %Z"
        )
        who = f"{customer.external_id} via {message.channel}"
        if line.outcome == "sent":
            return f"SEND {who} at {when}: {line.text[:120]!r}"
        if line.outcome == "deferred":
            return f"WAIT {who} until {when} ({line.reason})"
        if line.outcome == "held_out":
            return f"HOLD {who} (holdout group)"
        return f"SKIP {who}: {line.reason}"
