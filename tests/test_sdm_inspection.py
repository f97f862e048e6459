"""Response curves and grouped permutation importance (skgeo_s2v.sdm._inspection)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import make_column_transformer
from sklearn.inspection import partial_dependence
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.background import TargetGroupBackground
from skgeo_s2v.sdm import (
    OneVsBackgroundClassifier,
    SphereGAMClassifier,
    grouped_permutation_importance,
    presence_auc_scorer,
    response_curve,
)


def _records(n=300, seed=0):
    """Records whose presence rises with ``bio1`` alone; ``soil`` is noise."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "lon": rng.uniform(0, 10, n),
            "lat": rng.uniform(40, 50, n),
            "bio1": rng.normal(10, 4, n),
            "soil": pd.Categorical(rng.choice(["clay", "loam", "sand"], n)),
        }
    )
    y = rng.random(n) < 1 / (1 + np.exp(-(X["bio1"].to_numpy() - 10)))
    return X, y


@pytest.fixture(scope="module")
def gam_and_records():
    X, y = _records()
    return SphereGAMClassifier("xyz").fit(X, y), X, y


# -- response_curve -------------------------------------------------------------
def test_response_curve_of_a_binary_model_is_sklearn_partial_dependence(
    gam_and_records,
):
    model, X, _ = gam_and_records
    values = np.linspace(2.0, 18.0, 7)
    curve = response_curve(model, X, "bio1", values=values)
    expected = partial_dependence(
        model, X, ["bio1"], custom_values={"bio1": values}, kind="average"
    )
    np.testing.assert_allclose(curve[True].to_numpy(), expected["average"][0])
    np.testing.assert_allclose(curve[False] + curve[True], 1.0)
    assert curve.index.name == "bio1"
    np.testing.assert_array_equal(curve.index, values)
    rise = np.diff(curve[True].to_numpy())
    assert rise[:4].min() > 0  # warmth is what the species likes
    assert curve[True].iloc[-1] - curve[True].iloc[0] > 0.5


def test_response_curve_grid_spans_the_percentiles(gam_and_records):
    model, X, _ = gam_and_records
    curve = response_curve(model, X, "bio1", grid_resolution=11, percentiles=(0.1, 0.9))
    low, high = np.quantile(X["bio1"], [0.1, 0.9])
    np.testing.assert_allclose(curve.index, np.linspace(low, high, 11))
    few = X.assign(bio1=np.round(X["bio1"] / 5) * 5)  # a handful of distinct values
    model_few = SphereGAMClassifier("xyz").fit(few, gam_and_records[2])
    curve = response_curve(model_few, few, "bio1", grid_resolution=50)
    np.testing.assert_array_equal(curve.index, np.unique(few["bio1"]))


def test_response_curve_of_a_categorical_column_takes_each_level(gam_and_records):
    model, X, _ = gam_and_records
    curve = response_curve(model, X, "soil")
    assert curve.index.tolist() == ["clay", "loam", "sand"]
    by_hand = model.predict_proba(
        X.assign(soil=pd.Categorical(["loam"] * len(X), dtype=X["soil"].dtype))
    )[:, 1].mean()
    assert curve.loc["loam", True] == pytest.approx(by_hand)
    with pytest.raises(ValueError, match="'peat', which is not a level.*'soil'"):
        response_curve(model, X, "soil", values=["clay", "peat"])


def test_response_curve_of_a_joint_model_is_the_presence_probability():
    X, y = _records(n=200)
    labels = np.where(y, "warm", np.where(X["lon"] < 5, "west", "east"))
    model = SphereLocationClassifier(
        background=TargetGroupBackground(),
        hidden_units=16,
        max_epochs=3,
        random_state=0,
    ).fit(X, labels)
    curve = response_curve(model, X, "bio1", values=[5.0, 15.0])
    assert curve.columns.tolist() == list(model.classes_)
    at_5 = model.predict_presence(X.assign(bio1=5.0)).mean(axis=0)
    np.testing.assert_allclose(curve.loc[5.0].to_numpy(), at_5, rtol=1e-6)
    # predict_proba sums to one over the classes; the presence scores do not
    assert not np.allclose(curve.sum(axis=1), 1.0)


def test_response_curve_of_one_vs_background_has_a_column_per_class():
    X, y = _records(n=200)
    labels = np.where(X["lon"] < 5, "west", "east")
    model = OneVsBackgroundClassifier(SphereGAMClassifier("xyz")).fit(X, labels)
    curve = response_curve(model, X, "lon", values=[1.0, 9.0])
    assert curve.columns.tolist() == ["east", "west"]
    assert curve.loc[1.0, "west"] > curve.loc[9.0, "west"]
    assert curve.loc[9.0, "east"] > curve.loc[1.0, "east"]


