"""k-means over log-RFM features: no ORM, deterministic for a given input.

k is chosen by the silhouette score of k-means fits on a fixed random sample
(the silhouette is quadratic in the sample size, so the sample bounds its
cost); the winning centres then seed one MiniBatchKMeans pass over everyone.
Clusters are numbered from the most valuable (recent, frequent, high spend)
to the least, so numbers are comparable between runs.

Night after night the clusters stay put (hysteresis): given the previous
run's k, silhouette and centres, those centres label everyone again with
their numbers, and k is searched again (everything refitted) only when their
silhouette fell by more than SEARCH_AGAIN_BELOW. A fresh search each night
moved or renumbered most customers' clusters (700,000 of 950,000 synthetic
customers a day apart), and every changed row is a row to write.
"""

from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

K_RANGE = (3, 8)
# Candidates are fitted on SAMPLE_SIZE customers and judged by the silhouette
# on SILHOUETTE_SIZE of them; the winner is refitted on FINAL_SIZE and then
# labels everyone (predicting is linear and cheap; fitting on a million is
# not, and moves the centres by less than the sampling noise).
SAMPLE_SIZE = 10_000
SILHOUETTE_SIZE = 4_000
FINAL_SIZE = 100_000
SEED = 20260101
BATCH_SIZE = 4096
# The silhouette's distances are computed SILHOUETTE_BLOCK rows at a time
# (4 MB each) for every candidate at once, never as the whole 128 MB matrix.
SILHOUETTE_BLOCK = 128
# Keep the previous run's k unless its silhouette dropped by more than this.
SEARCH_AGAIN_BELOW = 0.05


@dataclass(frozen=True)
class ClusterProfile:
    number: int
    size: int
    share: float
    recency_days: float
    frequency: float
    monetary: float
    r_score: float
    f_score: float
    m_score: float


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray
    k: int
    silhouette: float
    profiles: list[ClusterProfile]
    silhouette_by_k: dict[int, float] = field(default_factory=dict)
    # Each cluster's centre in log1p space (before standardising), by number:
    # the next run starts from them.
    centres: list[list[float]] = field(default_factory=list)


@dataclass(frozen=True)
class Previous:
    """What the last run found: kept while it still describes the customers."""

    k: int
    silhouette: float
    centres: list[list[float]] | None = None


@dataclass(frozen=True)
class _Space:
    """Standardised log1p features and the shift and scale that made them."""

    features: np.ndarray
    mean: np.ndarray
    spread: np.ndarray


def rfm_features(recency_days, frequency, monetary) -> np.ndarray:
    """Standardised log1p features; recency negated so every axis is 'more is better'."""
    return _space(recency_days, frequency, monetary).features


def _space(recency_days, frequency, monetary) -> _Space:
    # The log1p features straight into their rows (C order, as np.column_stack
    # would give them, so the mean and spread are summed in the same order).
    raw = np.empty((np.shape(recency_days)[0], 3), dtype=np.float64)
    for j, values in enumerate((recency_days, frequency, monetary)):
        np.log1p(np.maximum(values, 0), out=raw[:, j])
    np.negative(raw[:, 0], out=raw[:, 0])
    mean, spread = raw.mean(axis=0), raw.std(axis=0)
    spread[spread == 0] = 1.0
    # Column by column into a Fortran-ordered array: the same values as
    # (raw - mean) / spread, with each feature contiguous for predict().
    features = np.empty(raw.shape, dtype=np.float64, order="F")
    for j in range(raw.shape[1]):
        np.divide(raw[:, j] - mean[j], spread[j], out=features[:, j])
    return _Space(features, mean, spread)


def cluster_customers(*args, **kwargs) -> "Clustering | None":
    """Cluster customers; None when there are too few distinct customers.

    Runs single-threaded: the fits are on samples of at most 100k points, where
    OpenMP threads gain little and, on a busy machine, spin-waiting threads
    made it several times slower.
    """
    with threadpool_limits(limits=1):
        return _cluster_customers(*args, **kwargs)


