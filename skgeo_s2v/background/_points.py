"""Background resampled from given points: user sites or the training records."""

import numpy as np
import pandas as pd
import torch

from .._validation import (
    _LAT_NAMES,
    _LON_NAMES,
    check_lonlat_values,
    check_weights,
    find_coordinate_column,
)
from ._base import BaseBackground

__all__ = ["PointsBackground", "TargetGroupBackground"]


def _lonlat_of_points(points):
    """The ``(lon, lat)`` float32 array of user points (array or DataFrame)."""
    if isinstance(points, pd.DataFrame):
        lon = find_coordinate_column(points.columns, _LON_NAMES)
        lat = find_coordinate_column(points.columns, _LAT_NAMES)
        if lon is not None and lat is not None:
            points = points[[lon, lat]]
        elif points.shape[1] != 2:
            raise ValueError(
                f"The points DataFrame has columns {list(points.columns)}; name "
                "its coordinate columns 'lon' and 'lat' (other columns, such as "
                "covariates, are then left aside)."
            )
    try:
        lonlat = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"points must be numbers of shape (n_points, 2), (lon, lat) in "
            f"degrees: {error}"
        ) from error
    if lonlat.ndim != 2 or lonlat.shape[1] != 2:
        raise ValueError(
            f"points must have shape (n_points, 2), (lon, lat) in degrees; got "
            f"shape {lonlat.shape}."
        )
    if lonlat.shape[0] == 0:
        raise ValueError("points is empty; give at least one background point.")
    try:
        check_lonlat_values(lonlat)
    except ValueError as error:
        raise ValueError(f"In the background points: {error}") from error
    return lonlat.astype(np.float32)


def _draw_probabilities(weights, n_points):
    """The checked ``weights`` of ``n_points`` points, scaled to sum to 1."""
    if weights is None:
        return None
    values = check_weights(weights, n_points)
    return values / values.sum()


