"""Bulk SQL for a run: one aggregate read out, one staged write back.

Raw SQL on purpose: a million rows through model instances would cost more
than the whole run is allowed. Both PostgreSQL and SQLite are supported.

PostgreSQL (figures and the reasons: BENCHMARKS.md, "RFM scoring"):
- The aggregate walks the covering index on crm_order (customer, placed_at,
  total) in customer order and merges with the customers: no hash table over a
  million groups, whose cache misses made the usual hash plan 3x slower. It is
  read with COPY in binary, straight into numpy; a server-side cursor would also
  keep PostgreSQL from running it in parallel, should the planner want to.
- The write reads the stored scores back (under the run's lock) and keeps
  only the rows that change: a new order, an order leaving the window, a new
  score, segment or cluster. Rows keep the time of the last order, not the
  days since it, so an unchanged customer's row stays as it is. The changed
  rows are copied in binary into a temporary stage; one INSERT ... SELECT
  records segment changes, one UPDATE ... FROM rewrites the scores, then rows
  for new customers are inserted.
SQLite runs the same statements, filling the stage with executemany.
"""

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.db import connection

from segmentation import pgcopy

FETCH_CHUNK = 50_000
WRITE_CHUNK = 50_000
# Changed rows above which the write merges the stage with the scores.
MERGE_ABOVE = 100_000
PG_WORK_MEM = "128MB"
STAGE = "segmentation_rfm_stage"
NEWCOMERS = "segmentation_rfm_newcomers"
LOCK_KEY = 7230001  # runs take turns (PostgreSQL advisory lock)
ESTIMATE_ABOVE = 100_000  # customers: below, a progress bar counts them
# Stage columns and their types. NULLs travel as sentinels (-1 for the last
# order and cluster, 0 for scores) so every binary row has the same size.
# last_us: the last order's time in microseconds since 1970 (seconds on SQLite).
STAGE_COLUMNS = {
    "customer_id": "int8",
    "last_us": "int8",
    "frequency": "int4",
    "cents": "int8",
    "r_score": "int2",
    "f_score": "int2",
    "m_score": "int2",
    "segment": "int2",
    "cluster": "int2",
    "fingerprint": "int8",
}
_SENTINELS = {
    "last_us": -1,
    "r_score": 0,
    "f_score": 0,
    "m_score": 0,
    "cluster": -1,
}

