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

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from care.models import Campaign
from care.outbox.setwise import Planned, plan_insert, planning_lock
from care.outbox.source import Source, postgres
from crm.slices import customer_ranges, in_threads


def plan_sliced(campaign: Campaign, source: Source) -> Planned | None:
    """Plan the source on PLAN_CONNECTIONS connections; None if it is not worth it."""
    if not source.wide or not source.rows or not postgres():
        return None
    if connection.in_atomic_block:
        # The caller's transaction may hold writes the other connections
        # cannot see (the campaign itself): one statement, in it.
        return None
    ranges = customer_ranges(settings.PLAN_CONNECTIONS, settings.PLAN_SLICE_ABOVE)
    if ranges is None:
        return None

    def plan_slice(low: int, high: int) -> Planned:
        part = dataclasses.replace(
            source,
            customers=source.customers & Q(pk__gte=low, pk__lt=high),
            ids=(low, high),
        )
        return plan_insert(campaign, part, locked=True)

    with transaction.atomic(), connection.cursor() as cursor:
        planning_lock(cursor, campaign)  # held until every slice is in
        done = in_threads(plan_slice, ranges)
    total = Planned()
    for result in done:
        total.counts.update(result.counts)
        total.already += result.already
    return total
