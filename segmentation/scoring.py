"""RFM scoring kernel: pure numpy, no ORM.

Tie policy (docs/segmentation.md): a value's score is the quintile that holds
the middle of its tie group. With n values, a value v that has L values below
it and E values equal to it sits at the mid-percentile p = (L + E/2) / n, and
its score is 1 + the number of k in 1..4 with p >= k/5. So equal values always
share a score, the result does not depend on row order, one customer or a set
of all-equal values scores 3 (the middle), and two equal halves score 2 and 4.

The score is computed without sorting, in linear time: integers in a narrow
range (days, order counts) by counting each value once; anything else from
the order statistics next to each quintile boundary (one np.partition), every
value away from a boundary placed by comparison with them, and only the (at
most four) tie groups that straddle a boundary counted exactly.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

QUINTILES = 5
# Integer values whose range is at most this many times the count (plus a
# little) are scored by counting each value (np.bincount), O(n + range).
COUNTING_RANGE_FACTOR = 4


@dataclass(frozen=True)
class RfmScores:
    recency: np.ndarray
    frequency: np.ndarray
    monetary: np.ndarray

    @property
    def fm(self) -> np.ndarray:
        return fm_scores(self.frequency, self.monetary)


def quintile_scores(values: np.ndarray) -> np.ndarray:
    """Score values 1..5 by quintile, higher values higher (int8)."""
    x = np.asarray(values)
    n = x.shape[0]
    if x.ndim != 1:
        raise ValueError("values must be one-dimensional")
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise ValueError("values must be finite")
    if x.dtype.kind in "iu" and _small_range(x, n):
        return _counted_scores(x, n)
    return _partitioned_scores(x, n)


def _small_range(x: np.ndarray, n: int) -> bool:
    return int(x.max()) - int(x.min()) <= COUNTING_RANGE_FACTOR * n + 1024


def _counted_scores(x: np.ndarray, n: int) -> np.ndarray:
    """Integers in a narrow range (days, order counts): count every value once."""
    index = (x - x.min()).astype(np.intp, copy=False)
    equal = np.bincount(index)
    less = np.cumsum(equal) - equal
    mid2 = QUINTILES * (2 * less + equal)  # 10 * n * mid-percentile
    table = 1 + sum((mid2 >= 2 * k * n).astype(np.int8) for k in range(1, QUINTILES))
    return table.astype(np.int8)[index]


def _partitioned_scores(x: np.ndarray, n: int) -> np.ndarray:
    """Any values: order statistics at the boundaries, exact counts only for
    the tie groups that straddle one."""
    scores = np.ones(n, dtype=np.int8)
    lows, highs = _boundary_positions(n)
    part = np.partition(x, sorted(set(lows) | set(highs)))
    for k, (lo, hi) in enumerate(zip(lows, highs), start=1):
        below, above = part[lo], part[hi]
        if below < above:
            scores += x >= above
        else:
            scores += x > below
            if _tie_group_reaches(x, below, k, n):
                scores += x == below
    return scores


def _boundary_positions(n: int) -> tuple[list[int], list[int]]:
    """Sorted positions around each boundary k*n/5: ceil(t) - 1 and floor(t)."""
    lows = [-(-k * n // QUINTILES) - 1 for k in range(1, QUINTILES)]
    highs = [k * n // QUINTILES for k in range(1, QUINTILES)]
    return lows, highs


def _tie_group_reaches(x: np.ndarray, value, k: int, n: int) -> bool:
    """Whether the mid-percentile of value's tie group is at least k/5."""
    less = int(np.count_nonzero(x < value))
    equal = int(np.count_nonzero(x == value))
    # (L + E/2) / n >= k/5, in integers.
    return QUINTILES * (2 * less + equal) >= 2 * k * n


def rfm_scores(
    recency_days: np.ndarray, frequency: np.ndarray, monetary: np.ndarray
) -> RfmScores:
    """Score recency (fewer days is better), frequency and monetary."""
    recency = np.asarray(recency_days)
    return RfmScores(
        recency=quintile_scores(-recency),
        frequency=quintile_scores(np.asarray(frequency)),
        monetary=quintile_scores(np.asarray(monetary)),
    )


def fm_scores(frequency: np.ndarray, monetary: np.ndarray) -> np.ndarray:
    """The FM score: the mean of F and M, halves rounded up."""
    total = frequency.astype(np.int16) + monetary.astype(np.int16)
    return ((total + 1) // 2).astype(np.int8)


@dataclass(frozen=True)
class Rule:
    code: int
    r_min: int
    r_max: int
    fm_min: int
    fm_max: int


def segment_grid(rules: Sequence[Rule], *, fallback: int) -> np.ndarray:
    """A 5x5 table [r-1, fm-1] -> segment code; the first matching rule wins."""
    grid = np.full((QUINTILES, QUINTILES), -1, dtype=np.int16)
    for rule in rules:
        cells = grid[rule.r_min - 1 : rule.r_max, rule.fm_min - 1 : rule.fm_max]
        cells[cells == -1] = rule.code
    grid[grid == -1] = fallback
    return grid


def assign_segments(r: np.ndarray, fm: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return grid[r.astype(np.intp) - 1, fm.astype(np.intp) - 1]


def score_grid(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Counts of customers per (row score, column score), a 5x5 int64 table."""
    flat = (rows.astype(np.intp) - 1) * QUINTILES + (cols.astype(np.intp) - 1)
    counts = np.bincount(flat, minlength=QUINTILES * QUINTILES)
    return counts.reshape(QUINTILES, QUINTILES)
