"""Ranking metrics of the paper (SPEC §8): top-k accuracy, mean reciprocal rank.

Ties: the rank of the true class is one plus the number of classes with a
**strictly greater** score, so a tie counts in the true class's favour (a
constant score ranks every class first). Both metrics use this rule.

Scorers for model selection are the objects :data:`mrr_scorer`,
:data:`top1_scorer`, :data:`top5_scorer` or :func:`get_scorer` ``("mrr")``;
pass them as ``GridSearchCV(scoring=...)`` (scikit-learn has no public
registry of string names, so ``scoring="mrr"`` itself is not recognised).
"""

import numpy as np
from sklearn.utils.validation import check_consistent_length, column_or_1d

__all__ = [
    "get_scorer",
    "mean_reciprocal_rank",
    "mrr_scorer",
    "top1_scorer",
    "top5_scorer",
    "top_k_accuracy",
    "true_class_rank",
]


def true_class_rank(y_true, y_score, labels=None):
    """Rank of the true class in each row of scores (1 = best).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        Scores, probabilities or logits; higher is better. A 1-D array is the
        score of the second of two classes (scikit-learn's binary
        ``decision_function``).
    labels : array-like of shape (n_classes,) or None, default=None
        The class of each column of ``y_score``, e.g. ``estimator.classes_``.
        None means the sorted unique values of ``y_true``, which then must
        include every class.

    Returns
    -------
    rank : ndarray of shape (n_samples,), int
        ``1 + #{c : score_c > score_true}``.

    Examples
    --------
    >>> true_class_rank([0, 1, 2], [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.4, 0.4, 0.2]])
    array([1, 2, 3])
    """
    y_true = column_or_1d(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if np.isnan(y_score).any():  # NaN compares false: it would rank first
        where = [int(i) for i in np.argwhere(np.isnan(y_score))[0]]
        place = f"row {where[0]}" + (f", column {where[1]}" if len(where) > 1 else "")
        raise ValueError(
            f"y_score holds NaN at {place}; scores must be numbers (infinite "
            "log-probabilities are fine). A model that predicts NaN diverged "
            "in training or was given NaN input."
        )
    if y_score.ndim == 1:
        y_score = np.column_stack([-y_score, y_score])
    check_consistent_length(y_true, y_score)
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    if labels.shape[0] != y_score.shape[1]:
        raise ValueError(
            f"y_score has {y_score.shape[1]} columns but there are "
            f"{labels.shape[0]} labels; pass labels=estimator.classes_ to say "
            "which class each column is."
        )
    order = np.argsort(labels, kind="stable")
    position = np.searchsorted(labels[order], y_true)
    position = np.clip(position, 0, labels.shape[0] - 1)
    found = labels[order][position] == y_true
    if not found.all():
        missing = y_true[~found][0]
        missing = missing.item() if isinstance(missing, np.generic) else missing
        raise ValueError(
            f"y_true holds the label {missing!r}, which is not among the labels "
            "of y_score's columns."
        )
    column = order[position]
    true_score = y_score[np.arange(y_score.shape[0]), column]
    return 1 + np.sum(y_score > true_score[:, None], axis=1)


def top_k_accuracy(y_true, y_score, k=5, labels=None):
    """Fraction of samples whose true class ranks in the top ``k``.

    Ties follow the module rule (strictly greater scores rank ahead).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        Scores; higher is better.
    k : int, default=5
        Number of top classes that count as a hit.
    labels : array-like of shape (n_classes,) or None, default=None
        The class of each column, see :func:`true_class_rank`.

    Returns
    -------
    accuracy : float

    Examples
    --------
    >>> scores = [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]]
    >>> top_k_accuracy([0, 1, 2], scores, k=2)
    0.6666666666666666
    """
    if int(k) < 1:
        raise ValueError(f"k={k} must be a positive integer.")
    return float(np.mean(true_class_rank(y_true, y_score, labels) <= k))


def mean_reciprocal_rank(y_true, y_score, labels=None):
    """Mean of ``1 / rank`` of the true class (MRR).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,)
        Scores; higher is better.
    labels : array-like of shape (n_classes,) or None, default=None
        The class of each column, see :func:`true_class_rank`.

    Returns
    -------
    mrr : float
        In ``(0, 1]``; 1 when the true class always ranks first.

    Examples
    --------
    >>> scores = [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]]
    >>> mean_reciprocal_rank(["a", "b", "c"], scores)  # (1 + 1/2 + 1/3) / 3
    0.611111...
    """
    return float(np.mean(1.0 / true_class_rank(y_true, y_score, labels)))


def _scores(estimator, X):
    for method in ("decision_function", "predict_proba"):
        if hasattr(estimator, method):
            return getattr(estimator, method)(X)
    raise TypeError(
        f"{type(estimator).__name__} has neither decision_function nor "
        "predict_proba, which ranking scorers need."
    )


class _RankingScorer:
    """Scorer ``(estimator, X, y) -> float`` that ranks ``estimator.classes_``."""

    def __init__(self, name, metric, **kwargs):
        self.name = name
        self.metric = metric
        self.kwargs = kwargs

    def __call__(self, estimator, X, y_true, sample_weight=None):
        if sample_weight is not None:
            raise ValueError(f"The {self.name!r} scorer does not take sample_weight.")
        return self.metric(
            y_true, _scores(estimator, X), labels=estimator.classes_, **self.kwargs
        )

    def __repr__(self):
        return f"get_scorer({self.name!r})"


#: Scorer for the mean reciprocal rank; ``GridSearchCV(scoring=mrr_scorer)``.
mrr_scorer = _RankingScorer("mrr", mean_reciprocal_rank)
#: Scorer for top-1 accuracy with the module's tie rule.
top1_scorer = _RankingScorer("top1", top_k_accuracy, k=1)
#: Scorer for top-5 accuracy with the module's tie rule.
top5_scorer = _RankingScorer("top5", top_k_accuracy, k=5)

_SCORERS = {"mrr": mrr_scorer, "top1": top1_scorer, "top5": top5_scorer}


def get_scorer(name):
    """A ranking scorer by name: ``"mrr"``, ``"top1"``, ``"top5"`` or ``"topK"``.

    The scorers call the estimator's ``decision_function`` (or
    ``predict_proba``) and rank the columns of ``estimator.classes_``, so
    they work on cross-validation folds that miss some classes.

    Parameters
    ----------
    name : str
        ``"mrr"`` or ``"top<k>"`` for an integer ``k ≥ 1``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y) -> float``, greater is better.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    >>> get_scorer("mrr")(LogisticRegression().fit(X, y), X, y)
    1.0
    """
    if name in _SCORERS:
        return _SCORERS[name]
    if isinstance(name, str) and name.startswith("top") and name[3:].isdigit():
        k = int(name[3:])
        if k >= 1:
            return _RankingScorer(name, top_k_accuracy, k=k)
    raise ValueError(
        f"Unknown scorer {name!r}; use 'mrr' or 'top<k>' such as 'top1', 'top5'."
    )
