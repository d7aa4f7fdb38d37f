"""Bulk SQL for a run: one aggregate streamed out, one staged write back.

Raw SQL on purpose: a million rows through model instances would cost more
than the whole run is allowed. Both PostgreSQL and SQLite are supported; the
few vendor differences are in the aggregate's date arithmetic and in how the
stage table is filled (COPY on PostgreSQL, executemany on SQLite).
"""

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import connection

FETCH_CHUNK = 50_000
PG_WORK_MEM = "128MB"
WRITE_CHUNK = 50_000
STAGE = "segmentation_rfm_stage"
STAGE_COLUMNS = (
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "segment",
    "cluster",
)

# Spend is summed in integer cents: exact, and far cheaper for PostgreSQL to
# accumulate over a million groups than numeric.
_AGGREGATE = """
SELECT c.id AS customer_id, {age_seconds} AS age_seconds,
       COALESCE(a.frequency, 0) AS frequency, COALESCE(a.cents, 0){real} AS cents,
       CASE WHEN a.last_at IS NULL THEN 0 ELSE 1 END AS ever_ordered
FROM crm_customer c
LEFT JOIN (
    SELECT customer_id, MAX(placed_at) AS last_at,
           COUNT(*) FILTER (WHERE placed_at >= %s) AS frequency,
           SUM({cents}) FILTER (WHERE placed_at >= %s) AS cents
    FROM crm_order WHERE placed_at <= %s GROUP BY customer_id
) a ON a.customer_id = c.id
"""
_AGE_SECONDS = {
    "postgresql": "FLOOR(EXTRACT(EPOCH FROM (%s::timestamptz - a.last_at)))::float8",
    "sqlite": "CAST(strftime('%%s', %s) AS INTEGER) - CAST(strftime('%%s', a.last_at) AS INTEGER)",
}
_CENTS = {
    "postgresql": "(total * 100)::bigint",
    "sqlite": "CAST(ROUND(total * 100) AS INTEGER)",
}


@dataclass(frozen=True)
class Aggregate:
    """Per customer, ordered by id: ids, days since the last order (-1 if never),
    orders and spend inside the window, and whether they ever ordered."""

    customer_ids: np.ndarray
    recency_days: np.ndarray
    frequency: np.ndarray
    monetary: np.ndarray
    ever_ordered: np.ndarray


def customer_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM crm_customer")
        return int(cursor.fetchone()[0])


def aggregate_query(*, now: dt.datetime, start: dt.datetime) -> tuple[str, list]:
    """The per-customer aggregate as (sql, params); the benchmark times it bare."""
    vendor = connection.vendor
    # float8 on PostgreSQL: psycopg would otherwise build a Decimal per row.
    real = "::float8" if vendor == "postgresql" else ""
    sql = _AGGREGATE.format(age_seconds=_AGE_SECONDS[vendor], cents=_CENTS[vendor], real=real)
    adapt = connection.ops.adapt_datetimefield_value
    return sql, [adapt(now), adapt(start), adapt(start), adapt(now)]


