"""Mixtures of von Mises-Fisher distributions on the sphere (SPEC §9)."""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._geometry import DEG_PER_RAD, unit_vectors_from_degrees
from .._sampling import lonlat_from_uniform
from .._validation import validate_lonlat

__all__ = [
    "VMF_BENCHMARKS",
    "bayes_optimal_accuracy",
    "bayes_optimal_proba",
    "load_vmf_benchmark",
    "make_vmf_mixture",
    "vmf_log_density",
]

_KAPPA_MAX = (16, 32, 64, 128)
_N_BANDS = (5, 10, 25, 50)

#: The paper's 20 synthetic datasets (Table 8): parameters of
#: :func:`make_vmf_mixture`. ``U{j}``: uniform centres, ``κ_max`` the j-th of
#: (16, 32, 64, 128). ``S{i}.{j}``: stratified centres in ``N_μ`` the i-th of
#: (5, 10, 25, 50) latitude bands, same ``κ_max``.
VMF_BENCHMARKS = {
    **{
        f"U{j}": {"centers": "uniform", "kappa_max": k}
        for j, k in enumerate(_KAPPA_MAX, start=1)
    },
    **{
        f"S{i}.{j}": {"centers": "stratified", "n_bands": b, "kappa_max": k}
        for i, b in enumerate(_N_BANDS, start=1)
        for j, k in enumerate(_KAPPA_MAX, start=1)
    },
}


def _lonlat_to_xyz(lonlat):
    return unit_vectors_from_degrees(lonlat[:, 0], lonlat[:, 1])


def _xyz_to_lonlat(xyz):
    lon = DEG_PER_RAD * np.arctan2(xyz[:, 1], xyz[:, 0])
    lat = DEG_PER_RAD * np.arcsin(np.clip(xyz[:, 2], -1.0, 1.0))
    return np.column_stack([lon, lat])


def _log_sinh_ratio(kappa):
    """``log κ − log(4π) − log sinh κ``, stable for large and small κ.

    ``log sinh κ = κ + log(1 − e^{−2κ}) − log 2``; the ``κ`` term is left out
    here and folded into the exponent as ``κ(μᵀx − 1)``.
    """
    kappa = np.asarray(kappa, dtype=np.float64)
    return np.log(kappa) - math.log(2 * math.pi) - np.log(-np.expm1(-2.0 * kappa))


def vmf_log_density(X, centers, kappas):
    """Log densities of von Mises-Fisher distributions on the unit sphere.

    ``log vMF(x; μ, κ) = log κ − log(4π sinh κ) + κ μᵀχ(x)``, evaluated as
    ``log κ − log(2π) − log(1 − e^{−2κ}) + κ(μᵀχ(x) − 1)``, which is finite
    for every ``κ > 0`` (the paper's κ reach 128² = 16384).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Locations (lon, lat) in degrees.
    centers : array-like of shape (n_components, 2)
        Mean directions ``μ`` as (lon, lat) in degrees.
    kappas : array-like of shape (n_components,)
        Concentrations ``κ > 0``.

    Returns
    -------
    log_density : ndarray of shape (n_samples, n_components)
        With respect to the area measure of the unit sphere (total 4π).

    Examples
    --------
    >>> import numpy as np
    >>> d = vmf_log_density([[0.0, 90.0]], [[0.0, 90.0]], [1.0])
    >>> bool(np.isclose(np.exp(d[0, 0]), 1 / (4 * np.pi * np.sinh(1)) * np.e))
    True
    """
    X = np.asarray(X, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64).reshape(-1, 2)
    kappas = np.asarray(kappas, dtype=np.float64)
    cosines = _lonlat_to_xyz(X) @ _lonlat_to_xyz(centers).T
    return _log_sinh_ratio(kappas) + kappas * (cosines - 1.0)


