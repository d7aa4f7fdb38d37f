#!/usr/bin/env python
"""Forecast benchmark: the demo's birthday campaign, forecast for 14 days, on the
synthetic shop (benchmarks/_shop.py). Prints ONE JSON line on stdout; progress
goes to stderr. See BENCHMARKS.md.

    .venv/bin/python benchmarks/forecast.py                    # 100k customers, PostgreSQL
    .venv/bin/python benchmarks/forecast.py --database sqlite
    .venv/bin/python benchmarks/forecast.py --tiny             # seconds: what the tests run

The campaign is the installed playbook `birthday-gift` (install_playbooks), as
`make run` has it; the forecast is care.studio.forecast.campaign_forecast, what
the admin's forecast page runs. It is timed cold (first call in the process)
and again warm; the goal (issue 10) is under 2 s at 100k customers.

Then a dated campaign to the whole audience, today (issue 16's large case): above
FORECAST_SAMPLE due messages the forecast simulates a sample of the customers
(the tiny mode sets FORECAST_SAMPLE to 100, so its sample path runs too). Its
time, the sample and the process's peak memory are reported.
"""

import argparse
import json
import os
import resource
import time

from _common import database_url, django_setup, log, postgres_available, run_child
from _shop import database_name

TINY_CUSTOMERS = 300
TINY_SAMPLE = "100"
GOAL_SECONDS = 2.0


def _timed(campaign) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from care.studio.forecast import campaign_forecast

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        forecast = campaign_forecast(campaign=campaign)
        seconds = time.perf_counter() - start
    sample = forecast.sample
    if sample is not None:
        sample = {"due": sample.due, "of": sample.of, "every": sample.every}
    return {
        "seconds": round(seconds, 3),
        "queries": len(queries),
        "lines": len(forecast.lines),
        "sending": forecast.sending,
        "reasons": dict(forecast.reason_rows()),
        "sample": sample,
    }


def _whole_audience():
    """A dated campaign to every customer, today, both channels (a draft)."""
    from django.utils import timezone

    from care.models import Campaign

    campaign, _ = Campaign.objects.update_or_create(
        slug="bench-forecast-everyone",
        defaults={
            "name": "everyone today",
            "trigger": "dated",
            "purpose": "marketing",
            "params": {"date": timezone.localdate().strftime("%m-%d"), "time": "10:00"},
            "audience": {},
            "channels": ["sms", "email"],
            "status": "draft",
        },
    )
    return campaign


def child() -> dict:
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from care.models import Campaign
    from care.outreach.playbooks import playbooks_install

    call_command("migrate", verbosity=0)
    playbooks_install()
    campaign = Campaign.objects.select_related("offer").get(slug="birthday-gift")
    cold = _timed(campaign)
    warm = _timed(campaign)
    log(f"  forecast ({connection.vendor}): cold {cold} / warm {warm}")
    everyone = _timed(_whole_audience())
    everyone["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    log(f"  whole audience ({connection.vendor}): {everyone}")
    return {
        "vendor": connection.vendor,
        "cold": cold,
        "warm": warm,
        "whole_audience": everyone,
    }


def parse() -> argparse.Namespace:
    scale = float(os.environ.get("BENCH_SCALE") or 1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=int(100_000 * scale))
    parser.add_argument(
        "--database", choices=["postgres", "sqlite", "both"], default="postgres"
    )
    parser.add_argument(
        "--tiny", action="store_true", help=f"{TINY_CUSTOMERS} customers"
    )
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.tiny:
        args.customers = TINY_CUSTOMERS
    if args.customers < 100:
        parser.error("--customers must be at least 100")
    return args


def main() -> None:
    args = parse()
    if args.child:
        print(json.dumps(child()))
        return
    vendors = ["postgres", "sqlite"] if args.database == "both" else [args.database]
    if "postgres" in vendors and not postgres_available():
        log("PostgreSQL is not reachable (BENCH_POSTGRES_URL): skipping it")
        vendors = [v for v in vendors if v != "postgres"] or ["sqlite"]
    figures: dict = {
        "benchmark": "forecast",
        "customers": args.customers,
        "goal_seconds": GOAL_SECONDS,
    }
    env = {"LOG_LEVEL": "WARNING"}
    if args.tiny:
        env["FORECAST_SAMPLE"] = TINY_SAMPLE
    for vendor in vendors:
        url = database_url(vendor, database_name(args.customers))
        log(f"== build {vendor}, {args.customers:,} customers")
        build = run_child(
            "benchmarks/_shop.py", [str(args.customers)], {**env, "DATABASE_URL": url}
        )
        log(f"== forecast ({vendor})")
        result = run_child(__file__, ["--child"], {**env, "DATABASE_URL": url})
        figures[vendor] = {"build": build, **result}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
