"""SDM metrics and thresholds: AUC, Boyce index, calibration, TSS thresholds."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.sdm import (
    binary_range,
    class_thresholds,
    continuous_boyce_index,
    presence_auc,
    presence_auc_scorer,
    presence_calibration_curve,
    presence_scores,
    presence_threshold,
)


def pairwise_auc(presence, absence):
    """AUC by counting pairs: presence above absence 1, ties 1/2."""
    wins = sum((p > a) + 0.5 * (p == a) for p in presence for a in absence)
    return wins / (len(presence) * len(absence))


# -- presence_auc --------------------------------------------------------------
def test_presence_auc_counts_pairs_per_class_with_ties():
    Y = np.array([[1, 0], [1, 1], [0, 0], [0, 1], [0, 0]])
    scores = np.array([[0.9, 0.5], [0.6, 0.5], [0.7, 0.5], [0.2, 0.4], [0.1, 0.1]])
    per_class = presence_auc(Y, scores, average=None)
    # class 0: presences 0.9, 0.6 vs absences 0.7, 0.2, 0.1 -> 5 of 6 pairs.
    # class 1: presences 0.5, 0.4 vs absences 0.5, 0.5, 0.1 -> 1/2+1/2+1+0+0+1.
    np.testing.assert_allclose(per_class, [5 / 6, 3 / 6])
    assert presence_auc(Y, scores) == pytest.approx((5 / 6 + 3 / 6) / 2)


def test_presence_auc_agrees_with_pair_counting_on_random_data():
    rng = np.random.default_rng(0)
    Y = rng.integers(0, 2, size=(40, 3))
    scores = rng.random((40, 3)).round(1)  # rounding makes ties
    expected = [
        pairwise_auc(scores[Y[:, c] == 1, c], scores[Y[:, c] == 0, c]) for c in range(3)
    ]
    np.testing.assert_allclose(presence_auc(Y, scores, average=None), expected)


def test_presence_auc_leaves_out_classes_without_absences():
    Y = [[1, 1], [0, 1], [1, 1]]
    scores = [[0.9, 0.1], [0.2, 0.2], [0.8, 0.3]]
    per_class = presence_auc(Y, scores, average=None)
    assert per_class[0] == 1.0 and np.isnan(per_class[1])
    assert presence_auc(Y, scores) == 1.0


def test_presence_auc_of_records_against_other_classes_or_background():
    y = np.array(["a", "a", "b", "c"])
    scores = np.array(
        [[0.9, 0.1, 0.0], [0.3, 0.8, 0.1], [0.5, 0.7, 0.2], [0.1, 0.2, 0.9]]
    )
    per_class = presence_auc(y, scores, average=None)
    # a: presences 0.9, 0.3 vs 0.5, 0.1 -> 3/4; b: 0.7 vs 0.1, 0.8, 0.2 -> 2/3;
    # c: 0.9 vs 0.0, 0.1, 0.2 -> 1.
    np.testing.assert_allclose(per_class, [3 / 4, 2 / 3, 1.0])
    background = np.array([[0.4, 0.9, 0.0], [0.0, 0.0, 0.95]])
    with_background = presence_auc(y, scores, background_score=background, average=None)
    # With background: a 0.9, 0.3 vs 0.4, 0.0 -> 3/4; b 0.7 vs 0.9, 0.0 -> 1/2;
    # c 0.9 vs 0.0, 0.95 -> 1/2.
    np.testing.assert_allclose(with_background, [3 / 4, 1 / 2, 1 / 2])


def test_presence_auc_matches_dataframe_columns_by_name():
    labels = np.array(["a", "b"])
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.3]])
    Y = pd.DataFrame({"b": [0, 1, 0], "a": [1, 0, 0]})
    assert presence_auc(Y, scores, labels=labels) == 1.0
    swapped = pd.DataFrame({"a": [0, 1, 0], "b": [1, 0, 0]})
    # a: 0.2 vs 0.9, 0.4 and b: 0.1 vs 0.8, 0.3 -> every pair ranked backwards.
    assert presence_auc(swapped, scores, labels=labels) == 0.0
    # Without labels the columns could only be taken in order, which is the
    # wrong order here (1.0 would come out as 0.0): refused.
    with pytest.raises(ValueError, match="pass labels=estimator.classes_"):
        presence_auc(Y, scores)
    with pytest.raises(ValueError, match="pass labels=estimator.classes_"):
        class_thresholds(Y, scores)
    # Columns 0, 1, ... name no class: in order, as an array's.
    assert presence_auc(pd.DataFrame(Y.to_numpy()), scores) == 0.0


@pytest.mark.parametrize(
    "y_true, y_score, kwargs, match",
    [
        ([[1], [1]], [[0.2], [0.3]], {}, "No class has both"),
        ([[1], [2]], [[0.2], [0.3]], {}, "only 0 and 1"),
        ([[1, 0], [0, 1]], [[0.2], [0.3]], {}, "one column per class"),
        ([[1], [0]], [[np.nan], [0.3]], {}, "finite"),
        ([1, 0, 1], [[0.1], [0.2]], {}, "rows"),
        (["a", "b"], [[0.1], [0.2]], {}, "labels=estimator.classes_"),
        ([[1], [0]], [[0.2], [0.3]], {"average": "micro"}, "average"),
        (
            pd.DataFrame({"z": [1, 0]}),
            [[0.2], [0.3]],
            {"labels": ["a"]},
            "not among the classes",
        ),
    ],
)
def test_presence_auc_bad_input(y_true, y_score, kwargs, match):
    with pytest.raises(ValueError, match=match):
        presence_auc(y_true, y_score, **kwargs)


class _PresenceModel(ClassifierMixin, BaseEstimator):
    """predict_presence ranks right, predict_proba backwards: shows which is used."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_presence(self, X):
        x = np.asarray(X)[:, :1]
        return np.hstack([-x, x])

    def predict_proba(self, X):
        return self.predict_presence(X)[:, ::-1]


