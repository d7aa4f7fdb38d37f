"""Each report figure on a small data set worked out by hand."""

import datetime as dt

from care.reports.arithmetic import (
    CaseFacts,
    case_overdue,
    csat_share,
    csat_trend,
    distribution,
    histogram,
    latency_summary,
    median,
    nps_points,
    percentile,
    rate,
    recovery_summary,
)

T0 = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def test_it_counts_csat_as_the_share_of_fours_and_fives():
    assert csat_share([5, 4, 3, 2, 1, 5, 4, 4]) == 5 / 8


def test_it_has_no_csat_without_answers():
    assert csat_share([]) is None


def test_it_computes_nps_as_promoters_minus_detractors_in_points():
    # 10, 9, 9 promoters (3); 7, 8 passives; 6, 0 detractors (2); n = 7.
    assert nps_points([10, 9, 9, 7, 8, 6, 0]) == 100 * (3 - 2) / 7


def test_nps_spans_minus_100_to_100():
    assert nps_points([0, 6]) == -100
    assert nps_points([9, 10]) == 100


def test_it_computes_rates_and_none_for_nothing():
    assert rate(3, 4) == 0.75
    assert rate(0, 0) is None


def test_first_contact_resolution_is_a_plain_rate():
    flags = [True, True, False, True]
    assert rate(sum(flags), len(flags)) == 0.75


def test_median_of_even_and_odd_counts():
    assert median([10, 30, 20]) == 20
    assert median([10, 20, 30, 40]) == 25


def test_the_95th_percentile_is_nearest_rank():
    values = list(range(1, 21))  # 1..20: rank ceil(0.95 * 20) = 19
    assert percentile(values, 0.95) == 19
    assert percentile([7], 0.95) == 7


def test_the_latency_summary():
    minutes = [10, 10, 11, 12, 15, 20, 58, 61, 600, 10]
    summary = latency_summary(minutes)
    assert summary.count == 10
    assert summary.median == 13.5  # (12 + 15) / 2
    assert summary.p95 == 600  # rank ceil(9.5) = 10: the largest
    assert summary.maximum == 600
    assert summary.within == 0.8


def test_an_empty_latency_summary():
    summary = latency_summary([])
    assert (summary.median, summary.p95, summary.maximum, summary.within) == (
        None,
        None,
        None,
        None,
    )


def facts(first_at=None, resolved_at=None, recovered=False) -> CaseFacts:
    return CaseFacts(T0 + H, T0 + 24 * H, first_at, resolved_at, recovered)


def test_a_case_answered_and_resolved_in_time_is_not_overdue():
    assert not case_overdue(facts(T0 + H / 2, T0 + 2 * H), now=T0 + 48 * H)


def test_a_case_answered_late_is_overdue_even_once_resolved():
    assert case_overdue(facts(T0 + 2 * H, T0 + 3 * H), now=T0 + 48 * H)


def test_an_open_case_is_overdue_once_its_deadline_passed():
    assert not case_overdue(facts(), now=T0 + H / 2)
    assert case_overdue(facts(), now=T0 + 2 * H)
    assert case_overdue(facts(T0 + H / 2), now=T0 + 25 * H)


def test_the_recovery_summary():
    cases = [
        facts(T0 + H / 2, T0 + 2 * H, recovered=True),
        facts(T0 + 2 * H, T0 + 3 * H, recovered=False),
        facts(recovered=False),
        facts(T0 + H / 4, recovered=True),
    ]
    summary = recovery_summary(cases, now=T0 + 5 * H)
    assert (summary.opened, summary.overdue, summary.recovered) == (4, 2, 2)
    assert summary.recovered_share == 0.5


def test_distribution_keeps_zero_counts():
    assert distribution([1, 1, 5], 1, 5) == [(1, 2), (2, 0), (3, 0), (4, 0), (5, 1)]


def test_histogram_buckets_with_an_open_last_bucket():
    assert histogram([0, 9.9, 10, 59, 60, 400], [0, 10, 20, 30, 40, 50, 60]) == [
        2,
        1,
        0,
        0,
        0,
        1,
        2,
    ]


def test_the_csat_trend_buckets_by_week_or_month():
    answers = [
        (dt.date(2026, 11, 2), 5),  # Monday
        (dt.date(2026, 11, 8), 1),  # Sunday, same week
        (dt.date(2026, 11, 9), 4),
    ]
    assert csat_trend(answers, "week") == [
        (dt.date(2026, 11, 2), 0.5, 2),
        (dt.date(2026, 11, 9), 1.0, 1),
    ]
    assert csat_trend(answers, "month") == [(dt.date(2026, 11, 1), 2 / 3, 3)]


def test_chart_geometry():
    from care.reports.charts import bars, line_points

    assert [b["height"] for b in bars([("1", 2), ("2", 4), ("3", 0)])] == [50, 100, 0]
    assert line_points([1.0, None, 0.0], width=600, height=160) == [
        (0, 0, 0),
        (600, 160, 2),
    ]
