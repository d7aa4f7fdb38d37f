"""manage.py rfm_score [--window-days N]: score every customer now."""

import functools

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from crm.progress import Progress
from segmentation.services import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, rfm_run


def _window(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_WINDOW_DAYS:
        raise CommandError(
            _("--window-days must be a whole number from 1 to %(max)d, not %(raw)r.")
            % {"max": MAX_WINDOW_DAYS, "raw": raw}
        )
    return value


class Command(BaseCommand):
    help = _("Score every customer by RFM, record segment changes and clusters.")

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Bad arguments get one line (the error), not the usage block too.
        parser.print_usage = lambda file=None: None
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--window-days",
            default=str(DEFAULT_WINDOW_DAYS),
            help=_("look back this many days for orders (default %(default)s)"),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("do not show progress")
        )

    def handle(self, *args, window_days: str, no_progress: bool, **options) -> None:
        progress = functools.partial(
            Progress, stream=self.stderr._out, enabled=not no_progress
        )
        try:
            run = rfm_run(window_days=_window(window_days), progress=progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "RFM run %(id)s: %(scored)s scored, %(labelled)s labelled, "
                "%(changes)s segment changes, %(k)s clusters in %(seconds).1f s."
            )
            % {
                "id": run.pk,
                "scored": run.customers_scored,
                "labelled": run.customers_labelled,
                "changes": run.transitions,
                "k": run.cluster_k or 0,
                "seconds": run.duration.total_seconds(),
            }
        )
