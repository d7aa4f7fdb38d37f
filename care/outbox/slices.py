"""A whole audience planned on several connections at once (PostgreSQL).

Planning a dated campaign to a million customers is one statement that keeps
one core busy: the join, the consents, the insert into the outbox's indexes
and, at commit, the foreign-key checks of every row. Cut into slices by
customer id, the same statement runs once per slice on its own connection and
transaction (`PLAN_CONNECTIONS`, default 2), so every core works.

What stays true:
- once only: a slice writes the keys of its own customers; the unique keys
  still decide, and the SELECT leaves out what the outbox already has;
- two sweeps of the campaign take turns: this connection holds the campaign's
  planning lock (care.outbox.setwise.planning_lock) until every slice has
  committed, so the next sweep's slices see their rows;
- a crash leaves whole slices: each commits or rolls back by itself, and the
  next sweep plans the slices that are missing (the keys make it harmless).

Below `PLAN_SLICE_ABOVE` customers (the table's estimate) a single statement
is cheaper than the extra connections; inside a caller's transaction, or on
SQLite (one writer), planning stays one statement too.
"""

import dataclasses
import itertools
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from care.models import Campaign
from care.outbox.setwise import Planned, plan_insert, planning_lock
from care.outbox.source import Source, postgres
from crm.models import Customer


def plan_sliced(campaign: Campaign, source: Source) -> Planned | None:
    """Plan the source on PLAN_CONNECTIONS connections; None if it is not worth it."""
    count = settings.PLAN_CONNECTIONS
    if count < 2 or not source.wide or not source.rows or not postgres():
        return None
    if connection.in_atomic_block:
        # The caller's transaction may hold writes the other connections
        # cannot see (the campaign itself): one statement, in it.
        return None
    bounds = _bounds(count, settings.PLAN_SLICE_ABOVE)
    if bounds is None:
        return None
    slices = [
        dataclasses.replace(
            source,
            customers=source.customers & Q(pk__gte=low, pk__lt=high),
            ids=(low, high),
        )
        for low, high in bounds
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        planning_lock(cursor, campaign)  # held until every slice is in
        with ThreadPoolExecutor(len(slices), thread_name_prefix="plan") as pool:
            futures = [pool.submit(_plan_slice, campaign, part) for part in slices]
            done = [future.exception() or future.result() for future in futures]
    errors = [result for result in done if isinstance(result, BaseException)]
    if errors:
        raise errors[0]
    total = Planned()
    for result in done:
        total.counts.update(result.counts)
        total.already += result.already
    return total


def _plan_slice(campaign: Campaign, source: Source) -> Planned:
    """One slice, in this thread's own connection and transaction."""
    try:
        return plan_insert(campaign, source, locked=True)
    finally:
        connection.close()


def _bounds(count: int, above: int) -> list[tuple[int, int]] | None:
    """`count` customer-id ranges of equal width; None below `above` customers."""
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT min(id), max(id), "
            f"(SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass) "
            f"FROM {table}"
        )
        low, high, estimate = cursor.fetchone()
    if low is None or (above > 0 and (estimate or 0) < above):
        return None
    width = -(-(high + 1 - low) // count)
    edges = [low + n * width for n in range(count)] + [high + 1]
    return [(a, b) for a, b in itertools.pairwise(edges) if a < b]