def _cluster_customers(
    recency_days: np.ndarray,
    frequency: np.ndarray,
    monetary: np.ndarray,
    scores: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    previous: Previous | None = None,
    k_range: tuple[int, int] = K_RANGE,
    sample_size: int = SAMPLE_SIZE,
    seed: int = SEED,
) -> Clustering | None:
    """`previous`: the last run's clusters, kept while they hold."""
    space = _space(recency_days, frequency, monetary)
    sample = _sample(space.features, sample_size, seed)
    distinct = np.unique(sample, axis=0).shape[0]
    ks = range(k_range[0], min(k_range[1], distinct - 1) + 1)
    start = _previous_start(previous, ks, space)
    judge = _Judge(sample, seed)
    trials, quality, kept = _choose_k(sample, ks, judge, previous, start, seed)
    if not quality:
        return None
    # Highest silhouette wins; on a tie, the smaller k.
    best = max(quality, key=lambda k: (round(quality[k], 9), -k))
    # Kept: the previous centres label everyone as they are, with their
    # numbers (refitting them each night, even from where they were, moved
    # 30,000-40,000 of 950,000 synthetic customers a night).
    final = (
        trials[best]
        if kept
        else _fit(
            _sample(space.features, FINAL_SIZE, seed),
            best,
            seed,
            init=trials[best].cluster_centers_,
        )
    )
    # Started from the previous centres: their numbers stay.
    rank = np.arange(best) if kept else _ranks(final.cluster_centers_)
    labels = rank[final.predict(space.features)].astype(np.int16)
    centres = np.empty_like(final.cluster_centers_)
    centres[rank] = final.cluster_centers_ * space.spread + space.mean
    return Clustering(
        labels=labels,
        k=best,
        silhouette=float(quality[best]),
        profiles=_profiles(labels, best, (recency_days, frequency, monetary), scores),
        silhouette_by_k={k: float(s) for k, s in quality.items()},
        centres=centres.tolist(),
    )


def _previous_start(previous: Previous | None, ks, space: _Space):
    """The previous centres in today's standardised space, if usable."""
    if previous is None or previous.k not in ks or not previous.centres:
        return None
    centres = np.asarray(previous.centres, dtype=np.float64)
    if centres.shape != (previous.k, 3) or not np.isfinite(centres).all():
        return None
    return (centres - space.mean) / space.spread


def _sample(features: np.ndarray, size: int, seed: int) -> np.ndarray:
    n = features.shape[0]
    if n <= size:
        return features
    rng = np.random.default_rng(seed)
    return features[np.sort(rng.choice(n, size=size, replace=False))]


def _fit(data: np.ndarray, k: int, seed: int, init=None):
    # scikit-learn takes 1.5 s to import: only nights that search k need it
    # (segmentation.services imports it meanwhile when one will).
    from sklearn.cluster import MiniBatchKMeans

    model = MiniBatchKMeans(
        n_clusters=k,
        random_state=seed,
        batch_size=BATCH_SIZE,
        n_init=3 if init is None else 1,
        init="k-means++" if init is None else init,
    )
    return model.fit(data)


def _choose_k(
    sample, ks, judge, previous: Previous | None, start, seed
) -> tuple[dict, dict[int, float], bool]:
    """The candidates, their silhouettes and whether the previous clusters
    were kept: the previous centres alone while their silhouette holds, else
    a fit of every k in `ks`."""
    if start is not None:
        k = start.shape[0]
        trials = {k: _Centres(start)}
        quality = judge.silhouettes(trials)
        if k in quality and quality[k] >= previous.silhouette - SEARCH_AGAIN_BELOW:
            return trials, quality, True
    trials = {k: _fit(sample, k, seed) for k in ks}
    return trials, judge.silhouettes(trials), False


class _Centres:
    """Fixed centres, used as a fitted model: each point goes to the nearest."""

    def __init__(self, centres: np.ndarray):
        self.cluster_centers_ = centres

    def predict(self, points: np.ndarray) -> np.ndarray:
        # One centre and one feature at a time, on contiguous columns: a
        # million points against all k centres at once would hold k x 24 MB
        # of differences. The same sums, in the same order, as
        # ((points - centre) ** 2).sum(axis=1).
        columns = [np.ascontiguousarray(points[:, j]) for j in range(points.shape[1])]
        nearest = np.zeros(points.shape[0], dtype=np.intp)
        best = np.full(points.shape[0], np.inf)
        distance = np.empty(points.shape[0])
        square = np.empty(points.shape[0])
        for number, centre in enumerate(self.cluster_centers_):
            np.subtract(columns[0], centre[0], out=distance)
            np.square(distance, out=distance)
            for column, value in zip(columns[1:], centre[1:], strict=True):
                np.subtract(column, value, out=square)
                np.square(square, out=square)
                distance += square
            closer = distance < best
            nearest[closer] = number
            np.minimum(best, distance, out=best)
        return nearest


