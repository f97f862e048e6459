"""NeighborBlendClassifier: the blend's formula, its held-out choice, bad input."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from skgeo_s2v._compact_forest import CompactForest
from skgeo_s2v._mixture import MAX_EXPONENT
from skgeo_s2v.blend import (
    FOREST_PARAMS,
    HOLDOUT_FOREST_TREES,
    LOG_POOL_FLOOR,
    OBLIQUE_DIRECTIONS,
    NeighborBlendClassifier,
    forest_features,
    log_pool_weights,
    mixture_weights,
    neighbor_vote,
)


def _unit_vectors(lonlat):
    lon, lat = np.deg2rad(lonlat[:, 0]), np.deg2rad(lonlat[:, 1])
    return np.column_stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    )


# The cube's 6 face diagonals and 4 body diagonals, one of each pair of
# opposites (the first non-zero component positive), in lexicographic order.
_DIAGONALS = np.array(
    [
        [0, 1, -1], [0, 1, 1], [1, -1, -1], [1, -1, 0], [1, -1, 1],
        [1, 0, -1], [1, 0, 1], [1, 1, -1], [1, 1, 0], [1, 1, 1],
    ],
    dtype=float,
)  # fmt: skip


def _forest_inputs(lonlat):
    """``(x, y, z, lon, lat)`` and the projections onto the cube's diagonals."""
    xyz = _unit_vectors(lonlat)
    diagonals = _DIAGONALS / np.linalg.norm(_DIAGONALS, axis=1, keepdims=True)
    return np.column_stack([xyz, lonlat, xyz @ diagonals.T])


