"""GeoPriorFusion: the fusion algebra, model selection, persistence, bad input."""

import pickle

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skgeo_s2v import (
    NeighborBlendClassifier,
    SphereLocationClassifier,
    SphereMPlusEncoder,
)
from skgeo_s2v.fusion import GeoPriorFusion

# -- a location prior whose output is known exactly ---------------------------

# Presence of the classes ("c", "b", "a") (reversed on purpose: the fusion
# must align by label) west and east of the Greenwich meridian.
_WEST = [0.3, 0.6, 0.1]
_EAST = [0.7, 0.2, 0.4]


class TablePrior(ClassifierMixin, BaseEstimator):
    """Stand-in location model: a fixed presence table, west vs east."""

    def __init__(self, classes=("c", "b", "a")):
        self.classes = classes

    def fit(self, X, y):
        self.classes_ = np.asarray(self.classes)
        return self

    def predict_presence(self, X):
        lon = np.asarray(X, dtype=float)[:, 0]
        return np.where(lon[:, None] < 0, _WEST, _EAST)


def _passthrough_frame():
    """Rows west, east, west with image probabilities for the classes a, b, c."""
    return pd.DataFrame(
        {
            "lon": [-10.0, 10.0, -20.0],
            "lat": [5.0, 5.0, 60.0],
            "p_a": [0.5, 0.2, 0.1],
            "p_b": [0.3, 0.2, 0.1],
            "p_c": [0.2, 0.6, 0.8],
        }
    )


_LABELS = ["a", "b", "c"]
_IMAGE = ["p_a", "p_b", "p_c"]


def _normalise(rows):
    rows = np.asarray(rows, dtype=float)
    return rows / rows.sum(axis=1, keepdims=True)


def _table_fusion(**params):
    X = _passthrough_frame()
    return GeoPriorFusion("passthrough", TablePrior(), **params).fit(X, _LABELS), X


def test_product_matches_hand_computation():
    fusion, X = _table_fusion()
    # Classes a, b, c; west prior (a, b, c) = (0.1, 0.6, 0.3), east (0.4, 0.2, 0.7).
    expected = _normalise(
        [
            [0.5 * 0.1, 0.3 * 0.6, 0.2 * 0.3],  # 0.05, 0.18, 0.06
            [0.2 * 0.4, 0.2 * 0.2, 0.6 * 0.7],  # 0.08, 0.04, 0.42
            [0.1 * 0.1, 0.1 * 0.6, 0.8 * 0.3],  # 0.01, 0.06, 0.24
        ]
    )
    np.testing.assert_allclose(fusion.predict_proba(X), expected, rtol=1e-12)
    np.testing.assert_allclose(expected[0], [5 / 29, 18 / 29, 6 / 29])
    # the image model alone says a, c, c; the prior turns the first into b
    np.testing.assert_array_equal(fusion.predict(X), ["b", "c", "c"])
    np.testing.assert_allclose(
        fusion.predict_location_prior(X),
        [[0.1, 0.6, 0.3], [0.4, 0.2, 0.7], [0.1, 0.6, 0.3]],
    )
    np.testing.assert_allclose(fusion.predict_image_proba(X), X[_IMAGE])
    assert fusion.score(X, ["b", "c", "a"]) == pytest.approx(2 / 3)


def test_prior_weight_and_class_frequency():
    X = _passthrough_frame().iloc[[0, 1, 2, 0]]
    y = ["a", "a", "b", "c"]
    fusion = GeoPriorFusion(
        "passthrough", TablePrior(), prior_weight=2.0, divide_by_class_frequency=True
    ).fit(X, y)
    np.testing.assert_allclose(fusion.class_frequency_, [0.5, 0.25, 0.25])
    west = [0.5 * 0.1**2 / 0.5, 0.3 * 0.6**2 / 0.25, 0.2 * 0.3**2 / 0.25]
    np.testing.assert_allclose(
        fusion.predict_proba(X.iloc[:1]), _normalise([west]), rtol=1e-12
    )
    np.testing.assert_allclose(
        fusion.predict_log_proba(X.iloc[:1]), np.log(_normalise([west])), rtol=1e-12
    )


def test_zero_prior_weight_returns_the_image_model():
    fusion, X = _table_fusion(prior_weight=0.0)
    np.testing.assert_allclose(fusion.predict_proba(X), X[_IMAGE], rtol=1e-12)


