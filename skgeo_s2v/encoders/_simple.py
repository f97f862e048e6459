"""Single-scale baselines: xyz, wrap and tile (SPEC §3)."""

import math
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval

from .._array import astype_like
from .._geometry import unit_vectors_from_degrees, wrap_longitude
from .._validation import validate_lonlat
from ._base import BasePositionEncoder

__all__ = ["TileEncoder", "WrapEncoder", "XYZEncoder"]


class XYZEncoder(BasePositionEncoder):
    """3-D Cartesian coordinates of the point on the unit sphere.

    Features ``sin φ, cos φ cos λ, cos φ sin λ`` (the paper's ``[z, x, y]``
    order): :class:`SphereCEncoder` with a single scale. The inner product of
    two codes is the cosine of the great-circle angle between the points.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (2), set by :meth:`fit`.
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    See Also
    --------
    SphereCEncoder : the multi-scale generalisation.

    Examples
    --------
    >>> from skgeo_s2v import XYZEncoder
    >>> XYZEncoder().fit_transform([[90.0, 0.0]]).round(6)
    array([[0., 0., 1.]])
    """

    def __init__(self):
        pass

    @property
    def _n_features_out(self):
        return 3

    def _encode(self, xp, lon, lat):
        xyz = unit_vectors_from_degrees(lon, lat)
        return xyz[:, [2, 0, 1]]

    def _feature_names(self):
        return ["sin(lat)", "cos(lat)*cos(lon)", "cos(lat)*sin(lon)"]


class WrapEncoder(BasePositionEncoder):
    """The ``wrap`` baseline of Mac Aodha et al.: sin and cos of lon and lat.

    Features ``sin(π·lon/180), cos(π·lon/180), sin(π·lat/90), cos(π·lat/90)``.
    Latitude is divided by 90, not 180, so that ``[-90, 90]`` covers a full
    period (SPEC §3). Pair it with the classifier's residual network to
    reproduce the paper's ``wrap`` baseline.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (2), set by :meth:`fit`.
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    References
    ----------
    .. [1] Mac Aodha, O., Cole, E., Perona, P. "Presence-only geographical
       priors for fine-grained image classification", ICCV 2019.

    Examples
    --------
    >>> from skgeo_s2v import WrapEncoder
    >>> WrapEncoder().fit_transform([[90.0, 45.0]]).round(6)
    array([[1., 0., 1., 0.]])
    """

    def __init__(self):
        pass

    @property
    def _n_features_out(self):
        return 4

    def _encode(self, xp, lon, lat):
        lon_angle = lon * (math.pi / 180.0)
        lat_angle = lat * (math.pi / 90.0)
        return xp.stack(
            [
                xp.sin(lon_angle),
                xp.cos(lon_angle),
                xp.sin(lat_angle),
                xp.cos(lat_angle),
            ],
            axis=-1,
        )

    def _feature_names(self):
        return [
            "sin(pi*lon/180)",
            "cos(pi*lon/180)",
            "sin(pi*lat/90)",
            "cos(pi*lat/90)",
        ]


class TileEncoder(BasePositionEncoder):
    """One-hot encoding of the latitude-longitude cell of a regular grid.

    The globe is cut into ``ceil(180 / resolution)`` latitude bands and
    ``ceil(360 / resolution)`` longitude bands; each point is one-hot encoded
    by the cell it falls in (cells are closed below, open above; ``lat = 90``
    belongs to the northernmost band).

    Parameters
    ----------
    resolution : float, default=5.0
        Cell size in degrees, for latitude and longitude alike.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (2), set by :meth:`fit`.
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    Notes
    -----
    :meth:`transform` returns a :class:`scipy.sparse.csr_matrix`, so
    ``set_output(transform="pandas")`` is not available for this encoder
    (pandas output does not take sparse data). :meth:`encode` on a torch
    tensor returns the dense one-hot, which has one column per cell.

    Examples
    --------
    >>> from skgeo_s2v import TileEncoder
    >>> tiles = TileEncoder(resolution=90.0).fit_transform([[-100.0, 10.0]])
    >>> tiles.shape, tiles.nonzero()[1].tolist()
    ((1, 8), [4])
    >>> TileEncoder(resolution=90.0).get_feature_names_out()[4]
    'lat[0,90]_lon[-180,-90)'
    """

    _parameter_constraints: dict = {
        "resolution": [Interval(Real, 0, 180, closed="right")],
    }

    def __init__(self, *, resolution=5.0):
        self.resolution = resolution

    @property
    def _grid_shape(self):
        return math.ceil(180.0 / self.resolution), math.ceil(360.0 / self.resolution)

    @property
    def _n_features_out(self):
        n_lat, n_lon = self._grid_shape
        return n_lat * n_lon

    def _cell_index(self, xp, lon, lat):
        """Flat cell index (row-major over latitude bands) of each point."""
        n_lat, n_lon = self._grid_shape
        row = xp.clip(xp.floor((lat + 90.0) / self.resolution), 0, n_lat - 1)
        col = xp.clip(xp.floor((lon + 180.0) / self.resolution), 0, n_lon - 1)
        return row * n_lon + col

    def _constants(self):
        return {"cell_ids": np.arange(self._n_features_out, dtype=np.float64)}

    def _encode(self, xp, lon, lat, *, cell_ids):
        return astype_like(self._cell_index(xp, lon, lat)[:, None] == cell_ids, lon)

    def transform(self, X):
        """One-hot encode the cell of each location.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, 2)
            Longitude then latitude, in degrees.

        Returns
        -------
        X_tiles : scipy.sparse.csr_matrix of shape (n_samples, n_cells)
            One non-zero (1.0) per row, float32 for float32 input.
        """
        self._check_ready()
        lonlat = validate_lonlat(self, X, reset=False)
        cells = self._cell_index(np, wrap_longitude(lonlat[:, 0]), lonlat[:, 1])
        n_samples = lonlat.shape[0]
        return sp.csr_matrix(
            (
                np.ones(n_samples, dtype=lonlat.dtype),
                cells.astype(np.int64),
                np.arange(n_samples + 1),
            ),
            shape=(n_samples, self._n_features_out),
        )

    def _feature_names(self):
        n_lat, n_lon = self._grid_shape
        r = self.resolution
        names = []
        for i in range(n_lat):
            lat_lo, lat_hi = -90.0 + i * r, min(-90.0 + (i + 1) * r, 90.0)
            lat_close = "]" if i == n_lat - 1 else ")"
            for j in range(n_lon):
                lon_lo, lon_hi = -180.0 + j * r, min(-180.0 + (j + 1) * r, 180.0)
                names.append(
                    f"lat[{lat_lo:g},{lat_hi:g}{lat_close}_lon[{lon_lo:g},{lon_hi:g})"
                )
        return names
