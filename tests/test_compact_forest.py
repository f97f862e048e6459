"""CompactForest: a random forest's probabilities from its splits and leaves."""

import pickle

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

from skgeo_s2v._compact_forest import CompactForest, fit_compact_forests


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    # Coarse values too, so that test points fall exactly on thresholds.
    X[:, 1] = np.round(X[:, 1], 1)
    y = (np.floor(2 * X[:, 0]) + 3 * (X[:, 1] > 0)).astype(int)
    return X, y


@pytest.mark.parametrize("max_depth", [2, 8, None])
@pytest.mark.parametrize("forest_class", [RandomForestClassifier, ExtraTreesClassifier])
def test_probabilities_are_the_forests(forest_class, max_depth):
    X, y = _data()
    forest = forest_class(n_estimators=15, max_depth=max_depth, random_state=0)
    forest.fit(X, y)
    compact = CompactForest.from_forest(forest)
    X_test = np.vstack([_data(300, seed=1)[0], X[:50]])
    np.testing.assert_allclose(
        compact.predict_proba(X_test), forest.predict_proba(X_test), atol=1e-12
    )
    np.testing.assert_array_equal(compact.classes_, forest.classes_)
    assert (compact.max_depth, compact.n_estimators) == (max_depth, 15)


def test_rare_classes_missing_from_a_bootstrap_keep_their_columns():
    X, y = _data()
    y = y.copy()
    y[:2] = 99  # two rows of a class that most bootstraps miss
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    compact = CompactForest.from_forest(forest)
    proba = compact.predict_proba(X)
    assert proba.shape == (len(X), len(np.unique(y)))
    np.testing.assert_allclose(proba, forest.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_concatenated_batches_average_their_trees():
    X, y = _data()
    first = RandomForestClassifier(n_estimators=4, random_state=1).fit(X, y)
    second = RandomForestClassifier(n_estimators=6, random_state=2).fit(X, y)
    joined = CompactForest.concatenate(
        [CompactForest.from_forest(first), CompactForest.from_forest(second)]
    )
    expected = (4 * first.predict_proba(X) + 6 * second.predict_proba(X)) / 10
    assert joined.n_estimators == 10
    np.testing.assert_allclose(joined.predict_proba(X), expected, atol=1e-12)


def _make(n_estimators, seed, max_depth):
    return RandomForestClassifier(n_estimators, max_depth=max_depth, random_state=seed)


def test_fit_in_batches_is_reproducible_and_counts_the_rows():
    X, y = _data()
    fits = [
        fit_compact_forests(
            _make,
            X,
            y,
            depths=(5,),
            n_estimators=25,
            batch_size=10,
            rng=np.random.RandomState(0),
        )
        for _ in range(2)
    ]
    (first,), (second,) = fits
    assert (first.n_estimators, first.max_depth) == (25, 5)
    assert first.n_samples_fit_ == len(X)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


@pytest.mark.parametrize("forest_class", [RandomForestClassifier, ExtraTreesClassifier])
@pytest.mark.parametrize("max_depth", [1, 2, 4, 30])
def test_trees_cut_at_a_depth_are_those_grown_to_it(forest_class, max_depth):
    # Trees that draw nothing at random split the same way to any depth, so
    # cutting full trees must give exactly the trees scikit-learn grows to it
    # (an extra tree draws its thresholds: one tree, every feature, is still
    # random, so only the random forest is exact at every depth).
    X, y = _data()
    if forest_class is ExtraTreesClassifier:
        max_depth = 1  # the root's draw is the same in both fits
    exact = {"max_features": None, "bootstrap": False, "random_state": 0}
    full = forest_class(n_estimators=3, **exact).fit(X, y)
    grown = forest_class(n_estimators=3, max_depth=max_depth, **exact).fit(X, y)
    cut = CompactForest.from_forest(full, max_depth=max_depth)
    X_test = np.vstack([_data(300, seed=1)[0], X[:50]])
    np.testing.assert_allclose(
        cut.predict_proba(X_test), grown.predict_proba(X_test), atol=1e-12
    )
    assert cut.max_depth == max_depth
    assert cut.nbytes == CompactForest.from_forest(grown).nbytes


def test_forests_of_several_depths_share_one_fit():
    X, y = _data()
    shallow, full = fit_compact_forests(
        _make,
        X,
        y,
        depths=(3, None),
        n_estimators=12,
        batch_size=5,
        rng=np.random.RandomState(0),
    )
    # The full trees are those of one fit in the same batches, with the seeds
    # the same RandomState draws.
    seeds = np.random.RandomState(0)
    batches = [_make(n, seeds.randint(2**31 - 1), None).fit(X, y) for n in (5, 5, 2)]
    expected = sum(len(f.estimators_) * f.predict_proba(X) for f in batches) / 12
    np.testing.assert_allclose(full.predict_proba(X), expected, atol=1e-12)
    # The shallow forest is those trees cut at depth 3 (the cut itself is
    # checked against grown trees above).
    cut = sum(
        CompactForest.from_forest(f, max_depth=3).predict_proba(X) * len(f.estimators_)
        for f in batches
    )
    np.testing.assert_allclose(shallow.predict_proba(X), cut / 12, atol=1e-12)
    assert [shallow.max_depth, full.max_depth] == [3, None]
    assert shallow.nbytes < full.nbytes


def test_cutting_below_the_forest_is_an_error():
    X, y = _data()
    forest = RandomForestClassifier(n_estimators=2, max_depth=3, random_state=0)
    forest.fit(X, y)
    with pytest.raises(ValueError, match="max_depth=3 at max_depth=5"):
        CompactForest.from_forest(forest, max_depth=5)
    with pytest.raises(ValueError, match="max_depth=3 at max_depth=None"):
        CompactForest.from_forest(forest, max_depth=None)


def test_full_trees_take_far_less_memory_and_survive_pickling():
    X, y = _data(2000)
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    compact = CompactForest.from_forest(forest)
    assert compact.nbytes < len(pickle.dumps(forest)) / 3
    restored = pickle.loads(pickle.dumps(compact))
    np.testing.assert_array_equal(restored.predict_proba(X), compact.predict_proba(X))


@pytest.mark.parametrize("n_columns", [3, 5])
def test_other_number_of_columns_is_a_clear_error(n_columns):
    # More columns would otherwise be read silently by the fitted indices.
    X, y = _data()
    compact = CompactForest.from_forest(
        RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    )
    with pytest.raises(ValueError, match=f"shape \\(2, {n_columns}\\).*fitted on 4"):
        compact.predict_proba(np.zeros((2, n_columns)))
