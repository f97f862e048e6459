"""Longitude and latitude of projected coordinates: :func:`to_lonlat`."""

import warnings

import numpy as np
import pandas as pd

from .._optional import import_optional
from .._validation import first_non_finite, refuse_non_finite_coordinates

__all__ = ["to_lonlat"]


def to_lonlat(X, crs, *, columns=("x", "y")):
    """Longitude and latitude in degrees (WGS 84) of projected coordinates.

    Many species distribution data sets give their records, background
    sites and survey sites as eastings and northings in metres of a map
    projection (a UTM zone, a national grid); the package's estimators take
    longitude and latitude in degrees. This converts them with pyproj (the
    ``sdm`` extra), which ships the projections' definitions, so it works
    offline.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, 2)
        A DataFrame that holds the eastings and northings in ``columns``
        beside any other columns (species, covariates), or an array of
        eastings then northings.
    crs : int, str or pyproj.CRS
        The coordinate reference system of the coordinates: an EPSG code
        (``32755``), an authority string (``"EPSG:2056"``), a WKT or PROJ
        string, or anything else :meth:`pyproj.crs.CRS.from_user_input` takes.
    columns : tuple of two labels, default=("x", "y")
        The DataFrame's easting and northing columns; ignored for an array.

    Returns
    -------
    lonlat : DataFrame or ndarray of shape (n_samples, 2)
        For a DataFrame, a new one with ``lon`` and ``lat`` first, in place
        of ``columns``, then the other columns in their order (its index
        kept): the input of the estimators. For an array, longitude then
        latitude. ``X`` itself is not modified.

    Raises
    ------
    ValueError
        If a column is missing, the DataFrame already has a ``lon`` or
        ``lat`` column, a coordinate is missing or infinite, ``crs`` is not
        a coordinate reference system, or a point lies outside the domain of
        its projection; the message names the column or row.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgeo_s2v.sdm import to_lonlat
    >>> records = pd.DataFrame({"spid": ["a", "b"], "x": [500000.0, 611000.0],
    ...                         "y": [10000000.0, 8100000.0], "temp": [24.1, 19.5]})
    >>> to_lonlat(records, 32755).round(3)  # UTM zone 55 south
           lon     lat spid  temp
    0  147.000   0.000    a  24.1
    1  148.044 -17.182    b  19.5
    """
    pyproj = import_optional("pyproj", "sdm", "to_lonlat")
    is_frame = isinstance(X, pd.DataFrame)
    if is_frame:
        eastings, northings = _frame_coordinates(X, columns)
        labels = [repr(columns[0]), repr(columns[1])]
    else:
        values = np.asarray(X, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != 2:
            raise ValueError(
                f"X must be a DataFrame or an array of shape (n_samples, 2), "
                f"eastings then northings; got shape {values.shape}."
            )
        eastings, northings = values[:, 0], values[:, 1]
        labels = ["0 (easting)", "1 (northing)"]
    points = np.column_stack([eastings, northings])
    refuse_non_finite_coordinates(points, labels)
    try:
        source = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as error:
        raise ValueError(
            f"crs={crs!r} is not a coordinate reference system pyproj knows: "
            "give an EPSG code such as 32755, an authority string such as "
            f"'EPSG:2056', or WKT. ({error})"
        ) from error
    if (
        source.is_projected
        and (np.abs(eastings) <= 180).all()
        and (np.abs(northings) <= 90).all()
    ):
        warnings.warn(
            f"Every easting of X lies within ±180 and every northing within "
            f"±90 of the origin of {source.name!r}: they look like degrees "
            "(longitude and latitude), not projected units. If they are "
            "degrees they need no conversion: name the columns lon and lat "
            "and pass them on.",
            UserWarning,
            stacklevel=2,
        )
    transformer = pyproj.Transformer.from_crs(source, "EPSG:4326", always_xy=True)
    lon, lat = (
        np.asarray(v, dtype=np.float64)
        for v in transformer.transform(eastings, northings)
    )
    lonlat = np.column_stack([lon, lat])
    bad = first_non_finite(lonlat)
    if bad is not None:
        row = bad[0]
        raise ValueError(
            f"Row {row} of X, ({points[row, 0]:g}, {points[row, 1]:g}), lies "
            f"outside the domain of {source.name!r}: check that crs is the "
            "one the data were projected with, and that the columns are the "
            "easting then the northing."
        )
    if not is_frame:
        return lonlat
    rest = X.drop(columns=list(columns))
    front = pd.DataFrame({"lon": lon, "lat": lat}, index=X.index)
    return pd.concat([front, rest], axis=1)


def _frame_coordinates(X, columns):
    """The easting and northing columns of ``X`` as float arrays, checked."""
    if len(columns) != 2 or columns[0] == columns[1]:
        raise ValueError(
            f"columns must name two different columns, the easting then the "
            f"northing; got {columns!r}."
        )
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise ValueError(
            f"X lacks the coordinate columns {missing}; it has the columns "
            f"{list(X.columns)}. Name its easting and northing with columns=."
        )
    clashing = [c for c in ("lon", "lat") if c in X.columns and c not in columns]
    if clashing:
        raise ValueError(
            f"X already has the columns {clashing}, which the result would "
            "repeat: drop or rename them first."
        )
    coordinates = []
    for column in columns:
        try:
            coordinates.append(X[column].to_numpy(dtype=np.float64))
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"Column {column!r} of X holds {X[column].dtype} values; "
                "eastings and northings must be numbers (metres)."
            ) from error
    return coordinates
