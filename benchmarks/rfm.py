#!/usr/bin/env python
"""RFM benchmark: the scoring kernel against a pandas reference, and full
rescoring runs on synthetic PostgreSQL and SQLite databases of 100k and 1M
customers (10 orders each on average), beside the bare aggregate they read.
Prints ONE JSON line on stdout; progress goes to stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/rfm.py                  # 1M customers, both databases
    BENCH_SCALE=0.1 .venv/bin/python benchmarks/rfm.py  # a quick 10% version
    .venv/bin/python benchmarks/rfm.py --database sqlite --customers 200000
    .venv/bin/python benchmarks/rfm.py --tiny           # seconds: what the tests run

Databases are never the development one (see benchmarks/_common.py): PostgreSQL
`bench_rfm_<customers>`, SQLite files in var/bench/. A database that already holds
the requested synthetic data is reused; --rebuild builds it again.
"""

import argparse
import json
import os
import resource
import sys
import time

from _common import (
    ROOT,
    database_url,
    django_setup,
    fresh_database,
    log,
    machine,
    postgres_available,
    run_child,
)
from _sql import dialect, insert_select

SEED = 20260101
WINDOW_DAYS = 365
HISTORY_DAYS = 730
PROSPECT_SHARE = 0.05  # customers who never ordered
TINY_CUSTOMERS = 200


# --- the kernel -----------------------------------------------------------------