def fetch_aggregate(
    *, now: dt.datetime, start: dt.datetime, advance: Callable[[int], None]
) -> Aggregate:
    """Run the GROUP BY customer aggregate and stream it into numpy arrays."""
    sql, params = aggregate_query(now=now, start=start)
    chunks = []
    with aggregate_session():
        # A server-side cursor on PostgreSQL: memory stays one chunk of tuples.
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(FETCH_CHUNK):
                chunks.append(np.array(rows, dtype=np.float64))
                advance(len(rows))
    table = np.concatenate(chunks) if chunks else np.zeros((0, 5))
    table = table[np.argsort(table[:, 0], kind="stable")]
    ever = table[:, 4] > 0
    seconds = np.where(ever, np.nan_to_num(table[:, 1]), -86400)
    return Aggregate(
        customer_ids=table[:, 0].astype(np.int64),
        recency_days=np.maximum(seconds // 86400, -1).astype(np.int64),
        frequency=table[:, 2].astype(np.int64),
        monetary=table[:, 3] / 100,
        ever_ordered=ever,
    )


@contextlib.contextmanager
def aggregate_session():
    """On PostgreSQL, plan the aggregate for reading everything: room to hash
    a million customers in memory (the default 4MB work_mem spills to disk),
    no JIT (its compile time costs more than it saves here)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = %s", [PG_WORK_MEM])
        cursor.execute("SET jit = off")
        # A cursor is planned for its first 10% of rows by default, which picks
        # an index walk over every order; we read all rows.
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")
            cursor.execute("RESET jit")
            cursor.execute("RESET cursor_tuple_fraction")


@dataclass(frozen=True)
class WriteResult:
    transitions: int
    written: int


def write_results(
    columns: dict[str, np.ndarray],
    nulls: dict[str, np.ndarray],
    *,
    run_id: int,
    scored_at: dt.datetime,
) -> WriteResult:
    """Stage the rows, record segment changes, upsert the current scores.

    `columns` holds one array per stage column; `nulls` a boolean mask per
    nullable column (True = NULL). Call inside a transaction. Only rows whose
    segment differs from the stored one (or that have none yet) produce a
    transition, so an unchanged re-run records nothing new.
    """
    with connection.cursor() as cursor:
        _lock(cursor)
        _create_stage(cursor)
        _fill_stage(cursor, columns, nulls)
        when = connection.ops.adapt_datetimefield_value(scored_at)
        cursor.execute(_INSERT_TRANSITIONS, [when, run_id])
        transitions = cursor.rowcount
        cursor.execute(_UPSERT, [run_id, when])
        written = cursor.rowcount
        cursor.execute(f"DROP TABLE {STAGE}")
    return WriteResult(transitions=transitions, written=written)


def _row_chunks(columns: dict[str, np.ndarray], nulls: dict[str, np.ndarray]):
    """Yield rows a chunk at a time, so only one chunk exists as Python objects."""
    n = columns["customer_id"].shape[0]
    for start in range(0, n, WRITE_CHUNK):
        part = slice(start, start + WRITE_CHUNK)
        lists = []
        for name in STAGE_COLUMNS:
            values = columns[name][part].tolist()
            if name in nulls:
                for i in np.flatnonzero(nulls[name][part]).tolist():
                    values[i] = None
            lists.append(values)
        yield list(zip(*lists))


def _lock(cursor) -> None:
    # Two runs at once must take turns, or both would record the same change.
    # SQLite's IMMEDIATE transactions already serialise writers.
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(7230001)")


def _create_stage(cursor) -> None:
    temp = "TEMPORARY" if connection.vendor == "postgresql" else "TEMP"
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"CREATE {temp} TABLE {STAGE} (customer_id bigint PRIMARY KEY, "
        "recency_days integer, frequency integer NOT NULL, "
        "monetary numeric(14, 2) NOT NULL, r_score smallint, f_score smallint, "
        "m_score smallint, segment varchar(24) NOT NULL, cluster smallint)"
    )


def _fill_stage(cursor, columns, nulls) -> None:
    names = ", ".join(STAGE_COLUMNS)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {STAGE} ({names}) FROM STDIN") as copy:
            for rows in _row_chunks(columns, nulls):
                for row in rows:
                    copy.write_row(row)
        cursor.execute(f"ANALYZE {STAGE}")
        return
    marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
    for rows in _row_chunks(columns, nulls):
        cursor.executemany(f"INSERT INTO {STAGE} ({names}) VALUES ({marks})", rows)


_INSERT_TRANSITIONS = f"""
INSERT INTO segmentation_segmenttransition
    (customer_id, from_segment, to_segment, changed_at, run_id)
SELECT s.customer_id, r.segment, s.segment, %s, %s
FROM {STAGE} s
JOIN crm_customer c ON c.id = s.customer_id
LEFT JOIN segmentation_customerrfm r ON r.customer_id = s.customer_id
WHERE r.segment IS NULL OR r.segment <> s.segment
"""

_UPDATED = [c for c in STAGE_COLUMNS if c != "customer_id"] + ["run_id", "scored_at"]
_UPSERT = f"""
INSERT INTO segmentation_customerrfm ({", ".join(STAGE_COLUMNS)}, run_id, scored_at)
SELECT s.{", s.".join(STAGE_COLUMNS)}, %s, %s
FROM {STAGE} s JOIN crm_customer c ON c.id = s.customer_id
WHERE 1 = 1
ON CONFLICT (customer_id) DO UPDATE SET
{", ".join(f"{c} = excluded.{c}" for c in _UPDATED)}
"""
