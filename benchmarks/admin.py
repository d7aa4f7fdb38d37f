#!/usr/bin/env python
"""Admin benchmark: every crm list page (unfiltered, searched, filtered) on the
synthetic shop of 1M customers, requested through Django's test client by a
staff user who may only view the crm tables; and the care lists (the message
log of 1M messages, delivery receipts, tickets) as a member of the care role.
Prints ONE JSON line on stdout; progress goes to stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/admin.py                      # 1M customers, PostgreSQL
    .venv/bin/python benchmarks/admin.py --database sqlite --customers 100000
    .venv/bin/python benchmarks/admin.py --tiny               # seconds: what the tests run

The shop is the outreach benchmark's (benchmarks/_shop.py, database
`bench_shop_<N>`), built once and reused, plus one logged message per customer
(a paused campaign `bench-admin-log`, which the outreach benchmark leaves
alone) and a receipt for half of them. Each page is requested once to warm
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
# The care lists. The log's messages are keyed bench-admin/B<n>/sms|email, sent
# ones carry the provider id SMB<n>; {customer} is B4242's primary key.
CARE_PAGES = [
    ("message", ""),
    ("message", "q=bench-admin/B4242/sms"),
    ("message", "q=B4242"),
    ("message", "q=SMB4242"),
    ("message", "customer__id__exact={customer}"),
    ("message", "status__exact=sent"),
    ("message", "status__exact=failed"),
    ("message", "trigger=birthday&channel__exact=email"),
    ("message", "reason__exact=quiet_hours"),
    ("deliveryevent", ""),
    ("deliveryevent", "q=SMB4242"),
    ("deliveryevent", "error_code=30003"),
    ("ticket", ""),
    ("ticket", "q=B4242"),
    ("ticket", "q=Help"),
    ("ticket", "status__exact=open&agent=bench"),
]
LOG_CAMPAIGN = "bench-admin-log"


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


def care_member():
    """A staff user in the care role's group (migration care 0010)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.update_or_create(
        username="bench-care", defaults={"is_staff": True, "is_superuser": False}
    )
    user.groups.set([Group.objects.get(name="care")])
    return user


def message_log(customers: int) -> dict:
    """One logged message per customer and a receipt for every other one,
    unless the database already holds them."""
    from _fixtures import model
    from _sql import dialect, insert_select, pick
    from django.db import connection

    campaign, _ = model("care.Campaign").objects.get_or_create(
        slug=LOG_CAMPAIGN,
        defaults={"name": LOG_CAMPAIGN, "trigger": "birthday", "status": "paused"},
    )
    messages = model("care.Message").objects.filter(campaign=campaign)
    if messages.count() == customers:
        return {"reused": True}
    start = time.perf_counter()
    messages._raw_delete(messages.db)
    sql = dialect()
    with connection.cursor() as cursor:
        _insert_log(cursor, sql, campaign.pk, insert_select, pick)
        if sql.postgres:
            cursor.execute("VACUUM ANALYZE care_message")
            cursor.execute("VACUUM ANALYZE care_deliveryevent")
    return {"reused": False, "seconds": round(time.perf_counter() - start, 1)}


def _insert_log(cursor, sql, campaign: int, insert_select, pick) -> None:
    """Created over the last 30 days; 1 in 2 sent, 1 in 50 failed, the rest
    skipped for quiet hours, planned or expired; triggers and channels mixed."""
    from django.db import connection
    from django.utils import timezone

    params = {"now": connection.ops.adapt_datetimefield_value(timezone.now())}
    status = pick(
        "c.id %% 50",
        ["'failed'"] + ["'sent'"] * 25 + ["'skipped'"] * 12 + ["'planned'"] * 12,
    )
    triggers = ["birthday", "maintenance", "win_back", "dated", "new_product"]
    channel = "CASE WHEN c.id %% 4 = 0 THEN 'email' ELSE 'sms' END"
    sent = "c.id %% 50 BETWEEN 1 AND 25"
    log("  load: the message log")
    insert_select(
        cursor,
        "care.Message",
        {
            "key": f"'bench-admin/' || c.external_id || '/' || {channel}",
            "occasion_key": "'bench-admin/' || c.external_id",
            "campaign_id": str(campaign),
            "customer_id": "c.id",
            "trigger": pick("c.id %% 5", [f"'{t}'" for t in triggers]),
            "channel": channel,
            "purpose": "'marketing'",
            "status": status,
            "reason": "CASE WHEN c.id %% 50 > 37 THEN 'quiet_hours' ELSE '' END",
            "send_after": sql.days_ago("(c.id %% 43200) / 1440.0"),
            "provider_id": f"CASE WHEN {sent} THEN 'SM' || c.external_id ELSE '' END",
            "sent_at": f"CASE WHEN {sent} THEN {sql.days_ago('(c.id %% 43200) / 1440.0')} END",
            "created_at": sql.days_ago("(c.id %% 43200) / 1440.0"),
        },
        "crm_customer c",
        params,
    )
    log("  load: the delivery receipts")
    insert_select(
        cursor,
        "care.DeliveryEvent",
        {
            "message_id": "m.id",
            "provider_id": "m.provider_id",
            "status": "CASE WHEN m.id %% 10 = 0 THEN 'undelivered' ELSE 'delivered' END",
            "error_code": "CASE WHEN m.id %% 10 = 0 THEN '30003' ELSE '' END",
            "received_at": "m.sent_at",
        },
        "care_message m WHERE m.campaign_id = %(campaign)s AND m.provider_id <> ''",
        {**params, "campaign": campaign},
    )


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


def child_pages(repeat: int, customers: int, lists: str) -> dict:
    django_setup()
    from _fixtures import model
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    figures: dict = {"vendor": connection.vendor, "pages": []}
    if lists in ("crm", "all"):
        figures["pages"] += _pages("crm", PAGES, viewer(), repeat)
    if lists in ("care", "all"):
        figures["message_log"] = message_log(customers)
        customers_ = model("crm.Customer").objects.order_by("-external_id")
        customer = customers_.filter(external_id__lte="B4242").values("pk")[0]["pk"]
        pages = [(m, q.format(customer=customer)) for m, q in CARE_PAGES]
        figures["pages"] += _pages("care", pages, care_member(), repeat)
    figures["slowest"] = max(figures["pages"], key=lambda page: page["seconds"])
    return figures


def _pages(app: str, pages: list, user, repeat: int) -> list[dict]:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    timed = []
    for model, query in pages:
        url = reverse(f"admin:{app}_{model}_changelist") + (
            f"?{query}" if query else ""
        )
        timed.append(time_page(client, url, repeat))
        log(f"  {timed[-1]}")
    return timed


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
    parser.add_argument(
        "--lists", choices=["crm", "care", "all"], default="all", help="which pages"
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
        print(json.dumps(child_pages(args.repeat, args.customers, args.lists)))
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
        pages += ["--customers", str(args.customers), "--lists", args.lists]
        figures[vendor].update(run_child(__file__, pages, env))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
