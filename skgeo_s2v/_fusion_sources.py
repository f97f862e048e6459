"""What GeoPriorFusion's two sources give, aligned to its classes and checked.

The image model (or the precomputed probabilities of ``"passthrough"``) and
the location model each give one score per class; their columns are put in
the order of the fusion's ``classes_`` by label, and an output of the wrong
shape, or probabilities that are not probabilities, are refused with a
ValueError that says what was found.
"""

import numpy as np
from sklearn.utils.validation import check_array

__all__ = ["PROBA_SUM_TOLERANCE", "check_passthrough", "check_scores", "class_order"]

#: Largest ``|row sum - 1|`` accepted for precomputed image probabilities.
PROBA_SUM_TOLERANCE = 1e-3


def _describe(labels):
    return "[" + ", ".join(repr(label) for label in np.asarray(labels).tolist()) + "]"


def class_order(model_classes, classes, source):
    """Column indices that put a model's output in the order of ``classes``.

    Parameters
    ----------
    model_classes : array-like of shape (n_classes,)
        The ``classes_`` of the model, in its column order.
    classes : ndarray of shape (n_classes,)
        The fusion's sorted labels.
    source : str
        The parameter naming the model, for the message.

    Returns
    -------
    order : ndarray of intp
        ``output[:, order]`` has the columns of ``classes``.

    Raises
    ------
    ValueError
        Listing the labels that only one side knows.

    Examples
    --------
    >>> import numpy as np
    >>> class_order(["c", "a", "b"], np.array(["a", "b", "c"]), "model")
    array([1, 2, 0])
    """
    model_classes = np.asarray(model_classes)
    only_model = np.setdiff1d(model_classes, classes)
    only_y = np.setdiff1d(classes, model_classes)
    if only_model.size or only_y.size or model_classes.size != classes.size:
        raise ValueError(
            f"The classes of {source} do not match the labels of y: "
            f"only in {source}: {_describe(only_model)}; only in y: "
            f"{_describe(only_y)}. Fit both models on the same label set "
            "(a FrozenEstimator must have been trained on the labels of y)."
        )
    position = {label: i for i, label in enumerate(model_classes.tolist())}
    return np.array([position[label] for label in classes.tolist()], dtype=np.intp)


def check_passthrough(proba, classes):
    """Precomputed image probabilities as floats, refused if of the wrong shape or sum.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_image_columns)
        The image columns of ``X`` with ``image_estimator="passthrough"``.
    classes : ndarray of shape (n_classes,)
        The fusion's sorted labels: one column each, in this order.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes), float64

    Examples
    --------
    >>> import numpy as np
    >>> check_passthrough([[0.25, 0.75]], np.array(["a", "b"]))
    array([[0.25, 0.75]])
    """
    proba = check_array(proba, dtype=np.float64)
    if proba.shape[1] != classes.size:
        raise ValueError(
            f"image_estimator='passthrough' expects one probability column per "
            f"class, {classes.size} for the classes {_describe(classes)} of y, "
            f"but X has {proba.shape[1]} image column(s). Select the probability "
            "columns with image_columns, in the order of the sorted labels."
        )
    sums = proba.sum(axis=1)
    bad = (np.abs(sums - 1.0) > PROBA_SUM_TOLERANCE) | (proba < 0).any(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        raise ValueError(
            f"With image_estimator='passthrough' the image columns must be "
            f"probabilities, but row {row} holds values summing to {sums[row]:.6g}"
            f" (min {proba[row].min():.6g}); each row must be non-negative and "
            f"sum to 1 within {PROBA_SUM_TOLERANCE}. Apply a softmax to logits "
            "first, or check image_columns."
        )
    return proba


def check_scores(scores, classes, source):
    """A model's per-class output as floats, refused unless one column per class.

    Parameters
    ----------
    scores : array-like
        What the model's ``predict_proba`` (or ``predict_presence``) returned.
    classes : ndarray of shape (n_classes,)
        The fusion's labels.
    source : str
        The parameter naming the model, for the message.

    Returns
    -------
    scores : ndarray of shape (n_samples, n_classes), float64

    Examples
    --------
    >>> import numpy as np
    >>> check_scores([[0.5, 0.1]], np.array([0, 1]), "location_estimator")
    array([[0.5, 0.1]])
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] != classes.size:
        raise ValueError(
            f"{source} returned scores of shape {scores.shape}, but there are "
            f"{classes.size} classes {_describe(classes)}: it must give one "
            "column per class, in the order of its classes_."
        )
    return scores
