"""Sampling effort from records: the density of where observers went.

Records pile up where observers go. :func:`sampling_effort` estimates that
effort from the records of many species (the target group) as their kernel
density, for either remedy of observer bias: as a covariate fitted beside
the habitat covariates and then held at one value for every prediction, so
that the other terms describe where the species lives rather than where
people looked (Warton, Renner & Ramp 2013, "Model-based control of observer
bias for the analysis of presence-only data in ecology";
``SphereGAMClassifier(bias_covariates=...)``), or, as a density, as the
weight of each background site (Maxent's bias file for given sites;
``PointsBackground(weights=...)``, the GAM's ``sample_weight``).
"""

from numbers import Integral

import numpy as np
from sklearn.model_selection import check_cv

from .._geometry import EARTH_RADIUS_KM, diameter_radians, haversine_radians
from .._validation import validate_lonlat
from ._kernel_sum import GaussianKernelSum, likeliest_bandwidth_index

__all__ = ["sampling_effort"]

#: Candidate bandwidths as fractions of the records' diameter.
_BANDWIDTH_FRACTIONS = (0.02, 0.05, 0.1, 0.2)


def sampling_effort(records, sites, *, bandwidth_km=None, cv=3):
    """Log kernel density of ``records`` at ``sites``: an index of sampling effort.

    The density of all records of a region (every species: the target
    group) shows where observers went. Computed at the training rows and
    given to :class:`~skgeo_s2v.sdm.SphereGAMClassifier` as a covariate named
    in its ``bias_covariates``, it takes up the observers' bias during the fit
    and is held at one value when predicting, so the predictions describe the
    species' habitat as if every site had been searched alike. Computed at
    the background sites, ``np.exp(effort - effort.max())`` weighs each site
    by the effort there: the weights of
    :class:`~skgeo_s2v.background.PointsBackground` or the background rows'
    ``sample_weight``.

    Parameters
    ----------
    records : array-like of shape (n_records, 2)
        Longitudes and latitudes in degrees of the records whose density
        measures the effort, at least ``cv`` of them.
    sites : array-like of shape (n_sites, 2)
        Longitudes and latitudes in degrees where the effort is wanted: the
        training rows (records and background sites), a grid.
    bandwidth_km : float or None, default=None
        The kernel's width in km (a Gaussian kernel of the great-circle
        distance). None chooses it by ``cv``-fold likelihood of the records
        among 2, 5, 10 and 20 % of the records' diameter (twice the largest
        distance from their mean direction).
    cv : int or cross-validation splitter, default=3
        Folds of the likelihood search when ``bandwidth_km`` is None, as
        :class:`~sklearn.model_selection.GridSearchCV` takes them: an int
        gives that many consecutive blocks of ``records`` as given (records
        grouped by species then hold out other species' records), and
        ``KFold(n, shuffle=True, random_state=0)`` random folds. Of a fold
        of more than 2,000 held-out records, 2,000 drawn with a fixed seed
        are scored.

    Returns
    -------
    effort : ndarray of shape (n_sites,)
        The log of the records' kernel density at each site, per steradian
        (about: normalised as scikit-learn's ``KernelDensity`` with the
        haversine metric, but exact far from every record too, as in
        :class:`~skgeo_s2v.sdm.KernelDensityClassifier`); higher where
        records are dense.

    Raises
    ------
    ValueError
        If ``records`` or ``sites`` are not valid ``(lon, lat)`` degrees,
        ``records`` are fewer than the folds or all at one place (give
        ``bandwidth_km`` then), or ``bandwidth_km`` is not positive.

    See Also
    --------
    skgeo_s2v.background.TargetGroupBackground : the other remedy for
        observer bias: background points with the records' bias.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.sdm import sampling_effort
    >>> rng = np.random.default_rng(0)
    >>> records = np.column_stack([rng.normal(2, 0.5, 200), rng.normal(46, 0.5, 200)])
    >>> effort = sampling_effort(records, [[2.0, 46.0], [8.0, 50.0]])
    >>> bool(effort[0] > effort[1])
    True
    """
    records = validate_lonlat(None, records, reset=True)
    sites = validate_lonlat(None, sites, reset=True)
    if bandwidth_km is not None:
        if not np.isfinite(bandwidth_km) or bandwidth_km <= 0:
            raise ValueError(
                f"bandwidth_km must be a positive number of km, got {bandwidth_km!r}."
            )
        kernels = GaussianKernelSum(haversine_radians(records))
        bandwidth = bandwidth_km / EARTH_RADIUS_KM
        return kernels.log_density(haversine_radians(sites), [bandwidth])[:, 0]
    n_folds = cv if isinstance(cv, Integral) else cv.get_n_splits()
    if len(records) < n_folds:
        raise ValueError(
            f"sampling_effort needs at least {n_folds} records (one per fold) "
            f"to choose the bandwidth, got {len(records)}; give more records "
            "or bandwidth_km."
        )
    diameter = diameter_radians(records)
    if diameter < 1e-9:  # radians: about 6 mm
        raise ValueError(
            "The records all lie at one place, so their diameter gives no "
            "bandwidth; give bandwidth_km."
        )
    points = haversine_radians(records)
    candidates = np.array(_BANDWIDTH_FRACTIONS) * diameter
    splits = check_cv(cv).split(points)
    best = likeliest_bandwidth_index(points, np.ones(len(points)), splits, candidates)
    bandwidth = candidates[best]
    kernels = GaussianKernelSum(points)
    return kernels.log_density(haversine_radians(sites), [bandwidth])[:, 0]
