"""Customers from a CSV file, each row through customer_upsert, with a report."""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.services import customer_upsert

PROFILE_COLUMNS = ("name", "phone", "email", "birthday", "time_zone", "locale")
CONSENT_COLUMNS = {
    "sms_marketing": ("sms", "marketing"),
    "email_marketing": ("email", "marketing"),
    "sms_service": ("sms", "service"),
    "email_service": ("email", "service"),
}
CHUNK = 500
KNOWN_COLUMNS = {"external_id", *PROFILE_COLUMNS, *CONSENT_COLUMNS}


class ImportFileError(Exception):
    """The file as a whole cannot be imported (the message is one line)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    # (line number in the file, external id, reason)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """Parse CSV text; return the header and (line number, row) pairs."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        raise ImportFileError(
            _("Not a readable CSV file: %(error)s") % {"error": error}
        ) from None
    if not header:
        raise ImportFileError(_("The file is empty: expected a header row."))
    if "external_id" not in header:
        raise ImportFileError(
            _("Missing header: an external_id column is required (found: %(found)s).")
            % {"found": ", ".join(header)[:200]}
        )
    reader.fieldnames = header
    return header, list(_numbered(reader))


def _numbered(reader: csv.DictReader) -> Iterator[tuple[int, dict]]:
    last = reader.line_num
    try:
        for row in reader:
            yield last + 1, row
            last = reader.line_num
    except csv.Error as error:
        raise ImportFileError(
            _("Line %(line)d: not valid CSV: %(error)s")
            % {"line": last + 1, "error": error}
        ) from None


def import_customers(
    rows: list[tuple[int, dict]],
    *,
    source: str,
    advance: Callable[[], None] = lambda: None,
) -> ImportReport:
    report = ImportReport()
    # One commit per chunk rather than per row: each row still runs in its own
    # savepoint, so a rejected row leaves the rest of its chunk alone.
    for start in range(0, len(rows), CHUNK):
        with transaction.atomic():
            for line, row in rows[start : start + CHUNK]:
                _import_row(line, row, source, report)
                advance()
    return report


def _import_row(line: int, row: dict, source: str, report: ImportReport) -> None:
    external_id = (row.get("external_id") or "").strip()
    arguments, columns = _upsert_arguments(row, source)
    try:
        if None in row:
            raise ValidationError(_("More cells than columns."))
        _customer, created = customer_upsert(**arguments)
    except ValidationError as error:
        report.rejected.append((line, external_id, _reason(error, columns)))
    else:
        report.created += created
        report.updated += not created


def _upsert_arguments(row: dict, source: str) -> tuple[dict, list[str]]:
    """Blank cells leave the stored value alone; consent cells are yes/no or blank.

    Also return the consent columns in the order of the consents, so errors
    can name the column rather than the list position.
    """
    consents, columns = [], []
    for column, (channel, purpose) in CONSENT_COLUMNS.items():
        cell = (row.get(column) or "").strip()
        if cell:
            consents.append({"channel": channel, "purpose": purpose, "granted": cell})
            columns.append(column)
    fields = {
        name: row[name] for name in PROFILE_COLUMNS if (row.get(name) or "").strip()
    }
    arguments = {
        "external_id": row.get("external_id") or "",
        "consents": consents,
        "consent_source": source,
        **fields,
    }
    return arguments, columns


def _reason(error: ValidationError, consent_columns: list[str]) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, messages in error.message_dict.items():
        if name.startswith("consents."):
            name = consent_columns[int(name.split(".")[1])]
        text = " ".join(m.rstrip(".") for m in messages)
        parts.append(f"{name}: {text}")
    return "; ".join(parts)
