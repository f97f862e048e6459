"""Each class's kernel density (skgeo_s2v.sdm.KernelDensityClassifier)."""

import pickle

import numpy as np
import pandas as pd
import pytest

from skgeo_s2v.sdm import KernelDensityClassifier, presence_auc_scorer

EARTH_RADIUS_KM = 6371.0088


def _great_circle_km(a, b):
    """Distances between each ``(lon, lat)`` of ``a`` and of ``b``, by haversine."""
    lon_a, lat_a = np.radians(a).T
    lon_b, lat_b = np.radians(b).T
    h = (
        np.sin((lat_a[:, None] - lat_b[None, :]) / 2) ** 2
        + np.cos(lat_a)[:, None]
        * np.cos(lat_b)[None, :]
        * np.sin((lon_a[:, None] - lon_b[None, :]) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _two_species(n=60, seed=0, spread=(0.5, 2.0)):
    """A tight species near (1, 41) and a diffuse one near (8, 48)."""
    rng = np.random.default_rng(seed)
    oak = np.column_stack(
        [1 + rng.normal(0, spread[0], n), 41 + rng.normal(0, spread[0], n)]
    )
    ash = np.column_stack(
        [8 + rng.normal(0, spread[1], n), 48 + rng.normal(0, spread[1], n)]
    )
    return np.vstack([oak, ash]), np.repeat(["oak", "ash"], n)


def test_density_is_the_mean_gaussian_of_the_great_circle_distances():
    X, y = _two_species()
    model = KernelDensityClassifier(bandwidth_km=50.0).fit(X, y)
    sites = np.array([[1.0, 41.0], [3.0, 44.0], [8.0, 48.0]])
    h = 50.0 / EARTH_RADIUS_KM  # radians: the density is per steradian
    for k, species in enumerate(model.classes_):
        d = _great_circle_km(sites, X[y == species]) / EARTH_RADIUS_KM
        expected = np.exp(-(d**2) / (2 * h**2)).mean(axis=1) / (2 * np.pi * h**2)
        np.testing.assert_allclose(
            model.predict_presence(sites)[:, k], expected, rtol=1e-6
        )
    np.testing.assert_array_equal(model.bandwidths_km_, [50.0, 50.0])


def test_predict_proba_is_bayes_rule_with_the_classes_shares():
    X, y = _two_species()
    X, y = X[:100], y[:100]  # 60 oak, 40 ash
    model = KernelDensityClassifier(bandwidth_km=200.0).fit(X, y)
    sites = np.array([[2.0, 42.0], [5.0, 45.0], [7.0, 47.0]])
    joint = model.predict_presence(sites) * np.array([40, 60]) / 100  # ash, oak
    np.testing.assert_allclose(
        model.predict_proba(sites), joint / joint.sum(axis=1, keepdims=True)
    )
    np.testing.assert_allclose(np.exp(model.class_log_prior_), [0.4, 0.6])
    assert list(model.predict([[1.0, 41.0], [8.0, 48.0]])) == ["oak", "ash"]


def test_a_tight_species_gets_a_narrower_bandwidth_than_a_diffuse_one():
    X, y = _two_species(n=80)
    model = KernelDensityClassifier(random_state=0).fit(X, y)
    ash, oak = model.bandwidths_km_
    assert oak < ash
    # each is a candidate of the automatic grid: 1/300 to 1/2 of the diameter
    candidates = KernelDensityClassifier()._candidates_km(X)
    assert len(candidates) == 16
    assert np.isin(model.bandwidths_km_, candidates).all()


def test_the_bandwidth_is_the_candidate_of_the_most_likely_held_out_records():
    rng = np.random.default_rng(3)
    crowd = np.column_stack([rng.normal(5, 0.2, 100), rng.normal(45, 0.2, 100)])
    X = np.vstack([crowd, crowd + [3.0, 0.0]])
    y = np.repeat([0, 1], 100)
    # 0.2 degrees is about 20 km: 1 km is far too narrow, 2,000 km too wide
    model = KernelDensityClassifier([1.0, 20.0, 2000.0], random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.bandwidths_km_, [20.0, 20.0])


def test_a_class_of_one_record_takes_the_median_of_the_others_bandwidths():
    X, y = _two_species()
    X = np.vstack([X, [[20.0, 60.0]]])
    y = np.r_[y, ["elm"]]
    model = KernelDensityClassifier(random_state=0).fit(X, y)
    elm = list(model.classes_).index("elm")
    others = np.delete(model.bandwidths_km_, elm)
    assert model.bandwidths_km_[elm] == np.median(others)


def test_far_from_every_record_the_nearer_class_wins_without_nan():
    # the densities underflow to 0 there; the shares come from their logs
    X, y = _two_species()
    model = KernelDensityClassifier(bandwidth_km=5.0).fit(X, y)
    beyond_oak, beyond_ash = [[-9.0, 31.0]], [[18.0, 58.0]]
    np.testing.assert_array_equal(model.predict_presence(beyond_oak), [[0.0, 0.0]])
    assert np.isfinite(model.score_samples(beyond_oak)).all()
    np.testing.assert_allclose(model.predict_proba(beyond_oak), [[0.0, 1.0]])
    np.testing.assert_allclose(model.predict_proba(beyond_ash), [[1.0, 0.0]])


def test_a_weight_of_two_counts_a_record_twice():
    X, y = _two_species(n=30)
    weight = np.where(np.arange(len(y)) % 4 == 0, 2.0, 1.0)
    weighted = KernelDensityClassifier(bandwidth_km=80.0).fit(
        X, y, sample_weight=weight
    )
    rows = np.repeat(np.arange(len(y)), weight.astype(int))
    repeated = KernelDensityClassifier(bandwidth_km=80.0).fit(X[rows], y[rows])
    sites = X[::7] + 0.3
    np.testing.assert_allclose(
        weighted.predict_proba(sites), repeated.predict_proba(sites)
    )
    np.testing.assert_allclose(
        weighted.predict_presence(sites), repeated.predict_presence(sites)
    )


def test_it_scores_presences_on_held_out_records():
    X, y = _two_species(seed=0)
    test, truth = _two_species(seed=1)
    model = KernelDensityClassifier(random_state=0).fit(X, y)
    assert presence_auc_scorer(model, test, truth) > 0.9


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bandwidth_km": -1.0}, "positive numbers of km"),
        ({"bandwidth_km": [10.0, np.nan]}, "positive numbers of km"),
        ({"bandwidth_km": [[1.0]]}, "1-d list"),
        ({"n_splits": 1}, "'n_splits' parameter .* range \\[2, inf\\)"),
    ],
)
def test_bad_settings_are_refused_with_what_to_fix(params, message):
    X, y = _two_species(n=10)
    with pytest.raises(ValueError, match=message):
        KernelDensityClassifier(**params).fit(X, y)