def test_log_space_survives_underflow():
    # Every product is ~1e-400, which is 0 in float64: the log-space fusion
    # still gives the exact normalised answer.
    class TinyPrior(TablePrior):
        def predict_presence(self, X):
            return np.tile([1e-200, 2e-200, 4e-200], (len(X), 1))

    X = _passthrough_frame()
    fusion = GeoPriorFusion("passthrough", TinyPrior(), prior_weight=2.0).fit(
        X, _LABELS
    )
    # classes ("c", "b", "a") -> aligned (a, b, c) = (4, 2, 1) e-200
    expected = _normalise(np.asarray(X[_IMAGE]) * [16, 4, 1])
    np.testing.assert_allclose(fusion.predict_proba(X), expected, rtol=1e-10)


def test_zero_probabilities_stay_finite():
    X = _passthrough_frame()
    X[_IMAGE] = np.eye(3)
    fusion = GeoPriorFusion("passthrough", TablePrior()).fit(X, _LABELS)
    assert np.isfinite(fusion.predict_log_proba(X)).all()
    np.testing.assert_allclose(fusion.predict_proba(X), np.eye(3), atol=1e-12)


# -- with real models -----------------------------------------------------------


def _two_species(n=60, seed=0):
    """An arctic and a savanna species whose 'image' feature barely differs."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["arctic_fox", "fennec"], n // 2)
    arctic = y == "arctic_fox"
    X = pd.DataFrame(
        {
            "lon": rng.uniform(-180, 180, n),
            "lat": np.where(arctic, 72.0, 5.0) + rng.normal(0, 4, n),
            "fur": rng.normal(0, 1, n) + 0.2 * arctic,
            "ears": rng.normal(0, 1, n),
        }
    )
    return X, y


def _small_location_model(**params):
    defaults = {
        "hidden_units": 16,
        "max_epochs": 8,
        "lr": 1e-2,
        "batch_size": 64,
        "random_state": 0,
        "device": "cpu",
    }
    encoder = SphereMPlusEncoder(n_scales=4, min_radius=0.1)
    return SphereLocationClassifier(encoder, **{**defaults, **params})


@pytest.fixture(scope="module")
def species():
    return _two_species()


@pytest.fixture(scope="module")
def fitted(species):
    X, y = species
    return GeoPriorFusion(LogisticRegression(), _small_location_model()).fit(X, y)


def test_fit_with_sphere_classifier(fitted, species):
    X, y = species
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(fitted.classes_, ["arctic_fox", "fennec"])
    assert isinstance(fitted.location_estimator_, SphereLocationClassifier)
    # the location model saw (lon, lat) as a plain array: it scores any grid
    assert fitted.location_estimator_.n_features_in_ == 2
    assert not hasattr(fitted.location_estimator_, "feature_names_in_")
    # the image model saw only the image columns, by name
    np.testing.assert_array_equal(
        fitted.image_estimator_.feature_names_in_, ["fur", "ears"]
    )
    # the location tells the two species apart; the fur does not
    assert fitted.score(X, y) > LogisticRegression().fit(X[["fur", "ears"]], y).score(
        X[["fur", "ears"]], y
    )


def test_default_location_estimator_is_the_blend(species):
    X, y = species
    fusion = GeoPriorFusion(LogisticRegression())
    assert fusion.location_estimator is None
    assert fusion.__sklearn_tags__().non_deterministic
    fusion.fit(X, y)
    location = fusion.location_estimator_
    assert isinstance(location, NeighborBlendClassifier)
    # the blend has no presences: its class probabilities are the prior
    lonlat = X[["lon", "lat"]].to_numpy()
    prior = fusion.predict_location_prior(X)
    np.testing.assert_allclose(prior, location.predict_proba(lonlat))
    image = fusion.image_estimator_.predict_proba(X[["fur", "ears"]])
    expected = image * prior
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(fusion.predict_proba(X), expected, atol=1e-12)


def test_a_tuned_location_model_gives_its_presence_as_the_prior(species):
    X, y = species
    search = GridSearchCV(_small_location_model(), {"lr": [1e-2]}, cv=2)
    fusion = GeoPriorFusion(LogisticRegression(), search).fit(X, y)
    assert not hasattr(fusion.location_estimator_, "predict_presence")
    lonlat = X[["lon", "lat"]].to_numpy()
    best = fusion.location_estimator_.best_estimator_
    np.testing.assert_allclose(
        fusion.predict_location_prior(X), best.predict_presence(lonlat)
    )  # sigma(logit) of SPEC §7, not the search's predict_proba shares


def test_random_state_seeds_the_default_location_estimator(species):
    X, y = species
    fusion = GeoPriorFusion(LogisticRegression(), random_state=3)
    assert not fusion.__sklearn_tags__().non_deterministic
    first = fusion.fit(X, y)
    assert first.location_estimator_.random_state == 3
    again = clone(fusion).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), first.predict_proba(X))
    # A location estimator that is given keeps its own seed.
    blend = NeighborBlendClassifier(random_state=5)
    fusion = GeoPriorFusion(LogisticRegression(), blend, random_state=3).fit(X, y)
    assert fusion.location_estimator_.random_state == 5


def test_array_input_with_column_positions(species):
    X, y = species
    array = X[["fur", "lon", "ears", "lat"]].to_numpy()
    fusion = GeoPriorFusion(
        LogisticRegression(), KNeighborsClassifier(5), location_columns=(1, 3)
    ).fit(array, y)
    reference = GeoPriorFusion(LogisticRegression(), KNeighborsClassifier(5)).fit(X, y)
    np.testing.assert_allclose(fusion.predict_proba(array), reference.predict_proba(X))


def test_image_columns_select_a_subset(species):
    X, y = species
    fusion = GeoPriorFusion(
        LogisticRegression(), KNeighborsClassifier(5), image_columns=["fur"]
    ).fit(X, y)
    np.testing.assert_array_equal(fusion.image_estimator_.feature_names_in_, ["fur"])


def test_input_is_not_modified(species):
    X, y = species
    X_before, y_before = X.copy(), y.copy()
    fusion = GeoPriorFusion(LogisticRegression(), KNeighborsClassifier(5)).fit(X, y)
    fusion.predict_proba(X)
    pd.testing.assert_frame_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_frozen_image_model_is_not_refitted(species):
    X, y = species
    image = LogisticRegression().fit(X[["fur", "ears"]], y)
    coef = image.coef_.copy()
    fusion = GeoPriorFusion(FrozenEstimator(image), KNeighborsClassifier(5))
    rows = [0, 1, 2, 57, 58, 59]  # a few rows of each species
    fusion.fit(X.iloc[rows], y[rows])
    assert fusion.image_estimator_.estimator is image
    np.testing.assert_array_equal(image.coef_, coef)
    np.testing.assert_allclose(
        fusion.predict_image_proba(X), image.predict_proba(X[["fur", "ears"]])
    )


def test_classes_are_aligned_by_label(species):
    X, y = species
    # The frozen model's classes_ are in another order than the fusion's.
    image = LogisticRegression().fit(X[["fur", "ears"]], y)
    image.classes_ = image.classes_[::-1]
    image.coef_, image.intercept_ = -image.coef_, -image.intercept_
    fusion = GeoPriorFusion(FrozenEstimator(image), KNeighborsClassifier(5)).fit(X, y)
    np.testing.assert_allclose(
        fusion.predict_image_proba(X), image.predict_proba(X[["fur", "ears"]])[:, ::-1]
    )


def test_grid_search_over_both_models_and_the_weight(species):
    X, y = species
    fusion = GeoPriorFusion(LogisticRegression(), _small_location_model(max_epochs=3))
    grid = {
        "image_estimator__C": [0.1, 1.0],
        "location_estimator__encoder__min_radius": [0.01, 0.1],
        "prior_weight": [0.0, 1.0],
    }
    search = GridSearchCV(fusion, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    best = search.best_estimator_
    assert search.best_params_["image_estimator__C"] == best.image_estimator_.C
    assert (
        best.location_estimator_.encoder_.min_radius
        == search.best_params_["location_estimator__encoder__min_radius"]
    )


def test_clone_and_pickle(fitted, species):
    X, _ = species
    copy = clone(fitted)
    assert not hasattr(copy, "classes_")
    assert copy.get_params()["location_estimator__hidden_units"] == 16
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(restored.predict_proba(X), fitted.predict_proba(X))


# -- bad input ------------------------------------------------------------------


def test_missing_location_column(species):
    X, y = species
    with pytest.raises(ValueError, match=r"Column 'lon' is not in X.*location_columns"):
        GeoPriorFusion(LogisticRegression(), KNeighborsClassifier()).fit(
            X.rename(columns={"lon": "longitude"}), y
        )


def test_named_columns_with_an_array(species):
    X, y = species
    with pytest.raises(ValueError, match=r"Column 'lon' cannot be selected.*\(0, 1\)"):
        GeoPriorFusion(LogisticRegression(), KNeighborsClassifier()).fit(
            X.to_numpy(), y
        )


def test_location_columns_must_be_two(species):
    X, y = species
    with pytest.raises(ValueError, match="exactly two"):
        GeoPriorFusion(
            LogisticRegression(), KNeighborsClassifier(), location_columns=("lon",)
        ).fit(X, y)


def test_no_image_columns(species):
    X, y = species
    with pytest.raises(ValueError, match="no image columns"):
        GeoPriorFusion(LogisticRegression(), KNeighborsClassifier()).fit(
            X[["lon", "lat"]], y
        )


@pytest.mark.parametrize(("column", "kind"), [("lat", "location"), ("ears", "image")])
def test_nan_is_refused_with_its_column_and_row(species, column, kind):
    X, y = species
    X = X.copy()
    X.loc[3, column] = np.nan
    fusion = GeoPriorFusion(LogisticRegression(), KNeighborsClassifier())
    with pytest.raises(
        ValueError, match=rf"\(nan\) in {kind} column '{column}' at row 3"
    ):
        fusion.fit(X, y)
    fitted = fusion.fit(X.dropna(), np.asarray(y)[X.notna().all(axis=1)])
    with pytest.raises(ValueError, match=rf"'{column}' at row 3"):
        fitted.predict(X)


def test_nan_label_is_refused(species):
    X, y = species
    y = np.asarray(y, dtype=object)
    y[4] = None
    with pytest.raises(ValueError, match="missing label .* at row 4"):
        GeoPriorFusion(LogisticRegression(), KNeighborsClassifier()).fit(X, y)


def test_passthrough_rows_must_sum_to_one():
    X = _passthrough_frame()
    X.loc[1, "p_c"] = 0.9
    with pytest.raises(ValueError, match=r"row 1 holds values summing to 1.3"):
        GeoPriorFusion("passthrough", TablePrior()).fit(X, _LABELS)


def test_passthrough_needs_one_column_per_class():
    X = _passthrough_frame()
    with pytest.raises(
        ValueError, match=r"expects one probability column per class, 2"
    ):
        # y has the classes a and c only, X three probability columns
        GeoPriorFusion("passthrough", TablePrior(("a", "c"))).fit(X, ["a", "c", "c"])


def test_mismatched_classes_are_listed(species):
    X, y = species
    image = LogisticRegression().fit(
        X[["fur", "ears"]], np.where(np.asarray(y) == "fennec", "fennec", "polar_fox")
    )
    fusion = GeoPriorFusion(FrozenEstimator(image), KNeighborsClassifier())
    with pytest.raises(
        ValueError,
        match=r"only in image_estimator: \['polar_fox'\]; only in y: \['arctic_fox'\]",
    ):
        fusion.fit(X, y)


def test_location_model_with_other_classes():
    X = _passthrough_frame()
    with pytest.raises(ValueError, match=r"only in location_estimator: \['z'\]"):
        GeoPriorFusion("passthrough", TablePrior(("a", "b", "z"))).fit(X, _LABELS)


def test_image_model_without_predict_proba(species):
    X, y = species
    fusion = GeoPriorFusion(SVC(), KNeighborsClassifier())
    assert not hasattr(fusion, "predict_proba")
    with pytest.raises(ValueError, match=r"no predict_proba.*SVC\(probability=True\)"):
        fusion.fit(X, y)


def test_location_model_without_a_prior(species):
    X, y = species
    with pytest.raises(ValueError, match="neither predict_presence nor predict_proba"):
        GeoPriorFusion(LogisticRegression(), SVC()).fit(X, y)


def test_wrong_number_of_prior_columns():
    class ShortPrior(TablePrior):
        def predict_presence(self, X):
            return super().predict_presence(X)[:, :2]

    X = _passthrough_frame()
    fusion = GeoPriorFusion("passthrough", ShortPrior()).fit(X, _LABELS)
    with pytest.raises(
        ValueError, match=r"location_estimator returned scores of shape"
    ):
        fusion.predict(X)


# -- scikit-learn's common checks ----------------------------------------------

# Most checks draw X with two columns; the common-check instances read the
# same two columns as location and as image features.
_COMMON = {"location_columns": (0, 1), "image_columns": [0, 1]}

_ONE_COLUMN = (
    "the check's X has a single column; GeoPriorFusion needs the two location "
    "columns and says so with a ValueError"
)


_LATITUDE = (
    "the check's synthetic X has latitudes outside [-90, 90], which "
    "SphereLocationClassifier refuses with a ValueError naming the row"
)


def _expected_failures(estimator):
    failures = {"check_fit2d_1feature": _ONE_COLUMN}
    if isinstance(estimator.location_estimator, SphereLocationClassifier):
        for check in (
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
        ):
            failures[check] = _LATITUDE
    return failures


@parametrize_with_checks(
    [
        GeoPriorFusion(LogisticRegression(), KNeighborsClassifier(3), **_COMMON),
        GeoPriorFusion(
            LogisticRegression(),
            SphereLocationClassifier(hidden_units=8, max_epochs=2, random_state=0),
            **_COMMON,
        ),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# -- metadata routing -----------------------------------------------------------


class RecordingImage(ClassifierMixin, BaseEstimator):
    """An image model that records the metadata its ``fit`` received."""

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        self.sample_weight_ = sample_weight
        return self

    def predict_proba(self, X):
        return np.full((len(X), self.classes_.size), 1 / self.classes_.size)


class RecordingPrior(TablePrior):
    """A location model whose ``fit`` takes the classifier's metadata."""

    def fit(self, X, y, sample_weight=None, pretrain_X=None, pretrain_features=None):
        self.received_ = {
            "sample_weight": sample_weight,
            "pretrain_X": pretrain_X,
            "pretrain_features": pretrain_features,
        }
        return super().fit(X, y)


