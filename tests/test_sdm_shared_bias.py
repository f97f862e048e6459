"""SharedBiasGAMClassifier: species' habitats with one shared sampling bias."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import (
    OneVsBackgroundClassifier,
    SharedBiasGAMClassifier,
    SphereGAMClassifier,
    predict_grid,
    presence_auc,
    presence_auc_scorer,
)

OPTIMA = (-6.0, -3.0, 0.0, 3.0)  # temperatures the four species like best


def _survey(bias_strength=4.0, seed=0, n_records=60):
    """Four species whose occupancy is a Gaussian response to temperature,
    their records drawn with an eastward observers' bias
    ``exp(bias_strength · lon / 10)``; 400 uniform background sites and 1,000
    uniform test sites, each species present or not as drawn."""
    rng = np.random.default_rng(seed)

    def frame(n):
        lon, lat = rng.uniform(-10, 10, n), rng.uniform(40, 56, n)
        temperature = 20 - 0.5 * lat + np.sin(lon / 3)
        return pd.DataFrame({"lon": lon, "lat": lat, "temperature": temperature})

    def occupancy(sites, optimum):
        return np.exp(-0.5 * ((sites["temperature"].to_numpy() - optimum) / 1.5) ** 2)

    pool, background, test = frame(20_000), frame(400), frame(1_000)
    bias = np.exp(bias_strength * pool["lon"].to_numpy() / 10)
    records, species = [], []
    for k, optimum in enumerate(OPTIMA):
        occupied = np.flatnonzero(rng.random(len(pool)) < occupancy(pool, optimum))
        weights = bias[occupied] / bias[occupied].sum()
        records.append(pool.iloc[rng.choice(occupied, n_records, False, p=weights)])
        species += [f"s{k}"] * n_records
    truth = np.column_stack(
        [rng.random(len(test)) < occupancy(test, optimum) for optimum in OPTIMA]
    ).astype(int)
    return (
        pd.concat(records, ignore_index=True),
        np.array(species),
        background,
        test,
        truth,
    )


def test_the_shared_bias_takes_up_the_observers_bias():
    records, species, sites, test, truth = _survey()
    before = records.copy(), sites.copy()
    model = SharedBiasGAMClassifier(sites, n_knots=4).fit(records, species)
    apart = OneVsBackgroundClassifier(
        SphereGAMClassifier("xyz", n_knots=4), background=sites
    ).fit(records, species)
    shared_auc = presence_auc(truth, model.predict_presence(test))
    apart_auc = presence_auc(truth, apart.predict_presence(test))
    # The same habitat terms fitted one species at a time learn the eastward
    # bias as habitat (0.852 against 0.898 here; 0.05 to 0.07 on seeds 0-3).
    assert shared_auc > apart_auc + 0.03
    # The bias surface found is the eastward one, 0 on average over the sites.
    assert np.corrcoef(model.predict_sampling_bias(test), test["lon"])[0, 1] > 0.7
    assert abs(model.predict_sampling_bias(sites).mean()) < 1e-10
    pd.testing.assert_frame_equal(records, before[0])
    pd.testing.assert_frame_equal(sites, before[1])
    assert list(model.feature_names_in_) == ["lon", "lat", "temperature"]
    assert model.n_features_in_ == 3


def test_without_a_bias_it_costs_little():
    # What the ranges share is taken for bias too: 0.915 against 0.933 here
    # (0.000 to 0.025 on seeds 0-3).
    records, species, sites, test, truth = _survey(bias_strength=0.0)
    model = SharedBiasGAMClassifier(sites, n_knots=4).fit(records, species)
    apart = OneVsBackgroundClassifier(
        SphereGAMClassifier("xyz", n_knots=4), background=sites
    ).fit(records, species)
    shared_auc = presence_auc(truth, model.predict_presence(test))
    assert shared_auc > presence_auc(truth, apart.predict_presence(test)) - 0.03


def test_the_fit_is_the_optimum_of_the_stacked_logistic_regression():
    """Checked on the stacked design: one block of rows per species (its
    records, then every site), columns [species' intercepts, habitat basis of
    each species, shared bias basis]; at the optimum the penalised logistic
    loss has zero gradient (the intercepts unpenalised, the bias penalised
    by bias_C)."""
    records, species, sites, _, _ = _survey(seed=1, n_records=30)
    model = SharedBiasGAMClassifier(
        sites, n_knots=4, bias_C=0.01, tol=1e-8, max_iter=5000
    )
    model.fit(records, species)
    rows = pd.concat([records, sites], ignore_index=True)
    habitat = model.habitat_basis_._transform_basis(rows)
    encoded = model.bias_encoder_.transform(rows[["lon", "lat"]].to_numpy())
    bias = model.bias_scaler_.transform(encoded)
    n_classes, n_habitat = model.coef_.shape
    blocks, targets = [], []
    for k, label in enumerate(model.classes_):
        own = np.flatnonzero(species == label)
        keep = np.r_[own, len(records) + np.arange(len(sites))]
        block = np.zeros((len(keep), n_classes * (1 + n_habitat) + bias.shape[1]))
        block[:, k] = 1.0
        start = n_classes + k * n_habitat
        block[:, start : start + n_habitat] = habitat[keep]
        block[:, n_classes * (1 + n_habitat) :] = bias[keep]
        blocks.append(block)
        targets.append(np.arange(len(keep)) < len(own))
    design, target = np.vstack(blocks), np.concatenate(targets)
    theta = np.concatenate(
        [model.intercept_ - model.bias_offset_, model.coef_.ravel(), model.bias_coef_]
    )
    # The penalty's gradient: 0 for the intercepts, coef / C for the
    # habitats, bias_coef / bias_C for the bias (all times C here).
    n_penalised_habitat = n_classes * n_habitat
    penalised = np.r_[
        np.zeros(n_classes),
        theta[n_classes : n_classes + n_penalised_habitat],
        theta[n_classes + n_penalised_habitat :] * model.C / model.bias_C,
    ]
    gradient = model.C * design.T @ (expit(design @ theta) - target) + penalised
    assert np.max(np.abs(gradient)) < 1e-3 * np.max(np.abs(penalised))
    # predict_presence is the habitat part with the bias at its sites' mean.
    scores = habitat[: len(records)] @ model.coef_.T + model.intercept_
    np.testing.assert_allclose(
        model.predict_presence(records), expit(scores), rtol=1e-10
    )


def _assert_same_model(first, second, test):
    """The two fits' presences and biases at ``test`` agree within the
    solver's tolerance."""
    np.testing.assert_allclose(
        np.log(first.predict_presence(test)),
        np.log(second.predict_presence(test)),
        rtol=1e-4,
        atol=1e-4,
    )
    np.testing.assert_allclose(
        first.predict_sampling_bias(test),
        second.predict_sampling_bias(test),
        atol=1e-4,
    )


