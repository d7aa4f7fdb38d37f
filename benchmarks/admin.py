#!/usr/bin/env python
"""Admin benchmark: every crm list page (unfiltered, searched, filtered) on the
synthetic shop of 1M customers, requested through Django's test client by a
staff user who may only view the crm tables. Prints ONE JSON line on stdout;
progress goes to stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/admin.py                      # 1M customers, PostgreSQL
    .venv/bin/python benchmarks/admin.py --database sqlite --customers 100000
    .venv/bin/python benchmarks/admin.py --tiny               # seconds: what the tests run

The shop is the outreach benchmark's (benchmarks/_shop.py, database
`bench_shop_<N>`), built once and reused. Each page is requested once to warm
up, then --repeat times (the median is reported) and once more to count its
queries.
"""

import argparse
import json
import os
import statistics
import time

from _common import (
    database_url,
    django_setup,
    log,
    machine,
    postgres_available,
    run_child,
)
from _shop import database_name

TINY_CUSTOMERS = 300
CRM_MODELS = ["customer", "order", "asset", "product", "browseevent", "consent"]
# (list, query string): what care staff and marketers open. The shop's
# customers are B1..BN, phones +86138 and 8 digits, emails cN@example.com.
PAGES = [
    ("customer", ""),
    ("customer", "q=%2B86 138 0000 4242"),
    ("customer", "q=c4242@example.com"),
    ("customer", "q=B4242"),
    ("customer", "q=Customer 4242"),
    ("customer", "q=Cu"),
    ("customer", "locale__exact=en"),
    ("customer", "time_zone=Europe/London"),
    ("customer", "birthday=this_month"),
    ("customer", "sms_consent=marketing:granted"),
    ("customer", "email_consent=service:none"),
    ("order", ""),
    ("order", "q=O4242"),
    ("order", "q=B4242"),
    ("order", "currency=CNY"),
    ("order", "coupon=yes"),
    ("asset", ""),
    ("asset", "q=B4242"),
    ("asset", "next_service=7"),
    ("product", ""),
    ("product", "q=P42"),
    ("browseevent", ""),
    ("browseevent", "q=B4242"),
    ("consent", ""),
    ("consent", "q=B4242"),
    ("consent", "channel__exact=email&granted__exact=0"),
]


def viewer():
    """A staff user with only the crm tables' view permissions."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user, _ = get_user_model().objects.update_or_create(
        username="bench-viewer", defaults={"is_staff": True, "is_superuser": False}
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="crm",
            codename__in=[f"view_{model}" for model in CRM_MODELS],
        )
    )
    return user


def time_page(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm up
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "page": url,
        "seconds": round(statistics.median(times), 3),
        "slowest": round(max(times), 3),
        "queries": len(queries),
    }


def child_pages(repeat: int) -> dict:
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    client = Client()
    client.force_login(viewer())
    pages = []
    for model, query in PAGES:
        url = reverse(f"admin:crm_{model}_changelist") + (f"?{query}" if query else "")
        pages.append(time_page(client, url, repeat))
        log(f"  {pages[-1]}")
    slowest = max(pages, key=lambda page: page["seconds"])
    return {"vendor": connection.vendor, "pages": pages, "slowest": slowest}


def parse() -> argparse.Namespace:
    scale = float(os.environ.get("BENCH_SCALE") or 1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=int(1_000_000 * scale))
    parser.add_argument(
        "--database", choices=["postgres", "sqlite", "both"], default="postgres"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--tiny", action="store_true", help=f"{TINY_CUSTOMERS} customers"
    )
    parser.add_argument("--child", choices=["pages"])
    args = parser.parse_args()
    if args.tiny:
        args.customers, args.repeat = TINY_CUSTOMERS, 1
    if args.customers < 100 or args.repeat < 1:
        parser.error("--customers must be at least 100 and --repeat at least 1")
    return args


def main() -> None:
    args = parse()
    if args.child:
        print(json.dumps(child_pages(args.repeat)))
        return
    vendors = ["postgres", "sqlite"] if args.database == "both" else [args.database]
    if "postgres" in vendors and not postgres_available():
        log("PostgreSQL is not reachable (BENCH_POSTGRES_URL): skipping it")
        vendors = [v for v in vendors if v != "postgres"] or ["sqlite"]
    figures: dict = {"benchmark": "admin", "machine": machine()}
    figures["customers"] = args.customers
    for vendor in vendors:
        url = database_url(vendor, database_name(args.customers))
        log(f"== {vendor}, {args.customers:,} customers")
        build = [str(args.customers), *(["--rebuild"] if args.rebuild else [])]
        env = {"DATABASE_URL": url}
        figures[vendor] = {"build": run_child("benchmarks/_shop.py", build, env)}
        pages = ["--child", "pages", "--repeat", str(args.repeat)]
        figures[vendor].update(run_child(__file__, pages, env))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
