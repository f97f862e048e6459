"""Records to a thresholded range map: samplers in the classifier, search, export."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.background import (
    BoxBackground,
    BufferBackground,
    LandBackground,
    PointsBackground,
    PolygonBackground,
    TargetGroupBackground,
    UniformSphereBackground,
)
from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import (
    SphereGAMClassifier,
    binary_range,
    class_thresholds,
    predict_grid,
    presence_auc_scorer,
    to_geotiff,
)

shapely = pytest.importorskip("shapely")
BBOX = (-12.0, 36.0, 12.0, 52.0)
FAST = {"hidden_units": 16, "max_epochs": 2, "batch_size": 64, "random_state": 0}


def _records(n=240, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(-10, 10, n), rng.uniform(38, 50, n)])
    return X, np.where(X[:, 0] < 0, "west", "east")


SAMPLERS = [
    UniformSphereBackground(),
    BoxBackground(BBOX),
    PolygonBackground(shapely.box(*BBOX)),
    LandBackground(bbox=BBOX),
    BufferBackground(150.0),
    PointsBackground(np.array([[0.0, 45.0], [5.0, 40.0]])),
    TargetGroupBackground(n_per_example=2),
]


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
def test_every_sampler_clones_pickles_and_draws_in_the_classifier(sampler):
    X, y = _records(80)
    fitted = clone(sampler).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    draws = [
        s.sample(16, generator=torch.Generator().manual_seed(5))
        for s in (fitted, restored)
    ]
    assert torch.equal(*draws) and draws[0].dtype == torch.float32
    clf = SphereLocationClassifier(background=sampler, **FAST).fit(X, y)
    assert type(clf.background_) is type(sampler) and clf.background_ is not sampler
    assert np.isfinite(clf.predict_presence(X[:5])).all()


def test_grid_search_chooses_the_background_under_spatial_cross_validation():
    X, y = _records()
    search = GridSearchCV(
        SphereLocationClassifier(**FAST),
        {"background": [UniformSphereBackground(), BoxBackground(BBOX)]},
        scoring=presence_auc_scorer,
        cv=SphericalClusterKFold(n_splits=3, random_state=0),
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and ((scores >= 0) & (scores <= 1)).all()
    assert isinstance(
        search.best_params_["background"], (UniformSphereBackground, BoxBackground)
    )


@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")
def test_records_to_thresholded_range_geotiff(tmp_path):
    rioxarray = pytest.importorskip("rioxarray")
    X, y = _records()
    clf = SphereLocationClassifier(background=BoxBackground(BBOX), **FAST).fit(X, y)
    background = clf.background_.sample(500, generator=torch.Generator().manual_seed(0))
    thresholds = class_thresholds(
        y,
        clf.predict_presence(X),
        labels=clf.classes_,
        background_score=clf.predict_presence(background.numpy()),
    )
    assert np.isfinite(thresholds).all()
    grid = predict_grid(clf, resolution_deg=1.0, bbox=BBOX)
    ranges = binary_range(grid, thresholds)
    expected = grid.values >= thresholds[:, None, None]
    np.testing.assert_array_equal(ranges.values, expected)
    to_geotiff(ranges, tmp_path / "range.tif")
    back = rioxarray.open_rasterio(tmp_path / "range.tif")
    np.testing.assert_array_equal(back.values, expected.astype(np.uint8))
    assert back.attrs["long_name"] == tuple(clf.classes_)


def _extra_trees_recipe():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skgeo_s2v.blend import forest_features

    location = ColumnTransformer(
        [("location", FunctionTransformer(forest_features), ["lon", "lat"])],
        remainder="passthrough",
    )
    return make_pipeline(
        location, ExtraTreesClassifier(100, min_samples_leaf=5, random_state=0)
    )


@pytest.mark.parametrize(
    "make_model, margin",
    [(_extra_trees_recipe, 0.2), (SphereGAMClassifier, 0.3)],
    ids=["extra trees", "GAM"],
)
def test_covariate_and_location_recipes_map_the_range(make_model, margin):
    # The recipes of docs/sdm.rst, "Which model, when": presence against
    # background sites, on the covariates beside the location, mapped by
    # predict_grid from an xarray Dataset of the covariate.
    xr = pytest.importorskip("xarray")
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(-10, 10, 600), rng.uniform(40, 55, 600)
    sites = pd.DataFrame({"lon": lon, "lat": lat, "bio1": 10 + (lat - 47.5) / 2})
    # Present where it is warm (south) and west of 0°E.
    presence = (sites["bio1"] > 9).to_numpy() & (lon < 0)
    model = make_model().fit(sites, presence)
    cells_lon, cells_lat = np.arange(-9.5, 10, 1.0), np.arange(40.5, 55, 1.0)
    grid_lat = np.repeat(cells_lat[:, None], cells_lon.size, axis=1)
    covariates = xr.Dataset(
        {"bio1": (("lat", "lon"), 10 + (grid_lat - 47.5) / 2)},
        coords={"lat": cells_lat, "lon": cells_lon},
    )
    grid = predict_grid(
        model,
        resolution_deg=1.0,
        bbox=(-10, 40, 10, 55),
        covariates=covariates,
        method="predict_proba",
    )
    assert grid.dims == ("class", "lat", "lon")
    present = grid.sel({"class": True}).values
    truth = (grid.lon.values[None, :] < 0) & (
        10 + (grid.lat.values[:, None] - 47.5) / 2 > 9
    )
    assert present[truth].mean() > 1 - margin and present[~truth].mean() < margin
