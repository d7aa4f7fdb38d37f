#!/usr/bin/env python
"""Ingestion benchmark: the demo data generator and the HTTP API.

Prints ONE JSON line on stdout (progress on stderr). Runs on a fresh SQLite
file in var/bench/ (or PostgreSQL with --postgres, database bench_ingest, or
--pg-database, on the server of BENCH_POSTGRES_URL), never on the development
database.

    .venv/bin/python benchmarks/ingest.py                   # 10,000 demo customers
    BENCH_SCALE=10 .venv/bin/python benchmarks/ingest.py    # 100,000 (issue 2's scale test)
    .venv/bin/python benchmarks/ingest.py --postgres

Parts (--parts, comma-separated; all by default):
  seed    seed_demo into the fresh database
  single  PUT /customers/{id} with a consent, one request per customer
  batch   POST /customers/batch, 1,000 customers (each with a consent) a request
  floor   the same rows written bare: one INSERT per customer and consent in its
          own transaction (the single PUT's floor), and multi-row INSERTs of
          1,000 customers and their consents per transaction (the batch's floor)
  events  POST /events, batches of 1,000 product views
"""

import argparse
import io
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
PARTS = ("seed", "single", "batch", "floor", "events")


def prepare_database(postgres: bool, name: str) -> str:
    if not postgres:
        var = Path(os.environ.get("CARE_VAR_DIR", ROOT / "var"))
        path = var / "bench" / "ingest.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(BASE_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return BASE_URL.rsplit("/", 1)[0] + f"/{name}"


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def customer_body(index: int, prefix: str) -> dict:
    return {
        "name": f"Bench {index}",
        "phone": f"+86139{index % 100_000_000:08d}",
        "consents": [
            {
                "channel": "sms",
                "purpose": "marketing",
                "granted": True,
                "source": prefix,
            }
        ],
    }


