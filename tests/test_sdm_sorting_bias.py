"""spatial_sorting_bias and pairwise_distance_sample (Hijmans 2012)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from skgeo_s2v.sdm import pairwise_distance_sample, spatial_sorting_bias

EARTH_RADIUS_KM = 6371.0088


def _km_to_nearest(reference, points):
    """By the haversine formula, written out: km from each point to the
    nearest reference point."""
    lon1, lat1 = np.radians(points[:, None, 0]), np.radians(points[:, None, 1])
    lon2, lat2 = np.radians(reference[None, :, 0]), np.radians(reference[None, :, 1])
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return (2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))).min(axis=1)


def _sorted_test(seed=0):
    """Training presences in three clumps of a 10-degree box, test presences
    near the clumps, background sites uniform over the box: a test with a
    strong sorting bias."""
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0, 42.0], [6.0, 47.0], [8.0, 43.0]])
    train = centres[rng.integers(0, 3, 150)] + rng.normal(0, 0.4, (150, 2))
    presences = centres[rng.integers(0, 3, 120)] + rng.normal(0, 0.6, (120, 2))
    background = np.column_stack([rng.uniform(0, 10, 1500), rng.uniform(40, 50, 1500)])
    return train, presences, background


def test_the_ratio_of_mean_distances_by_hand():
    train, presences, background = _sorted_test()
    expected = (
        _km_to_nearest(train, presences).mean()
        / _km_to_nearest(train, background).mean()
    )
    ratio = spatial_sorting_bias(train, presences, background)
    assert ratio == pytest.approx(expected, rel=1e-9)
    assert ratio < 0.5  # presences near the clumps, sites everywhere
    # no bias when both sides are drawn alike
    assert spatial_sorting_bias(train, background[:700], background[700:]) == (
        pytest.approx(1.0, abs=0.1)
    )
    # DataFrames: their coordinate columns, whatever else they hold
    frame = pd.DataFrame({"lat": presences[:, 1], "lon": presences[:, 0], "t": 1.0})
    assert spatial_sorting_bias(train, frame, background) == pytest.approx(ratio)


def test_pairs_are_as_far_from_the_training_presences():
    train, presences, background = _sorted_test()
    before = [a.copy() for a in (train, presences, background)]
    kept, taken = pairwise_distance_sample(train, presences, background, random_state=0)
    assert len(kept) == len(taken) > 30
    assert len(set(kept.tolist())) == len(kept)  # each presence once
    assert len(set(taken.tolist())) == len(taken)  # each site once
    presence_km = _km_to_nearest(train, presences[kept])
    background_km = _km_to_nearest(train, background[taken])
    assert np.all(np.abs(background_km - presence_km) <= 0.33 * presence_km + 1e-9)
    for array, copy in zip((train, presences, background), before, strict=True):
        np.testing.assert_array_equal(array, copy)


def test_distance_alone_no_longer_separates_the_rows_kept():
    # The score of a model that knows only the distance to the training
    # presences ranks all test rows well and the rows kept about at random.
    train, presences, background = _sorted_test()

    def closeness(points):
        return -_km_to_nearest(train, points)

    labels = np.r_[np.ones(len(presences)), np.zeros(len(background))]
    all_rows = roc_auc_score(labels, closeness(np.vstack([presences, background])))
    kept, taken = pairwise_distance_sample(train, presences, background, random_state=0)
    sampled = roc_auc_score(
        np.r_[np.ones(len(kept)), np.zeros(len(taken))],
        closeness(np.vstack([presences[kept], background[taken]])),
    )
    assert all_rows > 0.85
    assert 0.35 < sampled < 0.65


def test_each_presence_takes_the_nearest_matching_sites():
    train = np.array([[0.0, 0.0]])
    presences = np.array([[0.0, 0.1], [0.0, 5.0], [0.0, -5.0]])
    background = np.array([[0.0, 5.2], [0.0, -5.1], [0.5, 5.0], [0.0, 20.0]])
    kept, taken = pairwise_distance_sample(
        train, presences, background, n_per_presence=2, random_state=0
    )
    # (0, 0.1) is 11 km from the training presence and no site is; (0, 5)
    # and (0, -5) are 556 km away, as are the first three sites (559-578 km),
    # not the fourth (2,224 km).
    assert sorted(kept.tolist()) == [1, 2]
    assert sorted(taken.tolist()) == [0, 1, 2]  # two for the first, one left
    # the first to choose took the two matching sites nearest to it
    first_choice = taken[:2].tolist()
    assert sorted(first_choice) == ([0, 2] if kept[0] == 1 else [1, 2])
    # a tolerance of 0 keeps exact matches only
    exact = pairwise_distance_sample(
        train,
        np.array([[0.0, 5.0]]),
        np.array([[0.0, -5.0], [0.0, 4.0]]),
        tolerance=0.0,
    )
    assert exact[0].tolist() == [0] and exact[1].tolist() == [0]


@pytest.mark.parametrize("nearest", [True, False])
def test_the_same_random_state_gives_the_same_pairs(nearest):
    train, presences, background = _sorted_test()
    params = {"nearest": nearest, "random_state": 3}
    first = pairwise_distance_sample(train, presences, background, **params)
    again = pairwise_distance_sample(train, presences, background, **params)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


def _km_apart(presences, background, kept, taken):
    """Mean km between each kept presence and the site it took (one each)."""
    return np.mean(
        [
            _km_to_nearest(background[[site]], presences[[row]])[0]
            for row, site in zip(kept, taken, strict=True)
        ]
    )


def test_random_pairs_match_the_distance_but_not_the_place():
    train, presences, background = _sorted_test()
    kept, taken = pairwise_distance_sample(
        train,
        presences,
        background,
        nearest=False,
        n_per_presence=2,
        random_state=0,
    )
    assert len(kept) < len(taken) <= 2 * len(kept)  # two each, fewer when short
    assert len(set(taken.tolist())) == len(taken)
    # every site taken matches some kept presence's distance
    presence_km = _km_to_nearest(train, presences[kept])
    background_km = _km_to_nearest(train, background[taken])
    gaps = np.abs(background_km[:, None] - presence_km[None, :])
    assert np.all((gaps <= 0.33 * presence_km[None, :] + 1e-9).any(axis=1))
    # a site drawn among the matching ones lies further from its presence
    # than the nearest matching site
    drawn = pairwise_distance_sample(
        train, presences, background, nearest=False, random_state=0
    )
    nearest = pairwise_distance_sample(train, presences, background, random_state=0)
    assert _km_apart(presences, background, *drawn) > 2 * _km_apart(
        presences, background, *nearest
    )


def test_bad_input_is_refused():
    train, presences, background = _sorted_test()
    with pytest.raises(ValueError, match="test_presences holds no rows"):
        pairwise_distance_sample(train, np.empty((0, 2)), background)
    with pytest.raises(ValueError, match="train_presences holds no rows"):
        spatial_sorting_bias(np.empty((0, 2)), presences, background)
    with pytest.raises(ValueError, match="outside"):
        spatial_sorting_bias(train, presences * [1, 3], background)
    with pytest.raises(ValueError, match="tolerance"):
        pairwise_distance_sample(train, presences, background, tolerance=-0.1)
    with pytest.raises(ValueError, match="n_per_presence"):
        pairwise_distance_sample(train, presences, background, n_per_presence=0)