def _routing_frame():
    X = _passthrough_frame()[["lon", "lat", "p_a"]]
    return X, ["a", "b", "c"]


_WEIGHTS = np.array([1.0, 2.0, 3.0])
_PRETRAIN_X = np.array([[0.0, 10.0], [20.0, -30.0]])
_PRETRAIN_FEATURES = np.array([[1.0, 0.0, 2.0], [0.5, 0.5, 0.5]])


def test_routing_sends_each_parameter_where_it_was_requested():
    X, y = _routing_frame()
    with sklearn.config_context(enable_metadata_routing=True):
        fusion = GeoPriorFusion(
            RecordingImage().set_fit_request(sample_weight=True),
            RecordingPrior().set_fit_request(
                sample_weight=False, pretrain_X=True, pretrain_features=True
            ),
        )
        fusion.fit(
            X,
            y,
            sample_weight=_WEIGHTS,
            pretrain_X=_PRETRAIN_X,
            pretrain_features=_PRETRAIN_FEATURES,
        )
    np.testing.assert_array_equal(fusion.image_estimator_.sample_weight_, _WEIGHTS)
    received = fusion.location_estimator_.received_
    assert received["sample_weight"] is None  # declined with False
    np.testing.assert_array_equal(received["pretrain_X"], _PRETRAIN_X)
    np.testing.assert_array_equal(received["pretrain_features"], _PRETRAIN_FEATURES)