def _sample_vmf(center_xyz, kappa, n, rng):
    """Exact vMF draws on S² (Wood 1994; closed form for p = 3)."""
    u = rng.random(n)
    # w = μᵀx = 1 + log(u + (1 − u) e^{−2κ}) / κ, stable for large κ.
    w = 1.0 + np.log(u + (1.0 - u) * np.exp(-2.0 * kappa)) / kappa
    w = np.clip(w, -1.0, 1.0)
    theta = 2.0 * np.pi * rng.random(n)
    # Orthonormal basis (e1, e2) of the plane orthogonal to μ.
    helper = np.eye(3)[np.argmin(np.abs(center_xyz))]
    e1 = np.cross(center_xyz, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(center_xyz, e1)
    radius = np.sqrt(np.clip(1.0 - w * w, 0.0, None))
    return (
        w[:, None] * center_xyz
        + (radius * np.cos(theta))[:, None] * e1
        + (radius * np.sin(theta))[:, None] * e2
    )


def _draw_centers(n_classes, centers, n_bands, rng):
    if centers == "uniform":
        return lonlat_from_uniform(rng.random(n_classes), rng.random(n_classes))
    if n_bands is None or n_classes % n_bands:
        raise ValueError(
            f"centers='stratified' needs n_bands dividing n_classes={n_classes}, "
            f"got n_bands={n_bands}; e.g. n_bands=5 or 10 for 50 classes."
        )
    edges = np.linspace(-90.0, 90.0, n_bands + 1)
    band = np.repeat(np.arange(n_bands), n_classes // n_bands)
    return lonlat_from_uniform(
        rng.random(n_classes), rng.random(n_classes), edges[band], edges[band + 1]
    )


@validate_params(
    {
        "n_classes": [Interval(Integral, 2, None, closed="left")],
        "n_samples_per_class": [Interval(Integral, 1, None, closed="left")],
        "kappa_max": [Interval(Real, 0, None, closed="neither")],
        "kappa_min": [Interval(Real, 0, None, closed="neither")],
        "centers": [StrOptions({"uniform", "stratified"})],
        "n_bands": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "return_params": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_vmf_mixture(
    n_classes=50,
    n_samples_per_class=100,
    *,
    kappa_max=16,
    kappa_min=1,
    centers="uniform",
    n_bands=None,
    random_state=None,
    return_params=False,
):
    """Sample the paper's synthetic classes: one vMF distribution per class.

    Class ``i`` has mean direction ``μ_i`` and concentration ``κ_i = r²`` with
    ``r ~ U(kappa_min, kappa_max)`` (SPEC §9); its points are exact vMF
    draws (Wood's algorithm, closed form on the 2-sphere).

    Parameters
    ----------
    n_classes : int, default=50
        Number of classes ``C``.
    n_samples_per_class : int, default=100
        Points per class.
    kappa_max, kappa_min : float, default=16, 1
        Range of ``r``; the concentrations lie in ``[kappa_min², kappa_max²]``.
    centers : {"uniform", "stratified"}, default="uniform"
        ``"uniform"``: centres uniform on the sphere. ``"stratified"``: split
        latitude into ``n_bands`` equal bands and draw ``n_classes / n_bands``
        centres uniformly by area within each band (denser near the poles).
    n_bands : int or None, default=None
        ``N_μ``, for ``centers="stratified"``; must divide ``n_classes``.
    random_state : int, RandomState instance or None, default=None
        Seeds the centres, concentrations and points.
    return_params : bool, default=False
        Also return the true parameters.

    Returns
    -------
    X : ndarray of shape (n_classes * n_samples_per_class, 2)
        Locations (lon, lat) in degrees.
    y : ndarray of shape (n_classes * n_samples_per_class,)
        Class indices ``0 … C−1``.
    params : dict
        Only with ``return_params=True``: ``"centers"`` (C, 2) as (lon, lat)
        degrees, ``"kappas"`` (C,) and ``"priors"`` (C,) class frequencies;
        the input of :func:`bayes_optimal_proba`.

    Examples
    --------
    >>> X, y, params = make_vmf_mixture(n_classes=4, n_samples_per_class=3,
    ...                                 random_state=0, return_params=True)
    >>> X.shape, y.shape, params["kappas"].shape
    ((12, 2), (12,), (4,))
    """
    rng = check_random_state(random_state)
    center_lonlat = _draw_centers(n_classes, centers, n_bands, rng)
    kappas = rng.uniform(kappa_min, kappa_max, n_classes) ** 2
    center_xyz = _lonlat_to_xyz(center_lonlat)
    xyz = np.concatenate(
        [
            _sample_vmf(center_xyz[c], kappas[c], n_samples_per_class, rng)
            for c in range(n_classes)
        ]
    )
    X = _xyz_to_lonlat(xyz)
    y = np.repeat(np.arange(n_classes), n_samples_per_class)
    if not return_params:
        return X, y
    params = {
        "centers": center_lonlat,
        "kappas": kappas,
        "priors": np.full(n_classes, 1.0 / n_classes),
    }
    return X, y, params


def bayes_optimal_proba(X, params):
    """Exact posterior ``P(y | x) ∝ prior_y · vMF(x; μ_y, κ_y)``.

    Computed in log space, so concentrated classes (κ up to 16384) neither
    overflow nor underflow.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Locations (lon, lat) in degrees.
    params : dict
        ``"centers"``, ``"kappas"`` and optionally ``"priors"`` (uniform when
        absent), as returned by ``make_vmf_mixture(return_params=True)``.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
        Rows sum to 1; column ``c`` is class ``c``.

    Examples
    --------
    >>> X, y, params = make_vmf_mixture(n_classes=3, n_samples_per_class=5,
    ...                                 random_state=0, return_params=True)
    >>> bayes_optimal_proba(X, params).sum(axis=1).round(12)
    array([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.])
    """
    X = validate_lonlat(None, X, reset=True)
    kappas = np.asarray(params["kappas"], dtype=np.float64)
    priors = params.get("priors")
    if priors is None:
        priors = np.full(kappas.shape[0], 1.0 / kappas.shape[0])
    log_joint = vmf_log_density(X, params["centers"], kappas) + np.log(priors)
    log_joint -= log_joint.max(axis=1, keepdims=True)
    proba = np.exp(log_joint)
    return proba / proba.sum(axis=1, keepdims=True)


def bayes_optimal_accuracy(X, y, params):
    """Accuracy of the Bayes-optimal classifier on ``(X, y)``.

    No classifier can beat it in expectation: it is the ceiling of a
    benchmark (the expected value over fresh samples is the Bayes accuracy;
    on a finite test set this is its unbiased estimate).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Locations (lon, lat) in degrees.
    y : array-like of shape (n_samples,)
        Class indices, as returned by :func:`make_vmf_mixture`.
    params : dict
        The true parameters.

    Returns
    -------
    accuracy : float

    Examples
    --------
    >>> X, y, params = make_vmf_mixture(n_classes=5, random_state=0,
    ...                                 return_params=True)
    >>> 0.2 < bayes_optimal_accuracy(X, y, params) <= 1.0
    True
    """
    predicted = np.argmax(bayes_optimal_proba(X, params), axis=1)
    return float(np.mean(predicted == np.asarray(y)))


def load_vmf_benchmark(name, *, random_state=None, return_params=False):
    """Generate one of the paper's 20 synthetic datasets by its Table-8 name.

    ``"U1"`` … ``"U4"`` (uniform centres, ``κ_max`` = 16, 32, 64, 128) and
    ``"S1.1"`` … ``"S4.4"`` (``S{i}.{j}``: ``N_μ`` = 5, 10, 25, 50 bands for
    ``i`` = 1 … 4, and ``κ_max`` as for ``U{j}``); 50 classes of 100 points,
    ``κ_min`` = 1. The paper does not publish its random draws, so each seed
    gives a new instance of the same design.

    Parameters
    ----------
    name : str
        A key of :data:`VMF_BENCHMARKS`.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.
    return_params : bool, default=False
        Also return the true parameters.

    Returns
    -------
    X, y[, params]
        As :func:`make_vmf_mixture`.

    Examples
    --------
    >>> X, y = load_vmf_benchmark("S2.3", random_state=0)
    >>> X.shape
    (5000, 2)
    """
    if name not in VMF_BENCHMARKS:
        raise ValueError(
            f"Unknown synthetic dataset {name!r}; valid names are "
            + ", ".join(VMF_BENCHMARKS)
            + "."
        )
    return make_vmf_mixture(
        **VMF_BENCHMARKS[name], random_state=random_state, return_params=return_params
    )
