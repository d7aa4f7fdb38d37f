#!/usr/bin/env python
"""Outreach benchmark: one sweep of each trigger kind on a large synthetic data set,
with its time and query count, and the dispatch rate through the in-memory SMS
backend. Prints ONE JSON line on stdout; progress goes to stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/outreach.py                   # 1M customers, PostgreSQL
    .venv/bin/python benchmarks/outreach.py --customers 100000
    .venv/bin/python benchmarks/outreach.py --database sqlite --customers 100000
    .venv/bin/python benchmarks/outreach.py --dispatch-only
    .venv/bin/python benchmarks/outreach.py --tiny            # seconds: what the tests run

The sweeps run on the databases of --database (PostgreSQL by default; skipped
with a message when it is not reachable), dispatch on SQLite and on PostgreSQL
when the sweeps use it. Databases (benchmarks/_common.py): `bench_outreach_<N>`
(built once, reused; --rebuild builds it again) and `bench_outreach_dispatch`
(fresh each time) on PostgreSQL, var/bench/ for SQLite.

A sweep is `manage.py run_triggers` with only that campaign active; dispatch is
`manage.py dispatch`: the commands the scheduler runs.
"""

import argparse
import io
import json
import os
import time

from _common import (
    database_url,
    django_setup,
    fresh_database,
    log,
    postgres_available,
    run_child,
)
from _fixtures import dispatch_all, due_service_sms, model, service_sms_campaign
from _sql import Dialect, dialect, insert_select, pick

TINY_CUSTOMERS, TINY_DISPATCH = 300, 30
CHILD_ENV = {
    "CARE_QUIET_HOURS": "",
    "SMS_BACKEND": "care.channels.sms.LocmemBackend",
    # The provider's sending-rate limit (issue 5) would cap the dispatch
    # figure at 60 messages; what is measured here is our own throughput.
    "SMS_RATE_PER_SECOND": "0",  # 0: no limit
    "LOG_LEVEL": "WARNING",
}


def child(args: list[str], url: str) -> dict:
    return run_child(__file__, args, {**CHILD_ENV, "DATABASE_URL": url})


# --- the synthetic data set (generated in SQL) ------------------------------------


def _three(column: str, values: list[str]) -> str:
    """A derived table of the given values in one column (both databases)."""
    rows = " UNION ALL ".join(f"SELECT {v} AS {column}" for v in values)
    return f"({rows})"


TOPICS = (
    "(SELECT 'sms' AS channel, 'marketing' AS purpose"
    " UNION ALL SELECT 'sms', 'service' UNION ALL SELECT 'email', 'marketing')"
)


