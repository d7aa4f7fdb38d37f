"""Who is due, as a table for set-wise planning (care.outbox.setwise).

A trigger kind describes its dues as a `Source`: rows made in Python (a
calendar of time zones and dates, or a chunk of dues), sent to the database
as one JSON parameter and read there as the table `d` (`jsonb_to_recordset`
on PostgreSQL, `json_each` on SQLite).
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

# What a source may give per row, with its PostgreSQL type, and the default.
ROW_COLUMNS = {
    "occasion": ("text", None),
    "data": ("jsonb", "'{}'"),  # the row's `occasion` (a JSON object)
    "send_after": ("timestamptz", None),
    "expires_at": ("timestamptz", "NULL"),
    "product_id": ("bigint", "NULL"),
    "asset_id": ("bigint", "NULL"),
    "ticket_id": ("bigint", "NULL"),
}


@dataclass(frozen=True)
class Source:
    """Who is due, as a table `d` joined to the campaign's customers `c`.

    `rows` are plain dicts whose keys are `columns` (name -> PostgreSQL
    type); `join` is the SQL condition between `d` and `c`; `subject` the
    SQL of the once-only key's subject ("'customer:' || c.id"); `customers`
    narrows the customers (the audience, an indexed pre-filter). Row columns
    of ROW_COLUMNS missing from `columns` take their default, `send_after`
    may be given as `fixed` values (the same for every row).
    """

    rows: list[dict]
    columns: dict[str, str]
    join: str
    subject: str = "'customer:' || c.id"
    customers: Q = field(default_factory=Q)
    fixed: dict = field(default_factory=dict)
    # Most of the audience is due (a dated campaign): the consents are joined
    # in one pass instead of looked up per customer.
    wide: bool = False
    # A slice of the customers by id, [low, high) (care.outbox.slices): the
    # wide source's consents are read for these customers only.
    ids: tuple[int, int] | None = None


def sources_merge(sources: list[Source]) -> Source | None:
    """One source for several of the same kind (the forecast's 14 days): one query.

    Values given as `fixed` become columns; a row already found on an earlier
    source (the same occasion) is kept from there, with its moment.
    """
    if not sources:
        return None
    first = sources[0]
    columns = {**first.columns, **{k: ROW_COLUMNS[k][0] for k in first.fixed}}
    later_values = ("data", "send_after", "expires_at")
    seen, rows, customers = set(), [], Q()
    for source in sources:
        customers |= source.customers
        for row in source.rows:
            row = {**row, **source.fixed}
            same = tuple(v for k, v in sorted(row.items()) if k not in later_values)
            if same not in seen:
                seen.add(same)
                rows.append(row)
    return Source(
        rows,
        columns,
        first.join,
        first.subject,
        customers,
        wide=any(source.wide for source in sources),
    )


def postgres() -> bool:
    return connection.vendor == "postgresql"


def cast(sql: str, db_type: str) -> str:
    # SQLite has no "::" and its CAST would turn a datetime text into a number.
    return f"{sql}::{db_type}" if postgres() else sql


def fence() -> str:
    """Keep a subquery from being merged into the query around it."""
    return "OFFSET 0" if postgres() else "LIMIT -1 OFFSET 0"


def json_value(value):
    if isinstance(value, dt.datetime):
        if postgres():
            return value.isoformat()
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def source_table(source: Source) -> tuple[str, list]:
    """The source rows as a table `d`: one JSON parameter, whatever their number."""
    rows = [{k: json_value(v) for k, v in row.items()} for row in source.rows]
    payload = json.dumps(rows)
    if postgres():
        columns = ", ".join(f"{name} {kind}" for name, kind in source.columns.items())
        return f"jsonb_to_recordset(%s::jsonb) AS d({columns})", [payload]
    picks = ", ".join(
        f"json_extract(value, '$.{name}') AS {name}" for name in source.columns
    )
    return f"(SELECT {picks} FROM json_each(%s)) AS d", [payload]
