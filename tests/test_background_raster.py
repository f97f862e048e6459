"""RasterBackground: draws follow a raster of effort, uniformly by area in a cell."""

import json
import math
import pickle
import warnings

import numpy as np
import pytest
import torch
from scipy.integrate import quad
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.background import RasterBackground

xr = pytest.importorskip("xarray")

RECORDS = np.array([[10.0, 45.0], [12.0, 46.0]])
#: A 3 x 4 raster over (0, 30, 40, 60), rows north to south, with no data and 0.
EFFORT = np.array(
    [
        [1.0, 2.0, np.nan, 4.0],
        [0.0, 1.0, 3.0, 1.0],
        [2.0, 0.5, 1.0, 0.0],
    ]
)
BBOX = (0.0, 30.0, 40.0, 60.0)
LAT_EDGES = np.array([60.0, 50.0, 40.0, 30.0])
LON_EDGES = np.array([0.0, 10.0, 20.0, 30.0, 40.0])


def draw(sampler, n=20_000, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return sampler.sample(n, generator=generator).numpy().astype(np.float64)


def assert_share(inside, expected):
    """The share of True in ``inside`` matches ``expected`` within 4.5 binomial SDs."""
    sd = math.sqrt(expected * (1 - expected) / inside.size)
    assert abs(inside.mean() - expected) < 4.5 * sd, (inside.mean(), expected)


def band_area(lat_top, lat_bottom):
    """Area of a 1-radian-wide band, by quadrature of cos(lat) (not sin - sin)."""
    return quad(math.cos, math.radians(lat_bottom), math.radians(lat_top))[0]


def as_data_array(values=EFFORT, lat_ascending=False, lon_descending=False):
    lat = (LAT_EDGES[:-1] + LAT_EDGES[1:]) / 2
    lon = (LON_EDGES[:-1] + LON_EDGES[1:]) / 2
    if lat_ascending:
        values, lat = values[::-1], lat[::-1]
    if lon_descending:
        values, lon = values[:, ::-1], lon[::-1]
    return xr.DataArray(values, dims=("lat", "lon"), coords={"lat": lat, "lon": lon})


def expected_probabilities(values):
    weights = np.nan_to_num(EFFORT)
    if values == "density":
        areas = [band_area(t, b) for t, b in zip(LAT_EDGES[:-1], LAT_EDGES[1:])]
        weights = weights * np.array(areas)[:, None]
    return weights / weights.sum()


@pytest.mark.parametrize("values", ["density", "per_cell"])
def test_draws_follow_the_raster(values):
    sampler = RasterBackground(EFFORT, bbox=BBOX, values=values).fit(RECORDS)
    points = draw(sampler, n=60_000)
    assert points.shape == (60_000, 2)
    counts, _, _ = np.histogram2d(
        points[:, 1], points[:, 0], bins=[LAT_EDGES[::-1], LON_EDGES]
    )
    counts = counts[::-1]  # rows north to south, as the raster
    expected = expected_probabilities(values)
    np.testing.assert_allclose(sampler.cell_probabilities_, expected, rtol=1e-12)
    assert counts.sum() == len(points)
    assert (counts[expected == 0] == 0).all()  # NaN and 0: never drawn
    sd = np.sqrt(expected * (1 - expected) / len(points))
    np.testing.assert_array_less(
        np.abs(counts / len(points) - expected), 4.5 * sd + 1e-12
    )


def test_density_and_per_cell_differ_by_the_cell_area():
    density = RasterBackground(EFFORT, bbox=BBOX).fit(RECORDS).cell_probabilities_
    per_cell = RasterBackground(EFFORT, bbox=BBOX, values="per_cell").fit(RECORDS)
    ratio = density / np.where(per_cell.cell_probabilities_ > 0, 1, np.nan)
    ratio /= per_cell.cell_probabilities_
    areas = np.array([band_area(t, b) for t, b in zip(LAT_EDGES[:-1], LAT_EDGES[1:])])
    # Per row, density / per_cell is the row's area up to one constant.
    for row in range(3):
        finite = ratio[row][np.isfinite(ratio[row])]
        np.testing.assert_allclose(finite, finite[0], rtol=1e-12)
    rows = np.array([np.nanmean(r) for r in ratio])
    np.testing.assert_allclose(rows / rows[0], areas / areas[0], rtol=1e-12)
    assert areas[0] < areas[2]  # the northern row is smaller


def test_draw_is_uniform_by_area_within_a_polar_cell():
    sampler = RasterBackground([[1.0]], bbox=(0.0, 60.0, 10.0, 90.0)).fit(RECORDS)
    points = draw(sampler, n=40_000)
    assert (points[:, 1] >= 60).all() and (points[:, 1] <= 90).all()
    assert (points[:, 0] >= 0).all() and (points[:, 0] <= 10).all()
    sin60 = math.sin(math.radians(60))
    mid_area = math.degrees(math.asin((sin60 + 1.0) / 2))  # half the cap above
    assert_share(points[:, 1] > mid_area, 0.5)
    # A uniform latitude would put half the points above 75°; by area 0.254.
    share_75 = (1 - math.sin(math.radians(75))) / (1 - sin60)
    assert_share(points[:, 1] > 75, share_75)
    assert_share(points[:, 0] < 2.5, 0.25)


@pytest.mark.parametrize(
    "lat_ascending, lon_descending", [(True, False), (False, True), (True, True)]
)
def test_coordinate_order_does_not_change_the_draw(lat_ascending, lon_descending):
    reference = RasterBackground(as_data_array()).fit(RECORDS)
    flipped = as_data_array(lat_ascending=lat_ascending, lon_descending=lon_descending)
    sampler = RasterBackground(flipped).fit(RECORDS)
    np.testing.assert_array_equal(
        sampler.cell_probabilities_, reference.cell_probabilities_
    )
    np.testing.assert_array_equal(draw(sampler, 500), draw(reference, 500))


def test_numpy_with_bbox_equals_the_data_array():
    from_numpy = RasterBackground(EFFORT, bbox=BBOX).fit(RECORDS)
    from_xarray = RasterBackground(as_data_array()).fit(RECORDS)
    for name in ("cell_probabilities_", "lon_edges_", "lat_edges_"):
        np.testing.assert_allclose(
            getattr(from_numpy, name), getattr(from_xarray, name), rtol=1e-12
        )
    np.testing.assert_allclose(draw(from_numpy, 500), draw(from_xarray, 500), atol=1e-5)


@pytest.mark.parametrize(
    "names", [("latitude", "longitude"), ("y", "x"), ("Lat", "lon")]
)
def test_coordinate_names_and_a_band_of_length_one(names):
    grid = as_data_array().rename({"lat": names[0], "lon": names[1]})
    banded = grid.expand_dims(band=[1]).transpose(names[1], "band", names[0])
    reference = RasterBackground(as_data_array()).fit(RECORDS)
    for raster in (grid, banded):
        sampler = RasterBackground(raster).fit(RECORDS)
        np.testing.assert_array_equal(
            sampler.cell_probabilities_, reference.cell_probabilities_
        )


def test_antimeridian_and_longitudes_past_180():
    across = RasterBackground([[1.0, 1.0]], bbox=(170.0, -10.0, -170.0, 10.0))
    points = draw(across.fit(RECORDS), 4000)
    assert ((points[:, 0] >= 170) | (points[:, 0] <= -170)).all()
    assert (points[:, 0] >= -180).all() and (points[:, 0] < 180).all()
    assert_share(points[:, 0] > 0, 0.5)
    # predict_grid's longitudes keep increasing past 180 across the antimeridian.
    grid = xr.DataArray(
        [[1.0, 1.0]], dims=("lat", "lon"), coords={"lat": [0.0], "lon": [175.0, 185.0]}
    )
    with pytest.raises(ValueError, match="at least 2"):
        RasterBackground(grid).fit(RECORDS)
    grid = xr.DataArray(
        np.ones((2, 2)),
        dims=("lat", "lon"),
        coords={"lat": [5.0, -5.0], "lon": [175.0, 185.0]},
    )
    sampler = RasterBackground(grid).fit(RECORDS)
    np.testing.assert_array_equal(sampler.lon_edges_, [170.0, 180.0, 190.0])
    assert (
        (draw(sampler, 2000)[:, 0] >= 170) | (draw(sampler, 2000)[:, 0] <= -170)
    ).all()


def test_a_predict_grid_class_is_a_raster():
    from skgeo_s2v.sdm import predict_grid

    X = np.array([[0.0, 40.0], [10.0, 50.0], [1.0, 41.0], [11.0, 51.0]])
    model = SphereLocationClassifier(hidden_units=8, max_epochs=1, random_state=0)
    grid = predict_grid(
        model.fit(X, [0, 1, 0, 1]), resolution_deg=5.0, bbox=(-10.0, 30.0, 20.0, 60.0)
    )
    sampler = RasterBackground(grid.sel({"class": 1})).fit(X)
    assert sampler.cell_probabilities_.shape == (6, 6)
    np.testing.assert_array_equal(sampler.lat_edges_, np.arange(60.0, 29.0, -5.0))
    single = RasterBackground(grid.isel({"class": [1]})).fit(X)
    np.testing.assert_array_equal(
        single.cell_probabilities_, sampler.cell_probabilities_
    )


@pytest.mark.parametrize(
    "raster, bbox, match",
    [
        ([[1.0, -2.0], [-1.0, 1.0]], BBOX, r"2 negative cell\(s\), e.g. -2.0 .*lon=30"),
        ([[1.0, np.inf]], BBOX, "infinite"),
        ([[0.0, np.nan]], BBOX, "no cell with a positive value"),
        ([[1.0, 1.0]], None, "needs bbox"),
        ([1.0, 1.0], BBOX, "must be 2-D"),
        (np.ones((0, 3)), BBOX, "must be 2-D"),
        ([["a", "b"]], BBOX, "must be numbers"),
        ([[1.0]], (0.0, 10.0, 5.0, 0.0), "lat_min=10.0 >= lat_max=0.0"),
        ([[1.0]], (0.0, 0.0, 200.0, 5.0), "lon_max=200.0, outside"),
        ([[1.0]], (0.0, 0.0, 5.0), "got 3"),
    ],
)
def test_bad_numpy_raster(raster, bbox, match):
    with pytest.raises(ValueError, match=match):
        RasterBackground(raster, bbox=bbox).fit(RECORDS)


def _grid(lat=(45.0, 35.0), lon=(0.0, 10.0), dims=("lat", "lon"), values=None):
    values = np.ones((len(lat), len(lon))) if values is None else values
    return xr.DataArray(
        values, dims=dims, coords={dims[0]: list(lat), dims[1]: list(lon)}
    )


@pytest.mark.parametrize(
    "raster, match",
    [
        (_grid(lat=(50.0, 45.0, 35.0)), "not regularly spaced"),
        (_grid(lat=(45.0, 50.0, 35.0)), "not regularly spaced"),
        (_grid(lat=(45.0, 45.0)), "not regularly spaced"),
        (_grid(lat=(89.0, 91.0)), "past a pole"),
        (_grid(lon=(0.0, 200.0)), "more than 360"),
        (_grid(dims=("north", "east")), "Cannot tell which"),
        (_grid(values=-np.ones((2, 2))), "4 negative"),
        (_grid().expand_dims(band=[1, 2]), r"select one band"),
        (xr.DataArray(np.ones((2, 2)), dims=("lat", "lon")), "no coordinate values"),
        (
            xr.DataArray(
                np.ones((2, 2)),
                dims=("row", "col"),
                coords={"lat": (("row", "col"), np.ones((2, 2)))},
            ),
            "2-D coordinate 'lat' .a curvilinear grid",
        ),
        (_grid().to_dataset(name="effort"), r"raster\['effort'\]"),
    ],
)
def test_bad_data_array_raster(raster, match):
    with pytest.raises(ValueError, match=match):
        RasterBackground(raster).fit(RECORDS)


def test_bbox_with_a_data_array_and_bad_values_are_refused():
    with pytest.raises(ValueError, match="drop bbox"):
        RasterBackground(_grid(), bbox=BBOX).fit(RECORDS)
    with pytest.raises(ValueError, match="values"):
        RasterBackground(EFFORT, bbox=BBOX, values="count").fit(RECORDS)


def test_seeded_and_the_raster_left_untouched():
    grid = as_data_array()
    before_grid, before_array = grid.copy(deep=True), EFFORT.copy()
    for sampler in (
        RasterBackground(grid).fit(RECORDS),
        RasterBackground(EFFORT, bbox=BBOX).fit(RECORDS),
    ):
        first = sampler.sample(100, generator=torch.Generator().manual_seed(0))
        assert first.dtype == torch.float32 and first.shape == (100, 2)
        first, again, other = first.numpy(), draw(sampler, 100), draw(sampler, 100, 1)
        np.testing.assert_array_equal(first, again)
        assert not np.array_equal(first, other)
    xr.testing.assert_identical(grid, before_grid)
    np.testing.assert_array_equal(EFFORT, before_array)  # NaN stays NaN


def test_unfitted_sample_raises_and_tables_are_cached_not_pickled():
    sampler = RasterBackground(EFFORT, bbox=BBOX)
    with pytest.raises(NotFittedError, match="RasterBackground instance is not fitted"):
        sampler.sample(3, generator=torch.Generator())
    sampler.fit(RECORDS)
    first = draw(sampler, 50)
    cached = sampler._tables_on[torch.device("cpu")]
    draw(sampler, 50)
    assert sampler._tables_on[torch.device("cpu")] is cached
    assert cached[0].dtype == torch.float64
    state = sampler.__getstate__()
    assert not {"_tables_on", "_cumulative", "_z_edges"} & set(state)
    restored = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(draw(restored, 50), first)
    assert sampler._tables_on  # pickling kept the live sampler's copies
    assert set(clone(sampler).get_params()) == {
        "raster",
        "bbox",
        "values",
        "n_per_example",
    }


def test_in_the_classifier_with_save_and_load(tmp_path):
    X = np.array([[5.0, 45.0], [25.0, 35.0], [6.0, 46.0], [26.0, 36.0]])
    y = ["north", "south", "north", "south"]
    background = RasterBackground(as_data_array(), n_per_example=2)
    clf = SphereLocationClassifier(
        background=background, hidden_units=8, max_epochs=2, random_state=0
    ).fit(X, y)
    assert isinstance(clf.background_, RasterBackground)
    assert clf.background_ is not background
    assert np.isfinite(clf.predict_presence(X)).all()
    clf.save(tmp_path)
    meta = json.loads((tmp_path / "params.json").read_text())
    assert meta["not_saved"]["background"] == "RasterBackground(...)"
    loaded = SphereLocationClassifier.load(tmp_path)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))


