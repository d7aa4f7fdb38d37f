#!/usr/bin/env python
"""Operations benchmark: the status page, /metrics and /healthz reads on a large outbox.

Prints ONE JSON line on stdout; progress on stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/operations.py                        # 10,000 messages, SQLite
    .venv/bin/python benchmarks/operations.py --messages 1000000 --postgres

The outbox is spread over every status (60% sent or delivered over the last
week, 10% due, 15% deferred, failures with provider codes...), with 500
tickets resolved in the last three hours and their surveys. Each read is timed
best of 3, with its number of queries. SQLite lives in var/bench/; with
--postgres the database bench_operations on the server of BENCH_POSTGRES_URL
is dropped and created for each run.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
# (status, reason, error code) by row number modulo 20.
SPREAD = (
    [("sent", "", "")] * 9
    + [("delivered", "", "")]
    + [("planned", "", "")] * 2
    + [("deferred", "quiet_hours", "")] * 2
    + [("failed", "permanent_error", "21211"), ("failed", "undelivered", "30003")]
    + [("skipped", "no_consent", ""), ("held_out", "", "")]
    + [("unknown", "ambiguous", ""), ("deferred", "throttled", "")]
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(count: int, now: dt.datetime) -> None:
    from care.models import Campaign, CaseStatus, Message, RecoveryCase, Ticket
    from crm.models import Customer

    customers = Customer.objects.bulk_create(
        [
            Customer(external_id=f"B{i}", name=f"Bench {i}", phone=f"+8613{i:09d}")
            for i in range(max(count // 5, 600))
        ],
        batch_size=5000,
    )
    campaign = Campaign.objects.create(
        name="bench", slug="bench", trigger="birthday", channels=["sms", "email"]
    )
    batch = []
    for i in range(count):
        status, reason, code = SPREAD[i % 20]
        sent = status in ("sent", "delivered", "failed") and code != "21211"
        batch.append(
            Message(
                key=f"b/{i}/{('sms', 'email')[i % 7 == 0]}",
                occasion_key=f"b/{i}",
                campaign=campaign,
                customer_id=customers[i % len(customers)].pk,
                trigger="birthday",
                channel=("sms", "email")[i % 7 == 0],
                purpose="marketing",
                status=status,
                reason=reason,
                error_code=code,
                send_after=now - dt.timedelta(seconds=i % 86_400),
                sent_at=now - dt.timedelta(minutes=i % 10_080) if sent else None,
                updated_at=now - dt.timedelta(minutes=i % 2_880),
            )
        )
        if len(batch) == 5000:
            Message.objects.bulk_create(batch)
            batch = []
            log(f"  {i + 1} messages")
    Message.objects.bulk_create(batch)
    _tickets(customers[:500], now)
    for n, customer in enumerate(customers[500:600]):
        ticket = Ticket.objects.create(
            external_id=f"TC{n}", customer=customer, subject="x", opened_at=now
        )
        RecoveryCase.objects.create(
            ticket=ticket,
            customer=customer,
            queue="care",
            status=CaseStatus.OPEN,
            opened_at=now - dt.timedelta(hours=3),
            first_response_due=now - dt.timedelta(minutes=n),
            resolution_due=now + dt.timedelta(hours=20),
        )


def _tickets(customers, now: dt.datetime) -> None:
    from care.models import Campaign, Message, Ticket

    survey = Campaign.objects.create(
        name="survey",
        slug="survey",
        trigger="survey",
        purpose="service",
        channels=["sms"],
    )
    for n, customer in enumerate(customers):
        ticket = Ticket.objects.create(
            external_id=f"T{n}",
            customer=customer,
            subject="x",
            status="resolved",
            opened_at=now - dt.timedelta(hours=4),
            resolved_at=now - dt.timedelta(seconds=20 * n),
        )
        if n % 2:
            okey = f"{survey.pk}/survey/ticket:{ticket.pk}/r0"
            Message.objects.create(
                key=f"{okey}/sms",
                occasion_key=okey,
                campaign=survey,
                customer=customer,
                ticket=ticket,
                trigger="survey",
                channel="sms",
                purpose="service",
                status=("sent", "deferred", "planned")[n % 3],
                reason=("", "quiet_hours", "")[n % 3],
                send_after=now,
            )


def best_of(fn, runs: int = 3) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return {"seconds": round(min(times), 4), "queries": len(queries)}


def child(count: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from care.operations.health import due_queue_problem, heartbeat_problem
    from care.operations.metrics import metrics_text
    from care.operations.overview import operations_glance, operations_overview

    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    build(count, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    log(f"  built in {time.perf_counter() - started:.1f}s")
    return {
        "database": connection.vendor,
        "messages": count,
        "status_page": best_of(lambda: operations_overview(timezone.now())),
        "index_panel": best_of(lambda: operations_glance(timezone.now())),
        "metrics": best_of(lambda: metrics_text(timezone.now())),
        "healthz_reads": best_of(lambda: (heartbeat_problem(), due_queue_problem())),
    }


def _urls(postgres: bool) -> list[str]:
    bench = ROOT / "var" / "bench"
    bench.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{bench / 'operations.sqlite3'}{suffix}").unlink(missing_ok=True)
    urls = [f"sqlite:///{bench / 'operations.sqlite3'}"]
    if postgres:
        import psycopg

        url = urlunsplit(urlsplit(BASE_URL)._replace(path="/bench_operations"))
        with psycopg.connect(BASE_URL, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "bench_operations"')
            conn.execute('CREATE DATABASE "bench_operations"')
        urls = [url]
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = max(100, round(100_000 * float(os.environ.get("BENCH_SCALE") or 0.1)))
    parser.add_argument("--messages", type=int, default=default)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL only")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.messages)))
        return
    runs = []
    for url in _urls(args.postgres):
        log(f"== {args.messages} messages on {url.split(':')[0]}")
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOG_LEVEL": "WARNING",
        }
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--messages", str(args.messages)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(json.dumps({"machine": machine, "runs": runs}))


if __name__ == "__main__":
    main()
