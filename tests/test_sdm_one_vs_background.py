"""OneVsBackgroundClassifier: one presence model per species against background."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import (
    OneVsBackgroundClassifier,
    SphereGAMClassifier,
    class_thresholds,
    predict_grid,
    presence_auc_scorer,
)

GAM = SphereGAMClassifier("xyz", n_knots=4)


def _records(seed=0):
    """Records of three species in western Europe (west, east, north), with a
    temperature covariate, and 300 background sites with theirs."""
    rng = np.random.default_rng(seed)

    def frame(lon, lat):
        return pd.DataFrame(
            {
                "lon": lon,
                "lat": lat,
                "temperature": 20 - 0.5 * lat + rng.normal(size=lon.size),
            }
        )

    n = 60
    records = frame(
        np.concatenate(
            [rng.uniform(-10, -2, n), rng.uniform(2, 10, n), rng.uniform(-10, 10, n)]
        ),
        np.concatenate(
            [rng.uniform(40, 48, n), rng.uniform(40, 48, n), rng.uniform(52, 56, n)]
        ),
    )
    species = np.repeat(["west", "east", "north"], n)
    sites = frame(rng.uniform(-10, 10, 300), rng.uniform(40, 56, 300))
    return records, species, sites


def _by_hand(records, species, label, background, weights=None):
    own = records[species == label]
    rows = pd.concat([own, background], ignore_index=True)
    presence = np.arange(len(rows)) < len(own)
    sample_weight = None if weights is None else np.r_[np.ones(len(own)), weights]
    return SphereGAMClassifier("xyz", n_knots=4).fit(
        rows, presence, sample_weight=sample_weight
    )


def test_each_class_is_its_records_against_the_sites():
    records, species, sites = _records()
    before = records.copy(), sites.copy()
    weights = np.linspace(0.5, 2.0, len(sites))
    for background, background_weights in [(sites, None), (sites, weights)]:
        model = OneVsBackgroundClassifier(
            GAM, background=background, background_weights=background_weights
        ).fit(records, species)
        assert list(model.classes_) == ["east", "north", "west"]
        presence = model.predict_presence(sites)
        assert presence.shape == (len(sites), 3)
        for column, label in enumerate(model.classes_):
            expected = _by_hand(records, species, label, sites, background_weights)
            np.testing.assert_allclose(
                presence[:, column], expected.predict_proba(sites)[:, 1], rtol=1e-10
            )
    pd.testing.assert_frame_equal(records, before[0])
    pd.testing.assert_frame_equal(sites, before[1])
    assert list(model.feature_names_in_) == ["lon", "lat", "temperature"]


class _CovariateLogistic(ClassifierMixin, BaseEstimator):
    """A classifier of another library: a logistic regression of the
    covariates that records no n_features_in_."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.model_ = LogisticRegression().fit(X[["temperature"]].to_numpy(), y)
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X[["temperature"]].to_numpy())


def test_a_model_that_records_no_input_width_is_taken():
    records, species, sites = _records()
    model = OneVsBackgroundClassifier(_CovariateLogistic(), background=sites)
    model.fit(records, species)
    assert model.n_features_in_ == 3  # the records' columns
    presence = model.predict_presence(sites)
    assert presence.shape == (len(sites), 3)
    # the northern species lives where it is cold
    north = list(model.classes_).index("north")
    cold = sites["temperature"] < sites["temperature"].median()
    assert presence[cold, north].mean() > presence[~cold, north].mean()


def test_target_group_is_the_other_classes_records():
    records, species, _ = _records()
    model = OneVsBackgroundClassifier(GAM).fit(records, species)
    for column, label in enumerate(model.classes_):
        expected = _by_hand(records, species, label, records[species != label])
        np.testing.assert_allclose(
            model.predict_presence(records)[:, column],
            expected.predict_proba(records)[:, 1],
            rtol=1e-10,
        )


def test_record_weights_weigh_presences_and_target_group_rows():
    records, species, sites = _records()
    weights = np.linspace(0.2, 3.0, len(records))
    site_weights = np.linspace(2.0, 0.5, len(sites))
    with_sites = OneVsBackgroundClassifier(
        GAM, background=sites, background_weights=site_weights
    ).fit(records, species, sample_weight=weights)
    target_group = OneVsBackgroundClassifier(GAM).fit(
        records, species, sample_weight=weights
    )
    for column, label in enumerate(with_sites.classes_):
        own, others = species == label, species != label
        rows = pd.concat([records[own], sites], ignore_index=True)
        presence = np.arange(len(rows)) < own.sum()
        expected = clone(GAM).fit(
            rows, presence, sample_weight=np.r_[weights[own], site_weights]
        )
        np.testing.assert_allclose(
            with_sites.predict_presence(sites)[:, column],
            expected.predict_proba(sites)[:, 1],
            rtol=1e-10,
        )
        rows = pd.concat([records[own], records[others]], ignore_index=True)
        expected = clone(GAM).fit(
            rows,
            np.arange(len(rows)) < own.sum(),
            sample_weight=np.r_[weights[own], weights[others]],
        )
        np.testing.assert_allclose(
            target_group.predict_presence(sites)[:, column],
            expected.predict_proba(sites)[:, 1],
            rtol=1e-10,
        )


