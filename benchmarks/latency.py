#!/usr/bin/env python
"""Survey latency under load: the "survey within the hour" promise, measured.

The real processes run: django-q2's cluster (`manage.py qcluster`, the sweep
every minute) and `manage.py dispatch --loop` senders, against the fake
Twilio server with --latency-ms added to each answer. A marketing campaign
of --marketing birthday messages is planned by the sweep; meanwhile
--tickets tickets are resolved, spread over the expected run, and the sweep
plans a survey for each --delay-minutes after its resolution. Reported: the
latency from each resolution to its survey reaching the provider (the
message's `sent_at`, written when Twilio's answer came back: an upper bound)
as median, p95, p99 and max, the share within 60 minutes, against the
configured delay; and the marketing throughput of the same run. Quiet hours
are off (the promise holds outside them). Prints ONE JSON line on stdout.

    .venv/bin/python benchmarks/latency.py                    # 50,000 + 500, PostgreSQL + Redis
    .venv/bin/python benchmarks/latency.py --tiny [--postgres]  # what the tests run

The survey delay is configurable (--delay-minutes, default 1 instead of the
playbook's 10) so that a run takes minutes; what is measured is the wait
beyond it. PostgreSQL: `<BENCH_DB_PREFIX>_latency`, dropped and created for
each run; Redis (django-q2's broker and the SMS bucket): BENCH_REDIS_URL,
emptied first, so give it a database of its own.
"""

import argparse
import datetime as dt
import io
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time

import _common as common
from _common import ROOT, log
from _fixtures import model

ACCOUNT = "AC" + "0" * 32
FROM_NUMBER = "+15005550006"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marketing", type=int, default=50_000)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--delay-minutes", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200, help="SMS/s of the sender")
    parser.add_argument("--timeout-minutes", type=float, default=45)
    parser.add_argument("--sqlite", action="store_true", help="not PostgreSQL")
    parser.add_argument("--postgres", action="store_true", help="--tiny on PostgreSQL")
    parser.add_argument("--tiny", action="store_true", help="a minute or two")
    args = parser.parse_args()
    if args.tiny:
        args.marketing, args.tickets, args.delay_minutes = 200, 5, 0
        args.senders, args.timeout_minutes = 1, 10
    return args


def _database(args) -> str:
    if args.tiny and not args.postgres:
        return common.database_url("sqlite", "latency")
    if not args.sqlite and common.postgres_available():
        return common.database_url("postgres", "latency")
    if not args.sqlite:
        log("PostgreSQL is not reachable (BENCH_POSTGRES_URL): using SQLite")
    return common.database_url("sqlite", "latency")


def _redis_url() -> str:
    url = os.environ.get("BENCH_REDIS_URL", "")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()
    return url


# --- data ---------------------------------------------------------------------


def _campaign(slug: str, trigger: str, purpose: str, params: dict, body: str):
    campaign = model("care.Campaign").objects.create(
        slug=slug,
        name=slug,
        trigger=trigger,
        purpose=purpose,
        channels=["sms"],
        params=params,
        holdout_percent=0,
        status="active",
    )
    model("care.MessageTemplate").objects.create(
        campaign=campaign, channel="sms", locale="zh-hans", body=body
    )
    return campaign


def _customers(prefix: str, count: int, purpose: str, **fields) -> list[int]:
    Customer, Consent = model("crm.Customer"), model("crm.Consent")
    rows = [
        Customer(
            external_id=f"{prefix}{i}",
            name=f"{prefix}{i}",
            phone=f"+86138{i:08d}" if prefix == "M" else f"+86139{i:08d}",
            locale="zh-hans",
            **fields,
        )
        for i in range(count)
    ]
    for row in rows:
        row.birth_month = row.birthday.month if row.birthday else None
        row.birth_day = row.birthday.day if row.birthday else None
    Customer.objects.bulk_create(rows, batch_size=5000)
    ids = list(
        Customer.objects.filter(external_id__startswith=prefix).values_list(
            "id", flat=True
        )
    )
    now = dt.datetime.now(dt.UTC)
    Consent.objects.bulk_create(
        [
            Consent(
                customer_id=c,
                channel="sms",
                purpose=purpose,
                granted=True,
                source="bench",
                recorded_at=now,
            )
            for c in ids
        ],
        batch_size=5000,
    )
    return ids


