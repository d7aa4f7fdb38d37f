"""Birthday gift: the birthday is N days ahead (or fewer, so a missed sweep catches up)."""

import calendar
import datetime as dt

from django.db.models import Q

from care.outbox.source import Source
from care.outreach.triggers.base import audience_q, local_date_span
from care.rules import customer_zone
from crm.models import Customer


def celebrated_on(birthday: dt.date, year: int) -> dt.date:
    """29 February is celebrated on 28 February in common years."""
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return birthday.replace(year=year)


def next_birthday(birthday: dt.date, today: dt.date) -> dt.date:
    this_year = celebrated_on(birthday, today.year)
    return this_year if this_year >= today else celebrated_on(birthday, today.year + 1)


def month_day_q(first: dt.date, last: dt.date) -> Q:
    """Match birth month/day for every date in [first, last] (an indexed OR)."""
    q = Q(pk__in=[])
    day = first
    while day <= last:
        q |= Q(birth_month=day.month, birth_day=day.day)
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            q |= Q(birth_month=2, birth_day=29)
        day += dt.timedelta(days=1)
    return q


def birthday_source(campaign, now: dt.datetime, params: dict) -> Source | None:
    """Customers whose birthday is at most N days ahead in their own time zone.

    A calendar per time zone (its local today and the N days after, with the
    birthday each month/day stands for) is joined to the customers in the
    database: the whole audience is planned in one statement.
    """
    ahead = int(params["days_ahead"])
    first, last = local_date_span(now)
    customers = month_day_q(first, last + dt.timedelta(days=ahead)) & audience_q(
        campaign.audience
    )
    zones = Customer.objects.filter(customers).order_by().values_list("time_zone")
    rows = [row for (zone,) in zones.distinct() for row in _calendar(zone, now, ahead)]
    if not rows:
        return None
    return Source(
        rows,
        CALENDAR,
        join=(
            "c.time_zone = d.time_zone AND c.birth_month = d.month "
            "AND c.birth_day = d.day"
        ),
        customers=customers,
        fixed={"send_after": now},
    )


CALENDAR = {
    "time_zone": "text",
    "month": "integer",
    "day": "integer",
    "occasion": "text",
    "data": "jsonb",
}


def _calendar(zone: str, now: dt.datetime, ahead: int) -> list[dict]:
    """One row per birth month/day due in this zone: the birthday it stands for."""
    today = now.astimezone(customer_zone(zone)).date()
    rows = []
    for n in range(ahead + 1):
        day = today + dt.timedelta(days=n)
        born = [(day.month, day.day)]
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            born.append((2, 29))  # celebrated on 28 February in common years
        data = {"birthday": day.isoformat(), "days_ahead": n}
        rows += [
            {
                "time_zone": zone,
                "month": m,
                "day": d,
                "occasion": str(day.year),
                "data": data,
            }
            for m, d in born
        ]
    return rows