def test_record_weights_need_a_model_that_takes_them():
    records, species, sites = _records()
    model = OneVsBackgroundClassifier(_CovariateLogistic(), background=sites)
    with pytest.raises(ValueError, match="_CovariateLogistic.fit takes no sample_"):
        model.fit(records, species, sample_weight=np.ones(len(species)))
    with pytest.raises(ValueError, match=r"class \['north'\] a total weight of 0"):
        OneVsBackgroundClassifier(GAM).fit(
            records, species, sample_weight=(species != "north").astype(float)
        )


def test_predictions_rank_the_classes_at_each_site():
    records, species, sites = _records()
    model = OneVsBackgroundClassifier(GAM, background=sites).fit(records, species)
    proba = model.predict_proba(records)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    presence = model.predict_presence(records)
    np.testing.assert_array_equal(np.argmax(proba, axis=1), np.argmax(presence, axis=1))
    assert np.mean(model.predict(records) == species) > 0.9
    parallel = OneVsBackgroundClassifier(GAM, background=sites, n_jobs=2)
    np.testing.assert_array_equal(
        parallel.fit(records, species).predict_presence(sites),
        model.predict_presence(sites),
    )


def test_works_with_the_scorer_the_splitters_and_the_grid():
    xr = pytest.importorskip("xarray")
    records, species, sites = _records()
    search = GridSearchCV(
        OneVsBackgroundClassifier(GAM, background=sites),
        {"estimator__C": [0.03, 1.0]},
        cv=SphericalClusterKFold(n_splits=3, columns=("lon", "lat"), random_state=0),
        scoring=presence_auc_scorer,
    ).fit(records, species)
    assert search.best_score_ > 0.8
    model = search.best_estimator_
    thresholds = class_thresholds(
        species,
        model.predict_presence(records),
        labels=model.classes_,
        background_score=model.predict_presence(sites),
    )
    assert thresholds.shape == (3,) and np.all((thresholds > 0) & (thresholds < 1))
    lat = np.arange(40.5, 56, 1.0)
    lon = np.arange(-9.5, 10, 1.0)
    temperature = 20 - 0.5 * lat[:, None] + 0 * lon[None, :]
    layers = xr.Dataset(
        {"temperature": (("lat", "lon"), temperature)}, coords={"lat": lat, "lon": lon}
    )
    grid = predict_grid(
        search.best_estimator_,
        resolution_deg=1.0,
        bbox=(-10, 40, 10, 56),
        covariates=layers,
    )
    assert list(grid["class"].values) == ["east", "north", "west"]
    cells = pd.DataFrame(
        {
            "lon": np.tile(grid["lon"].values, grid["lat"].size),
            "lat": np.repeat(grid["lat"].values, grid["lon"].size),
        }
    )
    cells["temperature"] = 20 - 0.5 * cells["lat"]
    expected = search.best_estimator_.predict_presence(cells)
    np.testing.assert_allclose(grid.values.reshape(3, -1).T, expected, rtol=1e-5)


def test_coordinates_only():
    records, species, sites = _records()
    lonlat = records[["lon", "lat"]].to_numpy()
    model = OneVsBackgroundClassifier(GAM, background=sites[["lon", "lat"]].to_numpy())
    assert np.mean(model.fit(lonlat, species).predict(lonlat) == species) > 0.9
    assert model.n_features_in_ == 2
    # Records as a two-column DataFrame take the same (lon, lat) site rows.
    frame = clone(model).fit(records[["lon", "lat"]], species)
    np.testing.assert_allclose(
        frame.predict_presence(records[["lon", "lat"]]),
        model.predict_presence(lonlat),
        rtol=1e-12,
    )


def _with_soil(frame, levels):
    """``frame`` with a categorical ``soil`` by latitude, of the levels that
    its values hold (as ``pd.Categorical`` of a column makes them)."""
    names = np.array(levels)[(frame["lat"].to_numpy() * 7).astype(int) % len(levels)]
    return frame.assign(soil=pd.Categorical(names))


