"""Clustering: the silhouette it computes, and clusters that stay put night
after night (the previous k, centres and numbers, while they hold)."""

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from segmentation.clustering import Previous, cluster_customers, silhouettes
from segmentation.scoring import rfm_scores


@pytest.mark.parametrize(("n", "k"), [(40, 2), (500, 3), (2000, 7)])
def test_its_silhouette_is_sklearns(n, k):
    rng = np.random.default_rng(n)
    points = rng.normal(size=(n, 3))
    labels = rng.integers(0, k, n)
    labels[0] = k + 3  # a cluster of one, and numbers with a gap
    other = rng.integers(0, 2, n)  # a second labelling, judged in the same pass
    expected = [silhouette_score(points, labels), silhouette_score(points, other)]
    assert silhouettes(points, [labels, other]) == pytest.approx(expected, abs=1e-12)


def customers(n: int = 20_000, seed: int = 3):
    rng = np.random.default_rng(seed)
    recency = np.floor(rng.random(n) ** 2 * 365)
    frequency = rng.geometric(0.2, n)
    monetary = np.round(frequency * rng.lognormal(4, 0.7, n), 2)
    scores = rfm_scores(recency, frequency, monetary)
    return (
        recency,
        frequency,
        monetary,
        (scores.recency, scores.frequency, scores.monetary),
    )


def test_a_day_later_it_keeps_k_and_moves_few_customers():
    recency, frequency, monetary, scores = customers()
    first = cluster_customers(recency, frequency, monetary, scores)
    previous = Previous(first.k, first.silhouette, first.centres)
    later = cluster_customers(
        recency + 1, frequency, monetary, scores, previous=previous
    )
    assert later.k == first.k and list(later.silhouette_by_k) == [first.k]
    assert np.count_nonzero(later.labels != first.labels) < 0.1 * recency.shape[0]


def test_it_searches_k_again_when_the_previous_one_no_longer_fits():
    recency, frequency, monetary, scores = customers()
    first = cluster_customers(recency, frequency, monetary, scores)
    flattered = Previous(first.k, first.silhouette + 0.5, first.centres)
    again = cluster_customers(recency, frequency, monetary, scores, previous=flattered)
    assert len(again.silhouette_by_k) > 1
    assert (again.k, again.silhouette) == (first.k, first.silhouette)
