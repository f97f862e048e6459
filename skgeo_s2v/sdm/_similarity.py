"""Where a prediction extrapolates: the multivariate environmental similarity (MESS)."""

import numpy as np
import pandas as pd

from .._covariate_input import coordinate_columns

__all__ = ["mess"]

#: The columns ``mess`` adds beside each covariate's similarity.
RESULT_COLUMNS = ("mess", "most_dissimilar")


def _numeric(frame, name):
    return name in frame.columns and pd.api.types.is_numeric_dtype(frame[name].dtype)


def _reference_values(reference, columns):
    """``{column: sorted finite values}`` of the reference, checked."""
    if not isinstance(reference, pd.DataFrame):
        raise ValueError(
            "reference must be a DataFrame of the training covariates (records "
            f"and background sites); got {type(reference).__name__}."
        )
    if columns is None:
        coordinates = coordinate_columns(reference.columns)
        columns = [
            c
            for c in reference.columns
            if c not in coordinates and _numeric(reference, c)
        ]
        if not columns:
            raise ValueError(
                "reference has no numeric covariate column (lon and lat are not "
                f"covariates); its columns are {list(reference.columns)}."
            )
    else:
        columns = [columns] if isinstance(columns, str) else list(columns)
        if not columns:
            raise ValueError("columns is empty; name at least one covariate.")
    values = {}
    for c in columns:
        if c in RESULT_COLUMNS:
            raise ValueError(
                f"A covariate is named {c!r}, a column that mess adds; rename it."
            )
        if not _numeric(reference, c):
            raise ValueError(
                f"Column {c!r} is not a numeric column of reference (a "
                "categorical covariate has no range to extrapolate beyond); "
                f"its numeric columns are "
                f"{[n for n in reference.columns if _numeric(reference, n)]}."
            )
        column = reference[c].to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size:
            raise ValueError(
                f"reference column {c!r} holds {column[bad[0]]} at row "
                f"{reference.index[bad[0]]}; drop or fill the rows without a "
                "finite value."
            )
        if column.size == 0 or column.min() == column.max():
            raise ValueError(
                f"reference column {c!r} takes a single value, so it has no range "
                "to compare with; leave it out of columns."
            )
        values[c] = np.sort(column)
    return values


def _similarity(sorted_reference, points):
    """Elith et al.'s similarity of each point to one variable's reference
    values (NaN where the point is NaN)."""
    low, high = sorted_reference[0], sorted_reference[-1]
    span = high - low
    percent_below = (
        100.0 * np.searchsorted(sorted_reference, points, side="left")
    ) / sorted_reference.size
    similarity = np.where(
        percent_below <= 50, 2 * percent_below, 2 * (100 - percent_below)
    )
    similarity = np.where(percent_below == 0, 100 * (points - low) / span, similarity)
    similarity = np.where(
        percent_below == 100, 100 * (high - points) / span, similarity
    )
    return np.where(np.isnan(points), np.nan, similarity)


def _most_dissimilar(similarities, names):
    """The column of the lowest similarity of each row (None where any is NaN)."""
    missing = np.isnan(similarities).any(axis=1)
    lowest = np.argmin(np.where(np.isnan(similarities), np.inf, similarities), axis=1)
    return np.where(missing, None, np.asarray(names, dtype=object)[lowest])


