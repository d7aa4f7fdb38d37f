"""The uplift statistics against independent computations (scipy, statsmodels), to 3 decimals."""

import random
from decimal import Decimal

import pytest
from django.utils import translation
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from care.reports.uplift import (
    MIN_GROUP,
    Interval,
    Moments,
    Uplift,
    amount_sentence,
    mean_difference,
    points_sentence,
    rate_difference,
    t_quantile,
    uplift,
    wilson,
)

PROPORTIONS = [
    (56, 70, 48, 80),  # Newcombe's (1998) worked example
    (9, 10, 3, 10),
    (0, 50, 2, 60),
    (120, 2000, 8, 220),
    (31, 1000, 0, 110),
    (5000, 90000, 480, 10000),
]


@pytest.mark.parametrize("x1,n1,x0,n0", PROPORTIONS)
def test_the_rate_difference_matches_statsmodels(x1, n1, x0, n0):
    low, high = confint_proportions_2indep(
        x1, n1, x0, n0, method="newcomb", compare="diff", alpha=0.05
    )
    ours = rate_difference(x1, n1, x0, n0)
    assert ours.estimate == pytest.approx(x1 / n1 - x0 / n0, abs=5e-4)
    assert ours.low == pytest.approx(low, abs=5e-4)
    assert ours.high == pytest.approx(high, abs=5e-4)


def test_newcombes_worked_example_to_four_places():
    # Newcombe 1998, Table II, example (a): 56/70 - 48/80 -> 0.0524 to 0.3339
    ours = rate_difference(56, 70, 48, 80)
    assert (round(ours.low, 4), round(ours.high, 4)) == (0.0524, 0.3339)


@pytest.mark.parametrize("successes,n", [(0, 10), (3, 10), (10, 10), (81, 263)])
def test_wilson_matches_statsmodels(successes, n):
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    ours = wilson(successes, n)
    assert ours == pytest.approx((low, high), abs=5e-4)


def revenue(rng, n, buy_rate, mean):
    return [round(rng.expovariate(1 / mean), 2) if rng.random() < buy_rate else 0.0 for _ in range(n)]


@pytest.mark.parametrize(
    "n1,n0,rate1,rate0,seed", [(500, 60, 0.08, 0.05, 1), (40, 35, 0.3, 0.2, 2), (5000, 550, 0.03, 0.03, 3)]
)
def test_the_revenue_difference_matches_scipys_welch_interval(n1, n0, rate1, rate0, seed):
    rng = random.Random(seed)
    treated, control = revenue(rng, n1, rate1, 300), revenue(rng, n0, rate0, 280)
    expected = stats.ttest_ind(treated, control, equal_var=False).confidence_interval(0.95)
    ours = mean_difference(treated, control)
    assert ours.low == pytest.approx(expected.low, abs=5e-4)
    assert ours.high == pytest.approx(expected.high, abs=5e-4)


def moments(values: list[float]) -> Moments:
    cents = [Decimal(str(v)) for v in values]
    return Moments(len(cents), sum(cents, Decimal(0)), sum((c * c for c in cents), Decimal(0)))


@pytest.mark.parametrize(
    "n1,n0,rate1,rate0,seed", [(500, 60, 0.08, 0.05, 1), (5000, 550, 0.03, 0.03, 3)]
)
def test_sums_from_the_database_give_scipys_interval_too(n1, n0, rate1, rate0, seed):
    """The results add revenue up in SQL (count, total, squares): the same interval."""
    rng = random.Random(seed)
    treated, control = revenue(rng, n1, rate1, 300), revenue(rng, n0, rate0, 280)
    expected = stats.ttest_ind(treated, control, equal_var=False).confidence_interval(0.95)
    ours = mean_difference(moments(treated), moments(control))
    assert ours.low == pytest.approx(expected.low, abs=5e-4)
    assert ours.high == pytest.approx(expected.high, abs=5e-4)
    assert mean_difference(moments([5.0] * 3), moments([2.0] * 2)) == Interval(3.0, 3.0, 3.0)


@pytest.mark.parametrize("df", [1, 2, 3.5, 9, 30, 57.3, 1000, 1e6])
def test_the_t_quantile_matches_scipy(df):
    assert t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), abs=1e-6)


def test_equal_groups_of_constants_have_a_zero_width_interval():
    assert mean_difference([5.0, 5.0, 5.0], [2.0, 2.0]) == Interval(3.0, 3.0, 3.0)


@translation.override("en")
def test_the_sentences():
    small = uplift([0.0] * 20, 2, [0.0] * 5, 0)
    assert points_sentence(small) == "too early to tell"
    assert amount_sentence(small, "CNY") == "too early to tell"
    none = uplift([0.0] * 1000, 50, [0.0] * 100, 5)
    assert points_sentence(none) == "no measurable effect"
    real = Uplift(2000, 200, Interval(0.021, 0.004, 0.038), Interval(1.2, 0.1, 2.3))
    assert points_sentence(real) == "+2.1 pt (95% CI +0.4 to +3.8)"
    assert amount_sentence(real, "CNY") == "+1.20 CNY per recipient (95% CI +0.10 to +2.30)"
    worse = Uplift(2000, 200, Interval(-0.021, -0.038, -0.004), None)
    assert points_sentence(worse) == "-2.1 pt (95% CI -3.8 to -0.4)"


def test_too_early_below_the_minimum_group():
    assert uplift([1.0] * MIN_GROUP, 1, [1.0] * (MIN_GROUP - 1), 1).too_early
    assert not uplift([1.0] * MIN_GROUP, 1, [1.0] * MIN_GROUP, 1).too_early
