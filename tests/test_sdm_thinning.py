"""Spatial thinning of records (skgeo_s2v.sdm.thin_records)."""

import numpy as np
import pandas as pd
import pytest

from skgeo_s2v.sdm import thin_records

KM_PER_DEGREE = 6371.0088 * np.pi / 180  # on a great circle


def _distances_km(lonlat):
    """All pairwise great-circle distances, by the haversine formula."""
    lon, lat = np.radians(lonlat).T
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = (
        np.sin(dlat / 2) ** 2
        + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    )
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _clustered(n=300, seed=0):
    """Records in a few tight crowds and a scatter, over about 200 km."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([5.0, 45.0], [7.0, 47.0], size=(6, 2))
    crowd = centres[rng.integers(0, 6, n // 2)] + rng.normal(0, 0.02, (n // 2, 2))
    scatter = rng.uniform([5.0, 45.0], [7.0, 47.0], size=(n - n // 2, 2))
    return np.vstack([crowd, scatter])


@pytest.mark.parametrize("distance_km", [2.0, 10.0, 30.0])
def test_kept_records_are_apart_and_every_dropped_one_has_a_kept_neighbour(
    distance_km,
):
    X = _clustered()
    kept = thin_records(X, distance_km, random_state=0)
    distances = _distances_km(X)
    among_kept = distances[np.ix_(kept, kept)]
    np.fill_diagonal(among_kept, np.inf)
    assert among_kept.min() >= distance_km
    nearest_kept = distances[np.ix_(~kept, kept)].min(axis=1)
    assert (nearest_kept < distance_km).all()  # no record was dropped needlessly
    assert 0 < kept.sum() < len(X)


def test_each_class_is_thinned_on_its_own():
    X = _clustered(200)
    y = np.where(np.arange(200) % 2 == 0, "oak", "ash")
    kept = thin_records(X, 10.0, y=y, random_state=0)
    distances = _distances_km(X)
    for species in ("oak", "ash"):
        mine = kept & (y == species)
        within = distances[np.ix_(mine, mine)]
        np.fill_diagonal(within, np.inf)
        assert within.min() >= 10.0
        alone = thin_records(X[y == species], 10.0, random_state=1)
        assert alone.sum() > 0
    # a record of each species at one spot: neither conflicts with the other
    same_spot = np.array([[5.0, 45.0], [5.0, 45.0]])
    np.testing.assert_array_equal(thin_records(same_spot, 1.0, y=["a", "b"]), [1, 1])
    np.testing.assert_array_equal(thin_records(same_spot, 1.0, random_state=0).sum(), 1)


def test_the_most_crowded_record_goes_first():
    # 0.6 km steps along the equator: the middle one of three is near both
    step = 0.6 / KM_PER_DEGREE
    line = np.column_stack([np.arange(3) * step, np.zeros(3)])
    np.testing.assert_array_equal(thin_records(line, 1.0, random_state=0), [1, 0, 1])
    # a star: the centre is near all four points, which are 1.13 km apart
    arm = 0.8 / KM_PER_DEGREE
    star = np.array([[0, 0], [arm, 0], [-arm, 0], [0, arm], [0, -arm]], dtype=float)
    np.testing.assert_array_equal(thin_records(star, 1.0), [0, 1, 1, 1, 1])


def test_same_seed_same_records_and_the_dataframe_form():
    X = _clustered()
    first = thin_records(X, 10.0, random_state=3)
    np.testing.assert_array_equal(first, thin_records(X, 10.0, random_state=3))
    seeds = [thin_records(X, 10.0, random_state=s) for s in range(5)]
    assert any(not np.array_equal(seeds[0], other) for other in seeds[1:])
    frame = pd.DataFrame({"bio1": np.arange(len(X)), "lat": X[:, 1], "lon": X[:, 0]})
    before = frame.copy()
    np.testing.assert_array_equal(thin_records(frame, 10.0, random_state=3), first)
    pd.testing.assert_frame_equal(frame, before)


def test_records_across_the_antimeridian_are_close():
    X = np.array([[179.99, 10.0], [-179.99, 10.0]])  # about 2.2 km apart
    assert thin_records(X, 5.0, random_state=0).sum() == 1
    assert thin_records(X, 1.0, random_state=0).sum() == 2


@pytest.mark.parametrize("distance_km", [0, -1.0, np.inf, np.nan, "10"])
def test_distance_must_be_positive(distance_km):
    with pytest.raises(ValueError, match="distance_km must be a positive number"):
        thin_records(np.array([[0.0, 0.0], [1.0, 1.0]]), distance_km)


def test_bad_records_are_named():
    with pytest.raises(ValueError, match="lat"):
        thin_records(np.array([[0.0, 0.0], [1.0, 95.0]]), 1.0)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        thin_records(np.array([[0.0, 0.0], [1.0, 1.0]]), 1.0, y=["a"])


def test_other_spellings_of_the_coordinate_columns():
    X = _clustered(100)
    frame = pd.DataFrame({"Longitude": X[:, 0], "Latitude": X[:, 1], "bio1": 1.0})
    np.testing.assert_array_equal(
        thin_records(frame, 10.0, random_state=0),
        thin_records(X, 10.0, random_state=0),
    )
    with pytest.raises(ValueError, match="name the coordinate columns 'lon' and"):
        thin_records(frame.rename(columns={"Longitude": "x"}), 10.0)
