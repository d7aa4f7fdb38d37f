"""A fast "insert many outbox rows, ignore conflicts" for PostgreSQL.

bulk_create spends most of a large sweep preparing values field by field in
Python (about 30 columns per row). Here the columns that differ between rows
travel as a dozen arrays through one INSERT ... SELECT FROM unnest(...) ON
CONFLICT DO NOTHING, and the columns that are the same for every row of a
sweep (campaign, trigger, purpose, empty content, timestamps) as single
parameters. Other databases use bulk_create(ignore_conflicts=True).
"""

import json

from django.db import connection
from django.utils import timezone

from care.models import Message

# Columns that differ from row to row (everything else is the same for a chunk).
VARYING = (
    "key",
    "occasion_key",
    "customer_id",
    "channel",
    "occasion",
    "product_id",
    "asset_id",
    "ticket_id",
    "status",
    "reason",
    "send_after",
    "expires_at",
)


def messages_insert(rows: list[Message], batch_size: int) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        Message.objects.bulk_create(rows, ignore_conflicts=True, batch_size=batch_size)
        return
    now = timezone.now()
    for row in rows:
        row.created_at = row.updated_at = now
    # Two sweeps inserting the same keys in different orders could deadlock on
    # the unique indexes; one order for everybody rules that out.
    rows = sorted(rows, key=lambda row: row.key)
    for start in range(0, len(rows), batch_size):
        _insert_chunk(rows[start : start + batch_size])


def _insert_chunk(rows: list[Message]) -> None:
    if len({(row.campaign_id, row.trigger, row.purpose) for row in rows}) != 1:
        raise ValueError("one chunk holds the rows of one campaign")
    quote = connection.ops.quote_name
    columns, selected, constants, unnest, arrays = [], [], [], [], []
    for field in Message._meta.concrete_fields:
        if field.primary_key:
            continue
        is_json = field.get_internal_type() == "JSONField"
        db_type = "text" if is_json else field.db_type(connection)
        columns.append(quote(field.column))
        if field.attname in VARYING:
            values = [getattr(row, field.attname) for row in rows]
            arrays.append([json.dumps(v) for v in values] if is_json else values)
            unnest.append(f"%s::{db_type}[]")
            selected.append(f"u.c{len(unnest)}" + ("::jsonb" if is_json else ""))
        else:
            value = getattr(rows[0], field.attname)
            constants.append(json.dumps(value) if is_json else value)
            selected.append(f"%s::{db_type}" + ("::jsonb" if is_json else ""))
    names = ", ".join(f"c{n}" for n in range(1, len(unnest) + 1))
    sql = (
        f"INSERT INTO {quote(Message._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM unnest({', '.join(unnest)}) AS u({names}) "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, constants + arrays)
