#!/usr/bin/env python
"""Dashboard benchmark: the managers' dashboard on the admin index, on the demo data set.

Prints ONE JSON line on stdout; progress on stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/dashboard.py                       # 100,000 customers, SQLite
    .venv/bin/python benchmarks/dashboard.py --database postgres   # the same on PostgreSQL
    .venv/bin/python benchmarks/dashboard.py --tiny                # seconds: what the tests run

The data is `make run`'s demo at the given size: `seed_demo --customers N`,
RFM scores, the care history (surveys, answers, recovery cases), the
playbooks and a month of outreach (care.demo.care_demo_outreach). It is built
once per database (`dashboard_<N>`, kept: --rebuild starts again). Timed,
best of --repeat: the dashboard's reads alone (dashboard_build) and the whole
admin index page as a manager sees it (Django's test client), with their
query counts.
"""

import argparse
import json
import os
import sys
import time

from _common import (
    database_url,
    django_setup,
    fresh_database,
    log,
    machine,
    postgres_available,
    run_child,
)

TINY_CUSTOMERS = 300


def build(customers: int) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from care.demo import care_demo_outreach, care_demo_seed
    from care.outreach.playbooks import playbooks_install

    quiet = {"stdout": open(os.devnull, "w"), "stderr": open(os.devnull, "w")}
    call_command("seed_demo", "--customers", str(customers), **quiet)
    call_command("rfm_score", **quiet)
    care_demo_seed(now=timezone.now(), quiet_hours=settings.CARE_QUIET_HOURS)
    playbooks_install(activate=True)
    care_demo_outreach(now=timezone.now())
    get_user_model().objects.filter(username="bench-manager").delete()


def _manager_client():
    from django.test import Client

    from care.service.staff import staff_add

    user = staff_add(username="bench-manager", role="manager", email="m@example.com").user
    client = Client()
    client.force_login(user)
    return client


def best_of(fn, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm: templates compiled, the SQLite cache filled
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return {"seconds": round(min(times), 4), "queries": len(queries)}


def child(customers: int, repeat: int, fresh: bool) -> dict:
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from care.models import Message
    from care.reports.dashboard import dashboard_build

    call_command("migrate", verbosity=0)
    if fresh:
        started = time.perf_counter()
        build(customers)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        log(f"  built in {time.perf_counter() - started:.1f}s")
    client = _manager_client()

    def index() -> None:
        response = client.get(reverse("admin:index"))
        assert response.status_code == 200 and b'id="dashboard"' in response.content

    return {
        "database": connection.vendor,
        "customers": customers,
        "messages": Message.objects.count(),
        "dashboard_build": best_of(lambda: dashboard_build(timezone.now()), repeat),
        "admin_index": best_of(index, repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--tiny", action="store_true", help=f"{TINY_CUSTOMERS} customers")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--fresh", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    customers = TINY_CUSTOMERS if args.tiny else args.customers
    if args.child:
        print(json.dumps(child(customers, args.repeat, args.fresh)))
        return
    vendors = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    figures: dict = {"machine": machine(), "load": os.getloadavg()[0]}
    for vendor in vendors:
        if vendor == "postgres" and not postgres_available():
            sys.exit("PostgreSQL is not reachable: set BENCH_POSTGRES_URL")
        url = database_url(vendor, f"dashboard_{customers}")
        fresh = fresh_database(url, keep=not (args.rebuild or args.tiny))
        log(f"== dashboard, {customers:,} customers on {vendor}" + (" (building)" if fresh else ""))
        extra = ["--fresh"] if fresh else []
        figures[vendor] = run_child(
            __file__,
            ["--child", "--customers", str(customers), "--repeat", str(args.repeat), *extra],
            {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
