"""Is the campaign's effect real? Differences against the holdout with 95% intervals.

Plain functions over plain numbers, no ORM and no statistics package (scipy
and statsmodels check them in the tests only):
- the conversion-rate difference, sent minus held out, with Newcombe's
  hybrid score interval (method 10 of Newcombe 1998, built on Wilson's
  interval for each rate): unlike the textbook Wald interval it stays honest
  for small groups and for rates near 0, which is where campaigns live;
- the revenue-per-recipient difference with Welch's t interval (unequal
  variances: one large sale makes the groups' spreads differ);
- a plain sentence for a marketer: "too early to tell", "no measurable
  effect", or "+2.1 pt (95% CI +0.4 to +3.8)".
The Student t quantile comes from the regularized incomplete beta function
(Lentz's continued fraction) and bisection.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import NormalDist

from django.utils.translation import gettext as _

CONFIDENCE = 0.95
# Fewer recipients than this in either group: too early to tell.
MIN_GROUP = 30


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def z_value(confidence: float = CONFIDENCE) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson's score interval for one proportion (no continuity correction)."""
    if n <= 0:
        raise ValueError("n must be positive")
    z = z_value(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_difference(
    x1: int, n1: int, x0: int, n0: int, confidence: float = CONFIDENCE
) -> Interval:
    """p1 - p0 with Newcombe's hybrid score interval."""
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson(x1, n1, confidence)
    l0, u0 = wilson(x0, n0, confidence)
    delta = p1 - p0
    low = delta - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = delta + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return Interval(delta, low, high)


@dataclass(frozen=True)
class Moments:
    """A group's values by their count, total and total of squares (exact in
    Decimal): what a mean and a variance need, added up by the database
    instead of one value per recipient (care.outreach.results)."""

    n: int
    total: Decimal
    squares: Decimal

    def __len__(self) -> int:
        return self.n


def _mean_variance(values: Sequence[float] | Moments) -> tuple[float, float]:
    n = len(values)
    if isinstance(values, Moments):
        spread = values.squares - values.total * values.total / n
        variance = float(spread / (n - 1)) if n > 1 else 0.0
        return float(values.total / n), max(variance, 0.0)
    mean = math.fsum(values) / n
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, variance


Values = Sequence[float] | Moments


def mean_difference(
    treated: Values, control: Values, confidence: float = CONFIDENCE
) -> Interval:
    """mean(treated) - mean(control) with Welch's t interval (each group of 2 or more)."""
    if len(treated) < 2 or len(control) < 2:
        raise ValueError("each group needs at least two values")
    m1, v1 = _mean_variance(treated)
    m0, v0 = _mean_variance(control)
    a, b = v1 / len(treated), v0 / len(control)
    se = math.sqrt(a + b)
    delta = m1 - m0
    if se == 0:
        return Interval(delta, delta, delta)
    df = (a + b) ** 2 / (a * a / (len(treated) - 1) + b * b / (len(control) - 1))
    half = t_quantile(0.5 + confidence / 2, df) * se
    return Interval(delta, delta - half, delta + half)


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def beta_regularized(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * beta_regularized(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The Student t quantile for 0.5 < p < 1 (bisection on t_cdf)."""
    if df > 1e7:
        return NormalDist().inv_cdf(p)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2


@dataclass(frozen=True)
class Uplift:
    """The sent group against the held-out group."""

    sent: int
    held_out: int
    conversion: Interval | None  # in shares (0.021 = 2.1 points)
    revenue: Interval | None  # per recipient, in the orders' currency

    @property
    def too_early(self) -> bool:
        return self.sent < MIN_GROUP or self.held_out < MIN_GROUP


def uplift(
    sent_revenue: Values,
    sent_converted: int,
    held_revenue: Values,
    held_converted: int,
) -> Uplift:
    """Both differences; None where a group is too small to compute one."""
    n1, n0 = len(sent_revenue), len(held_revenue)
    conversion = (
        rate_difference(sent_converted, n1, held_converted, n0) if n1 and n0 else None
    )
    revenue = (
        mean_difference(sent_revenue, held_revenue) if n1 > 1 and n0 > 1 else None
    )
    return Uplift(n1, n0, conversion, revenue)


def _signed(value: float, places: int) -> str:
    text = f"{value:+.{places}f}"
    return "+0" + text[2:] if text.startswith("-") and float(text) == 0 else text


def _verdict(result: Uplift, interval: Interval | None) -> str:
    if result.too_early or interval is None:
        return _("too early to tell")
    if not interval.excludes_zero:
        return _("no measurable effect")
    return ""


def points_sentence(result: Uplift) -> str:
    """The conversion verdict in the active language."""
    interval = result.conversion
    verdict = _verdict(result, interval)
    if verdict:
        return verdict
    estimate, low, high = (
        _signed(100 * v, 1) for v in (interval.estimate, interval.low, interval.high)
    )
    return _("%(estimate)s pt (95%% CI %(low)s to %(high)s)") % {
        "estimate": estimate,
        "low": low,
        "high": high,
    }


def amount_sentence(result: Uplift, currency: str) -> str:
    """The revenue-per-recipient verdict in the active language."""
    interval = result.revenue
    verdict = _verdict(result, interval)
    if verdict:
        return verdict
    estimate, low, high = (
        _signed(v, 2) for v in (interval.estimate, interval.low, interval.high)
    )
    return _(
        "%(estimate)s %(currency)s per recipient (95%% CI %(low)s to %(high)s)"
    ) % {"estimate": estimate, "currency": currency, "low": low, "high": high}
