"""A fast "insert many outbox rows, ignore conflicts" for PostgreSQL.

bulk_create spends most of a large sweep preparing values field by field in
Python (about 30 columns per row). Here the columns that differ between rows
travel as a dozen arrays through one INSERT ... SELECT FROM unnest(...) ON
CONFLICT DO NOTHING, and the columns that are the same for every row of a
sweep (campaign, trigger, purpose, empty content, timestamps) as single
parameters. Other databases use bulk_create(ignore_conflicts=True).

Every statement of a sweep's chunk runs with server-side binding (see
`bound_cursor`): Django binds parameters on the client, which quotes each of
a chunk's tens of thousands of values into the SQL text in Python.
"""

import json
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from care.models import Campaign, Message

# Rows written by one sweep from which the outbox's statistics are refreshed.
ANALYZE_AFTER = 5000

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


def bound_cursor() -> CursorWrapper:
    """A Django cursor (queries logged and counted) binding on the server (psycopg 3).

    Arrays and long IN lists then travel as parameters in one message instead
    of being rendered as literals by Python: about a fifth of a large sweep.
    """
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    # What connection.cursor() does with its own cursor class, through the
    # wrapper's public methods: logged (debug) or plain.
    raw = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def among(field: str, values: list, array_type: str) -> Q:
    """Q(field__in=values); on PostgreSQL the values are one binary array parameter.

    A chunk's 5,000 placeholders cost more to parse and encode in Python than
    the query costs the database. Run the queryset with `rows_fetch` only (the
    binary placeholder needs server-side binding).
    """
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": values})
    unnested = RawSQL(f"SELECT unnest(%b::{array_type}[])", [values])
    return Q(**{f"{field}__in": unnested})


def rows_fetch(queryset: QuerySet) -> list[tuple[Any, ...]]:
    """The rows of a values_list() queryset, bound on the server on PostgreSQL.

    Only for plain columns (ints, strings, booleans, datetimes): Django's
    converters are not applied on that path.
    """
    if connection.vendor != "postgresql":
        return list(queryset)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: the ORM answers without asking
        return []
    with bound_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def as_messages(campaign: Campaign, rows: list[dict]) -> list[Message]:
    return [
        Message(
            campaign=campaign, trigger=campaign.trigger, purpose=campaign.purpose, **row
        )
        for row in rows
    ]


def messages_insert(
    campaign: Campaign, rows: list[dict], batch_size: int
) -> list[dict]:
    """Insert planned rows (dicts of the VARYING fields) of one campaign, ignoring conflicts.

    Returns the rows this call inserted, not those it submitted: a row
    another sweep inserted first is left out, so two sweeps at once together
    report exactly the rows that exist.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return _insert_elsewhere(campaign, rows, batch_size)
    # Two sweeps inserting the same keys in different orders could deadlock on
    # the unique indexes; one order for everybody rules that out.
    rows = sorted(rows, key=lambda row: row["key"])
    constants = _constants(campaign)
    keys: set[str] = set()
    for start in range(0, len(rows), batch_size):
        keys |= _insert_chunk(rows[start : start + batch_size], constants)
    return [row for row in rows if row["key"] in keys]


def _insert_elsewhere(
    campaign: Campaign, rows: list[dict], batch_size: int
) -> list[dict]:
    # bulk_create(ignore_conflicts=True) does not say which rows it inserted.
    # On SQLite the transaction takes the write lock when it begins
    # (IMMEDIATE), so the keys present before the insert are exactly those
    # that were not ours.
    keys = [row["occasion_key"] for row in rows]
    with transaction.atomic():
        before = set(
            Message.objects.filter(occasion_key__in=keys).values_list(
                "occasion_key", flat=True
            )
        )
        Message.objects.bulk_create(
            as_messages(campaign, rows), ignore_conflicts=True, batch_size=batch_size
        )
    return [row for row in rows if row["occasion_key"] not in before]


def _constants(campaign: Campaign) -> dict:
    """The values every row of the campaign's sweep shares: the fields' defaults."""
    now = timezone.now()
    values = {
        field.attname: field.get_default()
        for field in Message._meta.concrete_fields
        if not field.primary_key and field.attname not in VARYING
    }
    values.update(
        campaign_id=campaign.pk,
        trigger=campaign.trigger,
        purpose=campaign.purpose,
        created_at=now,
        updated_at=now,
    )
    return values


def _insert_chunk(rows: list[dict], constants: dict) -> set[str]:
    """Insert one chunk; the keys of the rows it inserted."""
    quote = connection.ops.quote_name
    columns, selected, scalars, unnest, arrays = [], [], [], [], []
    for field in Message._meta.concrete_fields:
        if field.primary_key:
            continue
        is_json = field.get_internal_type() == "JSONField"
        db_type = "text" if is_json else field.db_type(connection)
        cast = "::jsonb" if is_json else ""
        columns.append(quote(field.column))
        if field.attname in VARYING:
            values = [row[field.attname] for row in rows]
            arrays.append([json.dumps(v) for v in values] if is_json else values)
            # %b: arrays go in binary, ten times cheaper to encode than text.
            unnest.append(f"%b::{db_type}[]")
            selected.append(f"u.c{len(unnest)}{cast}")
        else:
            value = constants[field.attname]
            scalars.append(json.dumps(value) if is_json else value)
            selected.append(f"%s::{db_type}{cast}")
    names = ", ".join(f"c{n}" for n in range(1, len(unnest) + 1))
    sql = (
        f"INSERT INTO {quote(Message._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM unnest({', '.join(unnest)}) AS u({names}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote('key')}"
    )
    with bound_cursor() as cursor:
        cursor.execute(sql, scalars + arrays)
        return {key for (key,) in cursor.fetchall()}


def statistics_refresh(written: int) -> None:
    """ANALYZE the outbox after a sweep wrote many rows (PostgreSQL).

    The next sweep's anti-joins against the outbox are planned from its
    statistics. Autovacuum refreshes them late or never (it can be off), and
    a planner that believes a campaign has no messages loops over them all:
    an abandoned-browse re-run took 70 s instead of 0.5 s. Sampling costs a
    fraction of a second, once per large sweep.
    """
    if connection.vendor != "postgresql" or written < ANALYZE_AFTER:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Message._meta.db_table)}")
