"""The metrics of species distribution modelling (SPEC §10): AUC, Boyce, calibration."""

import numpy as np
from scipy.stats import spearmanr
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import _check_response_method

from .._presence import presence_method
from ._columns import check_scores, presence_absence_by_class

__all__ = [
    "continuous_boyce_index",
    "presence_auc",
    "presence_auc_scorer",
    "presence_calibration_curve",
    "presence_scores",
]


def presence_auc(
    y_true, y_score, *, labels=None, background_score=None, average="macro"
):
    """ROC AUC of each class, presences against absences, and their mean.

    The AUC of a class is the probability that a random presence scores
    above a random absence (ties count one half), as in
    :func:`sklearn.metrics.roc_auc_score`. A class is left out of the mean
    when it has no presence or no absence among the rows.

    Parameters
    ----------
    y_true : array-like of shape (n_sites, n_classes) or (n_samples,)
        A presence-absence matrix of 0 and 1 (test sites by classes, as
        surveys give; a DataFrame whose columns name the classes needs
        ``labels``, and its columns are matched to them by name),
        or the labels of presence records. With labels, the absences of a
        class are ``background_score`` when given, else the records of the
        other classes.
    y_score : array-like of shape (n_samples, n_classes)
        Scores of the rows, e.g. ``predict_presence``; higher means more
        likely present.
    labels : array-like of shape (n_classes,), default=None
        The classes of the columns of ``y_score`` (``estimator.classes_``).
    background_score : array-like of shape (n_background, n_classes), default=None
        Scores at background points, the absences of presence records.
    average : {"macro", None}, default="macro"
        ``"macro"``: the unweighted mean over the classes that can be scored;
        None: the AUC of every column, NaN where a class cannot be scored.

    Returns
    -------
    auc : float or ndarray of shape (n_classes,)

    Raises
    ------
    ValueError
        If no class has both presences and absences, or the input is
        malformed (shapes, non-finite scores, values other than 0 and 1).

    Examples
    --------
    >>> Y = [[1, 0], [1, 1], [0, 1], [0, 0]]  # 4 sites, 2 species
    >>> scores = [[0.9, 0.1], [0.6, 0.3], [0.2, 0.8], [0.7, 0.4]]
    >>> presence_auc(Y, scores, average=None)  # species 2: 0.3 < 0.4
    array([0.75, 0.75])
    >>> presence_auc(Y, scores)
    0.75
    """
    if average not in ("macro", None):
        raise ValueError(f"average must be 'macro' or None, got {average!r}.")
    columns, pairs = presence_absence_by_class(
        y_true, y_score, labels=labels, background_score=background_score
    )
    auc = np.full(np.shape(y_score)[1], np.nan)
    for column, (presence, absence) in zip(columns, pairs, strict=True):
        if presence.size and absence.size:
            truth = np.r_[np.ones(presence.size), np.zeros(absence.size)]
            auc[column] = roc_auc_score(truth, np.r_[presence, absence])
    if average is None:
        return auc
    if np.isnan(auc).all():
        raise ValueError(
            "No class has both presences and absences among the rows, so no "
            "AUC is defined; score on more sites, or pass background_score."
        )
    return float(np.nanmean(auc))


def presence_scores(estimator, X):
    """``estimator.predict_presence(X)`` where it exists, else ``predict_proba(X)``.

    The ``predict_presence`` of a model inside a fitted search
    (``best_estimator_``) or at the end of a
    :class:`~sklearn.pipeline.Pipeline` counts as the estimator's own, so
    that the presence scores of a tuned classifier are not its shares of
    the classes (``predict_proba``, normalised over them at each site).

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> presence_scores(DummyClassifier().fit([[0], [1]], [0, 1]), [[0]])
    array([[0.5, 0.5]])
    """
    method = presence_method(estimator)
    if method is None:
        method = _check_response_method(estimator, ["predict_proba"])
    return method(X)


class _PresenceAUCScorer:
    """``scorer(estimator, X, y) -> float``: :func:`presence_auc` of the estimator."""

    def __call__(self, estimator, X, y_true, sample_weight=None):
        if sample_weight is not None:
            raise ValueError("The presence_auc scorer does not take sample_weight.")
        return presence_auc(
            y_true, presence_scores(estimator, X), labels=estimator.classes_
        )

    def __repr__(self):
        return "presence_auc_scorer"


#: Scorer for :func:`presence_auc`: ``GridSearchCV(scoring=presence_auc_scorer)``.
#: It scores ``predict_presence`` (else ``predict_proba``; see
#: :func:`presence_scores` for searches and pipelines) against ``y``, the
#: labels of held-out records (each class against the other classes' records)
#: or a presence-absence DataFrame whose columns name the classes.
presence_auc_scorer = _PresenceAUCScorer()


def _window_counts(sorted_values, starts, width):
    """How many of ``sorted_values`` fall in each closed window ``[s, s + width]``."""
    upper = np.searchsorted(sorted_values, starts + width, side="right")
    return upper - np.searchsorted(sorted_values, starts, side="left")


