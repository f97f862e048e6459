"""Covariates beside the location in SphereLocationClassifier (issue 17)."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, PredefinedSplit

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.background import (
    BoxBackground,
    PointsBackground,
    TargetGroupBackground,
)

FAST = {"hidden_units": 16, "batch_size": 64, "lr": 1e-2, "random_state": 0}


def covariate_task(n=400, seed=0):
    """Locations in a box; the class is the sign of a covariate drawn
    independently of the location, so location alone is at chance (1/2)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "lon": rng.uniform(-20, 20, n),
            "lat": rng.uniform(-20, 20, n),
            "temperature": rng.normal(15.0, 8.0, n),
            "soil": pd.Categorical(rng.choice(["clay", "sand"], n)),
        }
    )
    y = np.where(X["temperature"] > 15.0, "warm", "cold")
    return X, y


def fit(X, y, **params):
    params = {**FAST, "max_epochs": 5, "background": TargetGroupBackground()} | params
    return SphereLocationClassifier(**params).fit(X, y)


def test_covariate_beats_location_alone_on_held_out_data():
    X, y = covariate_task(n=600)
    train, test = slice(0, 400), slice(400, None)
    both = fit(X[train], y[train], max_epochs=40)
    alone = fit(X.loc[X.index[train], ["lon", "lat"]], y[train], max_epochs=40)
    accuracy_both = np.mean(both.predict(X[test]) == y[test])
    accuracy_alone = np.mean(
        alone.predict(X.loc[X.index[test], ["lon", "lat"]]) == y[test]
    )
    # The generator makes the class a function of the covariate (accuracy 1
    # reachable) and independent of the location (accuracy 1/2 expected).
    assert accuracy_both > 0.75
    assert accuracy_alone < 0.6
    assert accuracy_both - accuracy_alone > 0.2
    assert alone.covariate_transformer_ is None


def test_covariates_change_predictions_and_the_network_sees_them():
    X, y = covariate_task()
    clf = fit(X, y)
    warmer = X.assign(temperature=X["temperature"] + 20.0)
    assert not np.allclose(clf.predict_proba(X), clf.predict_proba(warmer))
    assert list(clf.feature_names_in_) == ["lon", "lat", "temperature", "soil"]
    assert clf.n_features_in_ == 4
    names = clf.covariate_transformer_.get_feature_names_out()
    assert list(names) == ["temperature", "soil_clay", "soil_sand"]
    encoding = clf.net_.module_.encoding.n_features_out
    assert clf.net_.module_.body.blocks[0][0].in_features == encoding + 3
    assert clf.transform(X[:3]).shape == (3, 16)


def test_standardisation_is_learned_on_the_training_rows_only():
    X, y = covariate_task()
    clf = fit(X, y, max_epochs=2)
    scaler = clf.covariate_transformer_.named_transformers_["numeric"]
    np.testing.assert_allclose(scaler.mean_, [X["temperature"].mean()])
    np.testing.assert_allclose(scaler.scale_, [X["temperature"].std(ddof=0)])
    # Predicting on other data neither refits it nor depends on the other rows.
    shifted = X.assign(temperature=X["temperature"] * 3 + 100)
    proba = clf.predict_proba(shifted)
    np.testing.assert_allclose(scaler.mean_, [X["temperature"].mean()])
    np.testing.assert_allclose(clf.predict_proba(shifted[5:6]), proba[5:6], rtol=1e-6)


def test_an_affine_change_of_units_gives_the_same_model():
    # Standardised covariates are the same in kelvin and in celsius.
    X, y = covariate_task()
    celsius = fit(X, y, max_epochs=3)
    kelvin_X = X.assign(temperature=X["temperature"] + 273.15)
    kelvin = fit(kelvin_X, y, max_epochs=3)
    np.testing.assert_allclose(
        kelvin.predict_proba(kelvin_X), celsius.predict_proba(X), atol=1e-4
    )


def test_a_categorical_covariate_is_one_hot_encoded_and_learned():
    X, _ = covariate_task(n=500)
    y = np.where(X["soil"] == "clay", "heath", "dune")
    # No dropout: with 16 hidden units, dropout 0.5 makes the accuracy after
    # 30 epochs depend on the seed and the thread count (0.70 to 1.00).
    clf = fit(X[:400], y[:400], max_epochs=30, dropout=0.0)
    encoder = clf.covariate_transformer_.named_transformers_["categorical"]
    assert [list(c) for c in encoder.categories_] == [["clay", "sand"]]
    assert np.mean(clf.predict(X[400:]) == y[400:]) > 0.85


