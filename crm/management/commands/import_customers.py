import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from crm.importing import KNOWN_COLUMNS, ImportFileError, import_customers, read_rows
from crm.progress import Progress


class Command(BaseCommand):
    help = (
        "Create or update customers from a CSV file (external_id,name,phone,email,birthday,"
        "time_zone,locale and optional sms_marketing,email_marketing,sms_service,email_service "
        "yes/no columns). Blank cells leave stored values alone."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--errors", type=Path, help="also write the rejected rows to this CSV file"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self, *args, file: Path, errors: Path | None, no_progress: bool, **options
    ) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(file)s: %(why)s") % {"file": file, "why": _why(error)}
            ) from None
        try:
            header, rows = read_rows(text)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from None
        ignored = sorted(set(header) - KNOWN_COLUMNS)
        if ignored:
            self.stderr.write(_("Ignoring unknown columns: %s") % ", ".join(ignored))
        progress = Progress(
            _("Importing customers"),
            len(rows),
            stream=self.stderr,
            enabled=not no_progress,
        )
        report = import_customers(
            rows, source=f"import:{file.name}", advance=progress.advance
        )
        progress.finish()
        self._report(report)
        if errors is not None:
            self._write_errors(errors, report.rejected)

    def _report(self, report) -> None:
        counts = {
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
        }
        self.stdout.write(
            _("Created %(created)d, updated %(updated)d, rejected %(rejected)d.")
            % counts
        )
        for line, external_id, reason in report.rejected:
            self.stdout.write(
                _("  line %(line)d (%(id)s): %(reason)s")
                % {
                    "line": line,
                    "id": external_id or _("no external_id"),
                    "reason": reason,
                }
            )

    def _write_errors(self, path: Path, rejected: list) -> None:
        try:
            with path.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["line", "external_id", "reason"])
                writer.writerows(rejected)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(file)s: %(why)s") % {"file": path, "why": _why(error)}
            ) from None


def _why(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return _("not UTF-8 text")
    return getattr(error, "strerror", None) or str(error)
