#!/usr/bin/env python
"""RFM benchmark: the scoring kernel against a pandas reference, and full
rescoring runs on synthetic PostgreSQL and SQLite databases of 100k and 1M
customers (10 orders each on average). Prints ONE JSON line on stdout;
progress goes to stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/rfm.py                  # 1M customers, both databases
    BENCH_SCALE=0.1 .venv/bin/python benchmarks/rfm.py  # a quick 10% version
    .venv/bin/python benchmarks/rfm.py --database sqlite --customers 200000

It never touches the development database: PostgreSQL databases are named
bench_rfm_<customers> on the server of BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres), SQLite files live in
var/bench/. A database that already holds the requested synthetic data is
reused; --rebuild builds it again.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20260101
WINDOW_DAYS = 365
HISTORY_DAYS = 730
PROSPECT_SHARE = 0.05  # customers who never ordered


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
    import numpy as np

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
        scores = {c: pd.qcut(frame[c].rank(method="first"), 5, labels=False) + 1 for c in "rfm"}
        fm = (scores["f"] + scores["m"] + 1) // 2
        grid[scores["r"].to_numpy() - 1, fm.to_numpy() - 1]

    figures["pandas_s"] = round(best_of(3, reference), 4)
    figures["speedup_vs_pandas"] = round(figures["pandas_s"] / figures["kernel_s"], 1)
    del np
    return figures


# --- databases --------------------------------------------------------------------


def postgres_url(customers: int) -> str:
    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/bench_rfm_{customers}"))


def sqlite_url(customers: int) -> str:
    path = ROOT / "var" / "bench" / f"rfm_{customers}.sqlite3"
    return f"sqlite:///{path}"


def postgres_available() -> bool:
    import psycopg

    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        psycopg.connect(base, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def child(mode: str, url: str, customers: int, orders: int, extra: list[str]) -> dict:
    """Run this script in a fresh process against one database (its own peak memory)."""
    command = [sys.executable, __file__, f"--child-{mode}", url, str(customers), str(orders)]
    env = {**os.environ, "DATABASE_URL": url, "CARE_VAR_DIR": str(ROOT / "var" / "bench")}
    done = subprocess.run(command + extra, env=env, stdout=subprocess.PIPE, check=True, cwd=ROOT)
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def database_figures(vendor: str, customers: int, orders: int, rebuild: bool) -> dict:
    url = postgres_url(customers) if vendor == "postgres" else sqlite_url(customers)
    log(f"== {vendor}, {customers:,} customers, {orders:,} orders")
    build = child("build", url, customers, orders, ["--rebuild"] if rebuild else [])
    first = child("run", url, customers, orders, ["--day", "0"])
    again = child("run", url, customers, orders, ["--day", "1"])
    return {"customers": customers, "orders": orders, "build": build, "run": first, "rerun": again}


# --- child processes: build and run -------------------------------------------------


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def child_build(url: str, customers: int, orders: int, rebuild: bool) -> dict:
    start = time.perf_counter()
    if url.startswith("postgres"):
        fresh = _postgres_database(url, rebuild)
    else:
        fresh = _sqlite_file(url, rebuild)
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    if not fresh and _holds(connection, customers, orders):
        call_command("migrate", verbosity=0)
        _reset_scores(connection)
        return {"reused": True}
    call_command("migrate", verbosity=0)
    _load(connection, customers, orders)
    return {"reused": False, "seconds": round(time.perf_counter() - start, 1)}


def _postgres_database(url: str, rebuild: bool) -> bool:
    """Create the benchmark database if needed; True when it was (re)created."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not rebuild:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def _sqlite_file(url: str, rebuild: bool) -> bool:
    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not rebuild:
        return False
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return True


def _holds(connection, customers: int, orders: int) -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT customers, orders FROM bench_meta")
            return cursor.fetchone() == (customers, orders)
    except Exception:
        return False


