"""The columns of GeoPriorFusion's ``X``: which are the location, which the image.

Columns are looked up and selected with scikit-learn's own helpers (those of
``ColumnTransformer``, through :mod:`skgeo_s2v._sklearn_helpers`); this
module adds only the messages that say which column was wrong and how to
name it instead.
"""

import numpy as np
from sklearn.utils.validation import check_array

from ._sklearn_helpers import column_indices, select_columns
from ._validation import first_non_finite

__all__ = ["resolve_columns", "split_columns"]


def _indices(X, columns, names):
    """Positions of ``columns`` in ``X``; a ValueError says how to name them."""
    try:
        return column_indices(X, columns)
    except ValueError as exc:
        if names is not None:
            missing = [c for c in columns if isinstance(c, str) and c not in names]
            if missing:
                raise ValueError(
                    f"Column {missing[0]!r} is not in X, whose columns are "
                    f"{names.tolist()}. Rename the columns or set "
                    "location_columns / image_columns to names that X has."
                ) from exc
        n_columns = X.shape[1]
        wrong = [
            c
            for c in columns
            if not isinstance(c, (int, np.integer)) or not -n_columns <= c < n_columns
        ]
        shown = (wrong or columns)[0]
        what = "string column names" if names is not None else "no string column names"
        raise ValueError(
            f"Column {shown!r} cannot be selected from X, which has {n_columns} "
            f"columns and {what}{'' if hasattr(X, 'columns') else ' (an array)'} "
            f"({str(exc).rstrip('.')}). Pass a DataFrame with named columns, or "
            "give location_columns / image_columns as integer positions, e.g. "
            "location_columns=(0, 1)."
        ) from exc


def resolve_columns(X, location_columns, image_columns, names):
    """Positions of the location and the image columns of ``X``.

    Parameters
    ----------
    X : DataFrame or ndarray of shape (n_samples, n_features)
        The data as validated by the fusion (a DataFrame stays one).
    location_columns : sequence of two str or int
        Longitude then latitude.
    image_columns : sequence of str or int, or None
        None means every other column, in the order of ``X``.
    names : ndarray of str or None
        ``feature_names_in_`` of the fusion, for the messages.

    Returns
    -------
    location, image : ndarray of intp
        Column positions.

    Examples
    --------
    >>> import numpy as np
    >>> resolve_columns(np.zeros((1, 4)), (1, 3), None, None)
    (array([1, 3]), array([0, 2]))
    """
    if len(location_columns) != 2:
        raise ValueError(
            f"location_columns={location_columns!r} must name exactly two "
            "columns: longitude then latitude."
        )
    location = _indices(X, list(location_columns), names)
    if image_columns is None:
        image = [i for i in range(X.shape[1]) if i not in location]
    else:
        image = _indices(X, list(image_columns), names) if image_columns else []
    if not image:
        raise ValueError(
            f"X has no image columns: its {X.shape[1]} column(s) are all location "
            "columns. Add the image features (or image probabilities) as further "
            "columns, or name them with image_columns."
        )
    return np.array(location, dtype=np.intp), np.array(image, dtype=np.intp)


def _column_name(position, names):
    return repr(names[position]) if names is not None else str(position)


def _finite_values(part, index, kind, names):
    """``part`` as a float array; a ValueError names a non-finite cell."""
    try:
        values = check_array(part, dtype=np.float64, ensure_all_finite=False)
    except ValueError as exc:
        columns = ", ".join(_column_name(i, names) for i in index)
        raise ValueError(
            f"The {kind} columns [{columns}] of X must be numeric: {exc} Select "
            "the numeric columns with location_columns / image_columns."
        ) from exc
    bad = first_non_finite(values)
    if bad is not None:
        row, col = bad
        raise ValueError(
            f"X holds a missing or infinite value ({values[row, col]}) in {kind} "
            f"column {_column_name(index[col], names)} at row {row}. "
            "GeoPriorFusion needs finite values everywhere (no NaN or inf): drop "
            "or impute those rows first."
        )
    return values


def split_columns(X, location_index, image_index, names):
    """The location part and the image part of ``X``, both checked finite.

    The location part is a float array of ``(lon, lat)``, so that the fitted
    location model also scores plain coordinates (e.g. a map's grid). The
    image part of a DataFrame stays a DataFrame, so that an image model
    trained on named columns sees the same names. ``X`` is never modified.

    Parameters
    ----------
    X : DataFrame or ndarray of shape (n_samples, n_features)
        The data.
    location_index, image_index : ndarray of intp
        From :func:`resolve_columns`.
    names : ndarray of str or None
        ``feature_names_in_`` of the fusion, for the messages.

    Returns
    -------
    location : ndarray of shape (n_samples, 2), float64
    image : DataFrame or ndarray of shape (n_samples, len(image_index))

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"fur": [0.5], "lon": [10.0], "lat": [-5.0]})
    >>> location, image = split_columns(X, [1, 2], [0], None)
    >>> location, list(image.columns)
    (array([[10., -5.]]), ['fur'])
    """
    location = select_columns(X, location_index)
    location = _finite_values(location, location_index, "location", names)
    image = select_columns(X, image_index)
    _finite_values(image, image_index, "image", names)
    return location, image
