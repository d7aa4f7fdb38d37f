"""Dated campaign: a one-off (YYYY-MM-DD) or yearly (MM-DD) date, at a local time of day."""

import calendar
import datetime as dt

from django.utils.translation import gettext as _

from care.outbox.source import Source
from care.outreach.triggers.base import audience_q, local_date_span
from care.rules import customer_zone, local_moment
from crm.models import Customer


def parse_when(date_text: str, time_text: str) -> tuple[int | None, int, int, dt.time]:
    """ "2027-02-06" or "09-15" and "10:00" -> (year or None, month, day, time)."""
    parts = [int(part) for part in date_text.strip().split("-")]
    if len(parts) == 3:
        year, month, day = parts
        dt.date(year, month, day)
    elif len(parts) == 2:
        year, (month, day) = None, parts
        dt.date(2000, month, day)  # validates, 29 Feb included
    else:
        raise ValueError("date must be YYYY-MM-DD or MM-DD")
    return year, month, day, dt.time.fromisoformat(time_text.strip())


def dated_params_errors(params: dict) -> list[str]:
    """The registry's check of a dated campaign's settings (care.outreach.validation)."""
    try:
        parse_when(str(params["date"]), str(params["time"]))
    except (ValueError, TypeError):
        return [_("date must be YYYY-MM-DD (once) or MM-DD (yearly), time HH:MM.")]
    return []


def matches(day: dt.date, year: int | None, month: int, dom: int) -> bool:
    if (month, dom) == (2, 29) and year is None and not calendar.isleap(day.year):
        dom = 28  # a yearly 29 February falls on 28 February in common years
    return (day.month, day.day) == (month, dom) and year in (None, day.year)


def dated_source(campaign, now: dt.datetime, params: dict) -> Source | None:
    """The whole audience of the zones where today is the date, in one statement."""
    year, month, dom, at = parse_when(params["date"], params["time"])
    first, last = local_date_span(now)
    targets = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    if not any(matches(day, year, month, dom) for day in targets):
        return None
    audience = audience_q(campaign.audience)
    zones = Customer.objects.filter(audience).order_by().values_list("time_zone")
    # The local date and send moment are computed once per zone, in Python
    # (zoneinfo, DST); the database joins them to the zone's customers.
    rows = []
    for (zone_name,) in zones.distinct():
        today = now.astimezone(customer_zone(zone_name)).date()
        if matches(today, year, month, dom):
            moment = local_moment(today, at, customer_zone(zone_name))
            rows.append(
                {
                    "time_zone": zone_name,
                    "occasion": today.isoformat(),
                    "send_after": moment,
                }
            )
    if not rows:
        return None
    columns = {"time_zone": "text", "occasion": "text", "send_after": "timestamptz"}
    return Source(
        rows, columns, join="c.time_zone = d.time_zone", customers=audience, wide=True
    )
