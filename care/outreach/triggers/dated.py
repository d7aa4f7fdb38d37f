"""Dated campaign: a one-off (YYYY-MM-DD) or yearly (MM-DD) date, at a local time of day."""

import calendar
import datetime as dt
from collections.abc import Iterator

from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from care.models import Message
from care.outbox.plan import Due
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


def _already_planned(campaign, day: dt.date) -> Exists:
    """The customer has this occasion's row: one unique-index probe per customer.

    A dated campaign's audience can be everybody and the sweep runs every
    minute all day; without this every run would stream the whole audience
    again just to find that nothing is new.
    """
    key = Concat(
        Value(f"{campaign.pk}/{campaign.trigger}/customer:"),
        Cast(OuterRef("pk"), CharField()),
        Value(f"/{day.isoformat()}"),
    )
    return Exists(Message.objects.filter(occasion_key=key))


def dated_due(campaign, now: dt.datetime, params: dict) -> Iterator[Due]:
    year, month, dom, at = parse_when(params["date"], params["time"])
    first, last = local_date_span(now)
    targets = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    if not any(matches(day, year, month, dom) for day in targets):
        return
    audience = Customer.objects.filter(audience_q(campaign.audience))
    # Customers are grouped by time zone: the local date and send moment are
    # computed once per zone, then the zone's customers stream from the database.
    zones = audience.order_by().values_list("time_zone", flat=True).distinct()
    for zone_name in list(zones):
        zone = customer_zone(zone_name)
        today = now.astimezone(zone).date()
        if not matches(today, year, month, dom):
            continue
        send_after = local_moment(today, at, zone)
        ids = (
            audience.filter(time_zone=zone_name)
            .exclude(_already_planned(campaign, today))
            .values_list("id", flat=True)
        )
        for customer_id in ids.iterator(chunk_size=5000):
            yield Due(
                customer_id=customer_id,
                subject=f"customer:{customer_id}",
                occasion=today.isoformat(),
                send_after=send_after,
            )