def _reset_scores(connection) -> None:
    """Forget earlier runs, so the first measured run is a first labelling."""
    tables = [
        f"segmentation_{name}"
        for name in ("segmenttransition", "customerrfm", "rfmcluster", "rfmrun")
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            return
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def _load(connection, customers: int, orders: int) -> None:
    _reset_scores(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM crm_order")
        cursor.execute("DELETE FROM crm_customer")
        if connection.vendor == "postgresql":
            _load_postgres(cursor, customers, orders)
        else:
            _load_sqlite(connection, cursor, customers, orders)
        cursor.execute("DROP TABLE IF EXISTS bench_meta")
        cursor.execute("CREATE TABLE bench_meta (customers bigint, orders bigint)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s)", [customers, orders])


# Orders fall on the first 95% of customers, skewed towards low ids (so the
# frequency has the heavy ties of real shops), and over two years, skewed
# towards recent days (so some customers lapse out of the one-year window).
_PG_CUSTOMERS = """
INSERT INTO crm_customer (external_id, name, phone, email, time_zone, locale,
                          created_at, updated_at)
SELECT 'B' || g, 'Customer ' || g, '', '', '', 'zh-hans', now(), now()
FROM generate_series(1, %s) g
"""
_PG_ORDERS = """
INSERT INTO crm_order (external_id, customer_id, placed_at, total, currency,
                       coupon_code, created_at, updated_at)
SELECT 'BO' || g,
       %s + floor(%s * power(random(), 1.6))::bigint,
       now() - power(random(), 2) * %s * interval '1 day',
       round((5 + 800 * random() * random())::numeric, 2), 'CNY', '', now(), now()
FROM generate_series(1, %s) g
"""


def _load_postgres(cursor, customers: int, orders: int) -> None:
    cursor.execute("SET synchronous_commit = off")
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute(_PG_CUSTOMERS, [customers])
    cursor.execute("SELECT min(id) FROM crm_customer")
    first = cursor.fetchone()[0]
    ordering = int(customers * (1 - PROSPECT_SHARE))
    dropped = _drop_order_indexes(cursor)
    log(f"   loading {orders:,} orders")
    cursor.execute("SELECT setseed(0.42)")
    cursor.execute(_PG_ORDERS, [first, ordering, HISTORY_DAYS, orders])
    log(f"   rebuilding {len(dropped)} indexes and constraints")
    for statement in dropped:
        cursor.execute(statement)
    cursor.execute("ANALYZE crm_customer")
    cursor.execute("ANALYZE crm_order")


def _drop_order_indexes(cursor) -> list[str]:
    """Drop crm_order's indexes and constraints (bulk loading is faster without
    them); return the statements that put them back."""
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
    restore = [f'ALTER TABLE crm_order ADD CONSTRAINT "{n}" {d}' for n, d in constraints]
    return restore + [definition for _, definition in indexes]


_SQLITE_CUSTOMERS = """
WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < %s)
INSERT INTO crm_customer (external_id, name, phone, email, time_zone, locale,
                          created_at, updated_at)
SELECT 'B' || g, 'Customer ' || g, '', '', '', 'zh-hans', %s, %s FROM seq
"""
_SQLITE_ORDERS = """
WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < %s),
rnd(g, a, b, c) AS (
    SELECT g, (random() / 18446744073709551616.0 + 0.5),
              (random() / 18446744073709551616.0 + 0.5),
              (random() / 18446744073709551616.0 + 0.5) FROM seq)
INSERT INTO crm_order (external_id, customer_id, placed_at, total, currency,
                       coupon_code, created_at, updated_at)
SELECT 'BO' || g, %s + CAST(%s * pow(a, 1.6) AS INTEGER),
       datetime(%s - CAST(b * b * %s * 86400 AS INTEGER), 'unixepoch'),
       round(5 + 800 * c * a, 2), 'CNY', '', %s, %s
FROM rnd
"""


def _load_sqlite(connection, cursor, customers: int, orders: int) -> None:
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    epoch = int(time.time())
    cursor.execute("PRAGMA synchronous = OFF")
    cursor.execute(_SQLITE_CUSTOMERS, [customers, now, now])
    cursor.execute("SELECT min(id) FROM crm_customer")
    first = cursor.fetchone()[0]
    ordering = int(customers * (1 - PROSPECT_SHARE))
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'crm_order' AND sql IS NOT NULL"
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    log(f"   loading {orders:,} orders")
    cursor.execute(_SQLITE_ORDERS, [orders, first, ordering, epoch, HISTORY_DAYS, now, now])
    log(f"   rebuilding {len(indexes)} indexes")
    for _, sql in indexes:
        cursor.execute(sql)
    cursor.execute("ANALYZE")


def child_run(day: int) -> dict:
    """One full rescoring as of today + `day` days; its own peak memory."""
    django_setup()
    import datetime as dt

    from django.utils import timezone

    from segmentation.services import rfm_run

    from django.db import connection

    # "Now" is just after the newest synthetic order, so day 1 is the next
    # night's run over the same orders.
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(placed_at) FROM crm_order")
        newest = cursor.fetchone()[0]
    if isinstance(newest, str):
        newest = dt.datetime.fromisoformat(newest).replace(tzinfo=dt.UTC)
    now = (newest or timezone.now()) + dt.timedelta(minutes=1)
    start = time.perf_counter()
    run = rfm_run(window_days=WINDOW_DAYS, now=now + dt.timedelta(days=day))
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
        "k": run.cluster_k,
    }


# --- main -------------------------------------------------------------------------------


def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        "unknown",
    )
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(pages / 2**30, 1)}


def parse(argv: list[str]) -> argparse.Namespace:
    scale = float(os.environ.get("BENCH_SCALE", "1") or 1)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=int(1_000_000 * scale))
    parser.add_argument("--orders-per-customer", type=int, default=10)
    parser.add_argument(
        "--database", choices=["postgres", "sqlite", "both", "none"], default="both"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the synthetic data")
    args = parser.parse_args(argv)
    if args.customers < 10 or args.orders_per_customer < 1:
        parser.error("--customers must be at least 10 and --orders-per-customer at least 1")
    return args


def main(argv: list[str]) -> None:
    args = parse(argv)
    sizes = sorted({max(args.customers // 10, 10), args.customers})
    result = {"benchmark": "rfm", "machine": machine(), "command": " ".join(sys.argv)}
    result["kernel"] = [kernel_figures(n) for n in sizes]
    vendors = {"both": ["postgres", "sqlite"], "none": []}.get(args.database, [args.database])
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
    else:
        figures = child_run(int(rest[rest.index("--day") + 1]))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("--child-"):
        child_main(sys.argv[1:])
    else:
        main(sys.argv[1:])