def test_routing_sample_weight_to_both_and_aliases():
    X, y = _routing_frame()
    with sklearn.config_context(enable_metadata_routing=True):
        fusion = GeoPriorFusion(
            RecordingImage().set_fit_request(sample_weight="image_weight"),
            RecordingPrior().set_fit_request(sample_weight=True),
        ).fit(X, y, sample_weight=_WEIGHTS, image_weight=2 * _WEIGHTS)
    np.testing.assert_array_equal(fusion.image_estimator_.sample_weight_, 2 * _WEIGHTS)
    np.testing.assert_array_equal(
        fusion.location_estimator_.received_["sample_weight"], _WEIGHTS
    )


def test_routing_with_passthrough_reaches_the_location_model():
    X = _passthrough_frame()
    with sklearn.config_context(enable_metadata_routing=True):
        prior = RecordingPrior().set_fit_request(pretrain_X=True)
        fusion = GeoPriorFusion("passthrough", prior).fit(
            X, _LABELS, pretrain_X=_PRETRAIN_X
        )
    np.testing.assert_array_equal(
        fusion.location_estimator_.received_["pretrain_X"], _PRETRAIN_X
    )


def test_routing_refuses_metadata_nobody_requested():
    X, y = _routing_frame()
    with sklearn.config_context(enable_metadata_routing=True):
        fusion = GeoPriorFusion(RecordingImage(), RecordingPrior())
        # both fits accept sample_weight, neither said whether they want it
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            fusion.fit(X, y, sample_weight=_WEIGHTS)
        # metadata that no sub-estimator's fit accepts
        with pytest.raises(TypeError, match="colour"):
            GeoPriorFusion("passthrough", RecordingPrior()).fit(
                _passthrough_frame(), _LABELS, colour=[1, 2, 3]
            )


