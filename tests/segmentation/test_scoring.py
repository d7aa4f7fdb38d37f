import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from segmentation.scoring import (
    Rule,
    assign_segments,
    fm_scores,
    quintile_scores,
    rfm_scores,
    score_grid,
    segment_grid,
)


def mid_percentile_reference(values) -> list[int]:
    """The documented tie policy, written the slow and obvious way."""
    n = len(values)
    scores = []
    for v in values:
        below = sum(1 for w in values if w < v)
        equal = sum(1 for w in values if w == v)
        p = (below + equal / 2) / n
        scores.append(1 + sum(1 for k in range(1, 5) if p >= k / 5))
    return scores


values_strategy = st.one_of(
    arrays(np.int64, st.integers(1, 60), elements=st.integers(0, 6)),
    arrays(np.int64, st.integers(1, 60), elements=st.integers(-1000, 1000)),
    arrays(
        np.float64,
        st.integers(1, 60),
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    ),
)


def test_it_scores_distinct_values_in_equal_fifths():
    scores = quintile_scores(np.arange(10))
    assert scores.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_it_gives_a_single_customer_the_middle_score():
    assert quintile_scores(np.array([42])).tolist() == [3]


def test_it_gives_all_equal_values_the_middle_score():
    assert quintile_scores(np.full(7, 3.5)).tolist() == [3] * 7


def test_it_scores_two_equal_halves_two_and_four():
    assert quintile_scores(np.array([1, 1, 9, 9])).tolist() == [2, 2, 4, 4]


def test_it_places_a_heavy_tie_group_by_its_middle():
    # 60% bought once: the middle of the group is the 30th percentile -> 2.
    frequency = np.array([1] * 6 + [2] * 2 + [5, 9])
    assert quintile_scores(frequency).tolist() == [2] * 6 + [4, 4, 5, 5]


def test_it_returns_an_empty_array_for_no_values():
    assert quintile_scores(np.array([], dtype=float)).shape == (0,)


def test_it_refuses_nan():
    with pytest.raises(ValueError, match="finite"):
        quintile_scores(np.array([1.0, np.nan]))


def test_it_scores_fewer_recency_days_higher():
    scores = rfm_scores(np.array([1, 100, 5]), np.array([1, 1, 1]), np.array([1.0, 2.0, 3.0]))
    assert scores.recency.tolist() == [5, 1, 3]
    assert scores.frequency.tolist() == [3, 3, 3]


def test_it_rounds_half_fm_scores_up():
    assert fm_scores(np.array([1, 2, 5]), np.array([2, 2, 4])).tolist() == [2, 2, 5]


def test_it_lets_the_first_matching_rule_win_and_falls_back_elsewhere():
    grid = segment_grid([Rule(7, 1, 5, 5, 5), Rule(8, 1, 1, 1, 5)], fallback=99)
    assert grid[0, 4] == 7  # R1 FM5: both rules match, the first wins
    assert grid[0, 0] == 8
    assert grid[2, 2] == 99
    assert assign_segments(np.array([1, 3]), np.array([5, 3]), grid).tolist() == [7, 99]


def test_it_counts_customers_per_score_pair():
    grid = score_grid(np.array([5, 5, 1]), np.array([1, 1, 3]))
    assert grid[4, 0] == 2 and grid[0, 2] == 1 and grid.sum() == 3


@given(values_strategy)
def test_it_follows_the_documented_tie_policy(values):
    assert quintile_scores(values).tolist() == mid_percentile_reference(values.tolist())


@given(values_strategy)
def test_it_keeps_scores_between_one_and_five(values):
    scores = quintile_scores(values)
    assert scores.min() >= 1 and scores.max() <= 5


@given(values_strategy)
def test_it_gives_equal_values_equal_scores(values):
    scores = quintile_scores(values)
    for value in np.unique(values):
        assert np.unique(scores[values == value]).shape[0] == 1


@given(values_strategy, st.randoms(use_true_random=False))
def test_it_does_not_depend_on_row_order(values, rnd):
    order = list(range(values.shape[0]))
    rnd.shuffle(order)
    shuffled = values[order]
    assert quintile_scores(shuffled).tolist() == quintile_scores(values)[order].tolist()


@given(values_strategy)
def test_it_never_scores_a_larger_value_lower(values):
    order = np.argsort(values, kind="stable")
    assert (np.diff(quintile_scores(values)[order].astype(int)) >= 0).all()


@given(arrays(np.int64, st.integers(1, 80), elements=st.integers(0, 400)))
def test_it_scores_the_same_by_counting_and_by_partitioning(values):
    from segmentation.scoring import _counted_scores, _partitioned_scores

    n = values.shape[0]
    assert _counted_scores(values, n).tolist() == _partitioned_scores(values, n).tolist()
