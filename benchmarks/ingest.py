#!/usr/bin/env python
"""Ingestion benchmark: the demo data generator and the HTTP API.

Prints ONE JSON line on stdout (progress on stderr). Runs on a fresh SQLite
file in var/bench/ (or PostgreSQL with --postgres, database bench_ingest on
the server of BENCH_POSTGRES_URL), never on the development database.

    .venv/bin/python benchmarks/ingest.py                   # 10,000 demo customers
    BENCH_SCALE=10 .venv/bin/python benchmarks/ingest.py    # 100,000 (issue 2's scale test)
    .venv/bin/python benchmarks/ingest.py --postgres
"""

import argparse
import io
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def prepare_database(postgres: bool) -> str:
    if not postgres:
        var = Path(os.environ.get("CARE_VAR_DIR", ROOT / "var"))
        path = var / "bench" / "ingest.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(BASE_URL, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS bench_ingest")
        connection.execute("CREATE DATABASE bench_ingest")
    return BASE_URL.rsplit("/", 1)[0] + "/bench_ingest"


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def api_figures(batches: int) -> dict:
    """Customer upserts and event batches through the real API stack (test client)."""
    from django.test import Client

    from api.models import ApiToken, hash_token, new_raw_token
    from crm.models import Customer, Product

    raw = new_raw_token()
    ApiToken.objects.create(name="bench", key_hash=hash_token(raw), hint=raw[:8])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    skus = list(Product.objects.values_list("sku", flat=True)[:50])
    ids = list(Customer.objects.values_list("external_id", flat=True)[:1000])

    def put_customers() -> None:
        for index in range(200):
            body = {
                "name": f"Bench {index}",
                "phone": f"+8613900{index:06d}",
                "consents": [
                    {
                        "channel": "sms",
                        "purpose": "marketing",
                        "granted": True,
                        "source": "bench",
                    }
                ],
            }
            response = client.put(
                f"/api/v1/customers/BENCH-{index}",
                body,
                content_type="application/json",
            )
            assert response.status_code in (200, 201), response.content

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

    customers_s = timed(put_customers)
    events_s = timed(post_events)
    return {
        "api_customer_puts_per_s": round(200 / customers_s, 1),
        "api_event_batch_1000_s": round(events_s / batches, 3),
        "api_events_per_s": round(1000 * batches / events_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    parser.add_argument("--customers", type=int, default=int(10_000 * scale))
    parser.add_argument("--event-batches", type=int, default=10)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = prepare_database(args.postgres)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from crm.models import Customer

    quiet = io.StringIO()
    seed_s = timed(
        lambda: call_command(
            "seed_demo", customers=args.customers, seed=42, verbosity=0, stdout=quiet
        )
    )
    figures = {
        "benchmark": "ingest",
        "database": connection.vendor,
        "customers": Customer.objects.count(),
        "seed_demo_s": round(seed_s, 1),
        "seed_customers_per_s": round(args.customers / seed_s),
        **api_figures(args.event_batches),
        "machine": f"{os.cpu_count()} cpus, {platform.processor() or platform.machine()}",
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