def load(cursor, sql: Dialect, n: int) -> None:
    """1 customer in 7 per time zone, 10% English, 3 consents each (80%
    granted), 1,000 products (one just launched), n orders of one line, a view
    per customer plus a 3-day pattern for 2%, an asset for a third, a ticket
    for a tenth (half resolved), segment changes yesterday for 2%."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    params = {"n": n, "now": adapt(now), "today": now.date().isoformat()}
    with_, series = sql.series("n")
    birthday = sql.date_plus("%(born)s", "(CAST(g AS bigint) * 7919) %% 20000")
    zones = ["'Asia/Shanghai'"] * 3 + [
        "'Europe/London'",
        "'America/New_York'",
        "'Asia/Tokyo'",
        "''",
    ]
    steps = [
        (
            "crm.Customer",
            {
                "external_id": "'B' || g",
                "name": "'Customer ' || g",
                "phone": "'+86138' || " + sql.zero_pad("g", 8),
                "email": "'c' || g || '@example.com'",
                "birthday": birthday,
                "birth_month": sql.month(birthday),
                "birth_day": sql.day(birthday),
                "time_zone": pick("g %% 7", zones),
                "locale": "CASE WHEN g %% 10 = 0 THEN 'en' ELSE 'zh-hans' END",
            },
            series,
            {"born": "1950-01-01"},
            with_,
        ),
        (
            "crm.Consent",
            {
                "customer_id": "c.id",
                "channel": "v.channel",
                "purpose": "v.purpose",
                "granted": "c.id %% 5 <> 1",
                "source": "'bench'",
                "recorded_at": sql.days_ago("100"),
            },
            "crm_customer c CROSS JOIN " + TOPICS + " v",
            {},
            "",
        ),
        (
            "crm.Product",
            {
                "sku": "'P' || g",
                "name": "'Product ' || g",
                "category": "'cat' || (g %% 20)",
                "price": "99",
                "launched_at": f"CASE WHEN g = 1 THEN {sql.days_ago('2')} "
                f"ELSE {sql.days_ago('400')} END",
            },
            sql.series("products")[1],
            {"products": 1000},
            sql.series("products")[0],
        ),
        (
            "crm.Order",
            {
                "external_id": "'O' || g",
                "customer_id": "(SELECT min(id) FROM crm_customer) "
                "+ (CAST(g AS bigint) * 7) %% %(n)s",
                "placed_at": sql.days_ago("g %% 700"),
                "total": "99",
            },
            series,
            {},
            with_,
        ),
        (
            "crm.OrderLine",
            {
                "order_id": "o.id",
                "product_id": "(SELECT min(id) FROM crm_product) + 1 + (o.id * 13) %% 999",
                "unit_price": "99",
            },
            "crm_order o",
            {},
            "",
        ),
        (
            "crm.BrowseEvent",
            {
                "customer_id": "c.id",
                "product_id": "(SELECT min(id) FROM crm_product) + (c.id * 13) %% 1000",
                "occurred_at": sql.days_ago("c.id %% 30"),
            },
            "crm_customer c",
            {},
            "",
        ),
        (
            "crm.BrowseEvent",
            {
                "customer_id": "c.id",
                "product_id": "(SELECT min(id) FROM crm_product) + (c.id * 17) %% 1000",
                "occurred_at": sql.days_ago("k.k * 2 + c.id %% 3 + 1.0 / 24"),
            },
            "crm_customer c CROSS JOIN " + _three("k", ["0", "1", "2"]) + " k "
            "WHERE c.id %% 50 = 0",
            {},
            "",
        ),
        (
            "crm.Asset",
            {
                "external_id": "'A' || c.id",
                "customer_id": "c.id",
                "kind": "'vehicle'",
                "name": "'Car'",
                "last_serviced_at": sql.date_plus("%(today)s", "c.id %% 365 - 280"),
                "service_interval_days": "180",
                "next_service_on": sql.date_plus("%(today)s", "c.id %% 365 - 100"),
            },
            "crm_customer c WHERE c.id %% 3 = 0",
            {},
            "",
        ),
        (
            "care.Ticket",
            {
                "external_id": "'T' || c.id",
                "customer_id": "c.id",
                "subject": "'Help'",
                "status": "CASE WHEN c.id %% 2 = 0 THEN 'resolved' ELSE 'open' END",
                "opened_at": sql.days_ago("1"),
                "resolved_at": "CASE WHEN c.id %% 2 = 0 THEN "
                f"{sql.days_ago('(c.id %% 10000) / 1440.0')} END",
                "agent": "'bench'",
            },
            "crm_customer c WHERE c.id %% 10 = 0",
            {},
            "",
        ),
    ]
    for label, values, source, extra, prefix in steps:
        log(f"  load: {label}")
        insert_select(cursor, label, values, source, {**params, **extra}, with_=prefix)
    _segment_changes(cursor, sql, params)


def _segment_changes(cursor, sql: Dialect, params: dict) -> None:
    """Segment changes for the win-back sweep: 2% of customers moved yesterday."""
    from django.utils import timezone

    now = timezone.now()
    run = model("segmentation.RfmRun").objects.create(
        started_at=now, window_days=365, as_of=now
    )
    insert_select(
        cursor,
        "segmentation.SegmentTransition",
        {
            "customer_id": "id",
            "from_segment": "'loyal'",
            "to_segment": "CASE WHEN id %% 2 = 0 THEN 'at_risk' ELSE 'cant_lose_them' END",
            "changed_at": sql.days_ago("1"),
            "run_id": "%(run)s",
        },
        "crm_customer WHERE id %% 50 = 1",
        {**params, "run": run.pk},
    )


def _complete(customers: int) -> bool:
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT customers FROM bench_meta")
            return cursor.fetchone() == (customers,)
    except DatabaseError:
        return False


def child_build(url: str, customers: int, rebuild: bool) -> dict:
    start = time.perf_counter()
    fresh = fresh_database(url, keep=not rebuild)
    django_setup(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)  # a reused database may predate a migration
    if not fresh and _complete(customers):
        return {"reused": True}
    if not fresh:
        fresh_database(url)
        call_command("migrate", verbosity=0)
    sql = dialect()
    with connection.cursor() as cursor:
        load(cursor, sql, customers)
        cursor.execute("CREATE TABLE bench_meta (customers integer)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s)", [customers])
        cursor.execute("ANALYZE")
    return {"reused": False, "seconds": round(time.perf_counter() - start, 1)}


# --- sweeps ---------------------------------------------------------------------------

SWEPT = [
    ("birthday", "marketing", {}, {}),
    ("maintenance", "service", {}, {}),
    ("abandoned_browse", "marketing", {}, {}),
    ("survey", "service", {}, {}),
    ("win_back", "marketing", {}, {}),
    ("new_product", "marketing", {}, {}),
    ("dated", "marketing", {"date": "today", "time": "10:00"}, {"locales": ["en"]}),
]


def _campaigns() -> list:
    from django.utils import timezone

    today = timezone.localdate().strftime("%m-%d")
    campaigns = []
    for trigger, purpose, params, audience in SWEPT:
        if params.get("date") == "today":
            params = {**params, "date": today}
        campaign, _ = model("care.Campaign").objects.update_or_create(
            slug=f"bench-{trigger}",
            defaults={
                "name": trigger,
                "trigger": trigger,
                "purpose": purpose,
                "params": params,
                "audience": audience,
                "channels": ["sms", "email"],
                "status": "paused",
            },
        )
        campaigns.append(campaign)
    return campaigns


def _sweep(campaign) -> dict:
    """`manage.py run_triggers` with this campaign the only active one."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    errors = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        call_command("run_triggers", stdout=io.StringIO(), stderr=errors, verbosity=0)
        seconds = time.perf_counter() - start
    if "failed" in errors.getvalue():
        raise SystemExit(f"sweep of {campaign.trigger} failed: {errors.getvalue()}")
    rows = model("care.Message").objects.filter(campaign=campaign).count()
    return {"rows": rows, "seconds": round(seconds, 2), "queries": len(queries)}


