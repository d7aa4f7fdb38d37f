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
when the sweeps use it. Databases (benchmarks/_common.py): `bench_shop_<N>`
(benchmarks/_shop.py, shared with admin.py: built once, reused; --rebuild
builds it again) and `bench_outreach_dispatch`
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
from _shop import database_name

TINY_CUSTOMERS, TINY_DISPATCH = 300, 30
CHILD_ENV = {
    "CARE_QUIET_HOURS": "",
    "SMS_BACKEND": "care.delivery.channels.sms.LocmemBackend",
    # The provider's sending-rate limit (issue 5) would cap the dispatch
    # figure at 60 messages; what is measured here is our own throughput.
    "SMS_RATE_PER_SECOND": "0",  # 0: no limit
    "LOG_LEVEL": "WARNING",
}


def child(args: list[str], url: str) -> dict:
    return run_child(__file__, args, {**CHILD_ENV, "DATABASE_URL": url})


# --- sweeps ---------------------------------------------------------------------------

SWEPT = [
    ("birthday", "marketing", {}, {}),
    ("maintenance", "service", {}, {}),
    ("abandoned_browse", "marketing", {}, {}),
    ("survey", "service", {}, {}),
    ("win_back", "marketing", {}, {}),
    ("new_product", "marketing", {}, {}),
    ("dated", "marketing", {"date": "today", "time": "10:00"}, {"locales": ["en"]}),
    # Issue 16's case: a dated campaign to the whole audience (6 zones in 7 due).
    ("dated_all", "marketing", {"date": "today", "time": "10:00"}, {}),
]


def _campaigns() -> list:
    from django.utils import timezone

    today = timezone.localdate().strftime("%m-%d")
    campaigns = []
    for name, purpose, params, audience in SWEPT:
        if params.get("date") == "today":
            params = {**params, "date": today}
        campaign, _ = model("care.Campaign").objects.update_or_create(
            slug=f"bench-{name.replace('_', '-')}",
            defaults={
                "name": name,
                "trigger": name.removesuffix("_all"),
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
        raise SystemExit(f"sweep of {campaign.name} failed: {errors.getvalue()}")
    rows = model("care.Message").objects.filter(campaign=campaign).count()
    return {"rows": rows, "seconds": round(seconds, 2), "queries": len(queries)}


def child_sweeps(only: list[str]) -> dict:
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    Campaign = model("care.Campaign")
    Campaign.objects.filter(status="active").update(status="paused")
    figures = {}
    for campaign in _campaigns():
        if only and campaign.name not in only:
            continue
        _clear(campaign)
        Campaign.objects.filter(pk=campaign.pk).update(status="active")
        first = _sweep(campaign)
        again = _sweep(campaign)  # a re-run: nothing new is planned
        Campaign.objects.filter(pk=campaign.pk).update(status="paused")
        report = _report(campaign)
        figures[campaign.name] = {"first": first, "rerun": again, "report": report}
        log(f"  sweep {campaign.name}: {first} / rerun {again} / results {report}")
        _clear(campaign)
    return figures


def _report(campaign) -> dict:
    """The campaign's results page's report over what the sweep planned."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from care.reports.campaigns import campaign_report

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        report = campaign_report(campaign)
        seconds = time.perf_counter() - start
    return {
        "messages": report.funnel.planned,
        "seconds": round(seconds, 2),
        "queries": len(queries),
    }


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
    parser.add_argument(
        "--only",
        action="append",
        choices=[name for name, *_ in SWEPT],
        help="sweep only this campaign (a trigger kind, or dated_all; repeatable)",
    )
    parser.add_argument("--child", choices=["sweeps", "dispatch"])
    args = parser.parse_args()
    if args.tiny:
        args.customers, args.dispatch = TINY_CUSTOMERS, TINY_DISPATCH
    if args.customers < 100 or args.dispatch < 1:
        parser.error("--customers must be at least 100 and --dispatch at least 1")
    return args


def main() -> None:
    args = parse()
    if args.child:
        if args.child == "sweeps":
            print(json.dumps(child_sweeps(args.only or [])))
        else:
            print(json.dumps(child_dispatch(args.dispatch)))
        return
    vendors = ["postgres", "sqlite"] if args.database == "both" else [args.database]
    if "postgres" in vendors and not postgres_available():
        log("PostgreSQL is not reachable (BENCH_POSTGRES_URL): skipping it")
        vendors = [v for v in vendors if v != "postgres"] or ["sqlite"]
    figures: dict = {"benchmark": "outreach", "customers": args.customers}
    for vendor in [] if args.dispatch_only else vendors:
        url = database_url(vendor, database_name(args.customers))
        log(f"== build {vendor}, {args.customers:,} customers")
        extra = ["--rebuild"] if args.rebuild else []
        command = [str(args.customers), *extra]
        env = {**CHILD_ENV, "DATABASE_URL": url}
        figures[vendor] = {"build": run_child("benchmarks/_shop.py", command, env)}
        log(f"== sweeps ({vendor})")
        only = [f"--only={trigger}" for trigger in args.only or []]
        figures[vendor]["sweeps"] = child(["--child", "sweeps", *only], url)
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