def test_a_site_of_weight_2_counts_as_that_site_twice():
    records, species, sites, test, _ = _survey(seed=2, n_records=30)
    weights = np.random.default_rng(0).integers(0, 3, len(sites))  # 0, 1 or 2
    settings = {"n_knots": 4, "tol": 1e-9, "max_iter": 5000}
    weighted = SharedBiasGAMClassifier(
        sites, background_weights=weights, **settings
    ).fit(records, species)
    repeated = sites.iloc[np.repeat(np.arange(len(sites)), weights)]
    twice = SharedBiasGAMClassifier(repeated, **settings).fit(records, species)
    _assert_same_model(weighted, twice, test)
    # The bias is held at its weighted mean over the sites.
    assert (
        abs(np.average(weighted.predict_sampling_bias(sites), weights=weights)) < 1e-9
    )
    unweighted = SharedBiasGAMClassifier(sites, **settings).fit(records, species)
    assert np.max(np.abs(unweighted.coef_ - weighted.coef_)) > 1e-2
    ones = SharedBiasGAMClassifier(
        sites, background_weights=np.ones(len(sites)), **settings
    ).fit(records, species)
    np.testing.assert_allclose(
        ones.predict_presence(test), unweighted.predict_presence(test), rtol=1e-6
    )


def test_a_record_of_weight_2_counts_as_that_record_twice():
    records, species, sites, test, _ = _survey(seed=3, n_records=30)
    weights = np.random.default_rng(1).integers(0, 3, len(records))  # 0, 1 or 2
    settings = {"n_knots": 4, "tol": 1e-9, "max_iter": 5000}
    before = records.copy()
    weighted = SharedBiasGAMClassifier(sites, **settings).fit(
        records, species, sample_weight=list(weights)
    )
    pd.testing.assert_frame_equal(records, before)
    rows = np.repeat(np.arange(len(records)), weights)
    twice = SharedBiasGAMClassifier(sites, **settings).fit(
        records.iloc[rows], species[rows]
    )
    _assert_same_model(weighted, twice, test)
    unweighted = SharedBiasGAMClassifier(sites, **settings).fit(records, species)
    assert np.max(np.abs(unweighted.coef_ - weighted.coef_)) > 1e-2
    ones = SharedBiasGAMClassifier(sites, **settings).fit(
        records, species, sample_weight=np.ones(len(records))
    )
    # Equal up to the solver's tolerance (the weighted standardisation rounds
    # differently, so L-BFGS takes another path to the same optimum).
    np.testing.assert_allclose(
        ones.predict_presence(test), unweighted.predict_presence(test), rtol=1e-4
    )
    with pytest.raises(ValueError, match=r"species \['s1'\] a total weight of 0"):
        SharedBiasGAMClassifier(sites).fit(
            records, species, sample_weight=(species != "s1").astype(float)
        )
    with pytest.raises(ValueError, match="Negative values in data"):
        SharedBiasGAMClassifier(sites).fit(
            records, species, sample_weight=np.r_[-1.0, np.ones(len(records) - 1)]
        )
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(2,\)"):
        SharedBiasGAMClassifier(sites).fit(records, species, sample_weight=[1.0, 2.0])