def test_categorical_levels_of_records_and_sites_are_joined():
    # Made each from its own values, the records' and the sites' categoricals
    # have different levels; pandas would stack them into plain strings,
    # which no covariate model takes.
    records, species, sites = _records()
    levels = ["clay", "loam", "peat", "sand"]
    records = _with_soil(records, levels[:3])
    sites = _with_soil(sites, levels)
    assert records["soil"].dtype != sites["soil"].dtype
    before = records.copy(), sites.copy()
    model = OneVsBackgroundClassifier(
        SphereGAMClassifier("xyz", n_knots=4, handle_unknown="ignore"), background=sites
    ).fit(records, species)
    # The same model as with both on the four levels from the start.
    shared = pd.CategoricalDtype(levels)
    same = OneVsBackgroundClassifier(
        SphereGAMClassifier("xyz", n_knots=4, handle_unknown="ignore"),
        background=sites.astype({"soil": shared}),
    ).fit(records.astype({"soil": shared}), species)
    np.testing.assert_allclose(
        model.predict_presence(sites), same.predict_presence(sites)
    )
    pd.testing.assert_frame_equal(records, before[0])  # the inputs unchanged
    pd.testing.assert_frame_equal(sites, before[1])
    # Categorical on one side only (the sites' levels as codes): refused,
    # with the column named.
    codes = sites.assign(soil=sites["soil"].cat.codes)
    with pytest.raises(
        ValueError, match=r"'soil' is categorical in the records but of dtype int8"
    ):
        OneVsBackgroundClassifier(GAM, background=codes).fit(records, species)
    with pytest.raises(ValueError, match=r"e.g. records\['soil'\] = records"):
        OneVsBackgroundClassifier(GAM, background=sites).fit(
            records.assign(soil=records["soil"].cat.codes), species
        )


def test_bad_input():
    records, species, sites = _records()
    with pytest.raises(
        ValueError, match=r"single class \('west'\).*give background sites instead"
    ):
        OneVsBackgroundClassifier(GAM).fit(
            records[species == "west"], species[species == "west"]
        )
    with pytest.raises(ValueError, match="background must be a DataFrame"):
        OneVsBackgroundClassifier(GAM, background=sites.to_numpy()).fit(
            records, species
        )
    with pytest.raises(ValueError, match=r"lacks the columns \['temperature'\]"):
        OneVsBackgroundClassifier(GAM, background=sites[["lon", "lat"]]).fit(
            records, species
        )
    # The labels left among the columns of X: the message says where they go.
    with pytest.raises(ValueError, match=r"\['species'\] of X.*labels go in y"):
        OneVsBackgroundClassifier(GAM, background=sites).fit(
            records.assign(species=species), species
        )
    with pytest.raises(ValueError, match="background is a DataFrame but X is an array"):
        OneVsBackgroundClassifier(GAM, background=sites).fit(
            records[["lon", "lat"]].to_numpy(), species
        )
    lonlat = records[["lon", "lat"]].to_numpy()
    with pytest.raises(ValueError, match="In the background sites: .*3 columns"):
        OneVsBackgroundClassifier(GAM, background=np.zeros((5, 3))).fit(lonlat, species)
    with pytest.raises(ValueError, match="with background='target group' give none"):
        OneVsBackgroundClassifier(GAM, background_weights=[1.0]).fit(records, species)
    with pytest.raises(
        ValueError,
        match=r"background_weights has shape \(2,\), but there are 300 sites",
    ):
        OneVsBackgroundClassifier(
            GAM, background=sites, background_weights=[1.0, 2.0]
        ).fit(records, species)
    negative = np.r_[-1.0, np.ones(len(sites) - 1)]
    with pytest.raises(ValueError, match=r"background_weights\[0\] is -1.0"):
        OneVsBackgroundClassifier(
            GAM, background=sites, background_weights=negative
        ).fit(records, species)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        OneVsBackgroundClassifier(GAM).fit(records, species[:2])
    hole = sites.assign(temperature=sites["temperature"].mask(sites.index == 7))
    with pytest.raises(ValueError, match=r"'temperature' of background .*row 7"):
        OneVsBackgroundClassifier(GAM, background=hole).fit(records, species)
    with pytest.raises(ValueError, match="In background: "):
        OneVsBackgroundClassifier(GAM, background=sites.assign(lat=np.inf)).fit(
            records, species
        )
    with pytest.raises(ValueError, match="'background' parameter"):
        OneVsBackgroundClassifier(GAM, background="sites").fit(records, species)
