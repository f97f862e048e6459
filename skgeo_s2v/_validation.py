"""Validation of ``(lon, lat)`` input shared by every estimator of the package."""

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.base import BaseEstimator
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    column_or_1d,
    validate_data,
)

__all__ = [
    "check_class_labels",
    "check_several_classes",
    "check_weights",
    "check_lonlat_values",
    "find_coordinate_column",
    "first_non_finite",
    "is_out_of_core",
    "iter_row_chunks",
    "validate_lonlat",
    "validate_lonlat_out_of_core",
]

_LAT_NAMES = {"lat", "lats", "latitude", "latitudes", "y_lat"}
_LON_NAMES = {"lon", "lons", "lng", "long", "longitude", "longitudes", "x_lon"}
# Rows read at a time to check an out-of-core array: 1M rows of float64 pairs.
_VALIDATION_CHUNK_ROWS = 2**20
_SWAP_HINT = (
    "skgeo_s2v expects columns in (lon, lat) order, like GeoJSON; "
    "swap them, e.g. X[:, ::-1] for an array or X[['lon', 'lat']] for a DataFrame."
)


def find_coordinate_column(labels, wanted=_LON_NAMES, *, unique=False):
    """The label among ``labels`` that names a coordinate, or None.

    A label names the coordinate when its stripped, lower-case string is in
    ``wanted``. Labels of the same form count as one, the last of them, and
    the form that comes first wins; with ``unique=True`` a coordinate named
    by more than one label is not found either.

    Parameters
    ----------
    labels : iterable
        Column names of a DataFrame, or dimension names of an array.
    wanted : set of str, default=_LON_NAMES
        Accepted names, lower case: ``_LON_NAMES`` or ``_LAT_NAMES`` (the
        names of longitude and latitude), or a superset of them.
    unique : bool, default=False
        Return None unless exactly one label names the coordinate.

    Returns
    -------
    label : object or None
        The label found, as given, or None.

    Examples
    --------
    >>> find_coordinate_column(["bio1", " Longitude", "lat"])
    ' Longitude'
    >>> find_coordinate_column(["bio1", "lat"], _LAT_NAMES)
    'lat'
    >>> find_coordinate_column(["lon", "lng"], unique=True) is None
    True
    """
    if unique:
        found = [c for c in labels if str(c).strip().lower() in wanted]
        return found[0] if len(found) == 1 else None
    names = {str(c).strip().lower(): c for c in labels}
    return next((names[n] for n in names if n in wanted), None)


def _column_labels(X):
    """Column labels to use in messages: DataFrame names, else lon/lat."""
    columns = getattr(X, "columns", None)
    if columns is not None and len(columns) == 2:
        return [f"{columns[0]!r}", f"{columns[1]!r}"]
    return ["0 (lon)", "1 (lat)"]