def _sites(n=300, seed=0):
    """Three classes, each around its own centre: a local problem."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-120.0, 40.0], [10.0, 50.0], [140.0, -30.0]])
    y = rng.integers(0, 3, n)
    X = centres[y] + rng.normal(0, 3, (n, 2))
    return X, np.array(["a", "b", "c"])[y]


class _Spy(ClassifierMixin, BaseEstimator):
    """Records the rows it is trained on; predicts the training frequencies."""

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.prior_ = counts / counts.sum()
        self.fitted_rows_ = np.asarray(X).copy()
        return self

    def predict_proba(self, X):
        return np.tile(self.prior_, (len(X), 1))


def test_predict_proba_is_the_stated_mixture():
    X, y = _sites()
    blend = NeighborBlendClassifier(
        LogisticRegression(), pooling="linear", random_state=0
    ).fit(X, y)
    assert blend.pooling_ == "linear"
    w = blend.weights_
    assert list(w) == [
        "estimator",
        "forest(max_depth=8)",
        "forest(max_depth=None)",
        "knn",
        "prior",
    ]
    assert sum(w.values()) == pytest.approx(1.0)
    # The vote and the prior, derived independently with scikit-learn on all rows.
    knn = KNeighborsClassifier(
        n_neighbors=blend.n_neighbors_,
        weights=blend.vote_weights_,
        metric="haversine",
        algorithm="ball_tree",
    ).fit(np.deg2rad(X[:, ::-1]), y)
    query = np.array([[-118.0, 41.0], [12.0, 48.0], [0.0, -80.0]])
    prior = np.array([np.mean(y == c) for c in blend.classes_])
    expected = (
        w["estimator"] * blend.estimator_.predict_proba(query)
        + sum(
            w[f"forest(max_depth={forest.max_depth})"]
            * forest.predict_proba(_forest_inputs(query))
            for forest in blend.forests_
        )
        + w["knn"] * knn.predict_proba(np.deg2rad(query[:, ::-1]))
        + w["prior"] * prior
    )
    np.testing.assert_allclose(blend.predict_proba(query), expected, atol=1e-12)
    np.testing.assert_array_equal(
        blend.predict(query), blend.classes_[expected.argmax(axis=1)]
    )


@pytest.mark.parametrize(
    "forest_type, forest_class",
    [
        (None, RandomForestClassifier),  # the default
        ("random_forest", RandomForestClassifier),
        ("extra_trees", ExtraTreesClassifier),
    ],
)
def test_default_forests_are_compact_forests_of_the_forest_features(
    forest_type, forest_class
):
    X, y = _sites()
    blend = NeighborBlendClassifier(_Spy(), n_jobs=1, random_state=0)
    if forest_type is not None:
        blend.set_params(forest_type=forest_type)
    blend.fit(X, y)
    assert [f.max_depth for f in blend.forests_] == [8, None]
    features = _forest_inputs(X)
    for forest in blend.forests_:
        assert isinstance(forest, CompactForest)
        assert forest.n_estimators == FOREST_PARAMS["n_estimators"]
        assert forest.n_features_in_ == 15
        # Grown again on every record once the weights are chosen.
        assert forest.n_samples_fit_ == len(X)
    # A forest of the same depth on the same features and rows, fitted by
    # scikit-learn with another seed, agrees on the training rows' classes.
    reference = forest_class(
        n_estimators=FOREST_PARAMS["n_estimators"], max_depth=8, random_state=0
    )
    reference.fit(features, y)
    agreement = np.mean(
        blend.forests_[0].predict_proba(features).argmax(axis=1)
        == reference.predict_proba(features).argmax(axis=1)
    )
    assert agreement > 0.95


def test_forest_features_project_onto_the_cube_diagonals():
    rng = np.random.default_rng(0)
    lonlat = np.column_stack([rng.uniform(-180, 180, 50), rng.uniform(-90, 90, 50)])
    features = forest_features(lonlat)
    np.testing.assert_allclose(features, _forest_inputs(lonlat), atol=1e-12)
    # Each projection is the cosine of the great-circle angle to the
    # diagonal's point on the sphere (the haversine formula).
    lon_d = np.arctan2(OBLIQUE_DIRECTIONS[:, 1], OBLIQUE_DIRECTIONS[:, 0])
    lat_d = np.arcsin(OBLIQUE_DIRECTIONS[:, 2])
    lon, lat = (np.radians(a)[:, None] for a in lonlat.T)
    half = (
        np.sin((lat_d - lat) / 2) ** 2
        + np.cos(lat) * np.cos(lat_d) * np.sin((lon_d - lon) / 2) ** 2
    )
    angle = 2 * np.arcsin(np.sqrt(half))
    np.testing.assert_allclose(features[:, 5:], np.cos(angle), atol=1e-12)
    # With x, y and z, 13 distinct axes: no two parallel or opposite.
    axes = np.vstack([np.eye(3), OBLIQUE_DIRECTIONS])
    cosines = np.abs(axes @ axes.T)[~np.eye(13, dtype=bool)]
    assert cosines.max() < 0.82  # at most cos(35.26°), a body and a face diagonal
    before = lonlat.copy()
    forest_features(lonlat)
    np.testing.assert_array_equal(lonlat, before)
    frame = pd.DataFrame({"lon": lonlat[:, 0], "lat": lonlat[:, 1]})
    np.testing.assert_array_equal(forest_features(frame), features)


@pytest.mark.parametrize(
    "lonlat, message",
    [
        (np.array([1.0, 2.0]), "2D array"),
        (np.zeros((3, 3)), "X has 3 columns, but skgeo_s2v expects 2"),
        (np.array([[0.0, 95.0]]), "outside \\[-90, 90\\]"),
        (np.array([[np.nan, 0.0]]), "holds nan at row 0"),
    ],
)
def test_forest_features_refuse_bad_locations(lonlat, message):
    with pytest.raises(ValueError, match=message):
        forest_features(lonlat)


def test_forests_of_another_feature_version_are_a_clear_error():
    X, y = _sites()
    blend = NeighborBlendClassifier(
        _Spy(), forest_depths=(8,), pooling="linear", random_state=0
    ).fit(X, y)
    blend.weights_ = {**blend.weights_, "forest(max_depth=8)": 0.5, "knn": 0.5}
    blend.forests_[0].n_features_in_ = 5  # a blend pickled before the projections
    with pytest.raises(ValueError, match="fitted on 5 features.*fitted again"):
        blend.predict_proba(X[:3])


def test_forest_type_chooses_the_trees():
    # Labels at random: full extra trees see every record (no bootstrap) and
    # so give each training record its own class with certainty; a random
    # forest's bootstrap leaves each record out of about a third of its trees.
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(-60, 60, 300), rng.uniform(-40, 40, 300)])
    y = rng.choice(["a", "b", "c"], 300)
    certain = {}
    for forest_type in ("extra_trees", "random_forest"):
        blend = NeighborBlendClassifier(
            _Spy(), forest_depths=(None,), forest_type=forest_type, random_state=0
        ).fit(X, y)
        rows = blend.estimator_.fitted_rows_
        features = _forest_inputs(rows)
        proba = blend.forests_[0].predict_proba(features)
        labels = _labels_of(X, y, rows)
        certain[forest_type] = np.mean(np.isclose(proba.max(axis=1), 1.0))
        if forest_type == "extra_trees":
            np.testing.assert_array_equal(
                blend.forests_[0].classes_[proba.argmax(axis=1)], labels
            )
    assert certain["extra_trees"] == 1.0
    assert certain["random_forest"] < 0.5


def _labels_of(X, y, rows):
    """Labels of the rows of ``X`` listed in ``rows`` (all rows are distinct)."""
    index = {tuple(row): label for row, label in zip(X, y)}
    return np.array([index[tuple(row)] for row in rows])


def test_forest_depths_choose_the_forests():
    X, y = _sites()
    blend = NeighborBlendClassifier(
        _Spy(), forest_depths=(), pooling="linear", random_state=0
    )
    blend.fit(X, y)
    assert blend.forests_ == []
    assert list(blend.weights_) == ["estimator", "knn", "prior"]
    assert sum(blend.weights_.values()) == pytest.approx(1.0)
    blend.set_params(forest_depths=np.array([3, 5])).fit(X, y)  # array-like
    assert [f.max_depth for f in blend.forests_] == [3, 5]
    blend.set_params(forest_depths=[3, None]).fit(X, y)
    assert [f.max_depth for f in blend.forests_] == [3, None]
    assert list(blend.weights_) == [
        "estimator",
        "forest(max_depth=3)",
        "forest(max_depth=None)",
        "knn",
        "prior",
    ]


def test_local_classes_give_weight_to_the_neighbours():
    # An estimator that knows nothing about location: the held-out log-loss
    # must move weight to the neighbour vote and the forest, which are right
    # almost everywhere.
    X, y = _sites()
    blend = NeighborBlendClassifier(
        DummyClassifier(strategy="prior"), random_state=0
    ).fit(X, y)
    w = blend.weights_
    assert w["knn"] + w["forest(max_depth=8)"] + w["forest(max_depth=None)"] >= 0.8
    assert blend.weights_["estimator"] + blend.weights_["prior"] < 0.2
    X_test, y_test = _sites(200, seed=1)
    assert blend.score(X_test, y_test) > 0.95


def _held_out_vote(blend, X, y):
    """The blend's held-out rows and, rebuilt independently with scikit-learn,
    the training-row prior and kNN vote of its chosen ``k`` (for a blend of
    ``_Spy`` without forests): ``(held, codes, train_prior, knn_proba)``."""
    trained = {tuple(row) for row in blend.estimator_.fitted_rows_}
    held = np.array([tuple(row) not in trained for row in X])
    codes = np.searchsorted(blend.classes_, y)
    train_prior = np.bincount(codes[~held], minlength=3) / (~held).sum()
    knn = KNeighborsClassifier(
        n_neighbors=blend.n_neighbors_,
        weights=blend.vote_weights_,
        metric="haversine",
        algorithm="ball_tree",
    ).fit(np.deg2rad(X[~held][:, ::-1]), y[~held])
    return held, codes, train_prior, knn.predict_proba(np.deg2rad(X[held][:, ::-1]))


def test_weights_maximise_the_held_out_likelihood():
    X, y = _sites()
    blend = NeighborBlendClassifier(
        _Spy(), forest_depths=(), pooling="linear", random_state=0
    )
    blend.fit(X, y)
    held, codes, train_prior, knn_proba = _held_out_vote(blend, X, y)
    p_knn = knn_proba[np.arange(held.sum()), codes[held]]
    p_prior = train_prior[codes[held]]
    w = blend.weights_
    # _Spy predicts the training prior, so p_est equals p_prior here.
    p = (w["estimator"] + w["prior"]) * p_prior + w["knn"] * p_knn
    assert blend.validation_log_loss_ == pytest.approx(-np.mean(np.log(p)))
    # No mixture of the vote and the prior does better on the held-out rows.
    for w_knn in np.linspace(0, 1, 201):
        other = (1 - w_knn) * p_prior + w_knn * p_knn
        assert -np.mean(np.log(np.maximum(other, 1e-15))) >= (
            blend.validation_log_loss_ - 1e-6
        )


@pytest.mark.parametrize("scoring", ["accuracy", "neg_log_loss"])
def test_k_is_the_best_candidate_by_the_scoring(scoring):
    # Each candidate alone, on the same held-out rows (same random_state),
    # gives its own held-out accuracy and log-loss; the blend over all of them
    # must pick the best by `scoring` (accuracy ties broken by log-loss).
    X, y = _sites(400, seed=2)
    flip = np.random.default_rng(0).random(len(y)) < 0.2  # noisy labels
    y = np.where(flip, np.roll(y, 1), y)
    params = {
        "scoring": scoring,
        "forest_depths": (),
        "pooling": "linear",
        "random_state": 0,
    }
    single = {}
    for k in (1, 5, 20):
        blend = NeighborBlendClassifier(_Spy(), n_neighbors=(k,), **params).fit(X, y)
        single[k] = blend
    blend = NeighborBlendClassifier(_Spy(), n_neighbors=(1, 5, 20), **params)
    blend.fit(X, y)
    if scoring == "accuracy":
        best = max(
            single.values(),
            key=lambda b: (b.validation_accuracy_, -b.validation_log_loss_),
        )
    else:
        best = min(single.values(), key=lambda b: b.validation_log_loss_)
    assert blend.n_neighbors_ == best.n_neighbors_
    assert blend.vote_weights_ == best.vote_weights_
    assert blend.validation_accuracy_ == pytest.approx(best.validation_accuracy_)
    assert blend.validation_log_loss_ == pytest.approx(best.validation_log_loss_)
    # The held-out accuracy is that of the blend's mixture, rebuilt here with
    # scikit-learn's kNN (_Spy predicts the training prior, no forest).
    held, codes, train_prior, knn_proba = _held_out_vote(blend, X, y)
    w = blend.weights_
    p = (w["estimator"] + w["prior"]) * train_prior + w["knn"] * knn_proba
    assert blend.validation_accuracy_ == pytest.approx(
        np.mean(p.argmax(axis=1) == codes[held])
    )


def test_mixture_weights_meet_the_optimality_conditions():
    # At the maximum of mean log(L @ w) on the simplex, the gradient
    # g_j = mean(L_ij / (L @ w)_i) is 1 where w_j > 0 and at most 1 where
    # w_j = 0 (Karush-Kuhn-Tucker); and a brute-force grid does no better.
    rng = np.random.default_rng(0)
    L = rng.random((500, 3)) ** np.array([1.0, 3.0, 0.5])
    L[:, 2] *= 0.2  # a weak component
    w = mixture_weights(L)
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    g = np.mean(L / (L @ w)[:, None], axis=0)
    np.testing.assert_allclose(g[w > 1e-4], 1.0, atol=1e-4)
    assert (g[w <= 1e-4] <= 1 + 1e-4).all()
    best = max(
        np.mean(np.log(L @ np.array([a, b, 1 - a - b])))
        for a in np.linspace(0, 1, 101)
        for b in np.linspace(0, 1, 101)
        if a + b <= 1
    )
    assert np.mean(np.log(L @ w)) >= best - 1e-9


def _noisy_sites(n=400, seed=2, flip=0.2):
    X, y = _sites(n, seed=seed)
    flipped = np.random.default_rng(seed).random(len(y)) < flip
    return X, np.where(flipped, np.roll(y, 1), y)


def test_log_pool_is_the_stated_product():
    X, y = _noisy_sites()
    blend = NeighborBlendClassifier(
        LogisticRegression(), pooling="log", random_state=0
    ).fit(X, y)
    assert blend.pooling_ == "log"
    a = blend.weights_
    assert a["prior"] == 0.0 and all(v >= 0 for v in a.values())
    # Each component derived independently (scikit-learn's kNN on all rows,
    # the Laplace prior counted here), floored, raised to its exponent.
    counts = np.array([np.sum(y == c) for c in blend.classes_])
    floor = (counts + 1) / (counts.sum() + len(counts))
    knn = KNeighborsClassifier(
        n_neighbors=blend.n_neighbors_,
        weights=blend.vote_weights_,
        metric="haversine",
        algorithm="ball_tree",
    ).fit(np.deg2rad(X[:, ::-1]), y)
    query = np.array([[-118.0, 41.0], [12.0, 48.0], [0.0, -80.0], [139.0, -31.0]])
    features = _forest_inputs(query)
    components = {
        "estimator": blend.estimator_.predict_proba(query),
        "knn": knn.predict_proba(np.deg2rad(query[:, ::-1])),
    }
    for forest in blend.forests_:
        name = f"forest(max_depth={forest.max_depth})"
        components[name] = forest.predict_proba(features)
    product = np.ones((len(query), len(blend.classes_)))
    for name, proba in components.items():
        product *= ((1 - LOG_POOL_FLOOR) * proba + LOG_POOL_FLOOR * floor) ** a[name]
    expected = product / product.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(blend.predict_proba(query), expected, rtol=1e-9)


def test_auto_pooling_takes_the_better_pool_on_held_out_records():
    X, y = _noisy_sites()
    fitted = {
        pooling: NeighborBlendClassifier(_Spy(), pooling=pooling, random_state=0).fit(
            X, y
        )
        for pooling in ("linear", "log", "auto")
    }
    auto = fitted.pop("auto")
    best = max(
        fitted.values(),
        key=lambda b: (b.validation_accuracy_, -b.validation_log_loss_),
    )
    assert auto.pooling_ == best.pooling_
    assert auto.validation_accuracy_ == best.validation_accuracy_
    assert auto.validation_log_loss_ == pytest.approx(best.validation_log_loss_)
    np.testing.assert_allclose(auto.predict_proba(X[:20]), best.predict_proba(X[:20]))


def test_log_pool_weights_meet_the_optimality_conditions():
    # Checked against an independent solver (scipy's L-BFGS-B on the same
    # objective) and the Karush-Kuhn-Tucker conditions of a >= 0.
    from scipy.optimize import minimize
    from scipy.special import log_softmax

    rng = np.random.default_rng(0)
    n, n_classes = 400, 4
    truth = rng.integers(0, n_classes, n)

    def pointing(right):  # one-hot at the truth on a share `right` of rows
        guess = np.where(rng.random(n) < right, truth, rng.integers(0, n_classes, n))
        return np.eye(n_classes)[guess]

    sharp = 0.6 * pointing(0.7) + 0.4 * rng.dirichlet(np.ones(n_classes), n)
    vague = 0.2 * pointing(0.5) + 0.8 * rng.dirichlet(np.ones(n_classes), n)
    wrong = np.eye(n_classes)[(truth + 1) % n_classes]  # misleads
    misleading = 0.5 * wrong + 0.5 * rng.dirichlet(np.ones(n_classes), n)
    logs = np.log(np.stack([sharp, vague, misleading]))

    def loss(a):
        pooled = log_softmax(np.tensordot(a, logs, axes=1), axis=1)
        return -np.mean(pooled[np.arange(n), truth])

    a, value = log_pool_weights(logs, truth)
    assert value == pytest.approx(loss(a))
    reference = minimize(loss, np.ones(3) / 3, bounds=[(0, MAX_EXPONENT)] * 3)
    assert value <= reference.fun + 1e-8
    np.testing.assert_allclose(a, reference.x, atol=1e-3)
    assert a[0] > a[1] > 0 and a[2] == 0
    # Karush-Kuhn-Tucker: no slope where a_j > 0, an upward one where a_j = 0.
    from scipy.optimize import approx_fprime

    slope = approx_fprime(a + np.array([0, 0, 1e-7]), loss, 1e-7)
    np.testing.assert_allclose(slope[:2], 0, atol=1e-4)
    assert slope[2] > 0
    # A warm start reaches the same optimum.
    warm, _ = log_pool_weights(logs, truth, start=np.array([2.0, 0.0, 1.0]))
    np.testing.assert_allclose(warm, a, atol=1e-5)


def test_log_pool_exponents_stop_at_their_bound_when_records_separate():
    # A component right on every held-out record: the likelihood grows with
    # its exponent without end; the exponent stops at MAX_EXPONENT and every
    # probability stays finite.
    X, y = _sites()  # three well-separated classes
    blend = NeighborBlendClassifier(
        _Spy(), pooling="log", forest_depths=(), random_state=0
    ).fit(X, y)
    assert max(blend.weights_.values()) <= MAX_EXPONENT
    proba = blend.predict_proba(X)
    assert np.isfinite(proba).all() and (proba > 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_held_out_records_are_whole_groups():
    X, y = _sites()
    groups = np.arange(len(y)) // 10  # 30 groups of 10 rows
    blend = NeighborBlendClassifier(
        _Spy(), validation_fraction=0.2, refit=False, random_state=3
    ).fit(X, y, groups=groups)
    trained = {tuple(row) for row in blend.estimator_.fitted_rows_}
    in_training = np.array([tuple(row) in trained for row in X])
    for g in np.unique(groups):
        assert len(set(in_training[groups == g])) == 1
    assert (~in_training).sum() == 60  # 20 % of the rows, as whole groups


class _ChoiceSpy(NeighborBlendClassifier):
    """Records the held-out rows and the forests the weights are chosen with."""

    def _choose(self, lonlat, codes, held, estimator, forests):
        self.held_, self.ranking_forests_ = held, forests
        return super()._choose(lonlat, codes, held, estimator, forests)


@pytest.mark.parametrize(
    "refit, estimator_on_all, forests_on_all, ranking_trees",
    [
        ("forests", False, True, HOLDOUT_FOREST_TREES),  # the default
        (True, True, True, FOREST_PARAMS["n_estimators"]),
        (False, False, False, FOREST_PARAMS["n_estimators"]),
    ],
)
def test_refit_trains_on_every_record(
    refit, estimator_on_all, forests_on_all, ranking_trees
):
    X, y = _sites()
    blend = _ChoiceSpy(_Spy(), refit=refit, random_state=0).fit(X, y)
    n_kept = int((~blend.held_).sum())
    assert 0 < n_kept < len(X)
    n_estimator_rows = len(X) if estimator_on_all else n_kept
    assert len(blend.estimator_.fitted_rows_) == n_estimator_rows
    for forest, ranking in zip(blend.forests_, blend.ranking_forests_):
        assert forest.n_samples_fit_ == (len(X) if forests_on_all else n_kept)
        assert forest.n_estimators == FOREST_PARAMS["n_estimators"]
        # The forests that ranked the blends saw only the records kept.
        assert ranking.n_samples_fit_ == n_kept
        assert ranking.n_estimators == ranking_trees
        assert (forest is ranking) == (refit is False)


def test_input_is_not_modified_and_clone_keeps_parameters():
    X, y = _sites()
    X_copy, y_copy = X.copy(), y.copy()
    blend = NeighborBlendClassifier(_Spy(), n_neighbors=(3, 7), random_state=0)
    blend.fit(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    assert blend.n_neighbors_ in (3, 7)
    assert clone(blend).get_params()["n_neighbors"] == (3, 7)


def test_same_random_state_same_blend():
    X, y = _sites()
    a = NeighborBlendClassifier(LogisticRegression(), random_state=5).fit(X, y)
    b = NeighborBlendClassifier(LogisticRegression(), random_state=5).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X[:20]), b.predict_proba(X[:20]))


@pytest.mark.parametrize("refit", ["forests", True, False])
def test_parallel_fit_gives_the_sequential_blend(refit):
    # With n_jobs > 1 the estimator trains in a thread beside the forests,
    # and the forests of every record grow while the weights are chosen; each
    # has its own seed, so the blend is the one fitted one after the other.
    from skgeo_s2v import SphereLocationClassifier

    X, y = _sites(200)
    net = SphereLocationClassifier(
        hidden_units=16, max_epochs=3, random_state=0, n_threads=1
    )
    blend = NeighborBlendClassifier(net, refit=refit, random_state=3)
    one = clone(blend).set_params(n_jobs=1).fit(X, y)
    two = clone(blend).set_params(n_jobs=2).fit(X, y)
    assert one.weights_ == two.weights_
    np.testing.assert_array_equal(one.predict_proba(X), two.predict_proba(X))


class _ConfigSpy(_Spy):
    """Records scikit-learn's ``assume_finite`` as ``fit`` sees it."""

    def fit(self, X, y):
        from sklearn import get_config

        self.assume_finite_ = get_config()["assume_finite"]
        return super().fit(X, y)