def test_scorer_prefers_predict_presence_and_works_in_grid_search():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]] * 3)
    y = np.array([0, 0, 1, 1] * 3)
    assert presence_auc_scorer(_PresenceModel().fit(X, y), X, y) == 1.0
    search = GridSearchCV(
        KNeighborsClassifier(),
        {"n_neighbors": [1, 3]},
        scoring=presence_auc_scorer,
        cv=KFold(3),
    ).fit(X, y)
    assert search.best_score_ == 1.0
    with pytest.raises(ValueError, match="sample_weight"):
        presence_auc_scorer(_PresenceModel().fit(X, y), X, y, sample_weight=y)


# -- continuous Boyce index ----------------------------------------------------
def test_boyce_hand_derived_example():
    # Windows [0,3], [2,5], [4,7], [6,9] each hold 4 of the 10 background
    # scores; the presences put 1, 3, 2, 4 of their 10 in them: F ranks 1 3 2 4
    # against increasing centres, so rho = 1 - 6 * (0 + 1 + 1 + 0) / (4 * 15).
    presences = [1.0] + [3.5] * 3 + [5.5] * 2 + [8.0] * 4
    value = continuous_boyce_index(
        presences, np.arange(10.0), n_windows=4, window_width=3.0
    )
    assert value == pytest.approx(0.8)


def test_boyce_sign_follows_where_presences_concentrate():
    background = np.linspace(0.0, 1.0, 1001)
    rng = np.random.default_rng(0)
    high = rng.beta(5, 1, size=300)  # presences where the model scores high
    assert continuous_boyce_index(high, background) > 0.9
    assert continuous_boyce_index(1 - high, background) < -0.9


def test_boyce_is_zero_when_presences_spread_like_the_background():
    background = np.arange(20.0)
    assert continuous_boyce_index(background, background, n_windows=5) == 0.0


def test_boyce_default_window_is_a_tenth_of_the_range_with_100_steps():
    rng = np.random.default_rng(1)
    presence, background = rng.random(50) * 2, rng.random(500) * 3
    default = continuous_boyce_index(presence, background)
    span = max(presence.max(), background.max()) - min(presence.min(), background.min())
    explicit = continuous_boyce_index(
        presence, background, n_windows=100, window_width=span / 10
    )
    assert default == explicit
    assert default != continuous_boyce_index(
        presence, background, window_width=span / 3
    )


@pytest.mark.parametrize(
    "presence, background, kwargs, match",
    [
        ([0.5, 0.5], [0.5], {}, "Every score equals 0.5"),
        ([], [0.1, 0.2], {}, "empty"),
        ([0.1, np.nan], [0.1, 0.2], {}, "finite"),
        ([0.1], [0.1, 0.9], {"window_width": 2.0}, "window_width=2.0"),
        ([0.1], [0.1, 0.9], {"n_windows": 1}, "n_windows"),
    ],
)
def test_boyce_bad_input(presence, background, kwargs, match):
    with pytest.raises(ValueError, match=match):
        continuous_boyce_index(presence, background, **kwargs)


# -- calibration ---------------------------------------------------------------
def test_calibration_curve_of_calibrated_probabilities_lies_on_the_diagonal():
    rng = np.random.default_rng(0)
    probability = rng.random((4000, 3))
    Y = (rng.random((4000, 3)) < probability).astype(int)
    prob_true, prob_pred = presence_calibration_curve(Y, probability, n_bins=5)
    np.testing.assert_allclose(prob_true, prob_pred, atol=0.03)
    # A model that squashes its probabilities towards 1/2 is off the diagonal.
    squashed = 0.5 + (probability - 0.5) / 4
    prob_true, prob_pred = presence_calibration_curve(Y, squashed, n_bins=5)
    assert np.abs(prob_true - prob_pred).max() > 0.2


def test_calibration_curve_refuses_scores_outside_zero_one():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        presence_calibration_curve([[1], [0]], [[1.5], [0.2]])