def test_bad_covariates_at_fit_name_the_column_and_row():
    X, y = covariate_task(n=50)
    with pytest.raises(ValueError, match="'temperature' of X holds nan at row 3"):
        fit(X.assign(temperature=X["temperature"].where(X.index != 3)), y)
    with pytest.raises(ValueError, match="'temperature' of X holds inf at row 0"):
        fit(X.assign(temperature=np.r_[np.inf, X["temperature"][1:]]), y)
    with pytest.raises(ValueError, match="'soil' of X holds object values"):
        fit(X.assign(soil=X["soil"].astype(object)), y)
    # Two frames whose categoricals have different levels stack into text;
    # the message says so.
    half = len(X) // 2
    first, second = X.iloc[:half].copy(), X.iloc[half:].copy()
    first["soil"] = pd.Categorical(["clay"] * half)  # its only level
    stacked = pd.concat([first, second], ignore_index=True)
    assert not isinstance(stacked["soil"].dtype, pd.CategoricalDtype)
    with pytest.raises(ValueError, match="levels differ: give the frames one pd.Cat"):
        fit(stacked, y)
    with pytest.raises(ValueError, match="'soil' of X is missing at row 0"):
        fit(X.assign(soil=X["soil"].where(X.index != 0)), y)
    with pytest.raises(ValueError, match="name the coordinate columns 'lon' and 'lat'"):
        fit(X.rename(columns={"lon": "a", "lat": "b"}), y)
    with pytest.raises(ValueError, match="Column 'lat' of X holds 95.0 at row 0"):
        fit(X.assign(lat=np.r_[95.0, X["lat"][1:]]), y)
    assert not X.isna().any().any()  # the input was not modified


def test_the_labels_left_among_the_covariates_are_refused():
    X, y = covariate_task(n=50)
    with pytest.raises(ValueError, match="'label' of X holds the labels y, row for"):
        fit(X.assign(label=pd.Categorical(y)), y)
    with pytest.raises(ValueError, match="'label' of X holds the labels y, row for"):
        fit(X.assign(label=y), y)  # as text, too
    with pytest.raises(ValueError, match="if it holds the labels, drop it from X"):
        fit(X.assign(note=np.roll(y, 1)), y)  # text, but not the labels
    # A covariate that only resembles the labels is a covariate.
    fit(X.assign(label=pd.Categorical(np.roll(y, 1))), y)


def test_bad_covariates_at_prediction_name_the_column_and_row():
    X, y = covariate_task(n=80)
    clf = fit(X, y, max_epochs=1)
    with pytest.raises(ValueError, match=r"X lacks the covariates \['temperature'\]"):
        clf.predict(X.drop(columns="temperature"))
    with pytest.raises(ValueError, match="'temperature' of X holds nan at row 2"):
        clf.predict_proba(X.assign(temperature=X["temperature"].where(X.index != 2)))
    unseen = X.assign(soil=pd.Categorical(["peat"] + list(X["soil"][1:])))
    with pytest.raises(ValueError, match="level 'peat' at row 0.*'clay', 'sand'"):
        clf.predict_presence(unseen)
    with pytest.raises(ValueError, match="pass a DataFrame holding them"):
        clf.decision_function(X[["lon", "lat"]].to_numpy())
    with pytest.raises(ValueError, match="'temperature' of X must be numeric"):
        clf.transform(X.assign(temperature="warm"))
    # A plain column of known levels (a raster of codes) is accepted.
    plain = X.assign(soil=X["soil"].astype(str))
    np.testing.assert_allclose(clf.predict_proba(plain), clf.predict_proba(X))