class _Failing(_Spy):
    def fit(self, X, y):
        raise ValueError("the estimator refused these records")


def test_parallel_fit_keeps_the_config_and_raises_the_estimators_error():
    from sklearn import config_context

    X, y = _sites()
    with config_context(assume_finite=True):
        blend = NeighborBlendClassifier(_ConfigSpy(), n_jobs=2, random_state=0)
        assert blend.fit(X, y).estimator_.assume_finite_ is True
    with pytest.raises(ValueError, match="refused these records"):
        NeighborBlendClassifier(_Failing(), n_jobs=2, random_state=0).fit(X, y)


def test_with_the_package_classifier():
    from skgeo_s2v import SphereLocationClassifier

    X, y = _sites(200)
    net = SphereLocationClassifier(
        hidden_units=16, max_epochs=3, random_state=0, n_threads=1
    )
    blend = NeighborBlendClassifier(net, random_state=0).fit(X, y)
    proba = blend.predict_proba(X[:10])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba >= 0).all()


@pytest.mark.parametrize(
    "params, fit_kwargs, message",
    [
        ({"n_neighbors": (0, 5)}, {}, "n_neighbors must be"),
        ({"n_neighbors": ()}, {}, "n_neighbors must be"),
        ({}, {"groups": np.zeros(300)}, "at least 2 distinct"),
        ({"validation_fraction": 1.5}, {}, "validation_fraction"),
        ({"forest_depths": (8, 8)}, {}, "forest_depths must be distinct"),
        ({"forest_depths": (0,)}, {}, "forest_depths must be distinct"),
        ({"forest_depths": (2.5,)}, {}, "forest_depths must be distinct"),
        ({"scoring": "top5"}, {}, "scoring"),
        ({"forest_type": "boosted"}, {}, "forest_type"),
        ({"pooling": "geometric"}, {}, "pooling"),
        ({"refit": "estimator"}, {}, "refit"),
    ],
)
def test_bad_parameters_are_clear_errors(params, fit_kwargs, message):
    X, y = _sites()
    with pytest.raises(ValueError, match=message):
        NeighborBlendClassifier(_Spy(), **params).fit(X, y, **fit_kwargs)