def test_bad_data_are_refused_with_what_to_fix():
    X, y = _two_species(n=10)
    with pytest.raises(ValueError, match="single class"):
        KernelDensityClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match=r"class \['ash'\] a total weight of 0"):
        KernelDensityClassifier().fit(X, y, sample_weight=(y == "oak").astype(float))
    with pytest.raises(ValueError, match="outside"):
        KernelDensityClassifier().fit(X * [1, 3], y)
    # a frame of covariates beside the coordinates, one of them categorical
    frame = pd.DataFrame(X, columns=["lon", "lat"])
    frame["soil"] = pd.Categorical(["clay", "sand"] * (len(frame) // 2))
    with pytest.raises(
        ValueError,
        match=r"X has 3 columns \['lon', 'lat', 'soil'\].*X\[\['lon', 'lat'\]\]",
    ):
        KernelDensityClassifier().fit(frame, y)


def test_properties_pickle_reproducible_and_input_untouched():
    X, y = _two_species()
    frame = pd.DataFrame(X, columns=["lon", "lat"])
    before = frame.copy()
    model = KernelDensityClassifier(random_state=0).fit(frame, y)
    pd.testing.assert_frame_equal(frame, before)
    again = KernelDensityClassifier(random_state=0).fit(frame, y)
    np.testing.assert_array_equal(model.bandwidths_km_, again.bandwidths_km_)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        restored.predict_proba(frame), model.predict_proba(frame)
    )
    assert list(model.feature_names_in_) == ["lon", "lat"]
    with pytest.raises(ValueError, match="NaN|nan"):
        model.predict_proba(frame.assign(lat=np.r_[np.nan, frame["lat"].iloc[1:]]))


def test_the_documented_location_only_ensemble_runs():
    from skgeo_s2v import SphereLocationClassifier
    from skgeo_s2v.sdm import RankAverageClassifier

    X, y = _two_species(n=40)
    model = RankAverageClassifier(
        [
            ("classifier", SphereLocationClassifier(max_epochs=2, random_state=0)),
            ("density", KernelDensityClassifier(random_state=0)),
        ]
    ).fit(X, y)
    presence = model.predict_presence([[1.0, 41.0], [8.0, 48.0]])
    assert presence.shape == (2, 2)
    # each species' own corner ranks it above the other species
    assert presence[0, 1] > presence[0, 0] and presence[1, 0] > presence[1, 1]


def test_log_density_is_exact_far_from_every_record():
    # scikit-learn's tree-pruned KernelDensity overstates the log density of
    # sites many bandwidths from every record (its issue #25799)
    X, y = _two_species(n=400)
    model = KernelDensityClassifier(bandwidth_km=20.0).fit(X, y)
    sites = np.array([[4.5, 44.5], [1.0, 46.0], [20.0, 30.0], [-60.0, -10.0]])
    h = 20.0 / EARTH_RADIUS_KM
    for k, species in enumerate(model.classes_):
        d = _great_circle_km(sites, X[y == species]) / EARTH_RADIUS_KM
        exponents = -(d**2) / (2 * h**2)
        top = exponents.max(axis=1)
        expected = (
            top
            + np.log(np.exp(exponents - top[:, None]).mean(axis=1))
            - np.log(2 * np.pi * h**2)
        )
        np.testing.assert_allclose(
            model.score_samples(sites)[:, k], expected, rtol=1e-9
        )


def test_the_kernel_sum_is_the_same_in_chunks_and_with_weights(monkeypatch):
    from skgeo_s2v._geometry import haversine_radians
    from skgeo_s2v.sdm import _kernel_sum

    X, _ = _two_species(n=50)
    weight = np.random.default_rng(1).uniform(0.0, 2.0, len(X))
    weight[:5] = 0.0  # left out, as if absent
    sites = haversine_radians(np.array([[1.0, 41.0], [5.0, 45.0], [40.0, -20.0]]))
    bandwidths = np.array([5.0, 50.0, 500.0]) / EARTH_RADIUS_KM
    points = haversine_radians(X)
    whole = _kernel_sum.GaussianKernelSum(points, weight).log_density(sites, bandwidths)
    monkeypatch.setattr(_kernel_sum, "_PAIRS_PER_CHUNK", 60)  # one site a chunk
    chunked = _kernel_sum.GaussianKernelSum(points, weight).log_density(
        sites, bandwidths
    )
    np.testing.assert_array_equal(chunked, whole)
    dropped = _kernel_sum.GaussianKernelSum(points[5:], weight[5:])
    np.testing.assert_allclose(dropped.log_density(sites, bandwidths), whole)


def test_the_held_out_likelihood_of_large_folds_scores_a_sample_of_them():
    from sklearn.model_selection import KFold

    from skgeo_s2v._geometry import haversine_radians
    from skgeo_s2v.sdm._kernel_sum import GaussianKernelSum, held_out_log_likelihood

    X, _ = _two_species(n=100)
    points, weight = haversine_radians(X), np.ones(len(X))
    splits = list(KFold(4, shuffle=True, random_state=0).split(points))
    bandwidths = np.array([1.0, 50.0, 150.0, 2000.0]) / EARTH_RADIUS_KM
    whole = held_out_log_likelihood(points, weight, splits, bandwidths)
    by_hand = sum(
        GaussianKernelSum(points[train]).log_density(points[test], bandwidths).sum(0)
        for train, test in splits
    )
    np.testing.assert_allclose(whole, by_hand)
    sampled = held_out_log_likelihood(
        points, weight, splits, bandwidths, max_held_out=20, random_state=1
    )
    again = held_out_log_likelihood(
        points, weight, splits, bandwidths, max_held_out=20, random_state=1
    )
    np.testing.assert_array_equal(sampled, again)
    assert not np.allclose(sampled, whole)
    assert np.argmax(sampled) == np.argmax(whole) not in (0, len(bandwidths) - 1)
