#!/usr/bin/env python
"""Delivery benchmark: dispatch through the real Twilio client against the local
fake Twilio server (its own process), and the same through the in-memory test
backend, rate limit off. Prints ONE JSON line on stdout; progress on stderr.
See BENCHMARKS.md.

    .venv/bin/python benchmarks/delivery.py                      # 10,000 messages
    BENCH_SCALE=1 .venv/bin/python benchmarks/delivery.py        # 100,000
    .venv/bin/python benchmarks/delivery.py --messages 100000 --postgres
    .venv/bin/python benchmarks/delivery.py --tiny             # seconds: what the tests run

SQLite lives in var/bench/; with --postgres the database bench_delivery (see
benchmarks/_common.py) is dropped and created for each run. Dispatch is
`manage.py dispatch`, the command the scheduler runs.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from _common import (
    ROOT,
    database_url,
    django_setup,
    fresh_database,
    log,
    postgres_available,
    run_child,
)
from _fixtures import dispatch_all, due_service_sms, model, service_sms_campaign

TWILIO = "care.delivery.channels.twilio_sms.TwilioBackend"
LOCMEM = "care.delivery.channels.sms.LocmemBackend"
TINY_MESSAGES = 30


def child(args: list[str], url: str, backend: str, twilio_url: str) -> dict:
    env = {
        "DATABASE_URL": url,
        "CARE_QUIET_HOURS": "",
        "CARE_DISPATCH_TIME_BUDGET": "36000",
        "SMS_BACKEND": backend,
        "SMS_RATE_PER_SECOND": "0",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_API_BASE_URL": twilio_url,
        "SITE_URL": "https://care.example.com",
        "LOG_LEVEL": "WARNING",
    }
    return run_child(__file__, args, env)


def _prepare(count: int):
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    campaign = service_sms_campaign(
        slug="bench-delivery",
        trigger="maintenance",
        body="{{ customer.name }}您好，您的爱车该保养了。",
    )
    Customer = model("crm.Customer")
    Customer.objects.filter(external_id__startswith="DL").delete()
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [
            Customer(external_id=f"DL{i}", name=f"D{i}", phone=f"+8613700{i:06d}")
            for i in range(count)
        ],
        batch_size=5000,
    )
    ids = (
        [c.pk for c in customers]
        if customers[0].pk
        else list(
            Customer.objects.filter(external_id__startswith="DL").values_list(
                "id", flat=True
            )
        )
    )
    due_service_sms(campaign=campaign, customer_ids=ids, now=now)
    return campaign


def child_dispatch(count: int) -> dict:
    django_setup()
    from django.conf import settings
    from django.db import connection

    campaign = _prepare(count)
    start = time.perf_counter()
    statuses = dispatch_all(campaign=campaign, batch_size=500)
    seconds = time.perf_counter() - start
    sent = statuses.get("sent", 0)
    return {
        "backend": settings.SMS_BACKEND.rsplit(".", 1)[-1],
        "vendor": connection.vendor,
        "messages": count,
        "sent": sent,
        "other": {k: v for k, v in statuses.items() if k != "sent"},
        "seconds": round(seconds, 2),
        "per_second": round(sent / seconds) if seconds else None,
    }


def _databases(postgres: bool) -> list[str]:
    urls = [database_url("sqlite", "delivery")]
    if postgres and postgres_available():
        urls.append(database_url("postgres", "delivery"))
    elif postgres:
        log("PostgreSQL is not reachable (BENCH_POSTGRES_URL): skipping it")
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # BENCH_SCALE is a fraction, as for the other benchmarks: 1 = 100,000
    # messages; unset, 0.1 keeps `make bench` short.
    default = max(1, round(100_000 * float(os.environ.get("BENCH_SCALE") or 0.1)))
    parser.add_argument("--messages", type=int, default=default)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--tiny", action="store_true", help=f"{TINY_MESSAGES} messages: seconds"
    )
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.tiny:
        args.messages = TINY_MESSAGES
    if args.child:
        print(json.dumps(child_dispatch(args.messages)))
        return
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_twilio.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    twilio_url = server.stdout.readline().strip()
    runs = []
    try:
        for url in _databases(args.postgres):
            for backend in (TWILIO, LOCMEM):
                fresh_database(url)
                log(f"== {backend.rsplit('.', 1)[-1]} on {url.split(':')[0]}")
                runs.append(
                    child(
                        ["--child", "--messages", str(args.messages)],
                        url,
                        backend,
                        twilio_url,
                    )
                )
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(json.dumps({"machine": machine, "runs": runs}))


if __name__ == "__main__":
    main()