def test_an_unseen_numeric_level_is_named_as_the_number_it_is():
    X, y = covariate_task(n=60)
    coded = X.assign(soil=pd.Categorical(X["soil"].cat.codes.astype(np.int64)))
    clf = fit(coded, y, max_epochs=1)
    # Codes as floats (as a raster holds them) match the integer levels...
    floats = coded.assign(soil=coded["soil"].astype(float))
    np.testing.assert_allclose(clf.predict_proba(floats), clf.predict_proba(coded))
    # ...and an unseen one is named as a number, not as numpy's repr.
    with pytest.raises(
        ValueError, match=r"level 5\.0 at row 0, .* levels were \[0, 1\]\. .*drop"
    ):
        clf.predict_proba(floats.assign(soil=np.r_[5.0, floats["soil"][1:]]))


@pytest.mark.parametrize(
    "background", [None, BoxBackground((-20.0, -20.0, 20.0, 20.0))]
)
def test_backgrounds_that_draw_locations_only_are_refused(background):
    X, y = covariate_task(n=50)
    with pytest.raises(
        ValueError,
        match="draws locations only.*PointsBackground.*TargetGroupBackground",
    ):
        fit(X, y, background=background)


def test_points_background_draws_its_sites_covariates():
    X, y = covariate_task(n=60)
    sites = covariate_task(n=30, seed=1)[0]
    clf = fit(X, y, background=PointsBackground(sites), max_epochs=1)
    draw = clf.background_.sample(500, generator=torch.Generator().manual_seed(0))
    expected = np.column_stack(
        [
            sites[["lon", "lat"]].to_numpy(),
            (sites["temperature"] - X["temperature"].mean())
            / X["temperature"].std(ddof=0),
            sites["soil"] == "clay",
            sites["soil"] == "sand",
        ]
    ).astype(np.float32)
    rows = {tuple(np.round(row, 4)) for row in expected}
    assert draw.shape == (500, 5)
    assert all(tuple(np.round(row, 4)) in rows for row in draw.numpy())
    with pytest.raises(
        ValueError, match=r"background \(PointsBackground.points\) lacks the covariates"
    ):
        fit(X, y, background=PointsBackground(sites.drop(columns="soil")))
    with pytest.raises(ValueError, match="bare \\(lon, lat\\) points"):
        fit(X, y, background=PointsBackground(sites[["lon", "lat"]].to_numpy()))


def test_weighted_points_background_draws_only_sites_of_positive_weight():
    X, y = covariate_task(n=60)
    sites = covariate_task(n=30, seed=1)[0]
    weights = (sites["soil"] == "clay").to_numpy(float)  # no sandy site
    clf = fit(X, y, background=PointsBackground(sites, weights=weights), max_epochs=1)
    draw = clf.background_.sample(500, generator=torch.Generator().manual_seed(0))
    clay, sand = draw[:, 3].numpy(), draw[:, 4].numpy()
    assert (clay == 1).all() and (sand == 0).all()
    again = fit(X, y, background=PointsBackground(sites, weights=weights), max_epochs=1)
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))


def test_target_group_background_draws_the_training_rows():
    X, y = covariate_task(n=40)
    clf = fit(X, y, max_epochs=1)
    draw = clf.background_.sample(200, generator=torch.Generator().manual_seed(0))
    assert draw.shape == (200, 5)
    lon = X["lon"].to_numpy(np.float32)
    standard = (X["temperature"] - X["temperature"].mean()) / X["temperature"].std(
        ddof=0
    )
    for row in draw.numpy()[:20]:
        i = int(np.argmin(np.abs(lon - row[0])))
        np.testing.assert_allclose(row[2], standard[i], rtol=1e-5, atol=1e-6)


def test_the_epoch_selection_background_never_holds_the_validation_rows():
    # The validation rows are fixed by a predefined split: a target-group
    # background fitted on every row would draw them (issue 17 review).
    X, y = covariate_task(n=60)
    fold = np.where(np.arange(60) < 45, -1, 0)
    train = np.arange(45)
    clf = fit(
        X, y, max_epochs=3, early_stopping=True, validation_split=PredefinedSplit(fold)
    )
    points = clf.background_.points_
    np.testing.assert_array_equal(points[:, 0], X["lon"].to_numpy(np.float32)[train])
    assert clf.background_.covariates_.shape[0] == len(train)
    # The covariates drawn are those of the training rows, standardised with
    # the transformer fitted on every row.
    expected = clf.covariate_transformer_.transform(X.drop(columns=["lon", "lat"]))
    np.testing.assert_allclose(
        clf.background_.covariates_, expected[train], rtol=1e-5, atol=1e-6
    )


