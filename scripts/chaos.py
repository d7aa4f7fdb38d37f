#!/usr/bin/env python
"""`make chaos`: the chaos test at scale; a rate-limited sender's throughput under 429s.

    .venv/bin/python scripts/chaos.py              # 20,000 messages, 24 kills
    .venv/bin/python scripts/chaos.py --messages 5000 --kills 8
    .venv/bin/python scripts/chaos.py --throughput # fault-free against 5% 429s

Needs PostgreSQL (the server of BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/postgres; the database `chaos` there is
dropped and created for each run) and Redis (CHAOS_REDIS_URL, else REDIS_URL:
the dispatch processes' cache, broker and token bucket). Prints the figures
recorded in BENCHMARKS.md; exits 1 when a message went twice or was lost.
"""

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def fresh_database(name: str) -> str:
    """Drop and create database `name` on the BENCH_POSTGRES_URL server; its URL."""
    import psycopg

    base = os.environ.get(
        "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def setup_django(db_url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def one_run(config, *, database: str, redis_url: str):
    from django.db import connection

    from tests.chaos import ChaosRun

    connection.close()
    db_url = fresh_database(database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _forget_buckets(redis_url)
    return ChaosRun(config, db_url=db_url, redis_url=redis_url, progress=log).run()


def _forget_buckets(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("care:sms-bucket:*"):
        client.delete(key)


def throughput(args, redis_url: str) -> bool:
    """Fault-free against 5% 429s, at the configured rate: within 20%?"""
    from tests.chaos import ChaosConfig
    from tests.fake_twilio import Faults

    rates = {}
    for label, faults in (
        ("fault-free", Faults()),
        ("5% 429", Faults(throttle=0.05, retry_after=1, seed=args.seed)),
    ):
        config = ChaosConfig(
            messages=args.messages,
            workers=args.workers,
            kills=0,
            window_kills=0,
            faults=faults,
            rate=args.rate,
            seed=args.seed,
            deadline=3600,
        )
        log(f"== {label}: {args.messages} messages at {args.rate}/s")
        report = one_run(config, database=args.database, redis_url=redis_url)
        rates[label] = report.provider_rate
        print(
            f"{label}: {report.provider_rate:.1f} messages/s accepted until 95%; "
            f"{report.sent} sent in {report.seconds:.1f} s; claims {report.claims} "
            f"for {report.provider_messages} messages taken "
            f"({sum(report.faults.values())} requests, faults {report.faults}); "
            f"duplicates {report.duplicates}, lost {report.lost}"
        )
    ratio = rates["5% 429"] / rates["fault-free"]
    print(f"with 5% 429s: {ratio:.0%} of the fault-free rate (limit {args.rate}/s)")
    return ratio >= 0.8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--window-kills", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--database", default="chaos")
    parser.add_argument("--throughput", action="store_true")
    args = parser.parse_args()
    redis_url = os.environ.get("CHAOS_REDIS_URL") or os.environ.get("REDIS_URL")
    if not redis_url:
        print("chaos: set CHAOS_REDIS_URL or REDIS_URL (redis://...)", file=sys.stderr)
        return 2
    setup_django(fresh_database(args.database), redis_url)
    if args.throughput:
        args.messages = args.messages or 3000
        args.rate = args.rate or 50.0
        return 0 if throughput(args, redis_url) else 1
    from tests.chaos import ChaosConfig

    config = ChaosConfig(
        messages=args.messages or 20_000,
        workers=args.workers,
        kills=args.kills,
        window_kills=args.window_kills,
        rate=args.rate,
        seed=args.seed,
        deadline=3600,
    )
    report = one_run(config, database=args.database, redis_url=redis_url)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
