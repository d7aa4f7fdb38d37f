"""Work over every customer cut into id ranges, one connection per range (PostgreSQL).

A statement over a million customers keeps one core busy: PostgreSQL runs
neither a COPY nor an INSERT ... SELECT in parallel. Cut by customer id, the
same statement runs once per range on its own connection, in threads, so
every core works. Used by the RFM run's aggregate (segmentation.storage) and
by planning a whole audience (care.outbox.slices).

`in_slices` reads: every range sees one snapshot, exported by the caller's
connection, so the slices together read what one statement would have.
"""

import itertools
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection, transaction

from crm.models import Customer

T = TypeVar("T")
_SNAPSHOT = re.compile(r"^[0-9A-F]+-[0-9A-F]+-[0-9]+$")


def customer_ranges(count: int, above: int) -> list[tuple[int, int]] | None:
    """`count` customer-id ranges [low, high) of equal width covering every
    customer; None with fewer than two, or fewer than `above` customers
    (PostgreSQL's estimate, which costs nothing to read)."""
    if count < 2 or connection.vendor != "postgresql":
        return None
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


def in_threads(work: Callable[[int, int], T], ranges: list[tuple[int, int]]) -> list[T]:
    """`work(low, high)` for each range, each in a thread with its own
    connection (closed after); the results in the ranges' order. Every range
    runs to its end; then the first error, if any, is raised."""

    def one(low: int, high: int) -> T:
        try:
            return work(low, high)
        finally:
            connection.close()

    with ThreadPoolExecutor(len(ranges), thread_name_prefix="slice") as pool:
        futures = [pool.submit(one, low, high) for low, high in ranges]
        errors = [error for f in futures if (error := f.exception()) is not None]
    if errors:
        raise errors[0]
    return [future.result() for future in futures]


def in_slices(
    read: Callable[[int, int], T], ranges: list[tuple[int, int]]
) -> list[T]:
    """`read(low, high)` per range on its own connection, all in one snapshot.

    This connection opens a repeatable-read transaction and exports its
    snapshot; each slice's transaction imports it before its first query.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        if not _SNAPSHOT.match(snapshot):
            raise ValueError(f"unexpected snapshot id {snapshot!r}")

        def sliced(low: int, high: int) -> T:
            with transaction.atomic(), connection.cursor() as own:
                own.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                own.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                return read(low, high)

        return in_threads(sliced, ranges)