def test_response_curve_leaves_x_as_it_was(gam_and_records):
    model, X, _ = gam_and_records
    before = X.copy()
    response_curve(model, X, "bio1", grid_resolution=3)
    response_curve(model, X, "soil")
    pd.testing.assert_frame_equal(X, before)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"column": "bio12"}, "column='bio12' is not a column of X"),
        ({"column": "bio1", "grid_resolution": 1}, "grid_resolution must be"),
        ({"column": "bio1", "percentiles": (0.9, 0.1)}, "percentiles must be"),
        ({"column": "bio1", "percentiles": (0.1,)}, "percentiles must be"),
        ({"column": "bio1", "percentiles": ("low", "high")}, "percentiles must be"),
        ({"column": "bio1", "values": []}, "values is empty"),
    ],
)
def test_response_curve_errors(gam_and_records, kwargs, match):
    model, X, _ = gam_and_records
    with pytest.raises(ValueError, match=match):
        response_curve(model, X, **kwargs)


def test_response_curve_needs_a_dataframe(gam_and_records):
    model, X, _ = gam_and_records
    with pytest.raises(ValueError, match="takes X as a pandas DataFrame"):
        response_curve(model, X.to_numpy(), "bio1")
    with pytest.raises(ValueError, match="X is empty"):
        response_curve(model, X.iloc[:0], "bio1")


