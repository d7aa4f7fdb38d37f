#!/usr/bin/env python
"""Outreach benchmark: one sweep of each trigger kind on a large synthetic data set
(PostgreSQL), with its time and query count, and the dispatch rate through the
in-memory SMS backend (PostgreSQL and SQLite). Prints ONE JSON line on stdout;
progress goes to stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/outreach.py                   # 1M customers
    .venv/bin/python benchmarks/outreach.py --customers 100000
    .venv/bin/python benchmarks/outreach.py --dispatch-only

It never touches the development database: PostgreSQL data lives in
bench_outreach_<customers> on the server of BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres) and is reused when present
(--rebuild builds it again); the SQLite dispatch run uses var/bench/.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _fixtures import due_service_sms, service_sms_campaign

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def postgres_url(customers: int) -> str:
    return urlunsplit(urlsplit(BASE_URL)._replace(path=f"/bench_outreach_{customers}"))


def child(args: list[str], url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CARE_VAR_DIR": str(ROOT / "var" / "bench"),
        "CARE_QUIET_HOURS": "",
        "SMS_BACKEND": "care.delivery.channels.sms.LocmemBackend",
        # The provider's sending-rate limit (issue 5) would cap the dispatch
        # figure at 60 messages; what is measured here is our own throughput.
        "SMS_RATE_PER_SECOND": "0",  # 0: no limit
        "LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, __file__, *args],
        env=env,
        stdout=subprocess.PIPE,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# --- the synthetic data set (PostgreSQL, generated in SQL) -------------------------

LOAD_SQL = [
    """INSERT INTO crm_customer (external_id, name, phone, email, birthday, birth_month, birth_day,
         time_zone, locale, created_at, updated_at)
       SELECT 'B' || g, 'Customer ' || g, '+86138' || lpad(g::text, 8, '0'), 'c' || g || '@example.com',
         d, extract(month FROM d), extract(day FROM d),
         (ARRAY['Asia/Shanghai','Asia/Shanghai','Asia/Shanghai','Europe/London',
                'America/New_York','Asia/Tokyo',''])[1 + g %% 7],
         CASE WHEN g %% 10 = 0 THEN 'en' ELSE 'zh-hans' END, now(), now()
       FROM generate_series(1, %(n)s) g,
            LATERAL (SELECT date '1950-01-01' + ((g::bigint * 7919) %% 20000)::int AS d) x""",
    """INSERT INTO crm_consent (customer_id, channel, purpose, granted, source, recorded_at)
       SELECT c.id, v.channel, v.purpose, c.id %% 5 <> 1, 'bench', now() - interval '100 days'
       FROM crm_customer c CROSS JOIN (VALUES ('sms', 'marketing'), ('sms', 'service'),
                                              ('email', 'marketing')) v(channel, purpose)""",
    """INSERT INTO crm_product (sku, name, category, price, launched_at, created_at, updated_at)
       SELECT 'P' || g, 'Product ' || g, 'cat' || (g %% 20), 99,
              CASE WHEN g = 1 THEN now() - interval '2 days' ELSE now() - interval '400 days' END,
              now(), now()
       FROM generate_series(1, 1000) g""",
    """INSERT INTO crm_order (external_id, customer_id, placed_at, total, currency, coupon_code,
         created_at, updated_at)
       SELECT 'O' || g, (SELECT min(id) FROM crm_customer) + (g::bigint * 7) %% %(n)s,
              now() - ((g %% 700) || ' days')::interval, 99, 'CNY', '', now(), now()
       FROM generate_series(1, %(n)s) g""",
    """INSERT INTO crm_orderline (order_id, product_id, quantity, unit_price)
       SELECT o.id, (SELECT min(id) FROM crm_product) + 1 + (o.id * 13) %% 999, 1, 99
       FROM crm_order o""",
    # One view per customer at random, plus a pattern (3 distinct days) for 2% of them.
    """INSERT INTO crm_browseevent (customer_id, product_id, occurred_at)
       SELECT c.id, (SELECT min(id) FROM crm_product) + (c.id * 13) %% 1000,
              now() - ((c.id %% 30) || ' days')::interval
       FROM crm_customer c""",
    """INSERT INTO crm_browseevent (customer_id, product_id, occurred_at)
       SELECT c.id, (SELECT min(id) FROM crm_product) + (c.id * 17) %% 1000,
              now() - ((k * 2 + c.id %% 3) || ' days')::interval - interval '1 hour'
       FROM crm_customer c CROSS JOIN generate_series(0, 2) k WHERE c.id %% 50 = 0""",
    """INSERT INTO crm_asset (external_id, customer_id, kind, name, last_serviced_at,
         service_interval_days, next_service_on, created_at, updated_at)
       SELECT 'A' || c.id, c.id, 'vehicle', 'Car', current_date + (c.id %% 365)::int - 280, 180,
              current_date + (c.id %% 365)::int - 100, now(), now()
       FROM crm_customer c WHERE c.id %% 3 = 0""",
    """INSERT INTO care_ticket (external_id, customer_id, subject, status, opened_at, resolved_at,
         agent, reopened_count, created_at, updated_at)
       SELECT 'T' || c.id, c.id, 'Help', CASE WHEN c.id %% 2 = 0 THEN 'resolved' ELSE 'open' END,
              now() - interval '1 day',
              CASE WHEN c.id %% 2 = 0 THEN now() - ((c.id %% 10000) || ' minutes')::interval END,
              'bench', 0, now(), now()
       FROM crm_customer c WHERE c.id %% 10 = 0""",
    "CREATE TABLE bench_meta (customers integer)",
    "INSERT INTO bench_meta VALUES (%(n)s)",
    "ANALYZE",
]


def _complete(url: str, customers: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT customers FROM bench_meta").fetchone() == (
                customers,
            )
    except psycopg.Error:
        return False


def child_build(customers: int, rebuild: bool) -> dict:
    import psycopg

    url = postgres_url(customers)
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(BASE_URL, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and not rebuild and _complete(url, customers):
            return {"reused": True}
        if exists:
            conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for statement in LOAD_SQL:
            log(f"  load: {' '.join(statement.split()[:3])}")
            cursor.execute(statement, {"n": customers})
    return {"reused": False, "seconds": round(time.perf_counter() - start, 1)}


# --- sweeps ---------------------------------------------------------------------------


def _campaigns() -> list:
    from django.utils import timezone

    from care.models import Campaign

    today = timezone.localdate()
    specs = [
        ("birthday", "marketing", {}, {}),
        ("maintenance", "service", {}, {}),
        ("abandoned_browse", "marketing", {}, {}),
        ("survey", "service", {}, {}),
        ("new_product", "marketing", {}, {}),
        (
            "dated",
            "marketing",
            {"date": today.strftime("%m-%d"), "time": "10:00"},
            {"locales": ["en"]},
        ),
    ]
    try:
        from segmentation.models import SegmentTransition  # noqa: F401

        specs.append(("win_back", "marketing", {}, {}))
    except ImportError:
        pass
    campaigns = []
    for trigger, purpose, params, audience in specs:
        campaign, _ = Campaign.objects.update_or_create(
            slug=f"bench-{trigger}",
            defaults={
                "name": trigger,
                "trigger": trigger,
                "purpose": purpose,
                "params": params,
                "audience": audience,
                "channels": ["sms", "email"],
                "status": "active",
            },
        )
        campaigns.append(campaign)
    return campaigns


def _sweep(campaign) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from care.outreach.sweep import messages_plan

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = messages_plan(campaign=campaign, now=timezone.now())
        seconds = time.perf_counter() - start
    return {
        "due": result.due,
        "planned": result.planned + result.skipped,
        "seconds": round(seconds, 2),
        "queries": len(queries),
    }


def child_sweeps() -> dict:
    django_setup()
    from django.core.management import call_command


    call_command("migrate", verbosity=0)  # a reused database may predate a migration
    _ensure_transitions()

    figures = {}
    for campaign in _campaigns():
        _clear(campaign)
        first = _sweep(campaign)
        again = _sweep(campaign)  # a re-run: nothing new is planned
        figures[campaign.trigger] = {"first": first, "rerun": again}
        log(f"  sweep {campaign.trigger}: {first} / rerun {again}")
        _clear(campaign)
    return figures


def _ensure_transitions() -> None:
    """Segment changes for the win-back sweep: 2% of customers moved yesterday."""
    try:
        from segmentation.models import RfmRun, SegmentTransition
    except ImportError:
        return
    if SegmentTransition.objects.exists():
        return
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    run = RfmRun.objects.create(started_at=now, window_days=365, as_of=now)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO segmentation_segmenttransition
                 (customer_id, from_segment, to_segment, changed_at, run_id)
               SELECT id, 'loyal',
                      CASE WHEN id %% 2 = 0 THEN 'at_risk' ELSE 'cant_lose_them' END,
                      now() - interval '1 day', %s
               FROM crm_customer WHERE id %% 50 = 1""",
            [run.pk],
        )
        cursor.execute("ANALYZE segmentation_segmenttransition")