def test_predictions_rank_the_species_and_are_reproducible():
    records, species, sites, test, _ = _survey(n_records=30)
    first = SharedBiasGAMClassifier(sites, n_knots=4).fit(records, species)
    second = SharedBiasGAMClassifier(sites, n_knots=4).fit(records, species)
    np.testing.assert_array_equal(
        first.predict_presence(test), second.predict_presence(test)
    )
    proba = first.predict_proba(test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    presence = first.predict_presence(test)
    np.testing.assert_array_equal(
        first.predict(test), first.classes_[np.argmax(presence, axis=1)]
    )
    # The warmest species lives in the south, the coldest in the north.
    south, north = test["lat"] < 44, test["lat"] > 52
    assert presence[south, 3].mean() > presence[south, 0].mean()
    assert presence[north, 0].mean() > presence[north, 3].mean()


def test_constant_extrapolation_holds_the_covariates_at_their_edge():
    records, species, sites, test, _ = _survey(n_records=30)
    hottest = max(records["temperature"].max(), sites["temperature"].max())
    beyond = test.iloc[:5].assign(temperature=hottest + 10.0)
    at_edge = test.iloc[:5].assign(temperature=hottest)
    clamped = SharedBiasGAMClassifier(sites, n_knots=4, extrapolation="constant")
    clamped.fit(records, species)
    np.testing.assert_allclose(
        clamped.predict_presence(beyond), clamped.predict_presence(at_edge)
    )
    linear = SharedBiasGAMClassifier(sites, n_knots=4).fit(records, species)
    assert not np.allclose(
        linear.predict_presence(beyond), linear.predict_presence(at_edge)
    )
    training = pd.concat([records, sites])["temperature"]
    inside = test[test["temperature"].between(training.min(), training.max())]
    assert 0 < len(inside) < len(test)  # a few test sites lie beyond the range
    np.testing.assert_allclose(  # within it, the same model
        clamped.predict_presence(inside), linear.predict_presence(inside), rtol=1e-6
    )


def test_predict_grid_maps_the_habitat():
    xr = pytest.importorskip("xarray")
    records, species, sites, _, _ = _survey(n_records=30)
    model = SharedBiasGAMClassifier(sites, n_knots=4).fit(records, species)
    lat, lon = np.arange(40.5, 56, 1.0), np.arange(-9.5, 10, 1.0)
    temperature = 20 - 0.5 * lat[:, None] + np.sin(lon[None, :] / 3)
    layers = xr.Dataset(
        {"temperature": (("lat", "lon"), temperature)}, coords={"lat": lat, "lon": lon}
    )
    grid = predict_grid(
        model, resolution_deg=1.0, bbox=(-10, 40, 10, 56), covariates=layers
    )
    assert list(grid["class"].values) == ["s0", "s1", "s2", "s3"]
    cells = pd.DataFrame(
        {
            "lon": np.tile(grid["lon"].values, grid["lat"].size),
            "lat": np.repeat(grid["lat"].values, grid["lon"].size),
        }
    )
    cells["temperature"] = 20 - 0.5 * cells["lat"] + np.sin(cells["lon"] / 3)
    np.testing.assert_allclose(
        grid.values.reshape(4, -1).T, model.predict_presence(cells), rtol=1e-5
    )


def test_coordinates_only_and_the_scorer():
    records, species, sites, _, _ = _survey(n_records=30)
    lonlat = records[["lon", "lat"]].to_numpy()
    model = SharedBiasGAMClassifier(
        sites[["lon", "lat"]].to_numpy(), encoder="sphereC+", n_knots=4
    ).fit(lonlat, species)
    assert model.n_features_in_ == 2
    assert model.predict_presence(lonlat[:5]).shape == (5, 4)
    search = GridSearchCV(
        SharedBiasGAMClassifier(sites, n_knots=4),
        {"C": [0.03, 1.0]},
        cv=SphericalClusterKFold(n_splits=3, columns=("lon", "lat"), random_state=0),
        scoring=presence_auc_scorer,
    ).fit(records, species)
    assert search.best_score_ > 0.6


def test_the_default_habitat_location_is_a_tilt_beside_covariates_only():
    records, species, sites, test, _ = _survey(n_records=20)
    with_covariates = SharedBiasGAMClassifier(sites, n_knots=4).fit(records, species)
    assert with_covariates.habitat_basis_.encoder == "xyz"
    lonlat = ["lon", "lat"]
    alone = SharedBiasGAMClassifier(sites[lonlat].to_numpy()).fit(
        records[lonlat].to_numpy(), species
    )
    assert alone.habitat_basis_.encoder == "sphereC+"
    explicit = SharedBiasGAMClassifier(
        sites[lonlat].to_numpy(), encoder="sphereC+"
    ).fit(records[lonlat].to_numpy(), species)
    np.testing.assert_array_equal(
        alone.predict_presence(test[lonlat].to_numpy()),
        explicit.predict_presence(test[lonlat].to_numpy()),
    )
    # A two-column DataFrame holds the coordinates only, too.
    frame = SharedBiasGAMClassifier(sites[lonlat]).fit(records[lonlat], species)
    assert frame.habitat_basis_.encoder == "sphereC+"
    assert SharedBiasGAMClassifier(encoder="auto").get_params()["encoder"] == "auto"


def test_bad_input():
    records, species, sites, test, _ = _survey(n_records=20)
    with pytest.raises(ValueError, match="needs background sites: pass background="):
        SharedBiasGAMClassifier().fit(records, species)
    with pytest.raises(ValueError, match=r"single class \('s0'\).*SphereGAMClassifier"):
        SharedBiasGAMClassifier(sites).fit(
            records[species == "s0"], species[species == "s0"]
        )
    with pytest.raises(ValueError, match=r"lacks the columns \['temperature'\]"):
        SharedBiasGAMClassifier(sites[["lon", "lat"]]).fit(records, species)
    with pytest.raises(ValueError, match="background is a DataFrame but X is an array"):
        SharedBiasGAMClassifier(sites).fit(records[["lon", "lat"]].to_numpy(), species)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SharedBiasGAMClassifier(sites).fit(records, species[:2])
    hole = sites.assign(temperature=sites["temperature"].mask(sites.index == 7))
    with pytest.raises(ValueError, match=r"'temperature' of background .*row 7"):
        SharedBiasGAMClassifier(hole).fit(records, species)
    with pytest.raises(ValueError, match="In background: "):
        SharedBiasGAMClassifier(sites.assign(lon=np.nan)).fit(records, species)
    with pytest.raises(
        ValueError,
        match=r"background_weights has shape \(2,\), but there are 400 sites",
    ):
        SharedBiasGAMClassifier(sites, background_weights=[1.0, 2.0]).fit(
            records, species
        )
    negative = np.r_[-1.0, np.ones(len(sites) - 1)]
    with pytest.raises(ValueError, match=r"background_weights\[0\] is -1.0"):
        SharedBiasGAMClassifier(sites, background_weights=negative).fit(
            records, species
        )
    with pytest.raises(ValueError, match=r"'temperature' of X .*row 3"):
        SharedBiasGAMClassifier(sites).fit(
            records.assign(temperature=records["temperature"].mask(records.index == 3)),
            species,
        )
    with pytest.raises(NotFittedError):
        SharedBiasGAMClassifier(sites).predict_presence(test)
    model = SharedBiasGAMClassifier(sites, n_knots=4).fit(records, species)
    with pytest.raises(ValueError, match="temperature"):
        model.predict_presence(test[["lon", "lat"]])
    nan = test.assign(temperature=np.r_[np.nan, test["temperature"].iloc[1:]])
    with pytest.raises(ValueError, match="temperature"):
        model.predict_presence(nan)