def child_sweeps() -> dict:
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    Campaign = model("care.Campaign")
    Campaign.objects.filter(status="active").update(status="paused")
    figures = {}
    for campaign in _campaigns():
        _clear(campaign)
        Campaign.objects.filter(pk=campaign.pk).update(status="active")
        first = _sweep(campaign)
        again = _sweep(campaign)  # a re-run: nothing new is planned
        Campaign.objects.filter(pk=campaign.pk).update(status="paused")
        figures[campaign.trigger] = {"first": first, "rerun": again}
        log(f"  sweep {campaign.trigger}: {first} / rerun {again}")
        _clear(campaign)
    return figures


def _clear(campaign) -> None:
    """Delete the campaign's outbox rows, then drop the dead rows and refresh
    the statistics of the outbox table.

    Autovacuum would do it on a live server, but may be off or late here: each
    run deletes ~200,000 rows, and the dead ones (2M after a few runs, seen) made
    every sweep scan and probe them (the dated sweep took 227 s instead of 8).
    """
    from django.db import connection

    # No cascade to follow (no coupons are issued by a sweep): a plain DELETE.
    queryset = model("care.Message").objects.filter(campaign=campaign)
    queryset._raw_delete(queryset.db)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {queryset.model._meta.db_table}")


# --- dispatch ----------------------------------------------------------------------------


