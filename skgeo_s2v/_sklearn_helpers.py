"""The private scikit-learn helpers that skgeo_s2v uses, wrapped in one place.

scikit-learn's displays and meta-estimators select columns and resolve
response methods with helpers of ``sklearn.utils`` that are not public. The
package calls them only through this module, so that a change of their
names or signatures in a later scikit-learn is mended here alone.
"""

from sklearn.utils._indexing import _get_column_indices, _safe_indexing
from sklearn.utils.metadata_routing import _routing_enabled
from sklearn.utils.validation import _check_response_method, _estimator_has

__all__ = [
    "column_indices",
    "delegate_has",
    "response_method",
    "routing_enabled",
    "select_columns",
]


def column_indices(X, key):
    """Positions of the columns ``key`` of ``X``, as ``ColumnTransformer`` reads them.

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, n_features)
        The data. String keys need a DataFrame.
    key : str, int, or a list or tuple of them
        Column names (a DataFrame) or integer positions (negative ones count
        from the end).

    Returns
    -------
    indices : list of int
        Non-negative positions, in the order of ``key``.

    Raises
    ------
    ValueError
        From scikit-learn: a name that ``X`` lacks, a name given for an array,
        a position out of range, or a key mixing names and positions.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"lon": [0.0], "fur": [1.0], "lat": [2.0]})
    >>> column_indices(frame, ["lon", "lat"]), column_indices(frame.values, [-1])
    ([0, 2], [2])
    """
    return [int(index) for index in _get_column_indices(X, list(key))]


def select_columns(X, indices):
    """The columns ``indices`` of ``X``: a DataFrame stays a DataFrame.

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, n_features)
        The data; it is not modified.
    indices : list of int
        Column positions.

    Returns
    -------
    columns : DataFrame or array of shape (n_samples, len(indices))

    Examples
    --------
    >>> import numpy as np
    >>> select_columns(np.arange(6).reshape(2, 3), [2, 0])
    array([[2, 0],
           [5, 3]])
    """
    return _safe_indexing(X, list(indices), axis=1)


def response_method(estimator, names):
    """The first of the methods ``names`` that ``estimator`` has, or None.

    Parameters
    ----------
    estimator : object
        A fitted model (or a meta-estimator whose methods depend on what it
        wraps: ``available_if`` hides the methods it lacks).
    names : str or sequence of str
        Method names in order of preference.

    Returns
    -------
    method : bound method or None
        None when the estimator has none of them; ``method.__name__`` says
        which one was found.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> response_method(SVC(), ["predict_proba", "decision_function"]).__name__
    'decision_function'
    >>> response_method(SVC(), "predict_presence") is None
    True
    """
    try:
        return _check_response_method(estimator, names)
    except AttributeError:
        return None


def delegate_has(attr, delegates):
    """An ``available_if`` check: the first of ``delegates`` present has ``attr``.

    Parameters
    ----------
    attr : str
        A method name, e.g. ``"predict_proba"``.
    delegates : tuple of str
        Attribute names of the sub-estimator, fitted one first, e.g.
        ``("image_estimator_", "image_estimator")``.

    Returns
    -------
    check : callable
        ``check(meta_estimator)`` is truthy when the method can be delegated;
        it raises AttributeError when it cannot.

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.svm import SVC
    >>> bool(delegate_has("decision_function", ("estimator",))(FrozenEstimator(SVC())))
    True
    """
    return _estimator_has(attr, delegates=tuple(delegates))


def routing_enabled():
    """Whether ``sklearn.set_config(enable_metadata_routing=True)`` is in effect.

    Returns
    -------
    enabled : bool

    Examples
    --------
    >>> import sklearn
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     routing_enabled()
    True
    """
    return _routing_enabled()
