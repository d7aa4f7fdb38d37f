"""Admin lists over big tables: page through them without counting every row.

A changelist counts its rows for the paginator. At a million rows an exact
COUNT(*) costs more than the page itself, and a filter built on a subquery
(the latest consent) costs it once per row. So:
- the unfiltered list of a big table shows PostgreSQL's own estimate of its
  size (pg_class.reltuples, kept by ANALYZE), marked "≈"; SQLite counts;
- a filtered or searched list counts at most COUNT_CAP + 1 rows and shows
  "10000+" beyond, so pages stay reachable and the count stays cheap.
"""

from functools import cached_property

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections

# Below this many rows an exact count is cheap: no estimate.
ESTIMATE_ABOVE = 100_000
COUNT_CAP = 10_000


class BigTablePaginator(Paginator):
    """A paginator whose count is estimated (unfiltered) or capped (filtered)."""

    estimated = False
    capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            estimate = _estimate(queryset)
            if estimate is not None and estimate > ESTIMATE_ABOVE:
                self.estimated = True
                return estimate
        counted = queryset.order_by()[: COUNT_CAP + 1].count()
        if counted > COUNT_CAP:
            self.capped = True
            return COUNT_CAP
        return counted


def _estimate(queryset) -> int | None:
    """The planner's row count for the table (PostgreSQL), None if unknown."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    # -1: never analyzed (PostgreSQL 14+).
    return int(row[0]) if row and row[0] >= 0 else None


class BigListAdmin(admin.ModelAdmin):
    """A ModelAdmin for a table of millions: estimated or capped counts, no
    full count beside a search, no facet counts (each would scan the table)."""

    paginator = BigTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