def test_bad_locations_are_refused():
    X, y = _sites()
    X = X.copy()
    X[4, 1] = 95.0
    with pytest.raises(ValueError, match="row 4"):
        NeighborBlendClassifier(_Spy()).fit(X, y)


def test_neighbor_vote_matches_hand_values():
    distances = np.array([[0.0, 1.0, 2.0], [1.0, 2.0, 4.0]])
    indices = np.array([[0, 1, 2], [0, 1, 2]])
    codes = np.array([0, 1, 1])
    uniform = neighbor_vote(distances, indices, codes, 2, "uniform")
    np.testing.assert_allclose(uniform, [[1 / 3, 2 / 3], [1 / 3, 2 / 3]])
    by_distance = neighbor_vote(distances, indices, codes, 2, "distance")
    # Row 0 has an exact match: only it votes. Row 1: 1 against 1/2 + 1/4.
    np.testing.assert_allclose(by_distance, [[1.0, 0.0], [4 / 7, 3 / 7]])


def test_default_groups_are_whole_healpix_blocks():
    from skgeo_s2v.model_selection import SphericalBlockKFold

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(-180, 180, 400), rng.uniform(-80, 80, 400)])
    y = np.where(X[:, 1] > 0, "north", "south")
    blend = NeighborBlendClassifier(_Spy(), block_size_km=1000, random_state=0)
    blend.fit(X, y)
    trained = {tuple(row) for row in blend.estimator_.fitted_rows_}
    in_training = np.array([tuple(row) in trained for row in X])
    blocks = SphericalBlockKFold(block_size_km=1000).get_blocks(X)
    assert 0 < (~in_training).sum() < len(X)
    for block in np.unique(blocks):
        assert len(set(in_training[blocks == block])) == 1