def child_dispatch(count: int) -> dict:
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    campaign = service_sms_campaign(
        slug="bench-dispatch",
        trigger="birthday",
        body="{{ customer.name }}您好，您的订单已发货。",
    )
    Customer = model("crm.Customer")
    Customer.objects.bulk_create(
        [
            Customer(external_id=f"D{i}", name=f"D{i}", phone=f"+8613900{i:06d}")
            for i in range(count)
        ],
        batch_size=5000,
    )
    customers = list(
        Customer.objects.filter(external_id__startswith="D").values_list(
            "id", flat=True
        )
    )
    due_service_sms(campaign=campaign, customer_ids=customers, now=timezone.now())
    start = time.perf_counter()
    statuses = dispatch_all(campaign=campaign, batch_size=500)
    seconds = time.perf_counter() - start
    sent = statuses.get("sent", 0)
    return {
        "vendor": connection.vendor,
        "messages": count,
        "sent": sent,
        "other": {k: v for k, v in statuses.items() if k != "sent"},
        "seconds": round(seconds, 2),
        "per_second": round(sent / seconds) if seconds else None,
    }


# --- main -------------------------------------------------------------------------------


def parse() -> argparse.Namespace:
    scale = float(os.environ.get("BENCH_SCALE") or 1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=int(1_000_000 * scale))
    parser.add_argument(
        "--dispatch", type=int, default=20_000, help="messages to dispatch"
    )
    parser.add_argument(
        "--database", choices=["postgres", "sqlite", "both"], default="postgres"
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--dispatch-only", action="store_true")
    parser.add_argument(
        "--tiny",
        action="store_true",
        help=f"{TINY_CUSTOMERS} customers, {TINY_DISPATCH} messages: seconds",
    )
    parser.add_argument("--child", choices=["build", "sweeps", "dispatch"])
    args = parser.parse_args()
    if args.tiny:
        args.customers, args.dispatch = TINY_CUSTOMERS, TINY_DISPATCH
    if args.customers < 100 or args.dispatch < 1:
        parser.error("--customers must be at least 100 and --dispatch at least 1")
    return args


def main() -> None:
    args = parse()
    if args.child == "build":
        url = os.environ["DATABASE_URL"]
        print(json.dumps(child_build(url, args.customers, args.rebuild)))
        return
    if args.child:
        work = child_sweeps if args.child == "sweeps" else child_dispatch
        print(json.dumps(work() if args.child == "sweeps" else work(args.dispatch)))
        return
    vendors = ["postgres", "sqlite"] if args.database == "both" else [args.database]
    if "postgres" in vendors and not postgres_available():
        log("PostgreSQL is not reachable (BENCH_POSTGRES_URL): skipping it")
        vendors = [v for v in vendors if v != "postgres"] or ["sqlite"]
    figures: dict = {"benchmark": "outreach", "customers": args.customers}
    for vendor in [] if args.dispatch_only else vendors:
        url = database_url(vendor, f"outreach_{args.customers}")
        log(f"== build {vendor}, {args.customers:,} customers")
        extra = ["--rebuild"] if args.rebuild else []
        build = ["--child", "build", "--customers", str(args.customers), *extra]
        figures[vendor] = {"build": child(build, url)}
        log(f"== sweeps ({vendor})")
        figures[vendor]["sweeps"] = child(["--child", "sweeps"], url)
    log("== dispatch")
    figures["dispatch"] = []
    for vendor in sorted(set(vendors) | {"sqlite"}):
        url = database_url(vendor, "outreach_dispatch")
        fresh_database(url)
        args_ = ["--child", "dispatch", "--dispatch", str(args.dispatch)]
        figures["dispatch"].append(child(args_, url))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
