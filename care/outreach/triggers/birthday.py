"""Birthday gift: the birthday is N days ahead (or fewer, so a missed sweep catches up)."""

import calendar
import datetime as dt
from collections.abc import Iterator

from django.db.models import Q

from care.outbox.plan import Due
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


def birthday_due(campaign, now: dt.datetime, params: dict) -> Iterator[Due]:
    ahead = int(params["days_ahead"])
    first, last = local_date_span(now)
    candidates = (
        Customer.objects.filter(month_day_q(first, last + dt.timedelta(days=ahead)))
        .filter(audience_q(campaign.audience))
        .values_list("id", "birthday", "time_zone")
    )
    # Only the few candidates whose month/day matches somewhere on Earth are
    # checked against their own local date.
    for customer_id, birthday, zone in candidates.iterator(chunk_size=2000):
        today = now.astimezone(customer_zone(zone)).date()
        occurs = next_birthday(birthday, today)
        if (occurs - today).days <= ahead:
            yield Due(
                customer_id=customer_id,
                subject=f"customer:{customer_id}",
                occasion=str(occurs.year),
                send_after=now,
                data={
                    "birthday": occurs.isoformat(),
                    "days_ahead": (occurs - today).days,
                },
            )