def test_a_small_study_region_gets_smaller_blocks():
    # Records within about 40 km fall in one or two blocks of 200 km, too few
    # to hold some out: the blocks are halved until the records fall in 10,
    # and the held-out records are still whole blocks of the size used.
    from skgeo_s2v.model_selection import SphericalBlockKFold

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(10, 10.5, 300), rng.uniform(50, 50.3, 300)])
    y = np.where(X[:, 0] > 10.25, "east", "west")
    blend = NeighborBlendClassifier(_Spy(), random_state=0).fit(X, y)
    assert blend.block_size_km_ < 30
    blocks = SphericalBlockKFold(block_size_km=blend.block_size_km_).get_blocks(X)
    assert len(np.unique(blocks)) >= 10
    trained = {tuple(row) for row in blend.estimator_.fitted_rows_}
    in_training = np.array([tuple(row) in trained for row in X])
    assert 0 < (~in_training).sum() < len(X)
    for block in np.unique(blocks):
        assert len(set(in_training[blocks == block])) == 1
    # Records across the globe keep the blocks asked for; given groups, none.
    world = np.column_stack([rng.uniform(-180, 180, 300), rng.uniform(-60, 60, 300)])
    wide = NeighborBlendClassifier(_Spy(), random_state=0).fit(world, y)
    assert wide.block_size_km_ == pytest.approx(
        SphericalBlockKFold(block_size_km=200).get_block_size_km()
    )
    grouped = NeighborBlendClassifier(_Spy(), random_state=0)
    assert grouped.fit(X, y, groups=np.arange(300) % 7).block_size_km_ is None