def test_auto_epochs_fit_the_background_on_each_runs_rows(monkeypatch):
    from skgeo_s2v import _recipe

    calls = []
    original = _recipe.fit_run_background

    def spy(estimator, records, seed, out_of_core, rows=None):
        calls.append(None if rows is None else np.asarray(rows))
        return original(estimator, records, seed, out_of_core, rows)

    monkeypatch.setattr(_recipe, "fit_run_background", spy)
    X, y = covariate_task(n=60)
    fold = np.where(np.arange(60) < 45, -1, 0)
    clf = fit(X, y, max_epochs="auto", validation_split=PredefinedSplit(fold))
    assert len(calls) == 2
    np.testing.assert_array_equal(calls[0], np.arange(45))
    assert calls[1] is None  # the final run trains on, and draws from, every row
    assert clf.background_.points_.shape == (60, 2)


def test_save_load_round_trip(tmp_path):
    X, y = covariate_task(n=80)
    clf = fit(X, y, max_epochs=2)
    clf.save(tmp_path / "model")
    meta = json.loads((tmp_path / "model" / "params.json").read_text())
    assert meta["format"] == 4
    assert meta["covariates"]["categories"] == {"soil": ["clay", "sand"]}
    np.testing.assert_allclose(meta["covariates"]["mean_"], [X["temperature"].mean()])
    loaded = SphereLocationClassifier.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.n_features_in_ == 4
    with pytest.raises(ValueError, match="level 'peat'"):
        loaded.predict(X.assign(soil="peat"))


def test_a_model_trained_on_background_sites_saves_without_them(tmp_path):
    X, y = covariate_task(n=80)
    clf = fit(X, y, max_epochs=1, background=PointsBackground(X.iloc[:30]))
    clf.save(tmp_path / "model")
    meta = json.loads((tmp_path / "model" / "params.json").read_text())
    assert meta["not_saved"]["background"] == "PointsBackground(...)"
    loaded = SphereLocationClassifier.load(tmp_path / "model")
    assert loaded.background is None
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_clone_and_grid_search():
    X, y = covariate_task(n=120)
    clf = SphereLocationClassifier(
        **FAST, max_epochs=2, background=TargetGroupBackground()
    )
    assert "covariate_transformer_" not in vars(clone(clf.fit(X, y)))
    search = GridSearchCV(clf, {"hidden_units": [8, 16]}, cv=2).fit(X, y)
    assert search.best_estimator_.covariate_transformer_ is not None
    assert search.predict(X[:5]).shape == (5,)


def test_location_only_paths_refuse_covariates(tmp_path):
    X, y = covariate_task(n=40)
    with pytest.raises(ValueError, match="Pretraining learns from locations only"):
        SphereLocationClassifier(**FAST, max_epochs=1).fit(
            X, y, pretrain_X=X[["lon", "lat"]], pretrain_features=X[["temperature"]]
        )
    memmap = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", shape=(40, 3))
    with pytest.raises(ValueError, match="X has 3 columns.*Out-of-core input holds"):
        fit(memmap, y)
    with pytest.raises(ValueError, match="An array holds the coordinates only"):
        fit(X.to_numpy()[:, :3].astype(float), y)
    two = fit(X[["lon", "lat"]], y, max_epochs=1, background=None)
    assert two.covariate_transformer_ is None


def test_pretrain_after_a_covariate_fit_is_location_only():
    X, y = covariate_task(n=64)
    clf = fit(X, y, max_epochs=1)
    lonlat = X[["lon", "lat"]].to_numpy()
    features = np.random.default_rng(0).normal(size=(64, 3))
    clf.pretrain(lonlat, features, epochs=1)
    assert getattr(clf, "covariate_transformer_", None) is None
    assert clf.transform(lonlat[:3]).shape == (3, FAST["hidden_units"])


