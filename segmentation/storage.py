"""Bulk SQL for a run's reads: one aggregate, and the stored scores to compare
with (the write back is segmentation.writeback).

Raw SQL on purpose: a million rows through model instances would cost more
than the whole run is allowed. Both PostgreSQL and SQLite are supported.

PostgreSQL (figures and the reasons: BENCHMARKS.md, "RFM scoring"):
- The aggregate walks the covering index on crm_order (customer, placed_at,
  total) in customer order and merges with the customers: no hash table over a
  million groups, whose cache misses made the usual hash plan 3x slower. It is
  read with COPY in binary, straight into numpy; a server-side cursor would also
  keep PostgreSQL from running it in parallel, should the planner want to.
- The stored scores are read back as three integers a row (customer,
  fingerprint, segment code), on a second connection while the database
  aggregates when the run holds its lock from the start.
SQLite runs the same queries, fetched in chunks.
"""

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
from django.conf import settings
from django.db import connection

from crm.slices import customer_ranges, in_slices
from segmentation import pgcopy

FETCH_CHUNK = 50_000
PG_WORK_MEM = "128MB"
LOCK_KEY = 7230001  # runs take turns (PostgreSQL advisory lock)
ESTIMATE_ABOVE = 100_000  # customers: below, a progress bar counts them
_AGGREGATE = """
SELECT c.id AS customer_id, COALESCE({last_us}, -1) AS last_us,
       COALESCE(a.frequency, 0) AS frequency, COALESCE({cents}, 0) AS cents
FROM crm_customer c
LEFT JOIN (
    SELECT customer_id, MAX(placed_at) AS last_at,
           COUNT(*) FILTER (WHERE placed_at >= %s) AS frequency,
           SUM({spend}) FILTER (WHERE placed_at >= %s) AS spend
    FROM crm_order WHERE placed_at <= %s{orders_in} GROUP BY customer_id
) a ON a.customer_id = c.id{customers_in}
"""
# A slice of the customers by id (crm.slices): [low, high).
_SLICE = {
    "orders_in": " AND customer_id >= %s AND customer_id < %s",
    "customers_in": " WHERE c.id >= %s AND c.id < %s",
}
# Spend is summed as it is stored (numeric on PostgreSQL, cheapest to add up)
# and turned into exact integer cents once per customer; SQLite keeps decimals
# as floating point, so each order is rounded to cents first.
_VENDOR_SQL = {
    "postgresql": {
        "last_us": "(EXTRACT(EPOCH FROM a.last_at) * 1000000)::bigint",
        "spend": "total",
        "cents": "(a.spend * 100)::bigint",
    },
    "sqlite": {
        "last_us": "CAST(strftime('%%s', a.last_at) AS INTEGER) * 1000000",
        "spend": "CAST(ROUND(total * 100) AS INTEGER)",
        "cents": "a.spend",
    },
}
_AGGREGATE_TYPES = ("int8", "int8", "int8", "int8")
_DAY_US = 86_400_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# The stored rows' fingerprints (a hash of every written value, computed in
# numpy) and their segment as a code: three integers a row. Reading the values
# themselves (numeric spend, the epoch of a timestamp, segment text) cost 2-3 s
# a million rows, more than a third of the aggregate.
_STORED = """SELECT customer_id, fingerprint,
    CAST(COALESCE(CASE segment {whens} END, {unknown}) AS smallint)
FROM segmentation_customerrfm"""
UNKNOWN = -2  # a stored segment that is not one of this version's


@dataclass(frozen=True)
class Aggregate:
    """Per customer, ordered by id: ids, the last order's time (microseconds
    since 1970, -1 if never) and the days from it to the run's as_of (-1),
    orders and spend inside the window (as money and as exact integer cents),
    and whether they ever ordered."""

    customer_ids: np.ndarray
    last_order_us: np.ndarray
    recency_days: np.ndarray
    frequency: np.ndarray
    monetary: np.ndarray
    cents: np.ndarray
    ever_ordered: np.ndarray


def customer_count() -> int:
    """How many customers there are, for a progress bar: PostgreSQL's estimate
    for a big table (a count reads a million rows), else a count."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = 'crm_customer'::regclass"
            )
            estimate = int(cursor.fetchone()[0])
            if estimate > ESTIMATE_ABOVE:
                return estimate
        cursor.execute("SELECT COUNT(*) FROM crm_customer")
        return int(cursor.fetchone()[0])


@contextlib.contextmanager
def run_lock(segments: list[str]) -> Iterator[Future | None]:
    """Hold the runs' lock for a whole run; yield the stored rows (`Stored`)
    being read meanwhile on a second connection, or None.

    On PostgreSQL outside a transaction, runs take turns from their start (a
    session advisory lock), so nothing else rewrites the scores until this run
    has written: the stored rows can be read while the database aggregates,
    on the other core. Elsewhere (SQLite, or inside a transaction, whose
    uncommitted rows a second connection could not see) the write reads them
    under its own lock.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rfm-previous")
    try:
        yield pool.submit(_stored_on_own_connection, segments)
    finally:
        pool.shutdown(wait=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _stored_on_own_connection(segments: list[str]) -> "Stored":
    try:
        return read_stored(segments)  # this thread's own connection
    finally:
        connection.close()


@dataclass(frozen=True)
class Stored:
    """The stored scores, ordered by customer id: each row's fingerprint and
    segment code (an index into the run's segments; UNKNOWN if not one)."""

    ids: np.ndarray
    prints: np.ndarray
    segments: np.ndarray


def read_stored(segments: list[str]) -> Stored:
    """The stored rows' customer ids, fingerprints and segment codes, sorted
    by id (the sort runs here, in the reading thread when there is one)."""
    whens = " ".join(f"WHEN %s THEN {code}" for code in range(len(segments)))
    sql = _STORED.format(whens=whens, unknown=UNKNOWN)
    if connection.vendor == "postgresql":
        ids, prints, codes = _copy_out(sql, list(segments), ("int8", "int8", "int2"))
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, list(segments))
            rows = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 3)
        ids, prints, codes = rows[:, 0], rows[:, 1], rows[:, 2]
    order = np.argsort(ids, kind="stable")
    return Stored(ids[order], prints[order], codes[order])