def test_without_routing_metadata_is_a_clear_error():
    X, y = _routing_frame()
    fusion = GeoPriorFusion(RecordingImage(), RecordingPrior())
    with pytest.raises(
        ValueError,
        match=r"got pretrain_X, sample_weight.*enable_metadata_routing=True.*"
        r"set_fit_request",
    ):
        fusion.fit(X, y, sample_weight=_WEIGHTS, pretrain_X=_PRETRAIN_X)
    # and without metadata, fit works as before
    assert fusion.fit(X, y).location_estimator_.received_["pretrain_X"] is None


def test_grid_search_routes_the_sample_weights():
    X, y = _two_species(n=40)
    weights = np.arange(1.0, 41.0)
    with sklearn.config_context(enable_metadata_routing=True):
        fusion = GeoPriorFusion(
            LogisticRegression().set_fit_request(sample_weight=True),
            KNeighborsClassifier(3),
            prior_weight=0.0,
        ).set_score_request(sample_weight=False)
        search = GridSearchCV(fusion, {"image_estimator__C": [1.0]}, cv=2)
        search.fit(X, y, sample_weight=weights)
        # refit on everything with the weights: the same as weighting by hand
        expected = LogisticRegression().fit(X[["fur", "ears"]], y, weights)
    np.testing.assert_allclose(
        search.best_estimator_.image_estimator_.coef_, expected.coef_
    )


