"""Gridded predictions: coordinates, values, chunks, covariates and GeoTIFF export."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsClassifier

from skgeo_s2v.sdm import binary_range, grid_coordinates, predict_grid, to_geotiff

xr = pytest.importorskip("xarray")

X = np.array([[-10.0, 40.0], [10.0, 40.0], [0.0, 50.0], [175.0, -40.0]])
y = np.array(["w", "e", "n", "s"])


@pytest.fixture(scope="module")
def knn():
    return KNeighborsClassifier(n_neighbors=1).fit(X, y)


def test_grid_coordinates_of_the_globe_and_across_the_antimeridian():
    lon, lat = grid_coordinates(1.0)
    assert lon.size == 360 and lat.size == 180
    assert lon[0] == -179.5 and lon[-1] == 179.5
    assert lat[0] == 89.5 and lat[-1] == -89.5  # north row first
    lon, lat = grid_coordinates(5.0, (170.0, -50.0, -170.0, -30.0))
    np.testing.assert_allclose(lon, [172.5, 177.5, 182.5, 187.5])
    np.testing.assert_allclose(lat, [-32.5, -37.5, -42.5, -47.5])


def test_grid_coordinates_bad_input():
    with pytest.raises(ValueError, match="resolution_deg"):
        grid_coordinates(0.0)
    with pytest.raises(ValueError, match="South Pole"):
        grid_coordinates(7.0, (-10.0, -90.0, 10.0, 0.0))
    with pytest.raises(ValueError, match="lat_min"):
        grid_coordinates(1.0, (0.0, 5.0, 1.0, 0.0))


def test_predict_grid_equals_the_model_at_the_cell_centres(knn):
    grid = predict_grid(
        knn, resolution_deg=2.0, bbox=(-20.0, 30.0, 20.0, 60.0), method="predict_proba"
    )
    assert grid.dims == ("class", "lat", "lon") and grid.dtype == np.float32
    assert list(grid["class"].values) == list(knn.classes_)
    lon, lat = np.meshgrid(grid["lon"].values, grid["lat"].values)
    expected = knn.predict_proba(np.column_stack([lon.ravel(), lat.ravel()]))
    np.testing.assert_array_equal(
        grid.values.reshape(len(knn.classes_), -1), expected.T.astype(np.float32)
    )
    assert grid["lat"].attrs == {"units": "degrees_north", "standard_name": "latitude"}
    assert grid["lon"].attrs == {"units": "degrees_east", "standard_name": "longitude"}
    assert grid.attrs["crs"] == "EPSG:4326"


def test_predict_grid_is_the_same_in_any_chunks_and_for_chosen_classes(knn):
    kwargs = {"resolution_deg": 10.0, "method": "predict_proba"}
    whole = predict_grid(knn, **kwargs)
    chunked = predict_grid(knn, chunk_size=7, **kwargs)
    xr.testing.assert_equal(whole, chunked)
    two = predict_grid(knn, classes=["s", "n"], **kwargs)
    xr.testing.assert_equal(two, whole.sel({"class": ["s", "n"]}))
    with pytest.raises(ValueError, match="'z' is not among"):
        predict_grid(knn, classes=["z"], **kwargs)


def test_predict_grid_across_the_antimeridian_predicts_wrapped_longitudes(knn):
    grid = predict_grid(
        knn,
        resolution_deg=2.0,
        bbox=(170.0, -50.0, -170.0, -30.0),
        method="predict_proba",
    )
    assert (np.diff(grid["lon"].values) > 0).all()
    wrapped = np.where(grid["lon"].values >= 180, grid["lon"].values - 360, grid.lon)
    lon, lat = np.meshgrid(wrapped, grid["lat"].values)
    expected = knn.predict_proba(np.column_stack([lon.ravel(), lat.ravel()]))
    np.testing.assert_array_equal(grid.values.reshape(4, -1), expected.T)


def test_predict_grid_of_the_classifier_uses_predict_presence():
    from skgeo_s2v import SphereLocationClassifier

    rng = np.random.default_rng(0)
    points = np.column_stack([rng.uniform(-30, 30, 60), rng.uniform(-20, 20, 60)])
    labels = np.where(points[:, 0] < 0, "w", "e")
    clf = SphereLocationClassifier(
        hidden_units=8, max_epochs=1, batch_size=32, random_state=0
    ).fit(points, labels)
    grid = predict_grid(clf, resolution_deg=10.0, bbox=(-30.0, -20.0, 30.0, 20.0))
    lon, lat = np.meshgrid(grid["lon"].values, grid["lat"].values)
    expected = clf.predict_presence(np.column_stack([lon.ravel(), lat.ravel()]))
    np.testing.assert_allclose(grid.values.reshape(2, -1), expected.T, rtol=1e-6)
    assert grid.name == "presence" and grid.attrs["long_name"] == "presence probability"
    covariates = xr.Dataset({"elevation": (("lat", "lon"), np.zeros((2, 2)))})
    with pytest.raises(ValueError, match="fitted on \\(lon, lat\\) alone"):
        predict_grid(clf, resolution_deg=10.0, covariates=covariates)
    # inside a fitted search, which does not pass predict_presence on
    search = GridSearchCV(clf, {"lr": [3e-3]}, cv=KFold(2)).fit(points, labels)
    assert not hasattr(search, "predict_presence")
    from_search = predict_grid(search, resolution_deg=10.0, bbox=(-30, -20, 30, 20))
    best = search.best_estimator_.predict_presence(
        np.column_stack([lon.ravel(), lat.ravel()])
    )
    np.testing.assert_allclose(from_search.values.reshape(2, -1), best.T, rtol=1e-6)


def _covariate_model():
    frame = pd.DataFrame(
        {"lon": [0.0, 1.0, 2.0, 3.0], "lat": [0.0] * 4, "wet": [0.0, 1.0, 0.0, 1.0]}
    )
    return LogisticRegression().fit(frame, ["dry", "wet", "dry", "wet"])


def test_predict_grid_reads_covariates_from_a_dataset():
    model = _covariate_model()
    wet = np.array([[1.0, 0.0, np.nan], [0.0, 1.0, 1.0]])  # 2 lat x 3 lon cells
    covariates = xr.Dataset(
        {"wet": (("lat", "lon"), wet)}, coords={"lat": [1.0, -1.0], "lon": [0, 2, 4]}
    )
    grid = predict_grid(
        model,
        resolution_deg=2.0,
        bbox=(-1.0, -2.0, 7.0, 2.0),
        covariates=covariates,
        method="predict_proba",
    )
    # Cell centres lon 0, 2, 4, 6 and lat 1, -1; lon 6 lies past the data's
    # last column (4) by more than half a cell (1): NaN, as is the NaN covariate.
    lon_cells = [0.0, 2.0, 4.0, 0.0, 2.0, 4.0]
    lat_cells = [1.0, 1.0, 1.0, -1.0, -1.0, -1.0]
    frame = pd.DataFrame({"lon": lon_cells, "lat": lat_cells, "wet": wet.ravel()})
    known = ~np.isnan(frame["wet"].to_numpy())
    expected = np.full((6, 2), np.nan)
    expected[known] = model.predict_proba(frame[known])
    values = grid.values[:, :, :3].reshape(2, -1).T
    np.testing.assert_allclose(values, expected, rtol=1e-6)
    assert np.isnan(grid.values[:, :, 3]).all()


# A raster of soil codes (floats, as rasters hold them), with the codes 3 and
# 7 that no training record of _soil_gam had.
SOIL_RASTER = np.array([[1.0, 2.0, 3.0, 2.0], [7.0, 1.0, 2.0, 3.0]])


def _soil_gam(**params):
    """A GAM of presence on soil 2 among 80 sites of soils 1 and 2, and the
    covariates of SOIL_RASTER on a grid of 1° cells over (0, 0, 4, 2)."""
    from skgeo_s2v.sdm import SphereGAMClassifier

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "lon": rng.uniform(0.0, 4.0, 80),
            "lat": rng.uniform(0.0, 2.0, 80),
            "soil": pd.Categorical(rng.choice([1, 2], 80)),
        }
    )
    model = SphereGAMClassifier(**params).fit(frame, frame["soil"] == 2)
    covariates = xr.Dataset(
        {"soil": (("lat", "lon"), SOIL_RASTER)},
        coords={"lat": [1.5, 0.5], "lon": [0.5, 1.5, 2.5, 3.5]},
    )
    return model, covariates


def _soil_grid(model, covariates):
    return predict_grid(
        model,
        resolution_deg=1.0,
        bbox=(0.0, 0.0, 4.0, 2.0),
        covariates=covariates,
        method="predict_proba",
    )


def _cells(grid, where):
    """The grid's cells selected by ``where``, as a DataFrame of lon, lat, soil."""
    lon, lat = np.meshgrid(grid["lon"].values, grid["lat"].values)
    return pd.DataFrame(
        {"lon": lon[where], "lat": lat[where], "soil": SOIL_RASTER[where].astype(int)}
    )