def synthetic_arrays(n: int):
    import numpy as np

    rng = np.random.default_rng(SEED)
    recency = np.floor(rng.random(n) ** 2 * WINDOW_DAYS).astype(np.int64)
    frequency = rng.geometric(0.12, n).astype(np.int64)  # heavy ties at 1, 2, 3...
    monetary = np.round(frequency * rng.lognormal(4.5, 0.8, n), 2)
    return recency, frequency, monetary


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def kernel_figures(n: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from segmentation.scoring import Rule, assign_segments, rfm_scores, segment_grid

    recency, frequency, monetary = synthetic_arrays(n)
    grid = segment_grid([Rule(0, 1, 5, 1, 5)], fallback=1)

    def kernel():
        scores = rfm_scores(recency, frequency, monetary)
        assign_segments(scores.recency, scores.fm, grid)

    figures = {"customers": n, "kernel_s": round(best_of(5, kernel), 4)}
    try:
        import pandas as pd
    except ImportError:
        figures["pandas_s"] = None
        return figures

    frame = pd.DataFrame({"r": -recency, "f": frequency, "m": monetary})

    def reference():
        # The usual recipe: rank first (qcut fails on the ties), then cut.
        scores = {
            c: pd.qcut(frame[c].rank(method="first"), 5, labels=False) + 1
            for c in "rfm"
        }
        fm = (scores["f"] + scores["m"] + 1) // 2
        grid[scores["r"].to_numpy() - 1, fm.to_numpy() - 1]

    figures["pandas_s"] = round(best_of(3, reference), 4)
    figures["speedup_vs_pandas"] = round(figures["pandas_s"] / figures["kernel_s"], 1)
    return figures


# --- databases --------------------------------------------------------------------


def child(mode: str, url: str, customers: int, orders: int, extra: list[str]) -> dict:
    """Run this script in a fresh process against one database (its own peak memory)."""
    args = [f"--child-{mode}", url, str(customers), str(orders), *extra]
    return run_child(__file__, args, {"DATABASE_URL": url})


def database_figures(vendor: str, customers: int, orders: int, rebuild: bool) -> dict:
    url = database_url(vendor, f"rfm_{customers}")
    log(f"== {vendor}, {customers:,} customers, {orders:,} orders")
    build = child("build", url, customers, orders, ["--rebuild"] if rebuild else [])
    first = child("run", url, customers, orders, ["--day", "0"])
    bare_before = child("bare", url, customers, orders, ["--day", "1"])
    again = child("run", url, customers, orders, ["--day", "1"])
    bare_after = child("bare", url, customers, orders, ["--day", "1"])
    bare = (bare_before["seconds"] + bare_after["seconds"]) / 2
    return {
        "customers": customers,
        "orders": orders,
        "build": build,
        "run": first,
        "rerun": again,
        "bare_aggregate_s": [bare_before["seconds"], bare_after["seconds"]],
        "rerun_over_bare": round(again["seconds"] / bare, 2) if bare else None,
    }


# --- child processes: build, run, bare aggregate --------------------------------------


def child_build(url: str, customers: int, orders: int, rebuild: bool) -> dict:
    start = time.perf_counter()
    fresh = fresh_database(url, keep=not rebuild)
    django_setup(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if not fresh and _holds(connection, customers, orders):
        _reset_scores(connection)
        return {"reused": True}
    _load(connection, customers, orders)
    return {"reused": False, "seconds": round(time.perf_counter() - start, 1)}


def _holds(connection, customers: int, orders: int) -> bool:
    from django.db import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT customers, orders FROM bench_meta")
            return cursor.fetchone() == (customers, orders)
    except DatabaseError:
        return False


def _reset_scores(connection) -> None:
    """Forget earlier runs, so the first measured run is a first labelling."""
    from django.apps import apps

    tables = [
        apps.get_model("segmentation", name)._meta.db_table
        for name in ("SegmentTransition", "CustomerRfm", "RfmCluster", "RfmRun")
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            cursor.execute(f"VACUUM ANALYZE {tables[1]}")
            return
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def _load(connection, customers: int, orders: int) -> None:
    from django.utils import timezone

    _reset_scores(connection)
    sql = dialect()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM crm_order")
        cursor.execute("DELETE FROM crm_customer")
        cursor.execute(
            "PRAGMA synchronous = OFF"
            if not sql.postgres
            else "SET synchronous_commit = off"
        )
        with_, series = sql.series("n")
        insert_select(
            cursor,
            "crm.Customer",
            {"external_id": "'B' || g", "name": "'Customer ' || g"},
            series,
            {"n": customers},
            with_=with_,
        )
        cursor.execute("SELECT min(id) FROM crm_customer")
        first = cursor.fetchone()[0]
        restore = _drop_order_indexes(cursor, postgres=sql.postgres)
        log(f"   loading {orders:,} orders")
        if sql.postgres:
            cursor.execute("SELECT setseed(0.42)")
        _insert_orders(cursor, sql, first, customers, orders, now)
        log(f"   rebuilding {len(restore)} indexes and constraints")
        if sql.postgres:
            cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in restore:
            cursor.execute(statement)
        cursor.execute("DROP TABLE IF EXISTS bench_meta")
        cursor.execute("CREATE TABLE bench_meta (customers bigint, orders bigint)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s)", [customers, orders])
        # As a live server's autovacuum would leave them (it may be off here).
        cursor.execute("VACUUM ANALYZE" if sql.postgres else "ANALYZE")


def _insert_orders(cursor, sql, first: int, customers: int, orders: int, now) -> None:
    """Orders fall on the first 95% of customers, skewed towards low ids (so the
    frequency has the heavy ties of real shops), and over two years, skewed
    towards recent days (so some customers lapse out of the one-year window)."""
    rnd = sql.random()
    with_, series = sql.series("n")
    spend = f"5 + 800 * {rnd} * {rnd}"
    insert_select(
        cursor,
        "crm.Order",
        {
            "external_id": "'BO' || g",
            "customer_id": "%(first)s + "
            + sql.integer(f"%(ordering)s * {sql.power(rnd, '1.6')}"),
            "placed_at": sql.days_ago(f"{sql.power(rnd, '2')} * %(history)s"),
            "total": f"round(CAST({spend} AS numeric), 2)"
            if sql.postgres
            else f"round({spend}, 2)",
        },
        series,
        {
            "n": orders,
            "first": first,
            "ordering": int(customers * (1 - PROSPECT_SHARE)),
            "history": HISTORY_DAYS,
            "now": now,
        },
        with_=with_,
    )


def _drop_order_indexes(cursor, *, postgres: bool) -> list[str]:
    """Drop crm_order's indexes (and on PostgreSQL its unique and foreign-key
    constraints): bulk loading is faster without them. Return the statements
    that put them back."""
    if not postgres:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'crm_order' AND sql IS NOT NULL"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in indexes]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'crm_order'::regclass AND contype IN ('u', 'f')"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'crm_order' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE conrelid = 'crm_order'::regclass)"
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE crm_order DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    restore = [
        f'ALTER TABLE crm_order ADD CONSTRAINT "{n}" {d}' for n, d in constraints
    ]
    return restore + [definition for _, definition in indexes]


def _as_of(day: int):
    """Just after the newest synthetic order, plus `day` days: day 1 is the next
    night's run over the same orders."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(placed_at) FROM crm_order")
        newest = cursor.fetchone()[0]
    if isinstance(newest, str):
        newest = dt.datetime.fromisoformat(newest).replace(tzinfo=dt.UTC)
    now = (newest or timezone.now()) + dt.timedelta(minutes=1)
    return now + dt.timedelta(days=day)


def child_run(day: int) -> dict:
    """One full rescoring (the product's service); its own peak memory."""
    django_setup()
    from segmentation.services import rfm_run

    now = _as_of(day)
    start = time.perf_counter()
    run = rfm_run(window_days=WINDOW_DAYS, now=now)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings = {k: round(v, 2) for k, v in run.summary["timings"].items()}
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_mb),
        "stages_s": timings,
        "scored": run.customers_scored,
        "labelled": run.customers_labelled,
        "transitions": run.transitions,
        "rows_written": run.summary.get("rows_written"),
        "k": run.cluster_k,
    }


def child_bare(day: int) -> dict:
    """The run's aggregate alone, inside the database, its rows discarded: the
    floor a run cannot go below (no transfer, no Python, no write). PostgreSQL
    runs it under EXPLAIN ANALYZE (the plan a plain query gets; wrapping it in
    an outer aggregate changed the plan); SQLite under an outer max() of
    every column."""
    import datetime as dt

    django_setup()
    from django.db import connection

    from segmentation.storage import aggregate_query, aggregate_session

    now = _as_of(day)
    sql, params = aggregate_query(now=now, start=now - dt.timedelta(days=WINDOW_DAYS))
    with aggregate_session(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = f"EXPLAIN (ANALYZE, TIMING OFF) {sql}"
        else:
            cursor.execute(f"SELECT * FROM ({sql}) AS bare LIMIT 0", params)
            columns = ", ".join(f"max({c[0]})" for c in cursor.description)
            statement = f"SELECT count(*), {columns} FROM ({sql}) AS bare"
        start = time.perf_counter()
        cursor.execute(statement, params)
        rows = cursor.fetchall()
        seconds = time.perf_counter() - start
    # PostgreSQL: the plan's top node ("Merge Left Join"), so a changed plan shows.
    top = (
        rows[0][0].split("  (")[0].strip()
        if connection.vendor == "postgresql"
        else None
    )
    return {"seconds": round(seconds, 2), "plan": top}


# --- main -------------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    scale = float(os.environ.get("BENCH_SCALE", "1") or 1)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=int(1_000_000 * scale))
    parser.add_argument("--orders-per-customer", type=int, default=10)
    parser.add_argument(
        "--database", choices=["postgres", "sqlite", "both", "none"], default="both"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the synthetic data"
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help=f"{TINY_CUSTOMERS} customers, one size: the same code in seconds",
    )
    args = parser.parse_args(argv)
    if args.customers < 10 or args.orders_per_customer < 1:
        parser.error(
            "--customers must be at least 10 and --orders-per-customer at least 1"
        )
    return args


def main(argv: list[str]) -> None:
    args = parse(argv)
    if args.tiny:
        sizes = [TINY_CUSTOMERS]
    else:
        sizes = sorted({max(args.customers // 10, 10), args.customers})
    result = {"benchmark": "rfm", "machine": machine(), "command": " ".join(sys.argv)}
    result["kernel"] = [kernel_figures(n) for n in sizes]
    vendors = {"both": ["postgres", "sqlite"], "none": []}.get(
        args.database, [args.database]
    )
    if "postgres" in vendors and not postgres_available():
        log("PostgreSQL is not reachable (BENCH_POSTGRES_URL): skipping it")
        vendors.remove("postgres")
        result["postgres"] = "unavailable"
    for vendor in vendors:
        result[vendor] = [
            database_figures(vendor, n, n * args.orders_per_customer, args.rebuild)
            for n in sizes
        ]
    print(json.dumps(result), flush=True)


def child_main(argv: list[str]) -> None:
    mode, url, customers, orders, *rest = argv
    if mode == "--child-build":
        figures = child_build(url, int(customers), int(orders), "--rebuild" in rest)
    elif mode == "--child-bare":
        figures = child_bare(int(rest[rest.index("--day") + 1]))
    else:
        figures = child_run(int(rest[rest.index("--day") + 1]))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("--child-"):
        child_main(sys.argv[1:])
    else:
        main(sys.argv[1:])
