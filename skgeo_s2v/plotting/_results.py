"""What the plotting functions return: the matplotlib objects and the data."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._grid import grid_frame

__all__ = ["EncodingMaps", "GlobeMap", "LatitudeScores"]


@dataclass
class GlobeMap:
    """A global map drawn by :func:`plot_class_map` or :func:`plot_embedding_clusters`.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure holding the map; save it with ``figure.savefig(path)``.
    ax : matplotlib.axes.Axes
        The axes of the map.
    image : matplotlib.image.AxesImage
        The image of the grid values (for a colour bar, say).
    values : ndarray of shape (n_lat, n_lon)
        The value of each grid cell, south row first: the class score, or the
        cluster index.
    lon, lat : ndarray of shape (n_lon,) and (n_lat,)
        Coordinates of the cell centres in degrees.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from skgeo_s2v.plotting import plot_grid_map
    >>> grid = xr.DataArray(np.arange(4.0).reshape(1, 2, 2),
    ...     dims=("class", "lat", "lon"),
    ...     coords={"class": ["fox"], "lat": [10.0, -10.0], "lon": [0.0, 20.0]})
    >>> result = plot_grid_map(grid, coastline_resolution_deg=1.0)
    >>> result.to_frame()  # one row per cell, south row first
        lon   lat  value
    0   0.0 -10.0    2.0
    1  20.0 -10.0    3.0
    2   0.0  10.0    0.0
    3  20.0  10.0    1.0
    """

    figure: Any
    ax: Any
    image: Any
    # The arrays are left out of the repr, which would print every cell.
    values: np.ndarray = field(repr=False)
    lon: np.ndarray = field(repr=False)
    lat: np.ndarray = field(repr=False)

    def to_frame(self):
        """``values`` as a table of one row per cell, from :func:`grid_frame`.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``lon``, ``lat`` and ``value``.
        """
        return grid_frame(self.values, self.lon, self.lat)


@dataclass
class EncodingMaps:
    """Features of a position encoder over the globe, from :func:`plot_encoding`.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure, one panel per feature.
    axes : ndarray of matplotlib.axes.Axes
        The panels, in the order of ``features`` (unused panels are hidden).
    values : ndarray of shape (n_features, n_lat, n_lon)
        Each feature on the grid, south row first.
    lon, lat : ndarray of shape (n_lon,) and (n_lat,)
        Coordinates of the cell centres in degrees, as drawn.
    features : list of str
        The names of the features drawn.

    Examples
    --------
    >>> from skgeo_s2v import SphereMPlusEncoder
    >>> from skgeo_s2v.plotting import plot_encoding
    >>> result = plot_encoding(SphereMPlusEncoder(n_scales=2, min_radius=0.5),
    ...                        [0, 1], resolution_deg=60.0)
    >>> list(result.to_frame().columns)
    ['lon', 'lat', 'sin(lat*f0)', 'cos(lat*f0)*cos(lon)']
    """

    figure: Any
    axes: np.ndarray
    # The arrays are left out of the repr, which would print every cell.
    values: np.ndarray = field(repr=False)
    lon: np.ndarray = field(repr=False)
    lat: np.ndarray = field(repr=False)
    features: list

    def to_frame(self):
        """The features as a wide table: ``lon``, ``lat``, then one column each.

        Returns
        -------
        frame : pandas.DataFrame of shape (n_lat * n_lon, 2 + n_features)
            Rows in the order of :func:`grid_frame`; the feature columns are
            named as in ``features``.
        """
        cells = grid_frame(self.values[0], self.lon, self.lat)[["lon", "lat"]]
        layers = np.asarray(self.values).reshape(len(self.features), -1).T
        return pd.concat(
            [cells, pd.DataFrame(layers, columns=list(self.features))], axis=1
        )


@dataclass
class LatitudeScores:
    """Scores per latitude band, from :func:`plot_score_by_latitude`.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    axes : ndarray of 2 matplotlib.axes.Axes
        The sample count per band (left) and the score per band (right).
    table : pandas.DataFrame
        One row per band: ``lat_min``, ``lat_max``, ``n_samples`` and one
        column of scores per model (NaN for an empty band).

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.plotting import plot_score_by_latitude
    >>> scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    >>> result = plot_score_by_latitude([0, 1, 0, 1], {"model": scores},
    ...                                 [-60.0, -10.0, 20.0, 70.0], bands=2)
    >>> list(result.table.columns), len(result.axes)
    (['lat_min', 'lat_max', 'n_samples', 'model'], 2)
    """

    figure: Any
    axes: np.ndarray
    table: pd.DataFrame