def build(args) -> list[int]:
    """The campaigns, the marketing audience, the ticket holders: ticket ids."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    birthday = (dt.date.today() + dt.timedelta(days=3)).replace(year=1990)
    _campaign(
        "bench-birthday",
        "birthday",
        "marketing",
        {"days_ahead": 7},
        "{{ customer.name }}，生日快乐！送您一份生日礼。",
    )
    _campaign(
        "bench-survey",
        "survey",
        "service",
        {"delay_minutes": args.delay_minutes, "within_minutes": 60},
        "{{ customer.name }}您好，请为本次服务打分（1-5）。",
    )
    _customers("M", args.marketing, "marketing", birthday=birthday)
    holders = _customers("T", args.tickets, "service")
    Ticket = model("care.Ticket")
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    Ticket.objects.bulk_create(
        [
            Ticket(
                external_id=f"T{i}",
                customer_id=c,
                subject="repair",
                status="open",
                opened_at=opened,
            )
            for i, c in enumerate(holders)
        ]
    )
    call_command("setup_schedules", verbosity=0, stdout=io.StringIO())
    return list(Ticket.objects.order_by("id").values_list("id", flat=True))


# --- processes ----------------------------------------------------------------


def child_env(args, url: str, redis_url: str, twilio_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-latency-" + "x" * 50,
        "SITE_URL": "https://care.example.com",
        "CARE_QUIET_HOURS": "",
        "SMS_BACKEND": "care.delivery.channels.twilio_sms.TwilioBackend",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio_url,
        "SMS_RATE_PER_SECOND": str(args.rate),
        "SMS_RATE_WINDOW_SECONDS": "1",
        "DISPATCH_CONCURRENCY": str(args.concurrency),
        "CARE_DISPATCH_POLL": "0.5",
        "Q_WORKERS": "1",
        "LOG_LEVEL": "WARNING",
    }


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    # Its own process group: qcluster's workers are stopped with it.
    return subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:  # django-q2 can hang on SIGTERM (#346)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


# --- the run --------------------------------------------------------------------


def resolve(ticket_id: int) -> None:
    model("care.Ticket").objects.filter(pk=ticket_id).update(
        status="resolved", resolved_at=dt.datetime.now(dt.UTC)
    )


def _pending(args) -> tuple[int, int]:
    """(marketing not yet settled or planned, surveys not yet sent)."""
    Message = model("care.Message")
    marketing = Message.objects.filter(campaign__slug="bench-birthday")
    settled = marketing.exclude(status__in=["planned", "deferred", "sending"]).count()
    surveys = Message.objects.filter(
        campaign__slug="bench-survey", status__in=["sent", "delivered"]
    ).count()
    return args.marketing - settled, args.tickets - surveys


def drive(args, tickets: list[int]) -> float:
    """Resolve the tickets on their schedule; wait until everything went out."""
    spread = 5.0 if args.tiny else 0.8 * args.marketing / args.rate
    due = [i * spread / max(1, len(tickets) - 1) for i in range(len(tickets))]
    start_at = time.monotonic()
    deadline = start_at + args.timeout_minutes * 60
    next_note = 0.0
    while time.monotonic() < deadline:
        elapsed = time.monotonic() - start_at
        while tickets and due[0] <= elapsed:
            resolve(tickets.pop(0))
            due.pop(0)
        marketing, surveys = _pending(args)
        if not tickets and not marketing and not surveys:
            break
        if elapsed >= next_note:
            log(f"{elapsed:.0f}s: {marketing} marketing and {surveys} surveys to go")
            next_note = elapsed + 30
        time.sleep(0.5)
    return time.monotonic() - start_at


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(args, seconds: float) -> dict:
    Message = model("care.Message")
    surveys = Message.objects.filter(campaign__slug="bench-survey").select_related(
        "ticket"
    )
    waits = [
        (m.sent_at - m.ticket.resolved_at).total_seconds() / 60
        for m in surveys
        if m.sent_at and m.ticket and m.ticket.resolved_at
    ]
    sent = Message.objects.filter(
        campaign__slug="bench-birthday", sent_at__isnull=False
    )
    times = sorted(sent.values_list("sent_at", flat=True))
    span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0
    return {
        "surveys": args.tickets,
        "surveys_sent": len(waits),
        "delay_minutes": args.delay_minutes,
        "median_min": round(statistics.median(waits), 2) if waits else None,
        "p95_min": round(percentile(waits, 0.95), 2) if waits else None,
        "p99_min": round(percentile(waits, 0.99), 2) if waits else None,
        "max_min": round(max(waits), 2) if waits else None,
        "within_60_min": round(sum(w <= 60 for w in waits) / args.tickets, 4),
        "marketing": args.marketing,
        "marketing_sent": len(times),
        "marketing_per_second": round(len(times) / span, 1) if span else None,
        "run_seconds": round(seconds, 1),
    }


def main() -> None:
    args = parse()
    url = _database(args)
    common.fresh_database(url)
    redis_url = _redis_url() if url.startswith("postgres") else ""
    common.django_setup(url)
    log(f"== building {args.marketing} customers and {args.tickets} tickets")
    tickets = build(args)
    twilio = subprocess.Popen(
        [sys.executable, "tests/fake_twilio.py", str(args.latency_ms)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    env = child_env(args, url, redis_url, twilio.stdout.readline().strip())
    processes = [start(["manage.py", "qcluster"], env)]
    processes += [
        start(["manage.py", "dispatch", "--loop", "--name", f"bench-{i}"], env)
        for i in range(args.senders)
    ]
    try:
        seconds = drive(args, tickets)
    finally:
        for process in processes:
            stop(process)
        twilio.stdin.close()
        twilio.wait(timeout=30)
    figures = report(args, seconds)
    figures.update(
        vendor="postgresql" if url.startswith("postgres") else "sqlite",
        redis=bool(redis_url),
        latency_ms=args.latency_ms,
        senders=args.senders,
        concurrency=args.concurrency,
        rate=args.rate,
        machine=f"{platform.machine()}, {os.cpu_count()} cores",
        load=[round(x, 2) for x in os.getloadavg()],
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
