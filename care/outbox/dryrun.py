"""The rows planning would write now, read and not written: the dry run and the
forecast (care.studio.forecast) read the planning statement's SELECT
(care.outbox.setwise.plan_select), so they and the plan cannot disagree."""

import datetime as dt
import json
from collections import Counter

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from care.models import Campaign
from care.outbox.setwise import plan_select
from care.outbox.source import Source


def plan_rows(
    campaign: Campaign, source: Source, limit: int | None = None
) -> list[dict]:
    """The rows planning would write now (the dry run, the forecast): nothing is written.

    `limit`: at most this many (any of them).
    """
    if not source.rows or limit == 0:
        return []
    select, params = plan_select(campaign, source)
    if limit is not None:
        # Not a plain LIMIT: told that only a few rows are wanted, PostgreSQL
        # chose a nested loop that read a whole audience's consents once per
        # row (168 s for 1,000 rows at 1M customers); a limit it cannot read
        # while planning keeps the plan of the whole (2.6 s).
        select, params = f"{select} LIMIT (SELECT %s)", [*params, limit]
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        names = [column[0] for column in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in found:
        row_from_db(row)
    return found


def row_from_db(row: dict) -> dict:
    """Types of a raw row as the ORM would give them (SQLite returns text)."""
    for name in ("send_after", "expires_at"):
        value = row.get(name)
        if isinstance(value, str):
            value = parse_datetime(value)
            row[name] = (
                timezone.make_aware(value, dt.UTC)
                if timezone.is_naive(value)
                else value
            )
    if isinstance(row.get("occasion"), str):
        row["occasion"] = json.loads(row["occasion"])
    row.pop("time_zone", None)
    return row


def plan_counts(campaign: Campaign, source: Source) -> Counter:
    """How many rows planning would write now, by (channel, status, reason).

    Counted by the database: a dry run of a whole audience brings back its
    counts and a few rows to show, not a million rows (issue 16).
    """
    if not source.rows:
        return Counter()
    select, params = plan_select(campaign, source)
    counted = (
        f"SELECT t.channel, t.status, t.reason, COUNT(*) FROM ({select}) t "
        "GROUP BY t.channel, t.status, t.reason"
    )
    with connection.cursor() as cursor:
        cursor.execute(counted, params)
        return Counter({(ch, st, re): n for ch, st, re, n in cursor.fetchall()})