def _refuse_wide_frame(X, owner):
    """A ValueError naming the columns of a DataFrame that is not two wide.

    Checked before the values are converted to numbers, so that a frame of
    covariates beside ``lon`` and ``lat`` (some of them categorical) is told
    which columns to keep rather than which value is not a float.
    """
    columns = getattr(X, "columns", None)
    if columns is None or len(columns) == 2:
        return
    shown = list(columns[:8]) + (["..."] if len(columns) > 8 else [])
    raise ValueError(
        f"X has {len(columns)} columns {shown}, but {owner} expects 2: longitude "
        "then latitude, in degrees. It models the location alone: pass "
        "X[['lon', 'lat']], or select those columns with a ColumnTransformer "
        "before it in a pipeline."
    )


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
    estimator : estimator instance or None
        The estimator validating its input; ``n_features_in_`` and
        ``feature_names_in_`` are set on it when ``reset`` is True and checked
        against it otherwise. None, for a caller that is no estimator (a
        splitter, a covariate frame's coordinates), records nothing.
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
    >>> validate_lonlat(None, [[-190.0, 10.0]], reset=True)
    array([[-190.,   10.]])
    >>> validate_lonlat(None, [[10.0, 120.0]], reset=True)
    Traceback (most recent call last):
    ...
    ValueError: Column 1 (lat) of X holds 120.0 at row 0, outside [-90, 90]. ...
    """
    owner = "skgeo_s2v" if estimator is None else type(estimator).__name__
    if estimator is None:  # a throwaway that validate_data records on
        estimator, reset = BaseEstimator(), True
    _refuse_lat_lon_frame(X)
    _refuse_wide_frame(X, owner)
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
            f"X has {lonlat.shape[1]} columns, but {owner} expects 2: longitude "
            "then latitude, in degrees."
        )
    check_lonlat_values(lonlat, labels)
    return lonlat


#: Coordinates beyond this magnitude are not degrees of any wrapping:
#: projected eastings and northings (metres) are thousands or more.
_PROJECTED_MAGNITUDE = 1000.0


def check_lonlat_values(lonlat, labels=("0 (lon)", "1 (lat)"), *, row_offset=0):
    """Raise a ValueError naming the first non-finite value or latitude beyond ±90.

    Parameters
    ----------
    lonlat : ndarray of shape (n_samples, 2)
        Longitude then latitude, in degrees.
    labels : sequence of two str, default=("0 (lon)", "1 (lat)")
        How the messages name the two columns.
    row_offset : int, default=0
        Added to the row numbers of the messages, for a chunk of a larger array.
    """
    refuse_non_finite_coordinates(lonlat, labels, row_offset=row_offset)
    lat = lonlat[:, 1]
    outside = (lat < -90.0) | (lat > 90.0)
    if outside.any():
        row = int(np.argmax(outside))
        message = (
            f"Column {labels[1]} of X holds {lat[row]} at row {row + row_offset}, "
            "outside [-90, 90]. "
        )
        lon = lonlat[:, 0]
        if np.all(np.abs(lon) <= 90.0):
            message += (
                "The data look like (lat, lon): the first column stays within "
                "±90 while the second goes beyond. " + _SWAP_HINT
            )
        elif np.abs(lonlat).max() > _PROJECTED_MAGNITUDE:
            message += (
                f"Values of {np.abs(lonlat).max():g} are far beyond degrees: the "
                "data look like projected coordinates (metres of a map "
                "projection, as many species distribution data sets ship "
                "them). Convert them to longitude and latitude in degrees "
                "first: skgeo_s2v.sdm.to_lonlat(X, crs=<their CRS>)."
            )
        else:
            message += "Latitudes must be degrees in [-90, 90]."
        raise ValueError(message)


def refuse_non_finite_coordinates(values, labels, *, row_offset=0):
    """Raise a ValueError naming the column, row and value of the first NaN
    or infinite coordinate of the 2-D ``values`` (columns named ``labels``)."""
    bad = first_non_finite(values)
    if bad is not None:
        row, col = bad
        raise ValueError(
            f"Column {labels[col]} of X holds {values[row, col]} at row "
            f"{row + row_offset}; coordinates must be finite. Drop or impute the "
            "rows with missing coordinates first."
        )


def first_non_finite(values):
    """``(row, column)`` of the first NaN or infinite entry of a 2-D array, or None.

    Examples
    --------
    >>> import numpy as np
    >>> first_non_finite(np.array([[0.0, 1.0], [np.inf, np.nan]]))
    (1, 0)
    >>> first_non_finite(np.zeros((2, 2))) is None
    True
    """
    finite = np.isfinite(values)
    if finite.all():
        return None
    row, column = np.argwhere(~finite)[0]
    return int(row), int(column)


def validate_lonlat_out_of_core(estimator, X, *, reset, check_values=True):
    """Check an out-of-core ``(lon, lat)`` array without loading it whole.

    For a :class:`numpy.memmap` or an array-like such as an ``h5py.Dataset``:
    the shape and dtype are checked at once, and the values (as
    :func:`validate_lonlat` does) a chunk of about 16 MB at a time.

    Parameters
    ----------
    estimator : estimator instance
        ``n_features_in_`` is set on it when ``reset`` is True.
    X : numpy.memmap or array-like with ``shape``, ``dtype`` and row slicing
        Longitude then latitude, in degrees.
    reset : bool
        Whether this call is a ``fit``.
    check_values : bool, default=True
        False checks the shape only; the caller then checks each chunk it
        reads with :func:`check_lonlat_values`.

    Returns
    -------
    X : the same object, unchanged and not copied.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> validate_lonlat_out_of_core(BaseEstimator(), np.zeros((4, 3)), reset=True)
    Traceback (most recent call last):
    ...
    ValueError: X has 3 columns, but BaseEstimator expects 2: ...
    """
    shape = tuple(X.shape)
    if len(shape) != 2:
        raise ValueError(
            f"X must be 2-D of shape (n_samples, 2), got shape {shape}: longitude "
            "then latitude, in degrees."
        )
    if shape[1] != 2:
        raise ValueError(
            f"X has {shape[1]} columns, but {type(estimator).__name__} "
            "expects 2: longitude then latitude, in degrees."
        )
    if shape[0] < 1:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 "
            "is required."
        )
    if not np.issubdtype(np.dtype(X.dtype), np.number):
        raise ValueError(
            f"X holds {np.dtype(X.dtype)} values; longitudes and latitudes must "
            "be numbers (degrees)."
        )
    if reset:
        estimator.n_features_in_ = 2
        estimator.__dict__.pop("feature_names_in_", None)
    if check_values:
        for start, chunk in iter_row_chunks(X, _VALIDATION_CHUNK_ROWS):
            check_lonlat_values(chunk, row_offset=start)
    return X


def iter_row_chunks(X, chunk_rows, dtype=np.float64):
    """Yield ``(start, X[start:start + chunk_rows])`` as ``dtype`` arrays."""
    for start in range(0, X.shape[0], chunk_rows):
        yield start, np.asarray(X[start : start + chunk_rows], dtype=dtype)


def is_out_of_core(X):
    """Whether ``X`` should be read batch by batch rather than loaded.

    True for a :class:`numpy.memmap` and for array-likes that are not numpy
    arrays but index like them and state their ``shape`` and ``dtype``, such
    as an ``h5py.Dataset`` or a ``zarr.Array``. Lists, numpy arrays, pandas,
    torch objects and sparse matrices are loaded (or refused) as usual.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> is_out_of_core(np.zeros((3, 2)))
    False
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     X = np.lib.format.open_memmap(
    ...         os.path.join(folder, "x.npy"), mode="w+", shape=(3, 2))
    ...     print(is_out_of_core(X))
    True
    """
    if isinstance(X, np.memmap):
        return True
    if isinstance(X, np.ndarray | list | tuple):
        return False
    if hasattr(X, "iloc") or hasattr(X, "__dataframe__"):  # pandas, polars
        return False
    if issparse(X) or type(X).__module__.split(".")[0] == "torch":
        return False
    return all(hasattr(X, name) for name in ("shape", "dtype", "__getitem__"))


def check_several_classes(classes, estimator, advice=""):
    """Refuse a classification target of one class, naming it.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        The sorted labels of ``y``.
    estimator : estimator instance
        The estimator being fitted, named in the message.
    advice : str, default=""
        A sentence appended to the message, on how to add a class.

    Raises
    ------
    ValueError
        If ``classes`` holds fewer than two labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> check_several_classes(np.array(["oak"]), DummyClassifier())
    Traceback (most recent call last):
    ...
    ValueError: y holds a single class ('oak'); DummyClassifier needs at least 2 ...
    """
    if len(classes) < 2:
        found = np.asarray(classes)[:1].tolist()  # numpy scalars as Python ones
        held = f"a single class ({found[0]!r})" if found else "no class"
        message = (
            f"y holds {held}; {type(estimator).__name__} needs at least 2 classes."
        )
        raise ValueError(f"{message} {advice}".strip())


def check_weights(weights, n, what="weights", of="points"):
    """Check one finite, non-negative weight per item, not all zero.

    Parameters
    ----------
    weights : array-like of shape (n,)
        The weights, as the user gave them.
    n : int
        How many items they weigh.
    what, of : str, default="weights", "points"
        The parameter's name and what it weighs, for the messages.

    Returns
    -------
    weights : ndarray of shape (n,), float64
        A new array.

    Raises
    ------
    ValueError
        Naming the parameter and, for a bad value, its first position.

    Examples
    --------
    >>> check_weights([1, 0, 2], 3)
    array([1., 0., 2.])
    >>> check_weights([1, -1, 2], 3)
    Traceback (most recent call last):
    ...
    ValueError: weights[1] is -1.0; weights must be finite and non-negative.
    """
    try:
        values = np.array(weights, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} must be numbers, one per item: {error}") from error
    if values.shape != (n,):
        raise ValueError(
            f"{what} has shape {values.shape}, but there are {n} {of}; give one "
            "weight per item."
        )
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise ValueError(
            f"{what}[{bad[0]}] is {values[bad[0]]}; {what} must be finite and "
            "non-negative."
        )
    if n and not values.any():
        raise ValueError(f"{what} are all 0; give at least one item a weight.")
    return values


def check_class_weights(sample_weight, codes, classes, *, of="class"):
    """Check ``sample_weight`` of labelled rows: each class must keep a weight.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        The weights as the user gave them; None weighs every row 1.
    codes : ndarray of int of shape (n_samples,)
        Each row's class, as an index into ``classes``.
    classes : ndarray of shape (n_classes,)
        The class labels, named in the message.
    of : str, default="class"
        What a class is (``"species"``), for the message.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,), float64, or None
        A new array; None when ``sample_weight`` is None.

    Raises
    ------
    ValueError
        If a weight is negative or not finite, the shape is not ``(n_samples,)``,
        or a class's rows weigh 0 in total.

    Examples
    --------
    >>> import numpy as np
    >>> check_class_weights([1, 3, 2], np.array([0, 1, 1]), np.array(["a", "b"]))
    array([1., 3., 2.])
    >>> check_class_weights([0, 3, 2], np.array([0, 1, 1]), np.array(["a", "b"]))
    Traceback (most recent call last):
    ...
    ValueError: sample_weight gives the rows of the class ['a'] a total weight of 0; ...
    """
    if sample_weight is None:
        return None
    weights = _check_sample_weight(
        sample_weight, np.empty((len(codes), 0)), ensure_non_negative=True
    )
    totals = np.bincount(codes, weights=weights, minlength=len(classes))
    if np.any(totals <= 0):
        empty = np.asarray(classes)[totals <= 0].tolist()
        raise ValueError(
            f"sample_weight gives the rows of the {of} {empty} a total weight of "
            f"0; give each {of} at least one row of positive weight, or leave its "
            "rows out of X and y."
        )
    return weights


def check_class_labels(y):
    """Return ``y`` as a 1-D array of class labels, refusing missing labels.

    Every estimator of the package checks its labels here. A missing label
    (``None``, ``NaN``, ``pd.NA``, ``NaT``) or an infinite one would otherwise
    become a class of its own (``LabelEncoder``) or fail deep inside a
    comparison, so it is refused with the row that holds it.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.

    Returns
    -------
    y : ndarray of shape (n_samples,)
        The labels, unchanged, as a 1-D array.

    Raises
    ------
    ValueError
        If a label is missing or infinite, or ``y`` is not a classification
        target (continuous values, for instance).

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v._validation import check_class_labels
    >>> check_class_labels(["oak", "pine", "oak"])
    array(['oak', 'pine', 'oak'], dtype='<U4')
    >>> check_class_labels(np.array(["oak", None], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: y holds a missing label (None) at row 1; drop the unlabelled rows ...
    """
    y = column_or_1d(y, warn=True)
    missing = np.asarray(pd.isna(y), dtype=bool)
    if y.dtype.kind in "fc":
        missing |= ~np.isfinite(y)
    if missing.any():
        row = int(np.argmax(missing))
        label = y[row].item() if isinstance(y[row], np.generic) else y[row]
        kind = "a missing" if pd.isna(label) else "an infinite"
        raise ValueError(
            f"y holds {kind} label ({label!r}) at row {row}; "
            "drop the unlabelled rows before fitting."
        )
    check_classification_targets(y)
    return y