class _ResampledBackground(BaseBackground):
    """Draws with replacement from a fixed set of points ``points_``:
    uniformly, or in proportion to weights when a subclass sets ``_draw_cdf``.

    With covariates (:meth:`fit_covariates`), each draw is a point's row
    ``(lon, lat, covariates_...)``. The float32 table of those rows is built
    once per fit (``_rows``) and sent once to each device it is drawn on
    (``_rows_on``); neither is pickled, both are rebuilt on unpickling.
    """

    #: Cumulative probabilities of drawing each point, computed once a fit
    #: (None: all points alike).
    _draw_cdf = None

    def _set_rows(self):
        """Build the table of the rows drawn; forget the copies on devices."""
        rows = self.points_
        if getattr(self, "covariates_", None) is not None:
            rows = np.hstack([rows, self.covariates_])
        self._rows = rows
        self._rows_on = {}
        self._weights_on = {}

    def sample(self, n, *, generator, device=None):
        self._check_fitted()
        if self._draw_cdf is None:
            index = torch.randint(
                len(self.points_), (n,), generator=generator, device=generator.device
            )
        else:
            # Inverse-CDF draws: one binary search per draw, no per-call pass
            # over the points (a point of weight 0 has no width, so is never hit).
            cdf = self._weights_on.get(generator.device)
            if cdf is None:
                cdf = torch.as_tensor(self._draw_cdf, device=generator.device)
                self._weights_on[generator.device] = cdf
            uniform = torch.rand(
                n, generator=generator, device=generator.device, dtype=cdf.dtype
            )
            index = torch.searchsorted(cdf, uniform * cdf[-1], right=True)
            index = index.clamp_(max=len(self.points_) - 1)
        rows = self._rows_on.get(generator.device)
        if rows is None:
            rows = torch.as_tensor(self._rows, device=generator.device)
            self._rows_on[generator.device] = rows
        draw = rows[index]
        return draw if device is None else draw.to(device)

    def __getstate__(self):
        # A copy: object.__getstate__ may return the instance's own __dict__.
        state = dict(super().__getstate__())
        state.pop("_rows", None)
        state.pop("_rows_on", None)
        state.pop("_weights_on", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "points_" in self.__dict__:
            self._set_rows()


class PointsBackground(_ResampledBackground):
    """Background resampled, with replacement, from user-supplied points.

    Species distribution data sets often ship their background: e.g. 10,000
    sites drawn over the study area (by Maxent's rule, or with a sampling
    bias built in). Each draw picks sites uniformly at random among them, or
    in proportion to ``weights``: a site's sampling effort (Maxent's "bias
    file" for given sites), such as the density of all records there,
    ``np.exp(effort - effort.max())`` of ``effort =
    sampling_effort(records, sites)`` (:func:`~skgeo_s2v.sdm.sampling_effort`).

    Parameters
    ----------
    points : array-like of shape (n_points, 2) or DataFrame
        Background sites, ``(lon, lat)`` in degrees. A DataFrame with columns
        named ``lon`` and ``lat`` (or ``longitude`` / ``latitude``, ...) may
        carry further columns: the covariates of the sites, which a
        classifier fitted with those covariates draws with them.
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch.
    weights : array-like of shape (n_points,) or None, default=None
        Non-negative weight of each site: it is drawn with probability
        proportional to its weight (a site of weight 0 never). None draws
        every site alike.

    Attributes
    ----------
    points_ : ndarray of shape (n_points, 2), float32
        A checked copy of the sites.
    weights_ : ndarray of shape (n_points,) or None
        The checked weights, scaled to sum to 1 (None without ``weights``).
    covariates_ : ndarray of shape (n_points, n_features), float32
        The sites' transformed covariates, once :meth:`fit_covariates` ran.

    Examples
    --------
    >>> import pandas as pd, torch
    >>> from skgeo_s2v.background import PointsBackground
    >>> sites = pd.DataFrame({"lon": [0.0, 1.0], "lat": [5.0, 6.0], "bio1": [3, 4]})
    >>> sampler = PointsBackground(sites).fit([[0.5, 5.5]])
    >>> sampler.sample(3, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([3, 2])
    """

    _parameter_constraints: dict = {
        **BaseBackground._parameter_constraints,
        "points": ["array-like"],
        "weights": ["array-like", None],
    }

    def __init__(self, points, n_per_example=1, weights=None):
        super().__init__(n_per_example=n_per_example)
        self.points = points
        self.weights = weights

    def _fit(self, lonlat, y):
        self.points_ = _lonlat_of_points(self.points)
        self.weights_ = _draw_probabilities(self.weights, len(self.points_))
        self._draw_cdf = None if self.weights_ is None else np.cumsum(self.weights_)
        self._set_rows()

    def covariate_sites(self):
        return self.points if isinstance(self.points, pd.DataFrame) else None

    def fit_covariates(self, covariates, transform):
        if not isinstance(self.points, pd.DataFrame):
            raise ValueError(
                "The classifier is fitted with the covariates "
                f"{list(covariates.columns)}, but PointsBackground was given "
                "bare (lon, lat) points; give a DataFrame of the sites with "
                "lon, lat and those columns."
            )
        features = transform(self.points, "the background (PointsBackground.points)")
        self.covariates_ = features.astype(np.float32)
        self._set_rows()
        return self


class TargetGroupBackground(_ResampledBackground):
    """Target-group background: the training records of every class.

    The records of all species together are taken as the background of each
    one, the usual answer of species distribution modelling to sampling bias
    (Phillips et al. 2009): the absences then come from where observers went,
    so a species is contrasted with the effort, not with the empty map.

    The records' density is the effort times the number of species living
    there, so where the species crowd into one centre of richness, the
    target group also teaches each of them that the centre is where it is
    not: on virtual species that share one, the target group cost Maxent
    and the per-species GAM 0.03 to 0.06 of AUC on surveys against a
    uniform background (``benchmarks/bench_sdm_virtual.py --hotspot 1.5``;
    :doc:`/sdm`, "Sampling bias"). On real coral collections, whose
    records and surveys come from one effort, it was the classifier's
    better background by 0.033 (``benchmarks/bench_sdm_collections.py``).
    Compare it with a uniform background on surveys.

    Parameters
    ----------
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch.

    Attributes
    ----------
    points_ : ndarray of shape (n_samples, 2), float32
        A copy of the training locations.
    covariates_ : ndarray of shape (n_samples, n_features), float32
        The records' transformed covariates, once :meth:`fit_covariates` ran.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v.background import TargetGroupBackground
    >>> sampler = TargetGroupBackground().fit([[0.0, 5.0], [1.0, 6.0]], ["a", "b"])
    >>> sampler.sample(2, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 2])
    """

    def _fit(self, lonlat, y):
        self.points_ = np.array(lonlat, dtype=np.float32)
        self._set_rows()

    def fit_covariates(self, covariates, transform):
        features = transform(covariates, "the training records")
        self.covariates_ = features.astype(np.float32)
        self._set_rows()
        return self