def continuous_boyce_index(
    presence_scores, background_scores, *, n_windows=100, window_width=None
):
    """Continuous Boyce index (Hirzel et al. 2006) of presence-only validation data.

    A window of width ``w`` slides over the score range in ``n_windows``
    evenly spaced steps. In window ``i``, ``P_i`` is the share of presences
    and ``E_i`` the share of background points (the study area) whose score
    falls in it (ends included); windows with ``E_i = 0`` are dropped. The
    index is the Spearman correlation between ``F_i = P_i / E_i`` and the
    window centres (SPEC §10): +1 when presences concentrate ever more where
    the model scores high, near 0 for a model no better than random, below 0
    for a model that ranks backwards.

    Parameters
    ----------
    presence_scores : array-like of shape (n_presences,)
        Scores at held-out presence records, for one class.
    background_scores : array-like of shape (n_background,)
        Scores at background points over the study area, same class.
    n_windows : int, default=100
        Number of window positions, from the lowest score to the highest.
    window_width : float, default=None
        Width ``w`` of a window; a tenth of the score range (over presences
        and background together) when None.

    Returns
    -------
    boyce : float
        In ``[-1, 1]``; 0.0 when every ``F_i`` is equal (presences spread as
        the background), where Spearman's correlation is undefined.

    Raises
    ------
    ValueError
        If the scores are empty or not finite, all equal, the width is not
        in ``(0, score range]``, or fewer than two windows hold background.

    Examples
    --------
    Background scores 0, 1, ..., 9 and windows of width 3 at 0, 2, 4, 6 hold
    four background points each (``E_i = 0.4``). One presence scores 1.0,
    three 3.5, two 5.5 and four 8.0, so ``P = (0.1, 0.3, 0.2, 0.4)``: the
    ranks of ``F = P / E`` are 1, 3, 2, 4 and Spearman's correlation is
    ``1 - 6 · 2 / (4 · 15) = 0.8``.

    >>> presences = [1.0] + [3.5] * 3 + [5.5] * 2 + [8.0] * 4
    >>> continuous_boyce_index(presences, range(10), n_windows=4, window_width=3)
    0.8
    """
    presence = np.sort(check_scores(presence_scores, "presence_scores", ndim=1))
    background = np.sort(check_scores(background_scores, "background_scores", ndim=1))
    if not (isinstance(n_windows, (int, np.integer)) and n_windows >= 2):
        raise ValueError(f"n_windows must be an integer >= 2, got {n_windows!r}.")
    low = min(presence[0], background[0])
    span = max(presence[-1], background[-1]) - low
    if span == 0:
        raise ValueError(
            f"Every score equals {low}: a constant model has no Boyce index."
        )
    width = span / 10.0 if window_width is None else float(window_width)
    if not 0 < width <= span:
        raise ValueError(
            f"window_width={window_width} must be in (0, {span}], the score range."
        )
    starts = np.linspace(low, low + span - width, n_windows)
    expected = _window_counts(background, starts, width) / background.size
    predicted = _window_counts(presence, starts, width) / presence.size
    kept = expected > 0
    if kept.sum() < 2:
        raise ValueError(
            "Fewer than two windows hold background points; give more background "
            "points or a wider window_width."
        )
    ratio = predicted[kept] / expected[kept]
    if np.ptp(ratio) == 0:
        return 0.0
    return float(spearmanr(ratio, starts[kept] + width / 2).statistic)


def presence_calibration_curve(
    y_true, y_score, *, labels=None, n_bins=10, strategy="uniform"
):
    """Reliability-curve data of presence probabilities, pooled over the classes.

    Every (site, class) pair is one prediction: its presence probability
    against whether the class was present there. Within each bin of
    predicted probability, a calibrated model's mean prediction equals the
    observed frequency of presence. This wraps
    :func:`sklearn.calibration.calibration_curve`.

    Parameters
    ----------
    y_true : array-like of shape (n_sites, n_classes) or (n_samples,)
        A presence-absence matrix (a DataFrame's columns matched to
        ``labels``), or labels of records (the class of a record is present
        there, the other classes absent).
    y_score : array-like of shape (n_samples, n_classes)
        Presence probabilities in ``[0, 1]``, e.g. ``predict_presence``.
    labels : array-like of shape (n_classes,), default=None
        The classes of the columns of ``y_score``.
    n_bins : int, default=10
        Number of bins of predicted probability.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins, or bins holding equal numbers of predictions.

    Returns
    -------
    prob_true : ndarray of shape (n_nonempty_bins,)
        Observed frequency of presence in each bin.
    prob_pred : ndarray of shape (n_nonempty_bins,)
        Mean predicted probability in each bin.

    Examples
    --------
    >>> Y = [[1, 0], [0, 0], [1, 1], [0, 1]]
    >>> scores = [[0.9, 0.2], [0.1, 0.1], [0.8, 0.7], [0.3, 0.9]]
    >>> prob_true, prob_pred = presence_calibration_curve(Y, scores, n_bins=2)
    >>> prob_true, prob_pred
    (array([0., 1.]), array([0.175, 0.825]))
    """
    columns, pairs = presence_absence_by_class(y_true, y_score, labels=labels)
    truth = np.concatenate([np.r_[np.ones(p.size), np.zeros(a.size)] for p, a in pairs])
    scores = np.concatenate([np.r_[p, a] for p, a in pairs])
    if scores.min() < 0 or scores.max() > 1:
        raise ValueError(
            "y_score must be probabilities in [0, 1] (predict_presence); got values "
            f"in [{scores.min()}, {scores.max()}]."
        )
    return calibration_curve(truth, scores, n_bins=n_bins, strategy=strategy)