def test_predict_grid_reads_the_covariates_from_a_dataset():
    xr = pytest.importorskip("xarray")
    from skgeo_s2v.sdm import predict_grid

    X, y = covariate_task(n=100)
    clf = fit(X.drop(columns="soil"), y, max_epochs=2)
    lon = np.arange(-15.0, 20.0, 10.0)
    lat = np.arange(-15.0, 20.0, 10.0)
    temperature = np.add.outer(lat, lon) / 2 + 15.0
    dataset = xr.Dataset(
        {"temperature": (("lat", "lon"), temperature)}, coords={"lat": lat, "lon": lon}
    )
    grid = predict_grid(
        clf, resolution_deg=10.0, bbox=(-20.0, -20.0, 20.0, 20.0), covariates=dataset
    )
    cell_lon, cell_lat = np.meshgrid(grid["lon"].values, grid["lat"].values)
    cells = pd.DataFrame(
        {
            "lon": cell_lon.ravel(),
            "lat": cell_lat.ravel(),
            "temperature": (np.add(cell_lat, cell_lon) / 2 + 15.0).ravel(),
        }
    )
    expected = clf.predict_presence(cells)
    np.testing.assert_allclose(grid.values.reshape(2, -1), expected.T, rtol=1e-5)


def test_a_level_found_only_among_the_background_sites_is_a_known_level(tmp_path):
    # Records often miss a level that the region's background sites hold (a
    # soil no record falls on): the model knows it from the sites, learns it
    # as a level of absences, and predicts sites that hold it.
    X, y = covariate_task(n=120)
    sites, _ = covariate_task(n=200, seed=1)
    sites["soil"] = pd.Categorical(
        np.where(np.arange(200) < 50, "peat", sites["soil"].astype(str))
    )
    records_before, sites_before = X.copy(), sites.copy()
    clf = fit(X, y, max_epochs=2, background=PointsBackground(sites))
    encoder = clf.covariate_transformer_.named_transformers_["categorical"]
    assert list(encoder.categories_[0]) == ["clay", "peat", "sand"]
    presence = clf.predict_presence(sites)
    assert presence.shape == (200, 2) and np.isfinite(presence).all()
    # The numeric scaling is still that of the records alone.
    scaler = clf.covariate_transformer_.named_transformers_["numeric"]
    np.testing.assert_allclose(scaler.mean_, [X["temperature"].mean()])
    pd.testing.assert_frame_equal(X, records_before)
    pd.testing.assert_frame_equal(sites, sites_before)
    # Saved and loaded, the level stays known.
    clf.save(tmp_path / "model")
    loaded = SphereLocationClassifier.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict_presence(sites), presence)
    # Without the sites, the level is unseen: a clear error, as before.
    plain = fit(X, y, max_epochs=2)
    with pytest.raises(ValueError, match="level 'peat'"):
        plain.predict(sites)


def test_background_sites_without_new_levels_leave_the_levels_as_they_were():
    X, y = covariate_task(n=120)
    sites, _ = covariate_task(n=200, seed=1)
    with_sites = fit(X, y, max_epochs=1, background=PointsBackground(sites))
    alone = fit(X, y, max_epochs=1)
    assert list(
        with_sites.covariate_transformer_.named_transformers_[
            "categorical"
        ].categories_[0]
    ) == list(
        alone.covariate_transformer_.named_transformers_["categorical"].categories_[0]
    )


def test_handle_unknown_ignore_scores_a_level_unseen_in_training(tmp_path):
    X, y = covariate_task(n=120)
    peat = X.iloc[:5].assign(soil=pd.Categorical(["peat"] * 5))
    strict = fit(X, y, max_epochs=2)
    with pytest.raises(ValueError, match="level 'peat'.*handle_unknown='ignore'"):
        strict.predict_presence(peat)
    lenient = fit(X, y, max_epochs=2, handle_unknown="ignore")
    # Seen levels: the same model as with "error".
    np.testing.assert_array_equal(
        lenient.predict_presence(X), strict.predict_presence(X)
    )
    presence = lenient.predict_presence(peat)
    assert np.isfinite(presence).all()
    # The all-zero one-hot of an unseen level: the network's input for it is
    # what the standardised zeros give, checked through the transformer.
    zeros = lenient.covariate_transformer_.transform(peat.drop(columns=["lon", "lat"]))
    assert np.all(zeros[:, 1:] == 0.0)  # after the numeric column, the one-hot
    lenient.save(tmp_path / "model")
    loaded = SphereLocationClassifier.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict_presence(peat), presence)
    assert loaded.handle_unknown == "ignore"
    with pytest.raises(ValueError, match="'handle_unknown' parameter"):
        fit(X, y, max_epochs=1, handle_unknown="zero")