_AGGREGATE = """
SELECT c.id AS customer_id, COALESCE({last_us}, -1) AS last_us,
       COALESCE(a.frequency, 0) AS frequency, COALESCE({cents}, 0) AS cents
FROM crm_customer c
LEFT JOIN (
    SELECT customer_id, MAX(placed_at) AS last_at,
           COUNT(*) FILTER (WHERE placed_at >= %s) AS frequency,
           SUM({spend}) FILTER (WHERE placed_at >= %s) AS spend
    FROM crm_order WHERE placed_at <= %s GROUP BY customer_id
) a ON a.customer_id = c.id
"""
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
# numpy): two integers a row. Reading the values themselves (numeric spend,
# the epoch of a timestamp, segment text) cost 2-3 s a million rows, more
# than a third of the aggregate.
_PREVIOUS = "SELECT customer_id, fingerprint FROM segmentation_customerrfm"
# The stage's value of last_order_at.
_LAST_ORDER_AT = {
    "postgresql": "timestamptz 'epoch' + s.last_us * interval '1 microsecond'",
    "sqlite": "datetime(s.last_us / 1000000, 'unixepoch')",
}


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
def run_lock() -> Iterator[Future | None]:
    """Hold the runs' lock for a whole run; yield the stored fingerprints being
    read meanwhile on a second connection, or None.

    On PostgreSQL outside a transaction, runs take turns from their start (a
    session advisory lock), so nothing else rewrites the scores until this run
    has written: the fingerprints can be read while the database aggregates,
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
        yield pool.submit(_previous_on_own_connection)
    finally:
        pool.shutdown(wait=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _previous_on_own_connection() -> tuple[np.ndarray, np.ndarray]:
    try:
        with connection.cursor() as cursor:  # this thread's own connection
            return _previous(cursor)
    finally:
        connection.close()


def aggregate_query(*, now: dt.datetime, start: dt.datetime) -> tuple[str, list]:
    """The per-customer aggregate as (sql, params); the benchmark times it bare."""
    sql = _AGGREGATE.format(**_VENDOR_SQL[connection.vendor])
    adapt = connection.ops.adapt_datetimefield_value
    return sql, [adapt(start), adapt(start), adapt(now)]


def fetch_aggregate(
    *, now: dt.datetime, start: dt.datetime, advance: Callable[[int], None]
) -> Aggregate:
    """Run the GROUP BY customer aggregate and read it into numpy arrays."""
    sql, params = aggregate_query(now=now, start=start)
    with aggregate_session():
        if connection.vendor == "postgresql":
            ids, last, frequency, cents = _copy_out(sql, params, _AGGREGATE_TYPES)
            advance(ids.shape[0])
        else:
            ids, last, frequency, cents = _fetch(sql, params, 4, advance)
    order = np.argsort(ids, kind="stable")
    last = last[order]
    ever = last >= 0
    return Aggregate(
        customer_ids=ids[order],
        last_order_us=last,
        recency_days=np.where(ever, (_as_of_us(now) - last) // _DAY_US, -1),
        frequency=frequency[order],
        monetary=cents[order] / 100,
        cents=cents[order],
        ever_ordered=ever,
    )


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


@dataclass(frozen=True)
class WriteResult:
    transitions: int
    written: int  # rows that changed: updated or inserted


def write_results(
    columns: dict[str, np.ndarray],
    nulls: dict[str, np.ndarray],
    *,
    segments: list[str],
    run_id: int,
    scored_at: dt.datetime,
    previous: Future | None = None,
) -> WriteResult:
    """Stage the rows, record segment changes, rewrite the current scores.

    `columns` holds one integer array per stage column (`segment` as an index
    into `segments`, `cents` as integer cents); `nulls` a boolean mask per
    nullable column (True = NULL). Call inside a transaction. Only rows that
    differ from the stored ones are written (with this run and `scored_at`);
    only rows whose segment differs from the stored one (or that have none
    yet) produce a transition, so an unchanged re-run writes nothing.
    `previous`: the stored fingerprints, read meanwhile under `run_lock`.
    """
    staged = {
        name: _with_sentinel(name, columns[name], nulls)
        for name in STAGE_COLUMNS
        if name != "fingerprint"
    }
    staged["fingerprint"] = fingerprint(staged)
    when = connection.ops.adapt_datetimefield_value(scored_at)
    sql = _statements(segments, run_id, when)
    with connection.cursor() as cursor:
        _lock(cursor)
        previous = previous.result() if previous is not None else _previous(cursor)
        changed = _changed(staged, previous)
        staged = {name: values[changed] for name, values in staged.items()}
        if not staged["customer_id"].shape[0]:
            return WriteResult(transitions=0, written=0)
        _write_session(cursor, rows=staged["customer_id"].shape[0])
        _create_stage(cursor)
        _fill_stage(cursor, staged)
        cursor.execute(*sql["moves"])
        transitions = cursor.rowcount
        cursor.execute(*sql["update"])
        updated, inserted = cursor.rowcount, 0
        if updated < staged["customer_id"].shape[0]:
            # Customers without scores yet: everyone at the first run, the
            # newcomers (if any) on a normal night.
            cursor.execute(*sql["newcomers"])
            cursor.execute(*sql["first_labels"])
            transitions += cursor.rowcount
            cursor.execute(*sql["insert"])
            inserted = cursor.rowcount
            cursor.execute(f"DROP TABLE {NEWCOMERS}")
            _analyze_if_grown(cursor, inserted, previous[0].shape[0])
        cursor.execute(f"DROP TABLE {STAGE}")
    return WriteResult(transitions=transitions, written=updated + inserted)


def fingerprint(staged: dict[str, np.ndarray]) -> np.ndarray:
    """A 64-bit hash of each row's written values (splitmix64 steps over the
    columns), stored with the row: equal values, equal fingerprints."""
    h = np.full(staged["customer_id"].shape[0], 0x9E3779B97F4A7C15, dtype=np.uint64)
    for name in STAGE_COLUMNS:
        if name in ("customer_id", "fingerprint"):
            continue
        h ^= staged[name].astype(np.int64).view(np.uint64)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(29)
    return h.view(np.int64)


def _previous(cursor) -> tuple[np.ndarray, np.ndarray]:
    """The stored rows' customer ids and fingerprints (unordered)."""
    if connection.vendor == "postgresql":
        ids, prints = _copy_out(_PREVIOUS, [], ("int8", "int8"))
        return ids, prints
    cursor.execute(_PREVIOUS)
    rows = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    return rows[:, 0], rows[:, 1]


