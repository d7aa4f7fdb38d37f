"""k-means over log-RFM features: no ORM, deterministic for a given input.

k is chosen by the silhouette score of k-means fits on a fixed random sample
(the silhouette is quadratic in the sample size, so the sample bounds its
cost); the winning centres then seed one MiniBatchKMeans pass over everyone.
Clusters are numbered from the most valuable (recent, frequent, high spend)
to the least, so numbers are comparable between runs.
"""

from dataclasses import dataclass, field

import numpy as np
import sklearn
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import pairwise_distances, silhouette_score
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
# Working memory (MiB) for sklearn's chunked distance computations. The
# silhouette's distance matrix itself is computed once per run and kept:
# SILHOUETTE_SIZE squared float64, 128 MB.
SILHOUETTE_MEMORY_MB = 64


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


def rfm_features(recency_days, frequency, monetary) -> np.ndarray:
    """Standardised log1p features; recency negated so every axis is 'more is better'."""
    raw = np.column_stack(
        [
            -np.log1p(np.maximum(recency_days, 0)),
            np.log1p(np.maximum(frequency, 0)),
            np.log1p(np.maximum(monetary, 0)),
        ]
    ).astype(np.float64)
    spread = raw.std(axis=0)
    spread[spread == 0] = 1.0
    return (raw - raw.mean(axis=0)) / spread


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
    k_range: tuple[int, int] = K_RANGE,
    sample_size: int = SAMPLE_SIZE,
    seed: int = SEED,
) -> Clustering | None:
    features = rfm_features(recency_days, frequency, monetary)
    sample = _sample(features, sample_size, seed)
    distinct = np.unique(sample, axis=0).shape[0]
    ks = range(k_range[0], min(k_range[1], distinct - 1) + 1)
    trials = {k: _fit(sample, k, seed) for k in ks}
    quality = _silhouettes(sample, trials, seed)
    if not quality:
        return None
    # Highest silhouette wins; on a tie, the smaller k.
    best = max(quality, key=lambda k: (round(quality[k], 9), -k))
    final = _fit(
        _sample(features, FINAL_SIZE, seed),
        best,
        seed,
        init=trials[best].cluster_centers_,
    )
    labels = _renumber(final.predict(features), final.cluster_centers_)
    return Clustering(
        labels=labels,
        k=best,
        silhouette=float(quality[best]),
        profiles=_profiles(labels, best, (recency_days, frequency, monetary), scores),
        silhouette_by_k={k: float(s) for k, s in quality.items()},
    )


def _sample(features: np.ndarray, size: int, seed: int) -> np.ndarray:
    n = features.shape[0]
    if n <= size:
        return features
    rng = np.random.default_rng(seed)
    return features[np.sort(rng.choice(n, size=size, replace=False))]


def _fit(data: np.ndarray, k: int, seed: int, init=None) -> MiniBatchKMeans:
    model = MiniBatchKMeans(
        n_clusters=k,
        random_state=seed,
        batch_size=BATCH_SIZE,
        n_init=3 if init is None else 1,
        init="k-means++" if init is None else init,
    )
    return model.fit(data)


def _silhouettes(
    sample: np.ndarray, trials: dict[int, MiniBatchKMeans], seed: int
) -> dict[int, float]:
    """The silhouette of each candidate k that splits the sample at all.

    Every k is judged on the same random subsample (the one silhouette_score
    would draw with this seed), so its pairwise distances are computed once.
    """
    size = min(SILHOUETTE_SIZE, sample.shape[0])
    pick = np.random.RandomState(seed).permutation(sample.shape[0])[:size]
    with sklearn.config_context(working_memory=SILHOUETTE_MEMORY_MB):
        distances = pairwise_distances(sample[pick])
    quality = {}
    for k, model in trials.items():
        labels = model.predict(sample)
        if np.unique(labels).shape[0] < 2:
            continue
        quality[k] = float(
            silhouette_score(distances, labels[pick], metric="precomputed")
        )
    return quality


def _renumber(labels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Number clusters by descending centre value (sum of the standardised axes)."""
    order = np.argsort(-centres.sum(axis=1), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    return rank[labels].astype(np.int16)


def _profiles(labels, k, values, scores) -> list[ClusterProfile]:
    n = labels.shape[0]
    profiles = []
    for number in range(k):
        mask = labels == number
        size = int(np.count_nonzero(mask))
        if not size:
            continue
        medians = [float(np.median(v[mask])) for v in values]
        means = [float(s[mask].mean()) for s in scores]
        profiles.append(ClusterProfile(number, size, size / n, *medians, *means))
    return profiles