def test_sphere_classifier_requests_its_pretraining_arrays():
    with sklearn.config_context(enable_metadata_routing=True):
        location = SphereLocationClassifier().set_fit_request(
            pretrain_X=True, pretrain_features=True
        )
        routing = GeoPriorFusion(LogisticRegression(), location).get_metadata_routing()
        assert routing.consumes(
            "fit", ["pretrain_X", "pretrain_features", "sample_weight"]
        ) == {"pretrain_X", "pretrain_features"}
        # the default location model requests nothing
        default = GeoPriorFusion(LogisticRegression()).get_metadata_routing()
        assert default.consumes("fit", ["pretrain_X"]) == set()
    # score still takes sample weights (routing or not)
    fusion, X = _table_fusion()
    assert fusion.score(X, ["b", "c", "a"], sample_weight=[0, 1, 0]) == 1.0


def test_integer_positions_select_dataframe_columns_too(species):
    # As in ColumnTransformer: names or positions, whatever X is.
    X, y = species
    by_position = GeoPriorFusion(
        LogisticRegression(), KNeighborsClassifier(5), location_columns=(0, 1)
    ).fit(X, y)
    by_name = GeoPriorFusion(LogisticRegression(), KNeighborsClassifier(5)).fit(X, y)
    np.testing.assert_allclose(by_position.predict_proba(X), by_name.predict_proba(X))
    np.testing.assert_array_equal(
        by_position.image_estimator_.feature_names_in_, ["fur", "ears"]
    )
    with pytest.raises(ValueError, match=r"Column 7 cannot be selected.*\(0, 1\)"):
        GeoPriorFusion(
            LogisticRegression(), KNeighborsClassifier(5), location_columns=(0, 7)
        ).fit(X, y)


def test_routing_pretrains_the_sphere_classifier_inside_the_fusion():
    from skgeo_s2v import ContrastivePretraining

    rng = np.random.default_rng(1)
    unlabeled = np.column_stack([rng.uniform(-180, 180, 64), rng.uniform(-70, 70, 64)])
    features = np.column_stack([np.sign(unlabeled), rng.normal(size=64)])
    X, y = _two_species(n=40)
    location = _small_location_model(
        max_epochs=1, pretraining=ContrastivePretraining(epochs=1)
    )
    with sklearn.config_context(enable_metadata_routing=True):
        location.set_fit_request(pretrain_X=True, pretrain_features=True)
        fusion = GeoPriorFusion(LogisticRegression(), location).fit(
            X, y, pretrain_X=unlabeled, pretrain_features=features.astype(np.float32)
        )
    assert fusion.location_estimator_.pretrained_.n_samples == 64
    assert location.__dict__.get("pretrained_") is None  # the template is untouched
