#!/usr/bin/env python
"""Delivery benchmark: dispatch through the real Twilio client against the local
fake Twilio server (its own process), and the same through the in-memory test
backend, rate limit off. Prints ONE JSON line on stdout; progress on stderr.
See BENCHMARKS.md.

    .venv/bin/python benchmarks/delivery.py                      # 10,000 messages
    BENCH_SCALE=1 .venv/bin/python benchmarks/delivery.py        # 100,000
    .venv/bin/python benchmarks/delivery.py --messages 100000 --postgres
    .venv/bin/python benchmarks/delivery.py --tiny             # seconds: what the tests run
    .venv/bin/python benchmarks/delivery.py --postgres --latency-ms 0,50,200 --concurrency 1,32

With --latency-ms, the fake server adds that many milliseconds to each
answer (a provider far away), and for each latency and each concurrency
(DISPATCH_CONCURRENCY) it measures dispatch's msgs/s through the real client,
then a plain HTTP loop (benchmarks/_plain.py: requests from a thread pool of
the same size, no bookkeeping) against the same fake, in the same run.
`in_flight` is how many requests the fake had in flight on average from the
first create to the last answer (at most the concurrency). With
BENCH_REDIS_URL the SMS token bucket is in the path (a rate too high to bind).

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
from _plain import plain_loop

TWILIO = "care.delivery.channels.twilio_sms.TwilioBackend"
LOCMEM = "care.delivery.channels.sms.LocmemBackend"
TINY_MESSAGES = 30


def child(
    args: list[str], url: str, backend: str, twilio_url: str, extra: dict | None = None
) -> dict:
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
        **(extra or {}),
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
    from django.core.checks import run_checks
    from django.db import connection

    campaign = _prepare(count)
    # What `manage.py dispatch` does before its handle(): the system checks,
    # which load the URL map (call_command skips them). Not timed there either.
    run_checks()
    start = time.perf_counter()
    statuses = dispatch_all(campaign=campaign, batch_size=500)
    ended = time.perf_counter()
    seconds = ended - start
    sent = statuses.get("sent", 0)
    return {
        "backend": settings.SMS_BACKEND.rsplit(".", 1)[-1],
        "vendor": connection.vendor,
        "messages": count,
        "sent": sent,
        "other": {k: v for k, v in statuses.items() if k != "sent"},
        "seconds": round(seconds, 2),
        "per_second": round(sent / seconds) if seconds else None,
        # perf_counter is the system's monotonic clock: the fake's times compare.
        "started": start,
        "ended": ended,
    }


def _fake_twilio(latency_ms: float = 0) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_twilio.py"), str(latency_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    return server, server.stdout.readline().strip()


def _occupancy(server: subprocess.Popen) -> dict:
    """How full the line was since the last ask: creates in flight on average, at most."""
    server.stdin.write("occupancy\n")
    server.stdin.flush()
    return json.loads(server.stdout.readline())


def _stop(server: subprocess.Popen) -> None:
    server.stdin.close()
    server.wait(timeout=30)


def _count(limit: int, latency_ms: float, concurrency: int) -> int:
    """About ten seconds' worth of messages at the best rate one could hope for."""
    best = concurrency / max(latency_ms / 1000, 0.004)
    return max(20, min(limit, int(10 * best)))


def latency_matrix(args) -> list[dict]:
    url = _databases(args.postgres)[-1]
    extra = {"DISPATCH_CONCURRENCY": "1"}
    if os.environ.get("BENCH_REDIS_URL"):
        extra.update(REDIS_URL=os.environ["BENCH_REDIS_URL"], SMS_RATE_PER_SECOND="1e6")
    rows = []
    for latency in args.latency_ms:
        server, twilio_url = _fake_twilio(latency)
        try:
            for concurrency in args.concurrency:
                count = _count(args.messages, latency, concurrency)
                fresh_database(url)
                log(f"== {latency} ms, {concurrency} in flight, {count} messages")
                extra["DISPATCH_CONCURRENCY"] = str(concurrency)
                run = child(
                    ["--child", "--messages", str(count)],
                    url,
                    TWILIO,
                    twilio_url,
                    extra,
                )
                occupancy = _occupancy(server)
                plain = plain_loop(twilio_url, count, concurrency)
                plain_occupancy = _occupancy(server)
                rows.append(
                    {
                        "latency_ms": latency,
                        "concurrency": concurrency,
                        "vendor": run["vendor"],
                        "redis": bool(os.environ.get("BENCH_REDIS_URL")),
                        "messages": count,
                        "sent": run["sent"],
                        "per_second": run["per_second"],
                        "plain_per_second": plain["per_second"],
                        "ratio": round(run["per_second"] / plain["per_second"], 2),
                        # Requests in flight at the fake, on average while sending.
                        "in_flight": occupancy["mean_in_flight"],
                        "plain_in_flight": plain_occupancy["mean_in_flight"],
                        # Seconds from the first create to the last answer, and
                        # the command's time before and after that.
                        "sending_seconds": occupancy["seconds"],
                        "before_first": round(
                            occupancy["first_at"] - run["started"], 2
                        ),
                        "after_last": round(run["ended"] - occupancy["last_at"], 2),
                        "other": run["other"],
                    }
                )
        finally:
            _stop(server)
    return rows


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
    parser.add_argument(
        "--latency-ms",
        type=_numbers,
        help="milliseconds added to each answer, e.g. 0,50,200: the concurrency table",
    )
    parser.add_argument("--concurrency", type=_numbers, default=[1, 32])
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.tiny:
        args.messages = TINY_MESSAGES
    if args.child:
        print(json.dumps(child_dispatch(args.messages)))
        return
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if args.latency_ms is not None:
        rows = latency_matrix(args)
        print(
            json.dumps({"machine": machine, "load": os.getloadavg(), "latency": rows})
        )
        return
    server, twilio_url = _fake_twilio()
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
        _stop(server)
    print(json.dumps({"machine": machine, "runs": runs}))


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


if __name__ == "__main__":
    main()