def test_predict_grid_leaves_cells_of_unseen_levels_out_with_a_warning():
    model, covariates = _soil_gam()
    soil = SOIL_RASTER
    with pytest.warns(UserWarning, match=r"3 cells .* 'soil' .*\[3\.0, 7\.0\]"):
        grid = _soil_grid(model, covariates)
    values = grid.values[1]
    known = np.isin(soil, [1.0, 2.0])
    assert np.isnan(values[~known]).all()
    np.testing.assert_allclose(
        values[known], model.predict_proba(_cells(grid, known))[:, 1], rtol=1e-5
    )
    # Soil 2 is the presence class: the cells of soil 2 score above those of 1.
    assert values[soil == 2.0].min() > values[soil == 1.0].max()


def test_predict_grid_maps_unseen_levels_of_a_model_that_ignores_them():
    import warnings

    model, covariates = _soil_gam(handle_unknown="ignore")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about unseen levels
        grid = _soil_grid(model, covariates)
    values = grid.values[1]
    assert np.isfinite(values).all()
    every = np.ones(SOIL_RASTER.shape, dtype=bool)
    np.testing.assert_allclose(
        values[every], model.predict_proba(_cells(grid, every))[:, 1], rtol=1e-5
    )


def _soil_and_effort():
    """80 sites of soils 1 and 2 over (0, 0, 4, 2), with an effort covariate."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "lon": rng.uniform(0.0, 4.0, 80),
            "lat": rng.uniform(0.0, 2.0, 80),
            "soil": pd.Categorical(rng.choice([1, 2], 80)),
            "effort": rng.normal(size=80),
        }
    )


def test_predict_grid_holds_bias_covariates_without_a_layer_for_them():
    from skgeo_s2v.sdm import SphereGAMClassifier

    frame = _soil_and_effort()
    model = SphereGAMClassifier(bias_covariates={"effort": 0.5})
    model.fit(frame, frame["soil"] == 2)
    _, covariates = _soil_gam()  # the soil layer alone, no effort
    known = np.isin(SOIL_RASTER, [1.0, 2.0])
    with pytest.warns(UserWarning, match="levels of the covariate 'soil'"):
        grid = _soil_grid(model, covariates)
    cells = _cells(grid, known).assign(effort=0.5)
    np.testing.assert_allclose(
        grid.values[1][known], model.predict_proba(cells)[:, 1], rtol=1e-5
    )
    # A layer of the held covariate, if given, is not read.
    with_effort = covariates.assign(effort=(("lat", "lon"), np.full((2, 4), 9.0)))
    with pytest.warns(UserWarning, match="levels of the covariate 'soil'"):
        again = _soil_grid(model, with_effort)
    np.testing.assert_array_equal(again.values, grid.values)
    only_effort = SphereGAMClassifier(bias_covariates=["effort"]).fit(
        frame[["lon", "lat", "effort"]], frame["soil"] == 2
    )
    with pytest.raises(ValueError, match="holds \\['effort'\\] at one value"):
        _soil_grid(only_effort, covariates)


def test_predict_grid_reads_the_levels_and_held_values_inside_a_search_or_pipeline():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skgeo_s2v.sdm import OneVsBackgroundClassifier, SphereGAMClassifier

    frame = _soil_and_effort()
    presence = frame["soil"] == 2
    gam = SphereGAMClassifier(bias_covariates={"effort": 0.5}, random_state=0)
    bare = gam.fit(frame, presence)
    search = GridSearchCV(gam, {"C": [0.03]}, cv=2).fit(frame, presence)
    pipeline = Pipeline([("gam", gam)]).fit(frame, presence)
    _, covariates = _soil_gam()  # the soil layer alone: effort is held
    with pytest.warns(UserWarning, match=r"3 cells .* 'soil'"):
        expected = _soil_grid(bare, covariates)
    for model in (search, pipeline):
        with pytest.warns(UserWarning, match=r"3 cells .* 'soil'"):
            grid = _soil_grid(model, covariates)
        np.testing.assert_allclose(grid.values, expected.values, rtol=1e-6)
    # One GAM per species, each against the same sites: a cell is left out
    # where any of them lacks the level, and each holds its own effort.
    per_species = OneVsBackgroundClassifier(gam, background=frame.iloc[:40])
    per_species.fit(frame.iloc[40:], np.where(frame["lon"].iloc[40:] < 2, "w", "e"))
    with pytest.warns(UserWarning, match=r"3 cells .* 'soil'"):
        grid = predict_grid(
            per_species,
            resolution_deg=1.0,
            bbox=(0.0, 0.0, 4.0, 2.0),
            covariates=covariates,
        )
    known = np.isin(SOIL_RASTER, [1.0, 2.0])
    assert np.isnan(grid.values[:, ~known]).all()
    cells = _cells(grid, known).assign(effort=0.0)  # not read: each holds 0.5
    cells["soil"] = pd.Categorical(cells["soil"])
    np.testing.assert_allclose(
        grid.values[:, known].T, per_species.predict_presence(cells), rtol=1e-5
    )
    # A step that renames the columns hides the last step's input state: the
    # grid then needs every column the pipeline was fitted with.
    renamed = Pipeline(
        [
            (
                "rename",
                FunctionTransformer(
                    lambda X: X.rename(columns={"effort": "search_effort"})
                ),
            ),
            ("gam", SphereGAMClassifier(bias_covariates=["search_effort"])),
        ]
    ).fit(frame, presence)
    with pytest.raises(ValueError, match=r"lacks the variables \['effort'\]"):
        _soil_grid(renamed, covariates)


def test_predict_grid_reads_each_covariate_once_not_per_chunk():
    dask = pytest.importorskip("dask")
    model = _covariate_model()
    wet = np.tile([[0.0, 1.0]], (18, 18))  # 18 lat x 36 lon cells of 10 degrees
    lazy = xr.Dataset(
        {"wet": (("lat", "lon"), wet)},
        coords={"lat": np.arange(85.0, -90.0, -10.0), "lon": np.arange(-175, 180, 10)},
    ).chunk()
    computes = []

    def counting_scheduler(graph, keys, **kwargs):
        computes.append(keys)
        return dask.get(graph, keys, **kwargs)

    with dask.config.set(scheduler=counting_scheduler):
        grid = predict_grid(
            model,
            resolution_deg=10.0,
            covariates=lazy,
            method="predict_proba",
            chunk_size=36,
        )
    assert len(computes) == 1  # not one per chunk of 36 cells (18 chunks)
    eager = predict_grid(
        model, resolution_deg=10.0, covariates=lazy.load(), method="predict_proba"
    )
    np.testing.assert_array_equal(grid.values, eager.values)


def test_predict_grid_covariate_errors(knn):
    model = _covariate_model()
    with pytest.raises(ValueError, match=r"covariates \['wet'\]"):
        predict_grid(model, resolution_deg=10.0, method="predict_proba")
    other = xr.Dataset({"dry": (("lat", "lon"), np.zeros((2, 2)))})
    with pytest.raises(ValueError, match=r"lacks the variables \['wet'\]"):
        predict_grid(
            model, resolution_deg=10.0, covariates=other, method="predict_proba"
        )
    with pytest.raises(ValueError, match="takes no covariates"):
        predict_grid(knn, resolution_deg=10.0, covariates=other, method="predict_proba")


def test_predict_grid_bad_method(knn):
    with pytest.raises(ValueError, match="has no predict_presence"):
        predict_grid(knn, resolution_deg=10.0)
    with pytest.raises(ValueError, match="method must be one of"):
        predict_grid(knn, resolution_deg=10.0, method="predict")
    with pytest.raises(ValueError, match="chunk_size"):
        predict_grid(knn, resolution_deg=10.0, method="predict_proba", chunk_size=0)


def test_binary_range_of_a_grid_keeps_its_coordinates(knn):
    grid = predict_grid(knn, resolution_deg=30.0, method="predict_proba")
    thresholds = np.array([0.5, 0.5, 2.0, 0.5])
    ranges = binary_range(grid, thresholds)
    assert ranges.dtype == bool and ranges.dims == grid.dims
    np.testing.assert_array_equal(
        ranges.values, grid.values >= thresholds[:, None, None]
    )
    assert not ranges.sel({"class": "s"}).any()


def _with_unscored_cells(grid):
    """``grid`` with NaN in every class at two cells, as predict_grid leaves
    cells without covariates."""
    unscored = np.zeros(grid.shape[1:], dtype=bool)
    unscored[0, 0] = unscored[-1, 1] = True
    return grid.where(~unscored), unscored


def test_binary_range_leaves_unscored_cells_without_a_prediction(knn):
    grid, unscored = _with_unscored_cells(
        predict_grid(knn, resolution_deg=30.0, method="predict_proba")
    )
    ranges = binary_range(grid, 0.5)
    assert ranges.dtype == np.float32 and ranges.dims == grid.dims
    assert np.isnan(ranges.values[:, unscored]).all()
    scored = grid.values[:, ~unscored]
    np.testing.assert_array_equal(ranges.values[:, ~unscored], scored >= 0.5)
    assert "NaN where not scored" in ranges.attrs["long_name"]
    # A grid scored everywhere keeps its boolean range.
    assert binary_range(grid.fillna(0.0), 0.5).dtype == bool


# rioxarray's own transform arithmetic warns under affine >= 3 when reading.
@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")
def test_to_geotiff_writes_unscored_cells_as_no_data(knn, tmp_path):
    rioxarray = pytest.importorskip("rioxarray")
    grid, unscored = _with_unscored_cells(
        predict_grid(
            knn,
            resolution_deg=2.0,
            bbox=(-20.0, 30.0, 20.0, 60.0),
            method="predict_proba",
        )
    )
    for name, raster in (("scores", grid), ("range", binary_range(grid, 0.5))):
        to_geotiff(raster, tmp_path / f"{name}.tif")
        back = rioxarray.open_rasterio(tmp_path / f"{name}.tif", masked=True)
        assert np.isnan(back.rio.nodata)
        np.testing.assert_array_equal(back.values, raster.values)
        assert np.isnan(back.values[:, unscored]).all()


# rioxarray's own transform arithmetic warns under affine >= 3 when reading.
@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")
def test_to_geotiff_writes_a_raster_that_reads_back(knn, tmp_path):
    rioxarray = pytest.importorskip("rioxarray")
    grid = predict_grid(
        knn, resolution_deg=2.0, bbox=(-20.0, 30.0, 20.0, 60.0), method="predict_proba"
    )
    path = tmp_path / "scores.tif"
    to_geotiff(grid, path)
    back = rioxarray.open_rasterio(path)
    assert back.shape == grid.shape
    np.testing.assert_array_equal(back.values, grid.values)
    np.testing.assert_allclose(back["x"].values, grid["lon"].values)
    np.testing.assert_allclose(back["y"].values, grid["lat"].values)
    assert back.rio.crs.to_epsg() == 4326
    assert back.attrs["long_name"] == tuple(knn.classes_)
    assert back.rio.bounds() == pytest.approx((-20.0, 30.0, 20.0, 60.0))
    ranges = binary_range(grid, 0.5)
    to_geotiff(ranges, tmp_path / "range.tif")
    back = rioxarray.open_rasterio(tmp_path / "range.tif")
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back.values, ranges.values.astype(np.uint8))
    with pytest.raises(ValueError, match="dimensions"):
        to_geotiff(grid.transpose("lat", "lon", "class"), tmp_path / "bad.tif")
