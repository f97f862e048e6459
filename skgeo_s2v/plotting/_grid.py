"""A regular lon/lat grid over the globe, visited in chunks (no matplotlib here)."""

import math
from numbers import Real

import numpy as np
import pandas as pd

from .._geometry import wrap_longitude

__all__ = ["GlobalGrid", "check_map_shape", "grid_frame"]


def check_map_shape(values, lon, lat):
    """``values`` as an array, refused unless of shape ``(len(lat), len(lon))``.

    Examples
    --------
    >>> check_map_shape([[1.0, 2.0]], [0.0, 180.0], [0.0])
    array([[1., 2.]])
    """
    values = np.asarray(values)
    if values.shape != (len(lat), len(lon)):
        raise ValueError(
            f"values has shape {values.shape}, but the grid has {len(lat)} "
            f"latitudes and {len(lon)} longitudes: it must be (n_lat, n_lon)."
        )
    return values


def grid_frame(values, lon, lat, name="value"):
    """A map as a long table: one row per cell, columns ``lon``, ``lat``, ``name``.

    Parameters
    ----------
    values : ndarray of shape (n_lat, n_lon)
        The map, south row first.
    lon : ndarray of shape (n_lon,)
        Longitudes of the cell centres as drawn; the table wraps them into
        ``[-180, 180)``.
    lat : ndarray of shape (n_lat,)
        Latitudes of the cell centres.
    name : str, default="value"
        Name of the column of values.

    Returns
    -------
    frame : pandas.DataFrame of shape (n_lat * n_lon, 3)
        Rows south to north, west to east within a row (the order of
        :meth:`GlobalGrid.chunks`).

    Examples
    --------
    >>> import numpy as np
    >>> grid_frame(np.array([[1.0, 2.0]]), np.array([90.0, 270.0]), np.array([0.0]))
        lon  lat  value
    0  90.0  0.0    1.0
    1 -90.0  0.0    2.0
    """
    values = check_map_shape(values, lon, lat)
    lon_grid, lat_grid = np.meshgrid(wrap_longitude(np.asarray(lon)), lat)
    return pd.DataFrame(
        {"lon": lon_grid.ravel(), "lat": lat_grid.ravel(), name: values.ravel()}
    )


class GlobalGrid:
    """Cell centres of a regular longitude-latitude grid covering the globe.

    The globe is cut into ``round(180 / resolution_deg)`` rows of latitude and
    ``round(360 / resolution_deg)`` columns of longitude, so that the cells
    tile it exactly (their size is ``resolution_deg`` up to that rounding).
    The points are never all held at once: :meth:`chunks` yields them a few
    thousand at a time, in row-major order (south to north, west to east).

    Parameters
    ----------
    resolution_deg : float
        Cell size in degrees, in ``(0, 90]``.
    central_longitude : float, default=0.0
        Longitude at the centre of the map. 180 puts the antimeridian in the
        middle. Longitudes handed to models are wrapped into ``[-180, 180)``.

    Attributes
    ----------
    lon : ndarray of shape (n_lon,)
        Longitudes of the cell centres, increasing, as drawn on the map (they
        may pass 180 when ``central_longitude`` is not 0).
    lat : ndarray of shape (n_lat,)
        Latitudes of the cell centres, south to north.
    extent : tuple of 4 floats
        ``(west, east, south, north)`` for :meth:`matplotlib.axes.Axes.imshow`.

    Examples
    --------
    >>> grid = GlobalGrid(90.0)
    >>> grid.shape, grid.lat.tolist(), grid.lon.tolist()
    ((2, 4), [-45.0, 45.0], [-135.0, -45.0, 45.0, 135.0])
    >>> [points.shape for points in grid.chunks(batch_size=3)]
    [(3, 2), (3, 2), (2, 2)]
    """

    def __init__(self, resolution_deg, central_longitude=0.0):
        if (
            not isinstance(resolution_deg, Real)
            or isinstance(resolution_deg, bool)
            or not 0 < resolution_deg <= 90
        ):
            raise ValueError(
                f"resolution_deg={resolution_deg!r} must be a number of degrees "
                "in (0, 90]; e.g. 1.0 for a one-degree map."
            )
        if not isinstance(central_longitude, Real) or not math.isfinite(
            central_longitude
        ):
            raise ValueError(
                f"central_longitude={central_longitude!r} must be a finite "
                "number of degrees, e.g. 0 or 180."
            )
        n_lat = max(1, round(180.0 / resolution_deg))
        n_lon = max(1, round(360.0 / resolution_deg))
        west = float(central_longitude) - 180.0
        lat_edges = np.linspace(-90.0, 90.0, n_lat + 1)
        lon_edges = np.linspace(west, west + 360.0, n_lon + 1)
        self.lat = (lat_edges[:-1] + lat_edges[1:]) / 2
        self.lon = (lon_edges[:-1] + lon_edges[1:]) / 2
        self.extent = (west, west + 360.0, -90.0, 90.0)

    @property
    def shape(self):
        """``(n_lat, n_lon)``, the shape of a map of the grid."""
        return (self.lat.shape[0], self.lon.shape[0])

    @property
    def size(self):
        """Number of cells."""
        return self.lat.shape[0] * self.lon.shape[0]

    def chunks(self, batch_size):
        """Yield the cell centres as ``(lon, lat)`` arrays of ``batch_size`` rows.

        Parameters
        ----------
        batch_size : int
            Rows per chunk (the last chunk may be shorter).

        Yields
        ------
        points : ndarray of shape (<= batch_size, 2), float64
            Longitudes wrapped into ``[-180, 180)``, latitudes in degrees.
        """
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r} must be a positive integer.")
        n_lon = self.lon.shape[0]
        lon = wrap_longitude(self.lon)
        for start in range(0, self.size, batch_size):
            index = np.arange(start, min(start + batch_size, self.size))
            yield np.column_stack([lon[index % n_lon], self.lat[index // n_lon]])

    def map_values(self, function, batch_size, dtype=np.float64):
        """Apply ``function`` to every chunk and assemble one value per cell.

        Parameters
        ----------
        function : callable
            Maps a ``(m, 2)`` array of points to ``m`` values.
        batch_size : int
            Points per call.
        dtype : numpy dtype, default=float64
            Type of the map.

        Returns
        -------
        values : ndarray of shape (n_lat, n_lon) or (n_lat, n_lon, k)
            The values, south row first; ``k`` when ``function`` returns ``k``
            values per point.
        """
        out = None
        start = 0
        for points in self.chunks(batch_size):
            values = np.asarray(function(points))
            if out is None:
                out = np.empty((self.size, *values.shape[1:]), dtype=dtype)
            out[start : start + points.shape[0]] = values
            start += points.shape[0]
        return out.reshape(*self.shape, *out.shape[1:])