def aggregate_query(
    *, now: dt.datetime, start: dt.datetime, ids: tuple[int, int] | None = None
) -> tuple[str, list]:
    """The per-customer aggregate as (sql, params), for the customers whose id
    is in `ids` ([low, high)) if given; the benchmark times it bare, whole."""
    parts = _SLICE if ids else dict.fromkeys(_SLICE, "")
    sql = _AGGREGATE.format(**_VENDOR_SQL[connection.vendor], **parts)
    adapt = connection.ops.adapt_datetimefield_value
    return sql, [adapt(start), adapt(start), adapt(now), *(ids or ()), *(ids or ())]


def fetch_aggregate(
    *, now: dt.datetime, start: dt.datetime, advance: Callable[[int], None]
) -> Aggregate:
    """Run the GROUP BY customer aggregate and read it into numpy arrays.

    On PostgreSQL with at least RFM_SLICE_ABOVE customers it runs in
    RFM_CONNECTIONS slices of the customers at once (crm.slices), one
    connection each, all in one snapshot: PostgreSQL runs a COPY on one core.
    """
    if connection.vendor == "postgresql":
        ranges = None
        if not connection.in_atomic_block:  # slices see committed rows only
            ranges = customer_ranges(settings.RFM_CONNECTIONS, settings.RFM_SLICE_ABOVE)
        if ranges:
            sliced = in_slices(partial(_aggregate_copy, now, start), ranges)
            ids, last, frequency, cents = (np.concatenate(c) for c in zip(*sliced))
        else:
            ids, last, frequency, cents = _aggregate_copy(now, start)
        advance(ids.shape[0])
    else:
        sql, params = aggregate_query(now=now, start=start)
        ids, last, frequency, cents = _fetch(sql, params, 4, advance)
    if (ids[1:] < ids[:-1]).any():  # the merge join gives them in order
        order = np.argsort(ids, kind="stable")
        ids, last = ids[order], last[order]
        frequency, cents = frequency[order], cents[order]
    ever = last >= 0
    return Aggregate(
        customer_ids=ids,
        last_order_us=last,
        recency_days=np.where(ever, (_as_of_us(now) - last) // _DAY_US, -1),
        frequency=frequency,
        monetary=cents / 100,
        cents=cents,
        ever_ordered=ever,
    )


def _aggregate_copy(
    now: dt.datetime, start: dt.datetime, *ids: int
) -> list[np.ndarray]:
    """PostgreSQL: the aggregate's columns, of every customer or of [low, high)."""
    with aggregate_session():
        sql, params = aggregate_query(now=now, start=start, ids=ids or None)
        return _copy_out(sql, params, _AGGREGATE_TYPES)


def _as_of_us(now: dt.datetime) -> int:
    """`now` in the aggregate's unit: microseconds since 1970 (whole seconds on
    SQLite, whose strftime('%s') truncates the orders' times too)."""
    us = (now - _EPOCH) // dt.timedelta(microseconds=1)
    return us if connection.vendor == "postgresql" else us // 1_000_000 * 1_000_000


def _copy_out(sql: str, params: list, types: tuple[str, ...]) -> list[np.ndarray]:
    with connection.cursor() as cursor:
        statement = f"COPY ({sql}) TO STDOUT (FORMAT binary)"
        with cursor.cursor.copy(statement, params) as copy:
            data = pgcopy.read_all(copy)
    return pgcopy.decode(data, types)


def _fetch(
    sql: str, params: list, width: int, advance: Callable[[int], None]
) -> list[np.ndarray]:
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_CHUNK):
            chunks.append(np.array(rows, dtype=np.int64))
            advance(len(rows))
    empty = np.zeros((0, width), dtype=np.int64)
    table = np.concatenate(chunks) if chunks else empty
    return [table[:, i] for i in range(width)]


@contextlib.contextmanager
def aggregate_session():
    """On PostgreSQL, walk the covering index rather than hash a million groups
    (the planner prices the hash lower than it runs), with room to sort or hash
    what remains in memory and no JIT (its compile time costs more than it saves)."""
    if connection.vendor != "postgresql":
        yield
        return
    settings = {"work_mem": PG_WORK_MEM, "jit": "off", "enable_hashagg": "off"}
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(f"SET {name} = %s", [value])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name in settings:
                cursor.execute(f"RESET {name}")
