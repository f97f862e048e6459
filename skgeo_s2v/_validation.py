"""Validation of ``(lon, lat)`` input shared by every estimator of the package."""

import numpy as np
from sklearn.utils.validation import validate_data

__all__ = ["validate_lonlat"]

_LAT_NAMES = {"lat", "lats", "latitude", "latitudes", "y_lat"}
_LON_NAMES = {"lon", "lons", "lng", "long", "longitude", "longitudes", "x_lon"}
_SWAP_HINT = (
    "skgeo_s2v expects columns in (lon, lat) order, like GeoJSON; "
    "swap them, e.g. X[:, ::-1] for an array or X[['lon', 'lat']] for a DataFrame."
)


def _column_labels(X):
    """Column labels to use in messages: DataFrame names, else lon/lat."""
    columns = getattr(X, "columns", None)
    if columns is not None and len(columns) == 2:
        return [f"{columns[0]!r}", f"{columns[1]!r}"]
    return ["0 (lon)", "1 (lat)"]


def _refuse_lat_lon_frame(X):
    columns = getattr(X, "columns", None)
    if columns is None or len(columns) != 2:
        return
    first, second = (str(c).strip().lower() for c in columns)
    if first in _LAT_NAMES and second in _LON_NAMES:
        raise ValueError(
            f"The DataFrame's columns are {list(columns)}: latitude comes first. "
            + _SWAP_HINT
        )


def validate_lonlat(estimator, X, *, reset):
    """Check ``(lon, lat)`` input in degrees and return it as a float array.

    Parameters
    ----------
    estimator : estimator instance
        The estimator validating its input; ``n_features_in_`` and
        ``feature_names_in_`` are set on it when ``reset`` is True and checked
        against it otherwise.
    X : array-like or DataFrame of shape (n_samples, 2)
        Longitude then latitude, in degrees.
    reset : bool
        Whether this call is a ``fit`` (True) or a later call (False).

    Returns
    -------
    lonlat : ndarray of shape (n_samples, 2), float32 or float64
        float32 input stays float32; anything else becomes float64. The result
        may share memory with ``X``: callers must not write into it.

    Raises
    ------
    ValueError
        If ``X`` is empty, does not have two columns, holds NaN or infinite
        values, or has latitudes outside ``[-90, 90]``. The message names the
        column, the first offending row and its value, and says so when the
        columns look swapped.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> validate_lonlat(BaseEstimator(), [[-190.0, 10.0]], reset=True)
    array([[-190.,   10.]])
    >>> validate_lonlat(BaseEstimator(), [[10.0, 120.0]], reset=True)
    Traceback (most recent call last):
    ...
    ValueError: Column 1 (lat) of X holds 120.0 at row 0, outside [-90, 90]. ...
    """
    _refuse_lat_lon_frame(X)
    labels = _column_labels(X)
    lonlat = validate_data(
        estimator,
        X,
        reset=reset,
        dtype=(np.float64, np.float32),
        ensure_all_finite=False,
        ensure_min_samples=1,
    )
    if lonlat.shape[1] != 2:
        raise ValueError(
            f"X has {lonlat.shape[1]} columns, but {type(estimator).__name__} "
            "expects 2: longitude then latitude, in degrees."
        )
    finite = np.isfinite(lonlat)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        raise ValueError(
            f"Column {labels[col]} of X holds {lonlat[row, col]} at row {row}; "
            "coordinates must be finite. Drop or impute the rows with missing "
            "coordinates first."
        )
    lat = lonlat[:, 1]
    outside = (lat < -90.0) | (lat > 90.0)
    if outside.any():
        row = int(np.argmax(outside))
        message = (
            f"Column {labels[1]} of X holds {lat[row]} at row {row}, "
            "outside [-90, 90]. "
        )
        lon = lonlat[:, 0]
        if np.all(np.abs(lon) <= 90.0):
            message += (
                "The data look like (lat, lon): the first column stays within "
                "±90 while the second goes beyond. " + _SWAP_HINT
            )
        else:
            message += "Latitudes must be degrees in [-90, 90]."
        raise ValueError(message)
    return lonlat