class _Judge:
    """Silhouettes of candidate fits on one random subsample of the sample
    (the one sklearn's silhouette_score would draw with this seed)."""

    def __init__(self, sample: np.ndarray, seed: int):
        size = min(SILHOUETTE_SIZE, sample.shape[0])
        self.sample = sample
        self.pick = np.random.RandomState(seed).permutation(sample.shape[0])[:size]

    def silhouettes(self, trials: dict) -> dict[int, float]:
        """The silhouette of each candidate k that splits the sample at all."""
        labelled = {}
        for k, model in trials.items():
            labels = model.predict(self.sample)[self.pick]
            if np.unique(labels).shape[0] >= 2:
                labelled[k] = labels
        values = silhouettes(self.sample[self.pick], list(labelled.values()))
        return dict(zip(labelled, values, strict=True))


def silhouettes(points: np.ndarray, labelings: list[np.ndarray]) -> list[float]:
    """The mean silhouette coefficient of each labelling of the same points,
    as sklearn.metrics.silhouette_score computes it (Euclidean).

    One pass over the pairwise distances, SILHOUETTE_BLOCK rows at a time,
    computed as sklearn's pairwise_distances does (|a|^2 + |b|^2 - 2ab) and
    summed per cluster of every labelling at once (one matrix product per
    block): the whole distance matrix (128 MB for 4,000 points) never exists.
    """
    n = points.shape[0]
    if not labelings:
        return []
    codes = [np.unique(labels, return_inverse=True)[1] for labels in labelings]
    widths = [int(c.max()) + 1 for c in codes]
    offsets = np.cumsum([0, *widths])
    members = np.zeros((n, offsets[-1]))
    for code, offset in zip(codes, offsets, strict=False):
        members[np.arange(n), offset + code] = 1.0
    points = np.ascontiguousarray(points, dtype=np.float64)
    squares = (points**2).sum(axis=1)
    sums = np.empty((n, offsets[-1]))
    for start in range(0, n, SILHOUETTE_BLOCK):
        rows = slice(start, min(start + SILHOUETTE_BLOCK, n))
        block = squares[rows, None] + squares[None, :]
        block -= 2.0 * (points[rows] @ points.T)
        np.maximum(block, 0.0, out=block)
        np.sqrt(block, out=block)
        count = block.shape[0]
        block[np.arange(count), np.arange(start, start + count)] = 0.0
        sums[rows] = block @ members
    return [
        _silhouette(sums[:, offset : offset + width], code)
        for code, offset, width in zip(codes, offsets, widths, strict=False)
    ]


def _silhouette(sums: np.ndarray, labels: np.ndarray) -> float:
    """From each point's summed distance to each cluster: a, the mean
    distance to the rest of one's cluster; b, the least mean distance to
    another cluster; (b - a) / max(a, b), 0 for a cluster of one."""
    n = labels.shape[0]
    sizes = np.bincount(labels, minlength=sums.shape[1]).astype(np.float64)
    own = sizes[labels]
    a = sums[np.arange(n), labels] / np.maximum(own - 1, 1)
    means = sums / sizes
    means[np.arange(n), labels] = np.inf
    b = means.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.nan_to_num((b - a) / np.maximum(a, b))
    values[own == 1] = 0.0
    return float(values.mean())


def _ranks(centres: np.ndarray) -> np.ndarray:
    """Each centre's number, by descending value (sum of the standardised axes)."""
    order = np.argsort(-centres.sum(axis=1), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    return rank


def _profiles(labels, k, values, scores) -> list[ClusterProfile]:
    """Medians of the values and means of the scores per cluster (one sort by
    label, then a slice per cluster, instead of k masks over everyone)."""
    n = labels.shape[0]
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    columns = [np.asarray(v)[order] for v in values]
    score_columns = [np.asarray(s)[order] for s in scores]
    profiles = []
    for number in range(k):
        group = slice(bounds[number], bounds[number + 1])
        size = int(bounds[number + 1] - bounds[number])
        if not size:
            continue
        medians = [float(np.median(v[group])) for v in columns]
        means = [float(s[group].mean()) for s in score_columns]
        profiles.append(ClusterProfile(number, size, size / n, *medians, *means))
    return profiles