def test_records_at_one_site_are_a_clear_error():
    X = np.tile([[10.0, 50.0]], (50, 1))
    y = np.repeat(["a", "b"], 25)
    with pytest.raises(ValueError, match="at least 2 distinct"):
        NeighborBlendClassifier(_Spy(), random_state=0).fit(X, y)


class _MustNotTrain(_Spy):
    def fit(self, X, y):
        raise AssertionError("trained before the split was checked")


def test_a_hold_out_without_two_classes_left_is_a_clear_error():
    # Two records, one of each class: whichever is held out, the other holds
    # a single class. The blend says so before training anything.
    X = np.array([[0.0, 60.0], [5.0, 0.0]])
    with pytest.raises(
        ValueError, match="hold the single class '(fox|jackal)', too few"
    ):
        NeighborBlendClassifier(_MustNotTrain(), random_state=0).fit(
            X, ["fox", "jackal"], groups=["north", "south"]
        )


def test_a_single_class_is_named_before_anything_is_held_out():
    X = np.array([[0.0, 60.0], [5.0, 0.0], [9.0, 30.0]])
    with pytest.raises(ValueError, match=r"y holds a single class \('fox'\)"):
        NeighborBlendClassifier(_MustNotTrain(), random_state=0).fit(X, ["fox"] * 3)


