"""Regional background samplers: inside the region, uniform by area, seeded, checked."""

import math
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from skgeo_s2v.background import (
    BoxBackground,
    BufferBackground,
    LandBackground,
    PointsBackground,
    PolygonBackground,
    TargetGroupBackground,
)

shapely = pytest.importorskip("shapely")
N = 20_000
RECORDS = np.array([[10.0, 45.0], [12.0, 46.0]])


def draw(sampler, n=N, seed=0, X=RECORDS, y=None):
    generator = torch.Generator().manual_seed(seed)
    return sampler.fit(X, y).sample(n, generator=generator).numpy().astype(np.float64)


def assert_share(inside, expected):
    """The share of True in ``inside`` matches ``expected`` within 4.5 binomial SDs."""
    sd = math.sqrt(expected * (1 - expected) / inside.size)
    assert abs(inside.mean() - expected) < 4.5 * sd, (inside.mean(), expected)


def sin_deg(lat):
    return math.sin(math.radians(lat))


def haversine_deg(lonlat, lon0, lat0):
    """Great-circle angle in radians from each row to (lon0, lat0), by haversine."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    lon0, lat0 = math.radians(lon0), math.radians(lat0)
    h = (
        np.sin((lat - lat0) / 2) ** 2
        + np.cos(lat) * math.cos(lat0) * np.sin((lon - lon0) / 2) ** 2
    )
    return 2 * np.arcsin(np.sqrt(h))


def test_box_draws_inside_and_uniform_by_area():
    points = draw(BoxBackground((0.0, 0.0, 40.0, 60.0)))
    assert points.shape == (N, 2)
    assert (points[:, 0] >= 0).all() and (points[:, 0] <= 40).all()
    assert (points[:, 1] >= 0).all() and (points[:, 1] <= 60).all()
    # Archimedes: the band 0-30° holds sin 30 / sin 60 of the box's area (0.577),
    # where a latitude drawn uniformly would put half the points.
    assert_share(points[:, 1] < 30, sin_deg(30) / sin_deg(60))
    assert_share(points[:, 0] < 10, 0.25)


def test_box_across_the_antimeridian():
    points = draw(BoxBackground((170.0, -50.0, -170.0, -30.0)))
    lon = points[:, 0]
    assert ((lon >= 170) | (lon <= -170)).all()
    assert (lon >= -180).all() and (lon < 180).all()
    assert_share(lon >= 170, 0.5)
    band = (sin_deg(-40) - sin_deg(-50)) / (sin_deg(-30) - sin_deg(-50))
    assert_share(points[:, 1] < -40, band)


def test_box_output_is_float32_and_seeded():
    sampler = BoxBackground((0.0, 0.0, 1.0, 1.0)).fit(RECORDS)
    first = sampler.sample(50, generator=torch.Generator().manual_seed(3))
    again = sampler.sample(50, generator=torch.Generator().manual_seed(3))
    other = sampler.sample(50, generator=torch.Generator().manual_seed(4))
    assert first.dtype == torch.float32 and first.shape == (50, 2)
    assert torch.equal(first, again) and not torch.equal(first, other)


@pytest.mark.parametrize(
    "bbox, match",
    [
        ((0.0, 10.0, 5.0, 0.0), "lat_min=10.0 >= lat_max=0.0"),
        ((0.0, 0.0, 200.0, 5.0), "lon_max=200.0, outside"),
        ((0.0, -95.0, 5.0, 5.0), "lat_min=-95.0, outside"),
        ((0.0, 0.0, 5.0), "got 3"),
        ((0.0, 0.0, 0.0, 5.0), "lon_min == lon_max"),
        ((0.0, 0.0, np.nan, 5.0), "lon_max=nan"),
        (("a", 0, 1, 2), "four numbers"),
    ],
)
def test_box_bad_input(bbox, match):
    with pytest.raises(ValueError, match=match):
        BoxBackground(bbox).fit(RECORDS)


def test_polygon_rectangle_is_uniform_by_area():
    rectangle = shapely.box(0.0, 0.0, 40.0, 60.0)
    points = draw(PolygonBackground(rectangle))
    assert_share(points[:, 1] < 30, sin_deg(30) / sin_deg(60))


def test_polygon_keeps_points_inside_and_accepts_geojson():
    triangle = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [0.0, 0.0]]
    geometry = {"type": "Polygon", "coordinates": [triangle]}
    feature = {"type": "Feature", "geometry": geometry, "properties": {}}
    collection = {"type": "FeatureCollection", "features": [feature]}
    for polygon in (geometry, feature, collection, shapely.Polygon(triangle)):
        sampler = PolygonBackground(polygon)
        points = draw(sampler, n=2000)
        assert (points.sum(axis=1) <= 10 + 1e-4).all()
        assert (points >= -1e-6).all()
        # The triangle is half its bounding box (near the equator, ~0.5 by area).
        assert 0.45 < sampler.acceptance_rate_ < 0.55


def test_polygon_sampler_pickles_and_clones():
    sampler = PolygonBackground(shapely.box(0.0, 0.0, 5.0, 5.0)).fit(RECORDS)
    restored = pickle.loads(pickle.dumps(sampler))
    seeded = [torch.Generator().manual_seed(1) for _ in range(2)]
    assert torch.equal(
        sampler.sample(10, generator=seeded[0]),
        restored.sample(10, generator=seeded[1]),
    )
    assert clone(sampler).get_params()["polygon"].equals(sampler.polygon)


@pytest.mark.parametrize(
    "polygon, match",
    [
        (shapely.Polygon(), "empty"),
        (shapely.LineString([(0, 0), (1, 1)]), "LineString"),
        (shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]), "not valid"),
        ({"type": "Polygon", "coordinates": "nonsense"}, "GeoJSON"),
        ("POLYGON", "shapely Polygon or MultiPolygon"),
        (shapely.box(0.0, 0.0, 200.0, 5.0), r"lon_max=200\.0, outside.*MultiPolygon"),
        (shapely.box(-190.0, 0.0, -170.0, 5.0), r"lon_min=-190\.0.*split at ±180"),
    ],
)
def test_polygon_bad_input(polygon, match):
    with pytest.raises(ValueError, match=match):
        PolygonBackground(polygon).fit(RECORDS)


def test_polygon_with_hopeless_acceptance_rate_is_refused():
    specks = shapely.MultiPolygon(
        [
            shapely.box(-179.0, -60.0, -178.99, -59.99),
            shapely.box(170, 60, 170.01, 60.01),
        ]
    )
    with pytest.raises(ValueError, match="acceptance rate"):
        PolygonBackground(specks).fit(RECORDS)


@pytest.mark.parametrize("surface", ["land", "ocean"])
def test_land_background_lies_on_the_chosen_surface(surface):
    global_land_mask = pytest.importorskip("global_land_mask.globe")
    bbox = (-10.0, 35.0, 30.0, 60.0)
    points = draw(LandBackground(surface=surface, bbox=bbox), n=3000)
    land = global_land_mask.is_land(points[:, 1], points[:, 0])
    assert land.all() if surface == "land" else not land.any()
    assert (points[:, 1] >= 35).all() and (points[:, 1] <= 60).all()


def test_land_background_over_the_globe_keeps_about_three_tenths():
    sampler = LandBackground().fit(RECORDS)
    # About 29 % of the Earth's surface is land (Antarctica included).
    assert 0.26 < sampler.acceptance_rate_ < 0.32


def test_buffer_stays_within_the_radius_and_is_uniform_by_area():
    radius_km = 500.0
    angle = radius_km / 6371.0088
    points = draw(BufferBackground(radius_km), X=[[30.0, 0.0]])
    distance = haversine_deg(points, 30.0, 0.0)
    assert distance.max() <= angle * (1 + 1e-5)
    # A cap's area grows as 1 - cos θ: the inner half radius holds about 1/4.
    assert_share(
        distance <= angle / 2, (1 - math.cos(angle / 2)) / (1 - math.cos(angle))
    )


@pytest.mark.parametrize("record", [(179.5, 10.0), (-179.5, -10.0), (0.0, 89.0)])
def test_buffer_across_the_antimeridian_and_a_pole(record):
    points = draw(BufferBackground(300.0), n=4000, X=[record])
    distance = haversine_deg(points, *record)
    assert distance.max() <= 300.0 / 6371.0088 * (1 + 1e-5)
    # Points reach the far side of the antimeridian (or go round the pole).
    assert (np.sign(points[:, 0]) != np.sign(record[0] or 1)).any()


def test_buffer_union_of_two_caps():
    records = np.array([[0.0, 0.0], [20.0, 0.0]])
    points = draw(BufferBackground(200.0), n=4000, X=records)
    near = np.minimum(haversine_deg(points, 0, 0), haversine_deg(points, 20, 0))
    assert near.max() <= 200.0 / 6371.0088 * (1 + 1e-5)
    assert_share(points[:, 0] > 10, 0.5)  # two equal, disjoint caps


@pytest.mark.parametrize("radius_km", [0.0, -5.0, np.nan, np.inf])
def test_buffer_bad_radius(radius_km):
    with pytest.raises(ValueError, match="radius_km"):
        BufferBackground(radius_km).fit(RECORDS)


def test_buffer_around_far_apart_records_is_refused():
    with pytest.raises(ValueError, match="acceptance rate"):
        BufferBackground(1.0).fit([[0.0, 0.0], [120.0, 50.0]])


def test_points_background_resamples_the_given_sites():
    sites = pd.DataFrame(
        {"bio1": [1.0, 2.0, 3.0], "lat": [5.0, 6.0, 7.0], "lon": [0.0, 1.0, 2.0]}
    )
    before = sites.copy()
    points = draw(PointsBackground(sites), n=9000)
    pd.testing.assert_frame_equal(sites, before)
    pairs, counts = np.unique(points, axis=0, return_counts=True)
    np.testing.assert_array_equal(pairs, [[0.0, 5.0], [1.0, 6.0], [2.0, 7.0]])
    assert_share(points[:, 0] == 0.0, 1 / 3)


@pytest.mark.parametrize(
    "points, match",
    [
        (np.zeros((0, 2)), "empty"),
        (np.zeros((3, 3)), r"shape \(n_points, 2\)"),
        ([[0.0, np.nan]], "finite"),
        ([[0.0, 95.0]], "outside"),
        (pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]}), "'lon' and 'lat'"),
        ([["x", "y"]], "numbers"),
    ],
)
def test_points_background_bad_input(points, match):
    with pytest.raises(ValueError, match=match):
        PointsBackground(points).fit(RECORDS)


def test_points_background_draws_in_proportion_to_weights():
    sites = np.array([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0]])
    weights = np.array([1.0, 0.0, 3.0])
    sampler = PointsBackground(sites, weights=weights)
    points = draw(sampler, n=8000)
    np.testing.assert_allclose(sampler.weights_, [0.25, 0.0, 0.75])
    np.testing.assert_array_equal(weights, [1.0, 0.0, 3.0])  # not modified
    assert not (points[:, 0] == 1.0).any()  # weight 0: never drawn
    assert_share(points[:, 0] == 0.0, 0.25)
    np.testing.assert_array_equal(points, draw(sampler, n=8000))  # seeded
    restored = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(points, draw(restored, n=8000))
    # Zero weights at either end are never drawn either.
    only_middle = draw(PointsBackground(sites, weights=[0.0, 2.0, 0.0]), n=2000)
    assert (only_middle == sites[1]).all()


@pytest.mark.parametrize(
    "weights, match",
    [
        ([1.0, 2.0], r"shape \(2,\), but there are 3 points"),
        ([1.0, -1.0, 2.0], r"weights\[1\] is -1.0"),
        ([1.0, np.nan, 2.0], r"weights\[1\] is nan"),
        ([0.0, 0.0, 0.0], "all 0"),
        (["a", "b", "c"], "numbers"),
    ],
)
def test_points_background_bad_weights(weights, match):
    sites = np.array([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0]])
    with pytest.raises(ValueError, match=match):
        PointsBackground(sites, weights=weights).fit(RECORDS)


def test_target_group_background_draws_the_training_records():
    X = np.array([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0], [3.0, 8.0]])
    points = draw(TargetGroupBackground(), n=400, X=X, y=["a", "a", "b", "c"])
    assert {tuple(p) for p in points} == {tuple(p) for p in X}
    again = draw(TargetGroupBackground(), n=400, X=X, y=["a", "a", "b", "c"])
    np.testing.assert_array_equal(points, again)


def test_rejection_draws_beyond_one_batch_of_proposals(monkeypatch):
    from skgeo_s2v.background import _regions

    # With batches of 1000 proposals, 5000 points of a triangle (half its
    # box) take about ten batches.
    monkeypatch.setattr(_regions, "_MAX_BATCH", 1000)
    triangle = shapely.Polygon([(0, 0), (10, 0), (0, 10)])
    points = draw(PolygonBackground(triangle), n=5000)
    assert points.shape == (5000, 2)
    assert (points.sum(axis=1) <= 10 + 1e-4).all()
    assert np.unique(points, axis=0).shape[0] == 5000  # fresh draws each batch


def test_resampled_table_is_built_once_and_not_pickled():
    sites = pd.DataFrame({"lon": [0.0, 1.0], "lat": [5.0, 6.0], "bio1": [3.0, 4.0]})
    sampler = PointsBackground(sites).fit(RECORDS)

    def transform(frame, what):
        return frame[["bio1"]].to_numpy()

    sampler.fit_covariates(sites[["bio1"]], transform)
    first = sampler.sample(4, generator=torch.Generator().manual_seed(0))
    cached = sampler._rows_on[torch.device("cpu")]
    sampler.sample(4, generator=torch.Generator().manual_seed(0))
    assert sampler._rows_on[torch.device("cpu")] is cached
    assert first.dtype == torch.float32 and first.shape == (4, 3)
    state = sampler.__getstate__()
    assert "_rows" not in state and "_rows_on" not in state
    restored = pickle.loads(pickle.dumps(sampler))
    again = restored.sample(4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(first, again)
    after = sampler.sample(4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(first, after) and sampler._rows_on
    assert set(clone(sampler).get_params()) == {"points", "n_per_example", "weights"}
