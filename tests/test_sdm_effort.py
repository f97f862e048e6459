"""sampling_effort: the records' kernel density as an index of sampling effort."""

import numpy as np
import pytest

from skgeo_s2v._geometry import (
    EARTH_RADIUS_KM,
    great_circle_angle,
    unit_vectors_from_degrees,
)
from skgeo_s2v.sdm import sampling_effort


def _records(seed=0, n=200):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(2.0, 0.5, n), rng.normal(46.0, 0.5, n)])


def _log_gaussian_sum(records, sites, bandwidth_km):
    """log Σ exp(-d² / 2h²) over the records, d the great-circle distance."""
    angle = great_circle_angle(
        unit_vectors_from_degrees(sites[:, 0], sites[:, 1]),
        unit_vectors_from_degrees(records[:, 0], records[:, 1]),
    )
    distance = angle * EARTH_RADIUS_KM
    return np.log(np.exp(-0.5 * (distance / bandwidth_km) ** 2).sum(axis=1))


def test_effort_is_the_log_density_of_a_gaussian_kernel_up_to_a_constant():
    records = _records()
    sites = np.array([[2.0, 46.0], [2.5, 46.3], [1.0, 45.0], [3.0, 47.5]])
    effort = sampling_effort(records, sites, bandwidth_km=30.0)
    expected = _log_gaussian_sum(records, sites, 30.0)
    np.testing.assert_allclose(effort - effort[0], expected - expected[0], atol=1e-6)
    assert effort[0] > effort[3]


def test_the_chosen_bandwidth_is_one_of_the_candidates_and_follows_the_spread():
    records = _records()
    sites = np.array([[2.0, 46.0], [2.5, 46.3], [1.0, 45.0], [3.0, 47.5]])
    effort = sampling_effort(records, sites)
    xyz = unit_vectors_from_degrees(records[:, 0], records[:, 1])
    centre = xyz.mean(axis=0, keepdims=True)
    diameter_km = (
        2 * great_circle_angle(xyz, centre / np.linalg.norm(centre)).max()
    ) * EARTH_RADIUS_KM
    candidates = [
        sampling_effort(records, sites, bandwidth_km=fraction * diameter_km)
        for fraction in (0.02, 0.05, 0.1, 0.2)
    ]
    matches = [np.allclose(effort, c, rtol=1e-6) for c in candidates]
    assert sum(matches) == 1
    # The same pattern ten times wider is given a wider kernel, so the
    # density relative to the centre is the same.
    wide = np.column_stack(
        [2.0 + 10 * (records[:, 0] - 2.0), 46.0 + 10 * (records[:, 1] - 46.0)]
    )
    wide_sites = np.column_stack(
        [2.0 + 10 * (sites[:, 0] - 2.0), 46.0 + 10 * (sites[:, 1] - 46.0)]
    )
    wide_effort = sampling_effort(wide, wide_sites)
    np.testing.assert_allclose(
        wide_effort - wide_effort[0], effort - effort[0], rtol=0.1, atol=0.1
    )


def test_sampling_effort_takes_a_splitter_for_the_bandwidth_search():
    from sklearn.model_selection import KFold

    records = _records()
    sites = records[:5]
    shuffled = sampling_effort(
        records, sites, cv=KFold(3, shuffle=True, random_state=0)
    )
    assert np.isfinite(shuffled).all()
    with pytest.raises(ValueError, match="at least 5 records"):
        sampling_effort(records[:4], sites, cv=KFold(5))


def test_sampling_effort_does_not_modify_its_input():
    records = _records()
    copy = records.copy()
    sampling_effort(records, records[:5])
    np.testing.assert_array_equal(records, copy)


def test_sampling_effort_bad_input():
    records = _records()
    with pytest.raises(ValueError, match="at least 3 records"):
        sampling_effort(records[:2], records)
    with pytest.raises(ValueError, match="all lie at one place"):
        sampling_effort(np.tile([[2.0, 46.0]], (10, 1)), records)
    with pytest.raises(ValueError, match="bandwidth_km must be a positive"):
        sampling_effort(records, records, bandwidth_km=0.0)
    with pytest.raises(ValueError, match="bandwidth_km must be a positive"):
        sampling_effort(records, records, bandwidth_km=np.nan)
    with pytest.raises(ValueError, match="latitude|\\[-90, 90\\]"):
        sampling_effort(records, [[0.0, 95.0]])
    one_place = sampling_effort(
        np.tile([[2.0, 46.0]], (10, 1)), [[2.0, 46.0]], bandwidth_km=5.0
    )
    assert np.isfinite(one_place).all()