def test_a_hold_out_of_unseen_classes_only_is_a_clear_error():
    # Each group holds the only records of its class: whichever is held out,
    # no held-out record has a class seen in training.
    X = np.column_stack([np.arange(30.0), np.zeros(30)])
    y = np.repeat(["a", "b", "c"], 10)
    with pytest.raises(ValueError, match="None of the held-out records"):
        NeighborBlendClassifier(_MustNotTrain(), random_state=0).fit(X, y, groups=y)


def test_default_estimator_is_the_short_trained_classifier(monkeypatch):
    from skgeo_s2v import SphereLocationClassifier
    from skgeo_s2v.blend import DEFAULT_ESTIMATOR_PARAMS

    assert DEFAULT_ESTIMATOR_PARAMS == {
        "max_epochs": 6,
        "hidden_units": 128,
        "dropout": 0.0,
    }
    # Shrink the default so that the test runs in seconds; what is checked is
    # that None builds the package's classifier with these parameters.
    monkeypatch.setitem(DEFAULT_ESTIMATOR_PARAMS, "max_epochs", 2)
    monkeypatch.setitem(DEFAULT_ESTIMATOR_PARAMS, "hidden_units", 8)
    X, y = _sites(120)
    blend = NeighborBlendClassifier(random_state=0).fit(X, y)
    assert isinstance(blend.estimator_, SphereLocationClassifier)
    assert blend.estimator_.max_epochs == 2
    assert blend.estimator_.hidden_units == 8
    assert blend.estimator_.dropout == 0.0
