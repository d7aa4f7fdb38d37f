"""What every trigger returns: who is due, for which occasion, from when."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

if TYPE_CHECKING:
    from care.models import Campaign


@dataclass(frozen=True)
class Due:
    customer_id: int
    # `subject` and `occasion` make the once-only key: e.g. "asset:9" and "2026-12-01".
    subject: str
    occasion: str
    send_after: dt.datetime
    data: dict = field(default_factory=dict)
    product_id: int | None = None
    asset_id: int | None = None
    ticket_id: int | None = None
    expires_at: dt.datetime | None = None


DueFunction = Callable[["Campaign", dt.datetime, dict], Iterator[Due]]


@dataclass(frozen=True)
class TriggerSpec:
    due: DueFunction
    defaults: dict
    # Names of integer settings that must be >= 0 (or >= 1 when listed in `positive`).
    integers: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()


def audience_q(audience: dict, prefix: str = "") -> Q:
    """Filter customers (under `prefix`, e.g. "customer__") by a campaign's audience."""
    q = Q()
    if audience.get("segments"):
        q &= Q(**{f"{prefix}rfm__segment__in": audience["segments"]})
    if audience.get("clusters"):
        q &= Q(**{f"{prefix}rfm__cluster__in": audience["clusters"]})
    if audience.get("locales"):
        q &= Q(**{f"{prefix}locale__in": audience["locales"]})
    if audience.get("time_zones"):
        q &= Q(**{f"{prefix}time_zone__in": audience["time_zones"]})
    return q


# Local dates span UTC-12 .. UTC+14 around the world at any instant.
EARLIEST_OFFSET = dt.timedelta(hours=-12)
LATEST_OFFSET = dt.timedelta(hours=14)


def local_date_span(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first and last calendar date it currently is somewhere on Earth."""
    utc = now.astimezone(dt.UTC)
    return (utc + EARLIEST_OFFSET).date(), (utc + LATEST_OFFSET).date()
