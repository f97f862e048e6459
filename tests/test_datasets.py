import numpy as np
import pytest

from skgeo_s2v._geometry import unit_vectors
from skgeo_s2v.datasets import (
    VMF_BENCHMARKS,
    bayes_optimal_accuracy,
    bayes_optimal_proba,
    load_vmf_benchmark,
    make_vmf_mixture,
    vmf_log_density,
)


def _xyz(lonlat):
    return unit_vectors(np.deg2rad(lonlat[:, 0]), np.deg2rad(lonlat[:, 1]))


@pytest.mark.parametrize("kappa_root", [1.0, 4.0, 30.0, 128.0])
def test_vmf_sampler_direction_and_concentration(kappa_root):
    X, y, params = make_vmf_mixture(
        n_classes=2,
        n_samples_per_class=20000,
        kappa_min=kappa_root,
        kappa_max=kappa_root,
        random_state=0,
        return_params=True,
    )
    kappa = kappa_root**2
    mu = _xyz(params["centers"])[0]
    xyz = _xyz(X[y == 0])
    resultant = xyz.mean(axis=0)
    # Mean direction is μ; mean resultant length is coth κ − 1/κ.
    assert resultant / np.linalg.norm(resultant) @ mu == pytest.approx(1.0, abs=1e-3)
    expected = 1 / np.tanh(kappa) - 1 / kappa
    cosines = xyz @ mu
    standard_error = cosines.std() / np.sqrt(cosines.size)
    assert abs(cosines.mean() - expected) < 4 * standard_error + 1e-9
    assert np.all(np.abs(X[:, 1]) <= 90) and np.all(np.abs(X[:, 0]) <= 180)


def test_kappas_are_squares_of_uniform_draws():
    _, _, params = make_vmf_mixture(
        n_classes=2000,
        n_samples_per_class=1,
        kappa_max=16,
        random_state=0,
        return_params=True,
    )
    r = np.sqrt(params["kappas"])
    assert r.min() >= 1 and r.max() <= 16
    assert np.mean(r) == pytest.approx(8.5, abs=0.3)  # r ~ U(1, 16)


def test_uniform_centres_cover_the_sphere():
    _, _, params = make_vmf_mixture(
        n_classes=4000, n_samples_per_class=1, random_state=0, return_params=True
    )
    lon, lat = params["centers"].T
    assert np.mean(np.sin(np.deg2rad(lat))) == pytest.approx(0.0, abs=0.05)
    for east in (lon >= 0, lon < 0):
        for north in (lat >= 0, lat < 0):
            assert np.mean(east & north) == pytest.approx(0.25, abs=0.03)


def test_stratified_centres_fill_equal_latitude_bands():
    n_bands = 5
    _, _, params = make_vmf_mixture(
        n_classes=50,
        n_samples_per_class=1,
        centers="stratified",
        n_bands=n_bands,
        random_state=0,
        return_params=True,
    )
    band = np.floor((params["centers"][:, 1] + 90) / (180 / n_bands)).astype(int)
    assert np.bincount(band, minlength=n_bands).tolist() == [10] * n_bands


def test_density_integrates_to_one():
    lon, lat = np.meshgrid(np.linspace(-180, 180, 721)[:-1], np.linspace(-90, 90, 361))
    X = np.column_stack([lon.ravel(), lat.ravel()])
    dens = np.exp(vmf_log_density(X, [[30.0, 40.0]], [5.0]))[:, 0]
    area = np.cos(np.deg2rad(lat.ravel())) * np.deg2rad(0.5) ** 2
    assert np.sum(dens * area) == pytest.approx(1.0, abs=1e-3)


def test_log_density_finite_for_huge_kappa():
    d = vmf_log_density([[0.0, 0.0], [0.0, 1.0]], [[0.0, 0.0]], [16384.0])
    assert np.all(np.isfinite(d))
    # At the mode: log κ − log 2π (sinh κ ≈ e^κ / 2).
    assert d[0, 0] == pytest.approx(np.log(16384 / (2 * np.pi)))


def test_bayes_posterior_sums_to_one_and_beats_chance():
    X, y, params = load_vmf_benchmark("U4", random_state=1, return_params=True)
    proba = bayes_optimal_proba(X, params)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.all(np.isfinite(proba))
    accuracy = bayes_optimal_accuracy(X, y, params)
    assert accuracy > 0.9  # chance is 0.02
    assert accuracy == pytest.approx(np.mean(proba.argmax(axis=1) == y))


def test_benchmark_names_and_parameters():
    assert len(VMF_BENCHMARKS) == 20
    assert VMF_BENCHMARKS["U3"] == {"centers": "uniform", "kappa_max": 64}
    assert VMF_BENCHMARKS["S2.3"] == {
        "centers": "stratified",
        "n_bands": 10,
        "kappa_max": 64,
    }
    X, y = load_vmf_benchmark("S4.1", random_state=0)
    assert X.shape == (5000, 2) and np.bincount(y).tolist() == [100] * 50


def test_reproducible_and_bad_input():
    a = make_vmf_mixture(n_classes=3, n_samples_per_class=4, random_state=3)
    b = make_vmf_mixture(n_classes=3, n_samples_per_class=4, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match="n_bands dividing"):
        make_vmf_mixture(n_classes=50, centers="stratified", n_bands=7)
    with pytest.raises(ValueError, match="Unknown synthetic dataset 'U9'"):
        load_vmf_benchmark("U9")
    with pytest.raises(ValueError, match="kappa_max"):
        make_vmf_mixture(kappa_max=-1)