def _clear(campaign) -> None:
    from care.models import Message

    # No cascade to follow (no coupons are issued by a sweep): a plain DELETE.
    queryset = Message.objects.filter(campaign=campaign)
    queryset._raw_delete(queryset.db)
    _vacuum()


def _vacuum() -> None:
    """Drop the deleted rows and refresh the statistics of the outbox table.

    Autovacuum would do it on a live server, but may be off or late here: each
    run deletes ~200,000 rows, and the dead ones (2M after a few runs, seen) made
    every sweep scan and probe them (the dated sweep took 227 s instead of 8).
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE care_message")


# --- dispatch ----------------------------------------------------------------------------


def child_dispatch(count: int) -> dict:
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from care.delivery.channels import sms
    from care.delivery.dispatch import messages_dispatch
    from crm.models import Customer

    call_command("migrate", verbosity=0)
    campaign = service_sms_campaign(
        slug="bench-dispatch", trigger="birthday", body="{{ customer.name }}您好，您的订单已发货。"
    )
    now = timezone.now()
    existing = Customer.objects.filter(external_id__startswith="D").count()
    Customer.objects.bulk_create(
        [
            Customer(external_id=f"D{i}", name=f"D{i}", phone=f"+8613900{i:06d}")
            for i in range(existing, count)
        ],
        batch_size=5000,
    )
    customers = list(
        Customer.objects.filter(external_id__startswith="D").values_list(
            "id", flat=True
        )[:count]
    )
    due_service_sms(campaign=campaign, customer_ids=customers, now=now)
    sms.outbox.clear()
    start = time.perf_counter()
    result = messages_dispatch(batch_size=500)
    seconds = time.perf_counter() - start
    return {
        "vendor": connection.vendor,
        "messages": count,
        "sent": result.counts.get("sent", 0),
        "seconds": round(seconds, 2),
        "per_second": round(result.counts.get("sent", 0) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--dispatch", type=int, default=20_000, help="messages to dispatch"
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--dispatch-only", action="store_true")
    parser.add_argument("--child", choices=["build", "sweeps", "dispatch"])
    args = parser.parse_args()
    if args.child == "build":
        print(json.dumps(child_build(args.customers, args.rebuild)))
        return
    if args.child == "sweeps":
        print(json.dumps(child_sweeps()))
        return
    if args.child == "dispatch":
        print(json.dumps(child_dispatch(args.dispatch)))
        return
    figures: dict = {"customers": args.customers}
    url = postgres_url(args.customers)
    if not args.dispatch_only:
        log(f"== build {url}")
        extra = ["--rebuild"] if args.rebuild else []
        figures["build"] = child(
            ["--child", "build", "--customers", str(args.customers), *extra], BASE_URL
        )
        log("== sweeps (PostgreSQL)")
        figures["sweeps"] = child(["--child", "sweeps"], url)
    log("== dispatch")
    sqlite = f"sqlite:///{ROOT / 'var' / 'bench' / 'dispatch.sqlite3'}"
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ROOT / 'var' / 'bench' / 'dispatch.sqlite3'}{suffix}").unlink(
            missing_ok=True
        )
    dispatch_pg = urlunsplit(
        urlsplit(BASE_URL)._replace(path="/bench_outreach_dispatch")
    )
    _ensure_database(dispatch_pg)
    figures["dispatch"] = [
        child(["--child", "dispatch", "--dispatch", str(args.dispatch)], u)
        for u in (dispatch_pg, sqlite)
    ]
    print(json.dumps(figures))


def _ensure_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(BASE_URL, autocommit=True) as conn:
        if conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
