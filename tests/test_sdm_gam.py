"""SphereGAMClassifier: an additive model of the location and the covariates.

Its map through predict_grid is tested beside the extra-trees recipe in
test_sdm_workflow.py.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV

from skgeo_s2v import RBFEncoder, make_encoder
from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import SphereGAMClassifier, presence_auc_scorer


def _sites(n=600, seed=0):
    """Sites in western Europe; present where warm *and* west of 0°E.

    The temperature is drawn independently of the location, so neither the
    location nor the temperature alone tells presence apart.
    """
    rng = np.random.default_rng(seed)
    sites = pd.DataFrame(
        {
            "lon": rng.uniform(-10, 10, n),
            "lat": rng.uniform(40, 55, n),
            "temperature": rng.normal(10.0, 3.0, n),
        }
    )
    presence = (sites["temperature"] > 10).to_numpy() & (sites["lon"] < 0).to_numpy()
    return sites, presence


def _auc(model, sites, presence):
    return roc_auc_score(presence, model.predict_proba(sites)[:, 1])


def test_location_and_covariate_both_enter_the_model():
    sites, presence = _sites()
    test, truth = _sites(seed=1)
    both = SphereGAMClassifier().fit(sites, presence)
    location_only = SphereGAMClassifier().fit(sites[["lon", "lat"]], presence)
    assert _auc(both, test, truth) > 0.95
    # Without the temperature, half the sites west of 0°E are absences.
    assert _auc(location_only, test[["lon", "lat"]], truth) < 0.85
    assert both.covariate_transformer_ is not None
    assert location_only.covariate_transformer_ is None
    assert list(both.feature_names_in_) == ["lon", "lat", "temperature"]
    assert both.n_features_in_ == 3


def test_two_column_array_is_a_location_only_model():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(-30, 30, 500), rng.uniform(-30, 30, 500)])
    inside = np.hypot(X[:, 0] - 5, X[:, 1] + 5) < 12
    model = SphereGAMClassifier().fit(X, inside)
    assert model.n_features_in_ == 2
    assert not hasattr(model, "feature_names_in_")
    assert roc_auc_score(inside, model.predict_proba(X)[:, 1]) > 0.95
    np.testing.assert_array_equal(model.classes_, [False, True])
    assert model.predict(X).dtype == bool
    np.testing.assert_allclose(
        model.predict_log_proba(X), np.log(model.predict_proba(X)), atol=1e-12
    )
    # Two classes: the decision function is the log-odds of the second.
    proba = model.predict_proba(X)[:, 1]
    np.testing.assert_allclose(
        model.decision_function(X), np.log(proba / (1 - proba)), atol=1e-8
    )


def _sites_with_habitat():
    """The sites with a habitat (every third a forest); present in forests."""
    sites, _ = _sites()
    habitat = np.where(np.arange(len(sites)) % 3 == 0, "forest", "meadow")
    sites = sites.assign(habitat=pd.Categorical(habitat))
    return sites, (sites["habitat"] == "forest").to_numpy()


def test_categorical_covariate_is_one_hot_encoded_and_unseen_levels_refused():
    sites, presence = _sites_with_habitat()
    model = SphereGAMClassifier().fit(sites, presence)
    assert _auc(model, sites, presence) > 0.99
    unseen = sites.iloc[:3].assign(
        habitat=pd.Categorical(["forest", "swamp", "meadow"])
    )
    with pytest.raises(ValueError, match="'habitat'.*'swamp' at row 1"):
        model.predict_proba(unseen)


def test_bad_covariates_get_clear_errors():
    sites, presence = _sites(200)
    model = SphereGAMClassifier().fit(sites, presence)
    with pytest.raises(ValueError, match=r"lacks the covariates \['temperature'\]"):
        model.predict_proba(sites[["lon", "lat"]].assign(other=1.0))
    bad = sites.copy()
    bad.loc[4, "temperature"] = np.nan
    with pytest.raises(ValueError, match="'temperature' of X holds nan at row 4"):
        model.predict(bad)
    with pytest.raises(ValueError, match="'temperature' of X holds nan at row 4"):
        clone(model).fit(bad, presence)
    with pytest.raises(ValueError, match="pass a DataFrame"):
        model.predict(sites.to_numpy())
    with pytest.raises(ValueError, match="numeric or pandas categoricals"):
        clone(model).fit(sites.assign(temperature="warm"), presence)
    with pytest.raises(ValueError, match="'presence' of X holds the labels y"):
        clone(model).fit(sites.assign(presence=presence), presence)
    with pytest.raises(
        ValueError,
        match=r"single class \(True\); SphereGAMClassifier.*background sites",
    ):
        clone(model).fit(sites, np.ones(len(sites), dtype=bool))
    with pytest.raises(ValueError, match="outside \\[-90, 90\\]"):
        clone(model).fit(sites.assign(lat=sites["lat"] + 50), presence)


def test_bad_parameters_are_refused():
    sites, presence = _sites(100)
    with pytest.raises(ValueError, match="'C' parameter"):
        SphereGAMClassifier(C=0.0).fit(sites, presence)
    with pytest.raises(ValueError, match="'n_knots' parameter"):
        SphereGAMClassifier(n_knots=1).fit(sites, presence)
    with pytest.raises(ValueError, match="'extrapolation' parameter"):
        SphereGAMClassifier(extrapolation="periodic").fit(sites, presence)
    with pytest.raises(ValueError, match="Unknown encoder"):
        SphereGAMClassifier("sphereQ").fit(sites, presence)


def test_constant_extrapolation_scores_beyond_the_range_as_at_its_edge():
    sites, presence = _sites()
    hottest = sites["temperature"].max()
    beyond = sites.iloc[:5].assign(temperature=hottest + 10.0)
    at_edge = sites.iloc[:5].assign(temperature=hottest)
    clamped = SphereGAMClassifier(extrapolation="constant").fit(sites, presence)
    np.testing.assert_allclose(
        clamped.decision_function(beyond), clamped.decision_function(at_edge)
    )
    linear = SphereGAMClassifier().fit(sites, presence)
    inside = sites.iloc[:5]
    np.testing.assert_allclose(  # the same model within the training range
        clamped.decision_function(inside), linear.decision_function(inside)
    )
    # the linear tail keeps climbing (the species likes warmth)
    assert (linear.decision_function(beyond) > linear.decision_function(at_edge)).all()


def test_input_is_untouched_and_fit_is_deterministic():
    sites, presence = _sites(300)
    before, labels = sites.copy(), presence.copy()
    first = SphereGAMClassifier().fit(sites, presence)
    pd.testing.assert_frame_equal(sites, before)
    np.testing.assert_array_equal(presence, labels)
    second = SphereGAMClassifier().fit(sites, presence)
    np.testing.assert_array_equal(
        first.predict_proba(sites), second.predict_proba(sites)
    )
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(
        restored.predict_proba(sites), first.predict_proba(sites)
    )


def test_random_encoders_follow_random_state():
    sites, presence = _sites(300)

    def proba(random_state):
        model = SphereGAMClassifier(
            RBFEncoder(n_anchors=20, bandwidth=5.0), random_state=random_state
        ).fit(sites, presence)
        return model.predict_proba(sites)

    np.testing.assert_array_equal(proba(3), proba(3))
    assert not np.allclose(proba(3), proba(4))


def test_encoder_by_name_or_instance_and_the_instance_is_not_fitted():
    sites, presence = _sites(300)
    encoder = make_encoder("sphereC+", n_scales=8)
    by_instance = SphereGAMClassifier(encoder).fit(sites, presence)
    assert not hasattr(encoder, "n_features_in_")  # cloned, not fitted in place
    by_name = SphereGAMClassifier("sphereC+").fit(sites, presence)
    assert by_instance.encoder_.n_scales == 8 and by_name.encoder_.n_scales == 32


def test_class_weight_reaches_the_logistic_regression():
    # Presence depends on the temperature only, so with a three-column basis
    # of the location (xyz) the classes overlap everywhere: a heavy weight on
    # the rarer class makes it the prediction almost everywhere.
    sites, _ = _sites(400)
    presence = (sites["temperature"] > 12).to_numpy()
    X = sites[["lon", "lat"]]
    plain = SphereGAMClassifier("xyz").fit(X, presence)
    heavy = SphereGAMClassifier("xyz", class_weight={True: 100.0, False: 1.0})
    heavy.fit(X, presence)
    assert plain.predict(X).mean() < 0.05
    assert heavy.predict(X).mean() > 0.95


def test_integer_sample_weights_equal_repeated_records():
    # The common checks of sample weights feed arrays of 3 to 30 columns,
    # which the GAM refuses (test_common_extra.py); here on real input.
    sites, presence = _sites(200)
    # 1, 2 or 3 copies of each record (no zero, so the knots stay the same).
    weights = 1 + np.arange(len(sites)) % 3
    repeated = np.repeat(np.arange(len(sites)), weights)
    weighted = SphereGAMClassifier().fit(sites, presence, sample_weight=weights)
    copies = SphereGAMClassifier().fit(sites.iloc[repeated], presence[repeated])
    np.testing.assert_allclose(
        weighted.predict_proba(sites), copies.predict_proba(sites), atol=1e-4
    )
    unweighted = SphereGAMClassifier().fit(sites, presence)
    assert not np.allclose(
        weighted.predict_proba(sites), unweighted.predict_proba(sites), atol=1e-2
    )
    with pytest.raises(ValueError, match="Negative values"):
        SphereGAMClassifier().fit(sites, presence, sample_weight=weights - 2)
    with pytest.raises(ValueError, match="non-zero"):
        SphereGAMClassifier().fit(sites, presence, sample_weight=0 * weights)


def test_grid_search_with_spatial_folds_and_the_presence_auc_scorer():
    sites, presence = _sites(400)
    search = GridSearchCV(
        SphereGAMClassifier(),
        {"C": [0.01, 1.0]},
        cv=SphericalClusterKFold(
            n_splits=3, n_clusters=12, columns=("lon", "lat"), random_state=0
        ),
        scoring=presence_auc_scorer,
    ).fit(sites, presence)
    assert search.best_params_["C"] in (0.01, 1.0)
    assert search.best_score_ > 0.85


def test_handle_unknown_ignore_scores_unseen_levels_as_none_of_the_known():
    sites, presence = _sites_with_habitat()
    strict = SphereGAMClassifier().fit(sites, presence)
    lenient = SphereGAMClassifier(handle_unknown="ignore").fit(sites, presence)
    # Seen levels: the same model.
    np.testing.assert_array_equal(
        lenient.predict_proba(sites), strict.predict_proba(sites)
    )
    swamp = sites.iloc[:4].assign(habitat=pd.Categorical(["swamp"] * 4))
    with pytest.raises(ValueError, match="'swamp' at row 0"):
        strict.predict_proba(swamp)
    proba = lenient.predict_proba(swamp)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # All-zero one-hot columns: on their standardised scale that is below the
    # mean of both levels, so a swamp scores between a forest and a meadow of
    # the same place and temperature, with the logit that the zeros give.
    forest = lenient.predict_proba(swamp.assign(habitat="forest"))[:, 1]
    meadow = lenient.predict_proba(swamp.assign(habitat="meadow"))[:, 1]
    assert np.all((meadow < proba[:, 1]) & (proba[:, 1] < forest))
    scaler, logistic = lenient.scaler_, lenient.logistic_
    encoding = lenient.encoder_.transform(swamp[["lon", "lat"]].to_numpy())
    spline = lenient.covariate_transformer_.named_transformers_["numeric"]
    basis = np.hstack(
        [encoding, spline.transform(swamp[["temperature"]]), np.zeros((4, 2))]
    )
    logit = logistic.decision_function(scaler.transform(basis))
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-logit)), rtol=1e-10)
    with pytest.raises(ValueError, match="'handle_unknown' parameter"):
        SphereGAMClassifier(handle_unknown="zero").fit(sites, presence)


@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_spatial_folds_holding_a_level_of_their_own_score_with_ignore():
    # A habitat found only in the places of one spatial test fold: that fold
    # tests on a level which its training folds do not have.
    sites, presence = _sites(400)
    cv = SphericalClusterKFold(
        n_splits=3, n_clusters=12, columns=("lon", "lat"), random_state=0
    )
    _, first_test = next(cv.split(sites, presence))
    habitat = np.full(len(sites), "meadow", dtype=object)
    habitat[first_test] = "bog"
    sites = sites.assign(habitat=pd.Categorical(habitat))
    search = dict(param_grid={"C": [0.03]}, cv=cv, scoring=presence_auc_scorer)
    with pytest.warns(UserWarning, match="Scoring failed"):
        strict = GridSearchCV(SphereGAMClassifier(), **search).fit(sites, presence)
    assert np.isnan(strict.cv_results_["split0_test_score"]).all()
    lenient = GridSearchCV(SphereGAMClassifier(handle_unknown="ignore"), **search)
    lenient.fit(sites, presence)
    assert np.isfinite(lenient.cv_results_["mean_test_score"]).all()


def _biased_records(seed=0, n_records=300, n_sites=2000):
    """Records of a species of warm sites (temperature above 11, wherever
    they are), drawn with an observers' bias rising to the east, against
    uniform background sites; ``effort`` is the log of that bias. Also test
    sites with their true presence, uniform and unbiased."""
    rng = np.random.default_rng(seed)

    def uniform_sites(n):
        return pd.DataFrame(
            {
                "lon": rng.uniform(-10, 10, n),
                "lat": rng.uniform(40, 55, n),
                "temperature": rng.normal(10, 3, n),
            }
        )

    pool = uniform_sites(20_000)
    occupied = pool[pool["temperature"] > 11]
    bias = np.exp(0.4 * occupied["lon"].to_numpy())
    records = occupied.iloc[
        rng.choice(len(occupied), n_records, replace=False, p=bias / bias.sum())
    ]
    X = pd.concat([records, uniform_sites(n_sites)], ignore_index=True)
    X["effort"] = 0.4 * X["lon"]
    presence = np.arange(len(X)) < n_records
    test = uniform_sites(2000)
    return X, presence, test, (test["temperature"] > 11).to_numpy()


def test_a_held_bias_covariate_takes_up_the_observers_bias():
    X, presence, test, truth = _biased_records()
    plain = SphereGAMClassifier(encoder="xyz").fit(X.drop(columns="effort"), presence)
    held = SphereGAMClassifier(encoder="xyz", bias_covariates=["effort"])
    held.fit(X, presence)
    used = SphereGAMClassifier(encoder="xyz").fit(X, presence)
    with_effort = test.assign(effort=0.4 * test["lon"])
    # Without the effort covariate, the location learns the bias; used as an
    # ordinary covariate, the effort carries it into the predictions.
    assert _auc(held, test, truth) > 0.97
    assert _auc(plain, test, truth) < 0.93
    assert _auc(used, with_effort, truth) < 0.93
    # Held, it is the same whatever the rows hold there, or if they lack it.
    np.testing.assert_array_equal(
        held.predict_proba(with_effort), held.predict_proba(test)
    )
    assert "effort" not in test.columns  # the input is not modified


def test_bias_covariates_are_held_at_their_mean_or_at_given_values():
    X, presence, test, _ = _biased_records(n_records=100, n_sites=300)
    weights = np.where(presence, 1.0, 3.0)
    at_mean = SphereGAMClassifier(bias_covariates=["effort"]).fit(
        X, presence, sample_weight=weights
    )
    assert at_mean.bias_values_ == {
        "effort": pytest.approx(np.average(X["effort"], weights=weights))
    }
    at_value = SphereGAMClassifier(bias_covariates={"effort": -2}).fit(
        X, presence, sample_weight=weights
    )
    assert at_value.bias_values_ == {"effort": -2.0}
    # The same fit, so the held value shifts every log-odds alike: the
    # rankings agree, the probabilities do not.
    shift = at_mean.decision_function(test) - at_value.decision_function(test)
    np.testing.assert_allclose(shift, shift[0], atol=1e-10)
    assert abs(shift[0]) > 1e-3
    spline = at_value.covariate_transformer_.named_transformers_["numeric"]
    by_hand = test.assign(effort=-2.0)
    basis = np.hstack(
        [
            at_value.encoder_.transform(test[["lon", "lat"]].to_numpy()),
            spline.transform(by_hand[["temperature", "effort"]]),
        ]
    )
    np.testing.assert_allclose(
        at_value.decision_function(test),
        at_value.logistic_.decision_function(at_value.scaler_.transform(basis)),
        rtol=1e-10,
    )
    as_tuple = SphereGAMClassifier(bias_covariates=("effort",)).fit(X, presence)
    assert as_tuple.bias_values_ == {"effort": pytest.approx(X["effort"].mean())}
    assert SphereGAMClassifier().fit(X, presence).bias_values_ == {}


def test_bias_covariates_bad_input():
    X, presence, _, _ = _biased_records(n_records=50, n_sites=200)
    with pytest.raises(ValueError, match="'roads', which is not a covariate"):
        SphereGAMClassifier(bias_covariates=["roads"]).fit(X, presence)
    with pytest.raises(ValueError, match="holds only the coordinates"):
        SphereGAMClassifier(bias_covariates=["effort"]).fit(X[["lon", "lat"]], presence)
    categorical = X.assign(effort=pd.Categorical(X["effort"] > 0))
    with pytest.raises(ValueError, match="'effort', a category column"):
        SphereGAMClassifier(bias_covariates=["effort"]).fit(categorical, presence)
    with pytest.raises(ValueError, match="'effort' the value nan"):
        SphereGAMClassifier(bias_covariates={"effort": np.nan}).fit(X, presence)
    with pytest.raises(ValueError, match="'effort' the value 'high'"):
        SphereGAMClassifier(bias_covariates={"effort": "high"}).fit(X, presence)
    with pytest.raises(ValueError, match="'bias_covariates' parameter"):
        SphereGAMClassifier(bias_covariates="effort").fit(X, presence)


def test_rows_of_weight_zero_count_as_absent():
    sites, presence = _sites(300)
    # Extra rows far outside the temperature range, weighted 0: they must
    # neither stretch the splines' knots nor enter the scaler or the loss.
    extra = sites.iloc[:40].assign(temperature=sites["temperature"].iloc[:40] + 50)
    padded = pd.concat([sites, extra], ignore_index=True)
    padded_presence = np.r_[presence, presence[:40]]
    weights = np.r_[np.ones(len(sites)), np.zeros(len(extra))]
    weighted = SphereGAMClassifier().fit(padded, padded_presence, sample_weight=weights)
    plain = SphereGAMClassifier().fit(sites, presence)
    np.testing.assert_allclose(
        weighted.predict_proba(sites), plain.predict_proba(sites), atol=1e-6
    )
