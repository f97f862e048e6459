"""SiteNeighbors: the vote of the k nearest records, a site's records together."""

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from skgeo_s2v._site_neighbors import SiteNeighbors
from skgeo_s2v.blend import NeighborBlendClassifier


def _sklearn_vote(X, codes, query, k, weights):
    knn = KNeighborsClassifier(
        n_neighbors=k, weights=weights, metric="haversine", algorithm="brute"
    ).fit(np.deg2rad(X[:, ::-1]), codes)
    return knn.predict_proba(np.deg2rad(query[:, ::-1]))


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("k", [1, 4, 30])
def test_distinct_sites_give_the_vote_of_scikit_learn(k, weights):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(-180, 180, 200), rng.uniform(-80, 80, 200)])
    codes = rng.integers(0, 3, 200)
    query = np.column_stack([rng.uniform(-180, 180, 50), rng.uniform(-80, 80, 50)])
    query[0] = X[7]  # at a training record: distance 0
    neighbors = SiteNeighbors(X, codes, 3)
    distances, sites = neighbors.query(query, k)
    np.testing.assert_allclose(
        neighbors.vote(distances, sites, k, weights),
        _sklearn_vote(X, codes, query, k, weights),
        atol=1e-12,
    )


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_a_site_at_the_kth_distance_votes_with_its_classes(weights):
    # 10 records at one site (7 of class 0, 3 of class 1) and 2 of class 2 at
    # another, farther site. The 4 nearest records are 4 of the first site's
    # 10, any 4: the vote is the site's classes, 0.7 and 0.3, whatever the
    # order of the records.
    X = np.array([[0.0, 0.0]] * 10 + [[3.0, 0.0]] * 2)
    codes = np.array([0] * 7 + [1] * 3 + [2] * 2)
    query = np.array([[1.0, 0.0], [0.0, 0.0]])
    for order in (np.arange(12), np.random.default_rng(1).permutation(12)):
        neighbors = SiteNeighbors(X[order], codes[order], 3)
        distances, sites = neighbors.query(query, 4)
        vote = neighbors.vote(distances, sites, 4, weights)
        np.testing.assert_allclose(vote, [[0.7, 0.3, 0.0]] * 2, atol=1e-12)
    # 12 nearest: every record; uniform votes count them all equally.
    distances, sites = neighbors.query(query[:1], 12)
    uniform = neighbors.vote(distances, sites, 12, "uniform")
    np.testing.assert_allclose(uniform, [[7 / 12, 3 / 12, 2 / 12]], atol=1e-12)
    # Beyond the first site: it counts whole, the next one for the rest.
    distances, sites = neighbors.query(query[:1], 11)
    by_distance = neighbors.vote(distances, sites, 11, "distance")
    d0, d1 = np.sort(distances[0])
    expected = np.array([7 / d0, 3 / d0, 1 / d1])
    np.testing.assert_allclose(by_distance[0], expected / expected.sum(), atol=1e-12)


def test_the_blend_predicts_the_same_whatever_the_order_of_the_records():
    # Records at shared sites: the blend's neighbour vote depends on the sites,
    # not on the order of the rows (with a fixed estimator and no forest).
    from sklearn.dummy import DummyClassifier

    rng = np.random.default_rng(0)
    sites = np.column_stack([rng.uniform(-60, 60, 40), rng.uniform(-50, 50, 40)])
    which = rng.integers(0, 40, 400)
    X = sites[which]
    y = np.where(rng.random(400) < 0.8, which % 3, rng.integers(0, 3, 400))
    groups = which  # hold out whole sites
    params = {"forest_depths": (), "n_neighbors": (5, 20), "random_state": 0}
    blend = NeighborBlendClassifier(DummyClassifier(strategy="prior"), **params)
    one = blend.fit(X, y, groups=groups).predict_proba(sites)
    order = rng.permutation(400)
    two = blend.fit(X[order], y[order], groups=groups[order]).predict_proba(sites)
    np.testing.assert_allclose(one, two, atol=1e-12)
