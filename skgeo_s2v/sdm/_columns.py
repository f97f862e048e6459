"""Presence and absence scores per class, from the input forms the SDM metrics take."""

import numpy as np
import pandas as pd

__all__ = ["check_scores", "presence_absence_by_class"]


def check_scores(values, name, ndim):
    """``values`` as a finite float64 array of ``ndim`` dimensions, or a ValueError."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != ndim:
        shape = "(n_samples,)" if ndim == 1 else "(n_samples, n_classes)"
        raise ValueError(f"{name} must have shape {shape}; got shape {array.shape}.")
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty.")
    if not np.isfinite(array).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(
            f"{name} holds {array[index]} at index {index}; scores must be finite."
        )
    return array


def _indicator_columns(y_true, n_classes, labels):
    """A presence-absence matrix as bool, and the score column of each column."""
    matrix = np.asarray(y_true)
    named = isinstance(y_true, pd.DataFrame) and not isinstance(
        y_true.columns, pd.RangeIndex
    )
    if named and labels is None:
        raise ValueError(
            f"y_true is a DataFrame whose columns name classes "
            f"({list(y_true.columns)[:3]}...), but no labels say which class "
            "each column of y_score is: pass labels=estimator.classes_, and "
            "the columns are matched by name (in any order)."
        )
    if isinstance(y_true, pd.DataFrame) and labels is not None:
        position = {label: i for i, label in enumerate(labels)}
        unknown = [c for c in y_true.columns if c not in position]
        if unknown:
            raise ValueError(
                f"y_true has columns {unknown} that are not among the classes "
                f"{list(labels)}; drop them or fit the model on those classes."
            )
        columns = [position[c] for c in y_true.columns]
    elif matrix.shape[1] != n_classes:
        raise ValueError(
            f"y_true has {matrix.shape[1]} columns but y_score has {n_classes}; "
            "a presence-absence matrix needs one column per class (or a "
            "DataFrame whose columns name the classes)."
        )
    else:
        columns = list(range(n_classes))
    values = pd.unique(matrix.ravel())
    if not set(values.tolist()) <= {0, 1}:
        raise ValueError(
            f"A presence-absence y_true must hold only 0 and 1 (or booleans); it "
            f"holds {sorted(set(values.tolist()) - {0, 1}, key=str)[:5]}."
        )
    return matrix.astype(bool), columns


def presence_absence_by_class(y_true, y_score, *, labels=None, background_score=None):
    """``[(presence_scores, absence_scores), ...]``, one pair per scored class.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        Either the labels of presence records (one per row), or a
        presence-absence matrix of 0 and 1 (sites by classes; a DataFrame's
        columns are matched to ``labels``, which it then needs, by name).
    y_score : array-like of shape (n_samples, n_classes)
        Scores of the same rows, columns in the order of ``labels``.
    labels : array-like of shape (n_classes,), default=None
        The classes of the columns of ``y_score``; for labels ``y_true``, the
        sorted unique labels when None.
    background_score : array-like of shape (n_background, n_classes), default=None
        Scores at background points: with labels ``y_true``, the absences of
        every class. When None, the records of the other classes are the
        absences of each class (a target-group contrast).

    Returns
    -------
    columns : list of int
        Column of ``y_score`` of each pair.
    pairs : list of tuple of ndarray
        Presence and absence scores of each class.
    """
    y_score = check_scores(y_score, "y_score", ndim=2)
    n_classes = y_score.shape[1]
    truth = np.asarray(y_true)
    if truth.shape[0] != y_score.shape[0]:
        raise ValueError(
            f"y_true has {truth.shape[0]} rows but y_score has {y_score.shape[0]}."
        )
    if truth.ndim == 2:
        if background_score is not None:
            raise ValueError(
                "background_score goes with presence records (1-D y_true); a "
                "presence-absence matrix already holds its absences."
            )
        matrix, columns = _indicator_columns(y_true, n_classes, labels)
        pairs = [
            (y_score[matrix[:, j], c], y_score[~matrix[:, j], c])
            for j, c in enumerate(columns)
        ]
        return columns, pairs
    labels = np.unique(truth) if labels is None else np.asarray(labels)
    if len(labels) != n_classes:
        raise ValueError(
            f"y_score has {n_classes} columns but there are {len(labels)} labels; "
            "pass labels=estimator.classes_."
        )
    if background_score is not None:
        background_score = check_scores(background_score, "background_score", ndim=2)
        if background_score.shape[1] != n_classes:
            raise ValueError(
                f"background_score has {background_score.shape[1]} columns, "
                f"y_score {n_classes}: both need one column per class."
            )
    pairs = []
    for c, label in enumerate(labels):
        present = truth == label
        absent = (
            y_score[~present, c] if background_score is None else background_score[:, c]
        )
        pairs.append((y_score[present, c], absent))
    return list(range(n_classes)), pairs
