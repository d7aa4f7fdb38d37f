"""Helpers for reading and writing many outbox rows at once.

Planning itself is set-wise (care.outbox.setwise); what is here reads large
id lists with server-side binding on PostgreSQL (`among`, `rows_fetch`:
Django binds parameters on the client, quoting each of tens of thousands of
values into the SQL text in Python), builds unsaved rows for a dry run, and
refreshes the outbox's statistics after a large sweep.
"""

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from care.models import Campaign, Message

# Rows written by one sweep from which the outbox's statistics are refreshed.
ANALYZE_AFTER = 5000


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