def test_a_geotiff_read_back_by_rioxarray_is_a_raster(tmp_path):
    rioxarray = pytest.importorskip("rioxarray")
    from skgeo_s2v.sdm import to_geotiff

    grid = as_data_array().expand_dims({"class": ["effort"]})
    to_geotiff(grid, tmp_path / "effort.tif")
    with warnings.catch_warnings():
        # rioxarray's transform arithmetic, with affine >= 3 (not ours to fix).
        warnings.filterwarnings("ignore", "Use `@` matmul", PendingDeprecationWarning)
        tif = rioxarray.open_rasterio(tmp_path / "effort.tif", masked=True)
    assert tif.dims == ("band", "y", "x") and np.isnan(tif.values).any()
    sampler = RasterBackground(tif).fit(RECORDS)
    reference = RasterBackground(EFFORT, bbox=BBOX).fit(RECORDS)
    np.testing.assert_allclose(
        sampler.cell_probabilities_, reference.cell_probabilities_, rtol=1e-12
    )


def test_covariates_are_refused():
    import pandas as pd

    sampler = RasterBackground(EFFORT, bbox=BBOX).fit(RECORDS)
    with pytest.raises(ValueError, match="RasterBackground draws locations only"):
        sampler.fit_covariates(pd.DataFrame({"bio1": [1.0, 2.0]}), None)
