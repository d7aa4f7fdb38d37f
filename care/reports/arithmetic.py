"""The care reports' arithmetic: plain functions over plain numbers (no ORM).

Rates are shares in 0..1 (None when there is nothing to divide by); NPS is in
points (-100..100); latencies are in minutes.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def csat_share(scores: Sequence[int]) -> float | None:
    """Share of CSAT answers that are 4 or 5."""
    return rate(sum(1 for s in scores if s >= 4), len(scores))


def nps_points(scores: Sequence[int]) -> float | None:
    """Promoters (9-10) minus detractors (0-6), in percentage points."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return 100 * (promoters - detractors) / len(scores)


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Latency:
    count: int
    median: float | None
    p95: float | None
    maximum: float | None
    within: float | None  # share sent within the limit


def latency_summary(minutes: Sequence[float], limit: float = 60) -> Latency:
    """Resolution-to-survey latency: median, 95th percentile, maximum, share within limit."""
    return Latency(
        count=len(minutes),
        median=median(minutes),
        p95=percentile(minutes, 0.95),
        maximum=max(minutes) if minutes else None,
        within=rate(sum(1 for m in minutes if m <= limit), len(minutes)),
    )


@dataclass(frozen=True)
class CaseFacts:
    """What the report needs of one recovery case (datetimes or plain numbers)."""

    first_response_due: object
    resolution_due: object
    first_response_at: object | None
    resolved_at: object | None
    recovered: bool


def case_overdue(case: CaseFacts, now: object) -> bool:
    """Missed a deadline: answered or resolved late, or still waiting past it."""
    first = case.first_response_at if case.first_response_at is not None else now
    resolved = case.resolved_at if case.resolved_at is not None else now
    return first > case.first_response_due or resolved > case.resolution_due


@dataclass(frozen=True)
class RecoverySummary:
    opened: int
    overdue: int
    recovered: int

    @property
    def recovered_share(self) -> float | None:
        return rate(self.recovered, self.opened)


def recovery_summary(cases: Sequence[CaseFacts], now: object) -> RecoverySummary:
    return RecoverySummary(
        opened=len(cases),
        overdue=sum(1 for case in cases if case_overdue(case, now)),
        recovered=sum(1 for case in cases if case.recovered),
    )


def distribution(scores: Sequence[int], low: int, high: int) -> list[tuple[int, int]]:
    """(score, count) for every score from low to high, zeros included."""
    counts = dict.fromkeys(range(low, high + 1), 0)
    for score in scores:
        if score in counts:
            counts[score] += 1
    return list(counts.items())


def histogram(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Counts per bucket [edges[i], edges[i+1]), plus a last bucket for >= the last edge."""
    counts = [0] * len(edges)
    for value in values:
        index = sum(1 for edge in edges[1:] if value >= edge)
        counts[index] += 1
    return counts


def bucket_start(day: dt.date, unit: str) -> dt.date:
    """The Monday of the day's week, or the first of its month."""
    if unit == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def csat_trend(
    answers: Sequence[tuple[dt.date, int]], unit: str
) -> list[tuple[dt.date, float | None, int]]:
    """(bucket start, CSAT share, answers) per week or month that has answers."""
    buckets: dict[dt.date, list[int]] = {}
    for day, csat in answers:
        buckets.setdefault(bucket_start(day, unit), []).append(csat)
    return [(start, csat_share(s), len(s)) for start, s in sorted(buckets.items())]