# -- thresholds ----------------------------------------------------------------
def brute_force_tss(presence, absence, threshold):
    return np.mean(presence >= threshold) + np.mean(absence < threshold) - 1


def test_max_tss_threshold_is_the_best_score_by_brute_force():
    rng = np.random.default_rng(0)
    presence, absence = rng.normal(1.0, 1.0, 60), rng.normal(0.0, 1.0, 80)
    threshold = presence_threshold(presence, absence)
    candidates = np.r_[presence, absence]
    best = max(brute_force_tss(presence, absence, t) for t in candidates)
    assert brute_force_tss(presence, absence, threshold) == pytest.approx(best)
    assert threshold in candidates


def test_hand_derived_thresholds():
    presence = [0.4, 0.7, 0.8, 0.9]
    absence = [0.1, 0.2, 0.5, 0.6]
    # At 0.7: sensitivity 3/4, specificity 4/4: TSS 0.75, the largest.
    assert presence_threshold(presence, absence) == 0.7
    # At 0.6 sensitivity and specificity are both 3/4.
    assert presence_threshold(presence, absence, method="equal_sens_spec") == 0.6
    scores = np.arange(1.0, 11.0)
    # Lower sample percentile: 10 % -> 1.0 keeps all; 25 % -> 3.0 keeps 8 of 10.
    assert presence_threshold(scores, method="percentile") == 1.0
    assert presence_threshold(scores, method="percentile", percentile=25) == 3.0


@pytest.mark.parametrize("percentile", [0, 5, 10, 33, 50, 90, 100])
def test_percentile_threshold_keeps_the_promised_share(percentile):
    scores = np.random.default_rng(2).random(37)
    threshold = presence_threshold(scores, method="percentile", percentile=percentile)
    assert np.mean(scores >= threshold) >= 1 - percentile / 100
    assert threshold in scores


def test_threshold_bad_input():
    with pytest.raises(ValueError, match="needs absence_scores"):
        presence_threshold([0.5, 0.6])
    with pytest.raises(ValueError, match="method must be one of"):
        presence_threshold([0.5], [0.1], method="kappa")
    with pytest.raises(ValueError, match="percentile must be in"):
        presence_threshold([0.5], method="percentile", percentile=110)


def test_class_thresholds_and_binary_range():
    y = ["a", "a", "b"]
    scores = np.array([[0.9, 0.2, 0.1], [0.6, 0.3, 0.3], [0.4, 0.8, 0.2]])
    background = np.array([[0.5, 0.1, 0.0], [0.1, 0.5, 0.1]])
    thresholds = class_thresholds(
        y, scores, labels=["a", "b", "c"], background_score=background
    )
    # a: presences 0.9, 0.6 vs 0.5, 0.1 -> 0.6; b: 0.8 vs 0.1, 0.5 -> 0.8;
    # c has no presence: no threshold.
    np.testing.assert_array_equal(thresholds[:2], [0.6, 0.8])
    assert np.isnan(thresholds[2])
    ranges = binary_range(scores, thresholds)
    np.testing.assert_array_equal(
        ranges, [[True, False, False], [True, False, False], [False, True, False]]
    )
    with pytest.raises(ValueError, match="one per class"):
        binary_range(scores, [0.5, 0.5])
    # Labels that name no class of y_true: nothing to choose from, an error
    # rather than thresholds all NaN (empty ranges).
    with pytest.raises(ValueError, match=r"No class has presences.*\['x', 'y', 'z'\]"):
        class_thresholds(y, scores, labels=["x", "y", "z"], background_score=background)


def test_presence_scores_reach_a_tuned_or_piped_classifier():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(-10, 10, 120), rng.uniform(40, 50, 120)])
    y = np.where(X[:, 0] < 0, "w", np.where(X[:, 1] < 45, "s", "n"))
    classifier = SphereLocationClassifier(hidden_units=8, max_epochs=2, random_state=0)
    search = GridSearchCV(classifier, {"lr": [1e-2]}, cv=KFold(2)).fit(X, y)
    presence = search.best_estimator_.predict_presence(X)
    assert not np.allclose(presence, search.predict_proba(X))  # shares, not this
    np.testing.assert_array_equal(presence_scores(search, X), presence)
    expected = presence_auc(y, presence, labels=search.classes_)
    assert presence_auc_scorer(search, X, y) == pytest.approx(expected)
    # A pipeline: the last step's predict_presence, on what the steps hand it
    shift = FunctionTransformer(lambda rows: rows + [1.0, 0.0])
    pipe = make_pipeline(shift, classifier).fit(X, y)
    np.testing.assert_array_equal(
        presence_scores(pipe, X), pipe[-1].predict_presence(X + [1.0, 0.0])
    )
    piped_search = GridSearchCV(pipe, {}, cv=KFold(2)).fit(X, y)
    np.testing.assert_array_equal(
        presence_scores(piped_search, X),
        piped_search.best_estimator_[-1].predict_presence(X + [1.0, 0.0]),
    )