def api_client():
    from django.test import Client

    from api.models import ApiToken, hash_token, new_raw_token

    raw = new_raw_token()
    ApiToken.objects.create(
        name=f"bench-{raw[-6:]}", key_hash=hash_token(raw), hint=raw[:8]
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def single_figures(client, count: int) -> dict:
    """One PUT per new customer (each with a consent), then the same PUTs again."""

    def put_all(expected: int) -> None:
        for index in range(count):
            response = client.put(
                f"/api/v1/customers/SINGLE-{index}",
                customer_body(index, "bench"),
                content_type="application/json",
            )
            assert response.status_code == expected, response.content

    created_s = timed(lambda: put_all(201))
    resent_s = timed(lambda: put_all(200))
    return {
        "api_customer_puts": count,
        "api_customer_puts_per_s": round(count / created_s, 1),
        "api_customer_puts_resent_per_s": round(count / resent_s, 1),
    }


def batch_figures(client, count: int) -> dict:
    """POST /customers/batch with 1,000 new customers a request, then the same again."""
    size = min(1000, count)

    def post_all(expected: int) -> None:
        for start in range(0, count, size):
            items = [
                {"external_id": f"BATCH-{i}", **customer_body(i, "bench")}
                for i in range(start, min(start + size, count))
            ]
            response = client.post(
                "/api/v1/customers/batch",
                {"items": items},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content[:500]
            results = response.json()["results"]
            assert {r["status"] for r in results} == {expected}, results[:3]

    created_s = timed(lambda: post_all(201))
    resent_s = timed(lambda: post_all(200))
    return {
        "api_batch_customers": count,
        "api_batch_customers_per_s": round(count / created_s),
        "api_batch_customers_resent_per_s": round(count / resent_s),
    }


def floor_figures(count: int, batch_count: int) -> dict:
    """The same customer and consent rows, written with bare SQL (no validation)."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    customer_sql = (
        "INSERT INTO crm_customer (external_id, name, phone, phone_unusable_reason, "
        "email, time_zone, locale, created_at, updated_at) "
        "VALUES {} RETURNING id"
    )
    consent_sql = (
        "INSERT INTO crm_consent (customer_id, channel, purpose, granted, source, "
        "recorded_at) VALUES {}"
    )
    row = "(%s, %s, %s, '', '', '', 'zh-hans', %s, %s)"

    def customers(prefix: str, indexes: range) -> list[int]:
        params: list = []
        for i in indexes:
            body = customer_body(i, "bench")
            params += [f"{prefix}-{i}", body["name"], body["phone"], now, now]
        with connection.cursor() as cursor:
            cursor.execute(customer_sql.format(", ".join([row] * len(indexes))), params)
            ids = [r[0] for r in cursor.fetchall()]
            consent_params: list = []
            for pk in ids:
                consent_params += [pk, "sms", "marketing", True, "bench", now]
            cursor.execute(
                consent_sql.format(", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(ids))),
                consent_params,
            )
        return ids

    def one_by_one() -> None:
        for i in range(count):
            with transaction.atomic():
                customers("FLOOR1", range(i, i + 1))

    def in_batches() -> None:
        for start in range(0, batch_count, 1000):
            with transaction.atomic():
                customers("FLOORB", range(start, min(start + 1000, batch_count)))

    return {
        "floor_single_per_s": round(count / timed(one_by_one)),
        "floor_batch_per_s": round(batch_count / timed(in_batches)),
    }


def event_figures(client, batches: int) -> dict:
    from crm.models import Customer, Product

    skus = list(Product.objects.values_list("sku", flat=True)[:50])
    ids = list(Customer.objects.values_list("external_id", flat=True)[:1000])

    def post_events() -> None:
        for batch in range(batches):
            events = [
                {
                    "type": "product_viewed",
                    "customer": ids[i % len(ids)],
                    "product": skus[i % len(skus)],
                    "id": f"bench-{batch}-{i}",
                    "occurred_at": "2026-11-20T10:00:00+08:00",
                }
                for i in range(1000)
            ]
            response = client.post(
                "/api/v1/events", {"events": events}, content_type="application/json"
            )
            assert response.json()["accepted"] == 1000, response.content

    events_s = timed(post_events)
    return {
        "api_event_batch_1000_s": round(events_s / batches, 3),
        "api_events_per_s": round(1000 * batches / events_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    parser.add_argument("--customers", type=int, default=int(10_000 * scale))
    parser.add_argument("--puts", type=int, default=1000, help="single PUTs")
    parser.add_argument(
        "--batch-customers", type=int, default=20_000, help="customers sent in batches"
    )
    parser.add_argument("--event-batches", type=int, default=10)
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-database", default="bench_ingest")
    args = parser.parse_args()
    parts = set(args.parts.split(","))

    os.environ["DATABASE_URL"] = prepare_database(args.postgres, args.pg_database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from crm.models import Customer

    figures: dict = {"benchmark": "ingest", "database": connection.vendor}
    if "seed" in parts or "events" in parts:
        quiet = io.StringIO()
        seed_s = timed(
            lambda: call_command(
                "seed_demo",
                customers=args.customers,
                seed=42,
                verbosity=0,
                stdout=quiet,
            )
        )
        figures["seed_demo_s"] = round(seed_s, 3)
        figures["seed_customers_per_s"] = round(args.customers / seed_s)
    figures["customers"] = Customer.objects.count()
    client = api_client()
    steps = {
        "single": lambda: single_figures(client, args.puts),
        "batch": lambda: batch_figures(client, args.batch_customers),
        "floor": lambda: floor_figures(args.puts, args.batch_customers),
        "events": lambda: event_figures(client, args.event_batches),
    }
    for name, step in steps.items():
        if name in parts:
            print(f"ingest: {name}...", file=sys.stderr)
            figures.update(step())
    figures["machine"] = (
        f"{os.cpu_count()} cpus, {platform.processor() or platform.machine()}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