def _changed(staged: dict[str, np.ndarray], previous) -> np.ndarray:
    """Which staged rows are new or differ from their stored row."""
    stored_ids, stored_prints = previous
    ids = staged["customer_id"]
    if not stored_ids.shape[0]:
        return np.ones(ids.shape[0], dtype=bool)
    order = np.argsort(stored_ids, kind="stable")
    stored_ids, stored_prints = stored_ids[order], stored_prints[order]
    at = np.minimum(np.searchsorted(stored_ids, ids), stored_ids.shape[0] - 1)
    found = stored_ids[at] == ids
    return ~found | (stored_prints[at] != staged["fingerprint"])


def _analyze_if_grown(cursor, inserted: int, before: int) -> None:
    """Refresh the planner's view of a table that grew a lot (say, from empty).

    Autovacuum would, later (or never, where it is off); meanwhile the next run
    would plan its joins for the empty table the first run started from, and a
    nested loop over a million rows does not end.
    """
    if connection.vendor == "postgresql" and inserted > max(1_000, before // 10):
        cursor.execute("ANALYZE segmentation_customerrfm")


def _with_sentinel(name: str, values: np.ndarray, nulls: dict[str, np.ndarray]):
    if name not in nulls:
        return values
    return np.where(nulls[name], _SENTINELS[name], values)


def _write_session(cursor, *, rows: int) -> None:
    """On PostgreSQL, no JIT, and no hash join of the stage with the scores
    (the planner's choice either way): when many rows changed (the first
    run), merge their primary keys (both in customer order) rather than hash
    a million rows and probe at random; when few did (a nightly run), probe
    the scores' primary key for each (13,000 rows: 0.05 s against 0.4 s for
    a hash join, which reads every score)."""
    if connection.vendor != "postgresql":
        return
    cursor.execute("SET LOCAL work_mem = %s", [PG_WORK_MEM])
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL enable_hashjoin = off")
    if rows <= MERGE_ABOVE:
        cursor.execute("SET LOCAL enable_mergejoin = off")


def _lock(cursor) -> None:
    # Two runs at once must take turns, or both would record the same change.
    # SQLite's IMMEDIATE transactions already serialise writers.
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _create_stage(cursor) -> None:
    temp = "TEMPORARY" if connection.vendor == "postgresql" else "TEMP"
    types = {"int2": "smallint", "int4": "integer", "int8": "bigint"}
    definition = ", ".join(
        f"{name} {types[kind]} NOT NULL" for name, kind in STAGE_COLUMNS.items()
    )
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(f"CREATE {temp} TABLE {STAGE} ({definition})")


def _fill_stage(cursor, staged: dict[str, np.ndarray]) -> None:
    names = ", ".join(STAGE_COLUMNS)
    values = list(staged.values())
    if connection.vendor == "postgresql":
        statement = f"COPY {STAGE} ({names}) FROM STDIN (FORMAT binary)"
        with cursor.cursor.copy(statement) as copy:
            for data in pgcopy.encode(values, list(STAGE_COLUMNS.values())):
                copy.write(data)
        # Keyed after the load (cheaper than during it), for the merge joins.
        # Not analyzed: the planner sizes it from its pages, and the key
        # tells it the rest.
        cursor.execute(f"ALTER TABLE {STAGE} ADD PRIMARY KEY (customer_id)")
        return
    marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
    for start in range(0, values[0].shape[0], WRITE_CHUNK):
        rows = zip(*(v[start : start + WRITE_CHUNK].tolist() for v in values))
        cursor.executemany(f"INSERT INTO {STAGE} ({names}) VALUES ({marks})", rows)
    cursor.execute(f"CREATE UNIQUE INDEX {STAGE}_key ON {STAGE} (customer_id)")


def _slug(segments: list[str]) -> tuple[str, list[str]]:
    """SQL for the slug of the stage's segment code, and its parameters."""
    whens = " ".join(f"WHEN {code} THEN %s" for code in range(len(segments)))
    return f"(CASE s.segment {whens} END)", list(segments)


def _values(slug: str) -> dict[str, str]:
    """Each written column of segmentation_customerrfm and its value from the stage."""
    return {
        "last_order_at": f"CASE WHEN s.last_us < 0 THEN NULL "
        f"ELSE {_LAST_ORDER_AT[connection.vendor]} END",
        "frequency": "s.frequency",
        "monetary": "s.cents / 100.0",
        "r_score": "NULLIF(s.r_score, 0)",
        "f_score": "NULLIF(s.f_score, 0)",
        "m_score": "NULLIF(s.m_score, 0)",
        "segment": slug,  # the slugs are the parameters before run_id
        "cluster": "NULLIF(s.cluster, -1)",
        "fingerprint": "s.fingerprint",
        "run_id": "%s",
        "scored_at": "%s",
    }


def _statements(segments: list[str], run_id: int, when) -> dict[str, tuple]:
    """(sql, params) of the write: record the moves of customers who had a
    segment, rewrite their scores; then find those who had none, record their
    first label and insert their scores.

    A customer with scores exists (deleting one deletes its scores); a
    newcomer is joined with crm_customer, in case it was deleted meanwhile.
    """
    slug, slugs = _slug(segments)
    values = _values(slug)
    label = f"""
        INSERT INTO segmentation_segmenttransition
            (customer_id, from_segment, to_segment, changed_at, run_id)
        SELECT s.customer_id, {{old}}, {slug}, %s, %s"""
    moves = f"""{label.format(old="r.segment")}
        FROM {STAGE} s JOIN segmentation_customerrfm r ON r.customer_id = s.customer_id
        WHERE r.segment <> {slug}"""
    assignments = ", ".join(f"{column} = {value}" for column, value in values.items())
    update = f"""
        UPDATE segmentation_customerrfm AS r SET {assignments}
        FROM {STAGE} s WHERE r.customer_id = s.customer_id"""
    newcomers = f"""
        CREATE TEMP TABLE {NEWCOMERS} AS SELECT s.* FROM {STAGE} s
        JOIN crm_customer c ON c.id = s.customer_id
        WHERE NOT EXISTS (
            SELECT 1 FROM segmentation_customerrfm r WHERE r.customer_id = s.customer_id
        )"""
    first_labels = f"{label.format(old='NULL')} FROM {NEWCOMERS} s"
    insert = f"""
        INSERT INTO segmentation_customerrfm (customer_id, {", ".join(values)})
        SELECT s.customer_id, {", ".join(values.values())} FROM {NEWCOMERS} s"""
    written = [*slugs, run_id, when]
    return {
        "moves": (moves, [*slugs, when, run_id, *slugs]),
        "update": (update, written),
        "newcomers": (newcomers, []),
        "first_labels": (first_labels, [*slugs, when, run_id]),
        "insert": (insert, written),
    }