def _frame_points(X, column):
    if column not in X.columns:
        raise ValueError(
            f"X lacks the covariate {column!r}; its columns are {list(X.columns)}."
        )
    points = pd.to_numeric(X[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(points))
    if bad.size:
        value = X[column].iloc[bad[0]]
        shown = repr(value) if isinstance(value, str) else value
        raise ValueError(
            f"X column {column!r} holds {shown} at row "
            f"{X.index[bad[0]]}; give every site a finite number (or pass the "
            "rasters as an xarray.Dataset, whose NaN cells are no data)."
        )
    return points


def _dataset_points(X, column, dims):
    if column not in X.data_vars:
        raise ValueError(
            f"The covariates lack the variable {column!r}; they hold "
            f"{list(X.data_vars)}."
        )
    variable = X[column]
    if dims is not None and variable.dims != dims:
        raise ValueError(
            f"Variable {column!r} has the dimensions {variable.dims}, the others "
            f"{dims}; give every covariate on the same grid."
        )
    points = np.asarray(variable.values, dtype=np.float64)
    if np.isinf(points).any():
        raise ValueError(
            f"Variable {column!r} holds an infinite value; use NaN for cells "
            "without data."
        )
    return variable, points


def mess(reference, X, *, columns=None):
    """The multivariate environmental similarity surface (MESS) of ``X``.

    Where the covariates of a site lie outside the range of those a model was
    fitted on, its prediction extrapolates: a spline's linear tail, a tree's
    last split. MESS (Elith, Kearney & Phillips 2010, the map Maxent draws
    for it) measures how far. For covariate ``i``, with ``f`` the percentage
    of reference values below the site's value ``p``:

    - ``f = 0``: ``S_i = 100 (p - min) / (max - min)``, zero or negative;
    - ``0 < f <= 50``: ``S_i = 2 f``;
    - ``50 < f < 100``: ``S_i = 2 (100 - f)``;
    - ``f = 100``: ``S_i = 100 (max - p) / (max - min)``, negative;

    and the site's MESS is the lowest ``S_i``: 100 at the reference's median
    of every covariate, 0 at the edge of its range, negative outside it (by
    the percentage of the range that the worst covariate lies beyond).
    ``most_dissimilar`` names that covariate. Categorical covariates have no
    range and are left out; an unseen level is an error of the model itself.

    Parameters
    ----------
    reference : DataFrame of shape (n_reference, n_columns)
        The covariates the model learnt from: its training records and
        background sites together.
    X : DataFrame of shape (n_sites, n_columns) or xarray.Dataset
        The sites to check, or the covariate rasters of
        :func:`~skgeo_s2v.sdm.predict_grid` (each covariate a variable on the
        same grid; NaN cells are no data and give NaN). Not modified.
    columns : list of str or None, default=None
        The covariates to compare. None takes every numeric column of
        ``reference`` but the longitude and latitude (``lon`` and ``lat``,
        or ``longitude`` and ``latitude`` ...).

    Returns
    -------
    similarity : DataFrame or xarray.Dataset
        Of a DataFrame, one with the index of ``X``: each covariate's
        similarity ``S_i``, then ``mess`` and ``most_dissimilar``. Of a
        Dataset, one on its grid with the same variables, NaN in the cells
        where a covariate has no data.

    Raises
    ------
    ValueError
        If a column is missing, not numeric, constant in ``reference``, or
        holds a value that is not finite (NaN cells of a Dataset aside).

    See Also
    --------
    predict_grid : the map whose extrapolated cells this flags.
    SphereGAMClassifier : its ``extrapolation="constant"`` clamps the
        covariates at the edge of their training range.

    Examples
    --------
    Reference temperatures 0, 1, ..., 9: a site at 4.5 has five of the ten
    below it (``S = 2 · 50 = 100``), one at 9 nine of them (``S = 2 · 10 =
    20``), and one at 12 lies 30 % of the range above it (``S = 100 · (9 -
    12) / 9``).

    >>> import pandas as pd
    >>> from skgeo_s2v.sdm import mess
    >>> reference = pd.DataFrame({"lon": 0.0, "lat": 45.0, "bio1": range(10)})
    >>> sites = pd.DataFrame({"bio1": [4.5, 9.0, 12.0]})
    >>> mess(reference, sites).round(2)
         bio1    mess most_dissimilar
    0  100.00  100.00            bio1
    1   20.00   20.00            bio1
    2  -33.33  -33.33            bio1
    """
    values = _reference_values(reference, columns)
    names = list(values)
    if isinstance(X, pd.DataFrame):
        similarities = np.column_stack(
            [_similarity(values[c], _frame_points(X, c)) for c in names]
        )
        result = pd.DataFrame(similarities, index=X.index, columns=names)
        result["mess"] = similarities.min(axis=1)
        result["most_dissimilar"] = _most_dissimilar(similarities, names)
        return result
    if not hasattr(X, "data_vars"):
        raise ValueError(
            "X must be a DataFrame of sites or an xarray.Dataset of covariate "
            f"rasters; got {type(X).__name__}."
        )
    import xarray as xr

    def on_grid(data):  # the grid's dimensions and coordinates, no attributes
        return xr.DataArray(data.reshape(shape), coords=coords, dims=dims)

    dims = None
    points = {}
    for c in names:
        variable, points[c] = _dataset_points(X, c, dims)
        dims, coords, shape = variable.dims, variable.coords, variable.shape
    stacked = np.column_stack(
        [_similarity(values[c], points[c].ravel()) for c in names]
    )
    result = xr.Dataset({c: on_grid(stacked[:, i]) for i, c in enumerate(names)})
    result["mess"] = on_grid(stacked.min(axis=1))
    result["most_dissimilar"] = on_grid(_most_dissimilar(stacked, names))
    return result
