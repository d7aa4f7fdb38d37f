"""The synthetic shop the outreach and admin benchmarks share (not a benchmark).

Generated in SQL through insert_select (benchmarks/_sql.py), on PostgreSQL or
SQLite, once per size: a database that already holds it is reused.
"""

import time

from _common import django_setup, fresh_database, log
from _fixtures import model
from _sql import Dialect, dialect, insert_select, pick


def database_name(customers: int) -> str:
    return f"shop_{customers}"


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


def build(url: str, customers: int, rebuild: bool) -> dict:
    """Build the shop in the database of `url` unless it already holds it."""
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
        # As a live server's autovacuum would leave them (it may be off here).
        cursor.execute("VACUUM ANALYZE" if sql.postgres else "ANALYZE")
    return {"reused": False, "seconds": round(time.perf_counter() - start, 1)}


if __name__ == "__main__":
    # _shop.py CUSTOMERS [--rebuild], with DATABASE_URL set: one JSON line.
    import json
    import os
    import sys

    count, *rest = sys.argv[1:]
    figures = build(os.environ["DATABASE_URL"], int(count), "--rebuild" in rest)
    print(json.dumps(figures))
