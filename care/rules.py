"""The rules checked on every send, as pure functions: no ORM, no database.

Quiet-hours and local-date arithmetic, the holdout hash, the cap decision,
the opt-out text and the retry delays. Who is "in care" (open tickets and
cases) is a query, in care.service.care_first.
"""

import datetime as dt
import hashlib
import random
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

QuietWindow = tuple[dt.time, dt.time]

OPT_OUT_TEXT = {"en": "Reply STOP to opt out", "zh-hans": "回复TD退订"}


def parse_quiet_hours(text: str) -> QuietWindow | None:
    """Parse "21:00-08:00"; an empty value or equal ends mean no quiet hours."""
    if not text or not text.strip():
        return None
    try:
        start_text, end_text = text.split("-")
        start = dt.time.fromisoformat(start_text.strip())
        end = dt.time.fromisoformat(end_text.strip())
    except ValueError:
        raise ValueError(
            f"quiet hours must look like 21:00-08:00, got {text!r}"
        ) from None
    return None if start == end else (start, end)


def customer_zone(name: str) -> ZoneInfo:
    """The customer's zone; blank or unknown names fall back to TIME_ZONE."""
    try:
        return ZoneInfo(name) if name else ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _is_quiet(local: dt.time, window: QuietWindow) -> bool:
    start, end = window
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_until(
    now: dt.datetime, zone: ZoneInfo, window: QuietWindow | None
) -> dt.datetime | None:
    """Return when the quiet window around `now` ends (aware, UTC), or None if not quiet.

    The end is a local wall-clock time on the right local date, converted with
    zoneinfo, so a DST change inside the night moves the UTC instant with it.
    A wall-clock end that does not exist (spring-forward gap) resolves to the
    first instant after the gap.
    """
    if window is None:
        return None
    local = now.astimezone(zone)
    if not _is_quiet(local.time(), window):
        return None
    start, end = window
    day = local.date()
    if start > end and local.time() >= start:
        day += dt.timedelta(days=1)
    return local_moment(day, end, zone)


def local_moment(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a local date and wall-clock time in a zone (DST-safe)."""
    # fold=0 reads a wall-clock time inside the spring-forward gap with the
    # offset from before the gap, which lands just after it (02:30 -> 03:30):
    # never earlier than the time asked for. Ambiguous fall-back times take
    # their first occurrence.
    aware = dt.datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    return aware.astimezone(dt.UTC)


def in_holdout(campaign_id: int, customer_id: int, share: float) -> bool:
    """Stable assignment: the same customer is always in or out for a campaign."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"holdout:{campaign_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def cap_reached(sent_recently: int, limit: int) -> bool:
    """Frequency cap: limit 0 disables the cap."""
    return limit > 0 and sent_recently >= limit


def with_opt_out(body: str, locale: str) -> str:
    """Append the opt-out line in the customer's language unless already there."""
    text = OPT_OUT_TEXT.get(locale, OPT_OUT_TEXT["en"])
    if text in body:
        return body
    return f"{body.rstrip()} {text}"


def retry_delay(attempts: int) -> dt.timedelta:
    """Back off 1, 2, 4 ... minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def throttle_delay(
    attempts: int, retry_after: float = 0.0, jitter: float | None = None
) -> dt.timedelta:
    """Back off 5, 10, 20 ... seconds (at most 10 minutes) after a 429, jittered.

    Full jitter in [50%, 100%] spreads the workers that were throttled
    together; never sooner than the provider's Retry-After.
    """
    base = min(5 * 2 ** max(attempts - 1, 0), 600)
    share = 0.5 + (random.random() if jitter is None else jitter) / 2
    return dt.timedelta(seconds=max(retry_after, base * share))
