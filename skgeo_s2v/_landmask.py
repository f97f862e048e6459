"""The land mask shipped by ``global-land-mask``, read once and kept for the process.

``global-land-mask`` packs the GLOBE 1 km land/sea raster (21600 × 43200 cells
of 1/120°, north row first) into its wheel, so nothing is downloaded at run
time. Reading it takes a few seconds and about 1 GB of memory; it happens on
the first call of :func:`is_land` or :func:`coarse_land_mask`.
"""

import functools

import numpy as np

from ._optional import import_optional

__all__ = ["coarse_land_mask", "is_land"]

_CELLS_PER_DEGREE = 120


@functools.cache
def _full_mask():
    globe = import_optional("global_land_mask.globe", "sdm", "The land mask")
    # The shipped mask is True at sea.
    return globe._mask


def is_land(lon, lat):
    """Whether each ``(lon, lat)`` point (degrees) lies on land.

    Parameters
    ----------
    lon, lat : array-like of shape (n,)
        Longitudes in ``[-180, 180]`` and latitudes in ``[-90, 90]``.

    Returns
    -------
    land : ndarray of bool, shape (n,)

    Examples
    --------
    >>> is_land([2.35, -30.0], [48.85, 30.0])  # Paris, the mid-Atlantic
    array([ True, False])
    """
    mask = _full_mask()
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    row = np.floor((90.0 - lat) * _CELLS_PER_DEGREE).astype(np.intp)
    col = np.floor((lon + 180.0) * _CELLS_PER_DEGREE).astype(np.intp)
    row = np.clip(row, 0, mask.shape[0] - 1)
    col = np.remainder(col, mask.shape[1])
    return ~mask[row, col]


@functools.cache
def coarse_land_mask(resolution_deg):
    """The land mask resampled to cells of ``resolution_deg`` (nearest cell).

    Parameters
    ----------
    resolution_deg : float
        Cell size in degrees; a multiple of 1/120° is used exactly, anything
        else is rounded to the nearest multiple.

    Returns
    -------
    lon, lat : ndarray of shape (n_lon,) and (n_lat,)
        Cell centres in degrees; ``lat`` runs north to south.
    land : ndarray of bool, shape (n_lat, n_lon)
    """
    mask = _full_mask()
    step = max(1, round(resolution_deg * _CELLS_PER_DEGREE))
    land = ~mask[step // 2 :: step, step // 2 :: step]
    lat = 90.0 - (np.arange(land.shape[0]) * step + step // 2 + 0.5) / 120.0
    lon = -180.0 + (np.arange(land.shape[1]) * step + step // 2 + 0.5) / 120.0
    return lon, lat, land