# -- grouped_permutation_importance ---------------------------------------------
class _Recorder(ClassifierMixin, BaseEstimator):
    """A fitted classifier that keeps every X it predicts on."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.seen_ = []
        return self

    def predict(self, X):
        self.seen_.append(X.copy())
        return np.full(len(X), self.classes_[0])


def test_a_group_moves_together_and_the_rest_stays():
    X, y = _records(n=50)
    recorder = _Recorder().fit(X, y)
    grouped_permutation_importance(recorder, X, y, n_repeats=2, random_state=0)
    baseline, *shuffled = recorder.seen_
    pd.testing.assert_frame_equal(baseline, X)
    assert len(shuffled) == 3 * 2  # location, bio1, soil; two repeats each
    original_pairs = sorted(map(tuple, X[["lon", "lat"]].to_numpy()))
    for frame in shuffled[:2]:  # the location group
        pairs = frame[["lon", "lat"]].to_numpy()
        assert sorted(map(tuple, pairs)) == original_pairs  # whole locations moved
        assert not np.array_equal(pairs, X[["lon", "lat"]].to_numpy())
        pd.testing.assert_frame_equal(frame[["bio1", "soil"]], X[["bio1", "soil"]])
    soil = shuffled[4]
    assert soil["soil"].dtype == X["soil"].dtype
    pd.testing.assert_frame_equal(soil.drop(columns="soil"), X.drop(columns="soil"))


def test_a_column_the_model_never_reads_has_no_importance():
    X, y = _records(n=400)
    bio1_only = make_pipeline(
        make_column_transformer(("passthrough", ["bio1"])), LogisticRegression()
    ).fit(X[:300], y[:300])
    result = grouped_permutation_importance(
        bio1_only, X[300:], y[300:], scoring="roc_auc", n_repeats=3, random_state=0
    )
    assert list(result.groups) == ["location", "bio1", "soil"]
    assert result.groups["location"] == ["lon", "lat"]
    assert result.importances.shape == (3, 3)
    np.testing.assert_array_equal(result.importances[[0, 2]], 0.0)
    assert result.importances_mean[1] > 0.2  # bio1 is all the signal
    np.testing.assert_allclose(result.importances_mean, result.importances.mean(1))
    np.testing.assert_allclose(result.importances_std, result.importances.std(1))
    unshuffled = roc_auc_score(y[300:], bio1_only.predict_proba(X[300:])[:, 1])
    assert result.baseline_score == pytest.approx(unshuffled)


def test_the_location_matters_to_a_species_of_one_place():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {
            "lon": rng.uniform(0, 10, 500),
            "lat": rng.uniform(40, 50, 500),
            "bio1": rng.normal(10, 4, 500),
        }
    )
    labels = np.where(X["lon"] + rng.normal(0, 1, 500) < 5, "west", "east")
    model = OneVsBackgroundClassifier(SphereGAMClassifier("xyz")).fit(
        X[:400], labels[:400]
    )
    result = grouped_permutation_importance(
        model, X[400:], labels[400:], scoring=presence_auc_scorer, random_state=0
    )
    location, bio1 = result.importances_mean
    assert location > 0.2
    assert abs(bio1) < 0.05


def test_importance_is_reproducible_for_any_n_jobs(gam_and_records):
    model, X, y = gam_and_records
    kwargs = {"scoring": "roc_auc", "n_repeats": 2, "random_state": 3}
    one = grouped_permutation_importance(model, X, y, **kwargs)
    two = grouped_permutation_importance(model, X, y, n_jobs=2, **kwargs)
    np.testing.assert_array_equal(one.importances, two.importances)
    other = grouped_permutation_importance(model, X, y, **{**kwargs, "random_state": 4})
    assert not np.array_equal(one.importances, other.importances)


def test_importance_takes_named_groups_and_a_presence_absence_frame():
    X, y = _records(n=300)
    labels = np.where(X["lon"] < 5, "west", "east")
    model = OneVsBackgroundClassifier(SphereGAMClassifier("xyz")).fit(X, labels)
    surveys = pd.DataFrame({"west": X["lon"] < 5, "east": X["lon"] >= 5}).astype(int)
    before = X.copy()
    result = grouped_permutation_importance(
        model,
        X,
        surveys,
        groups={"where": ["lon", "lat"], "habitat": ["bio1", "soil"]},
        scoring=presence_auc_scorer,
        random_state=0,
    )
    assert result.groups == {"where": ["lon", "lat"], "habitat": ["bio1", "soil"]}
    assert result.importances_mean[0] > result.importances_mean[1]
    pd.testing.assert_frame_equal(X, before)
    single = grouped_permutation_importance(
        model, X, labels, groups={"lon": "lon"}, scoring=presence_auc_scorer
    )
    assert single.groups == {"lon": ["lon"]}


def test_several_metrics_share_the_permutations(gam_and_records):
    model, X, y = gam_and_records
    kwargs = {"n_repeats": 2, "random_state": 0}
    both = grouped_permutation_importance(
        model, X, y, scoring=["roc_auc", "neg_log_loss"], **kwargs
    )
    assert list(both) == ["roc_auc", "neg_log_loss"]
    for metric in both:
        alone = grouped_permutation_importance(model, X, y, scoring=metric, **kwargs)
        np.testing.assert_allclose(both[metric].importances, alone.importances)
        assert both[metric].baseline_score == pytest.approx(alone.baseline_score)
        assert both[metric].groups == alone.groups


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"groups": {"where": ["lon", "elevation"]}}, "'elevation', which is not"),
        ({"groups": {"a": ["lon"], "b": ["lon", "lat"]}}, "'lon' is in both"),
        ({"groups": {"a": []}}, r"groups\['a'\] names no column"),
        ({"groups": {}}, "groups must be a non-empty dict"),
        ({"groups": ["lon"]}, "groups must be a non-empty dict"),
        ({"n_repeats": 0}, "n_repeats must be an integer >= 1"),
    ],
)
def test_importance_errors(gam_and_records, kwargs, match):
    model, X, y = gam_and_records
    with pytest.raises(ValueError, match=match):
        grouped_permutation_importance(model, X, y, **kwargs)


def test_importance_needs_a_dataframe(gam_and_records):
    model, X, y = gam_and_records
    with pytest.raises(ValueError, match="takes X as a pandas DataFrame"):
        grouped_permutation_importance(model, X.to_numpy(), y)


class _OnArrays(ClassifierMixin, BaseEstimator):
    """A logistic regression that reads its input as a plain array."""

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(np.asarray(X), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(np.asarray(X))


def test_integer_column_names_and_a_repeated_index():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), index=np.repeat(np.arange(100), 2))
    y = X[0].to_numpy() > 0
    model = _OnArrays().fit(X, y)
    curve = response_curve(model, X, 0, values=[-1.0, 1.0])
    assert curve.loc[1.0, True] > 0.9 > 0.1 > curve.loc[-1.0, True]
    result = grouped_permutation_importance(
        model, X, y, scoring="roc_auc", random_state=0
    )
    assert result.groups == {0: [0], 1: [1], 2: [2]}
    assert result.importances_mean[0] > 0.3


def test_the_location_group_takes_other_spellings_of_the_coordinates():
    X, y = _records(n=60)
    frame = X.rename(columns={"lon": "longitude", "lat": "latitude"})
    recorder = _Recorder().fit(frame, y)
    result = grouped_permutation_importance(recorder, frame, y, n_repeats=1)
    assert result.groups == {
        "location": ["longitude", "latitude"],
        "bio1": ["bio1"],
        "soil": ["soil"],
    }
