"""Thresholds that turn presence scores into binary ranges (SPEC §10)."""

import numpy as np

from ._columns import check_scores, presence_absence_by_class

__all__ = ["binary_range", "class_thresholds", "presence_threshold"]

_METHODS = ("max_tss", "equal_sens_spec", "percentile")


def _sensitivity_specificity(presence, absence):
    """Candidate thresholds (every score) with the sensitivity and specificity of each.

    A site is predicted present when its score is at or above the threshold:
    sensitivity is the share of presences ``>= t``, specificity the share of
    absences ``< t``.
    """
    presence, absence = np.sort(presence), np.sort(absence)
    candidates = np.unique(np.r_[presence, absence])
    sensitivity = 1.0 - np.searchsorted(presence, candidates, "left") / presence.size
    specificity = np.searchsorted(absence, candidates, "left") / absence.size
    return candidates, sensitivity, specificity


def presence_threshold(
    presence_scores, absence_scores=None, *, method="max_tss", percentile=10.0
):
    """A presence threshold for one class.

    Parameters
    ----------
    presence_scores : array-like of shape (n_presences,)
        Scores at presence sites (for ``"percentile"``, the training records).
    absence_scores : array-like of shape (n_absences,), default=None
        Scores at absence or background sites; needed by ``"max_tss"`` and
        ``"equal_sens_spec"``.
    method : {"max_tss", "equal_sens_spec", "percentile"}, default="max_tss"
        ``"max_tss"``: the score that maximises the true skill statistic
        ``TSS = sensitivity + specificity - 1`` (the lowest such score when
        several tie). ``"equal_sens_spec"``: the score where sensitivity and
        specificity are closest (ties go to the larger TSS, then the lower
        score). ``"percentile"``: the ``percentile``-th percentile of the
        presence scores (the lower sample value), so at least
        ``100 - percentile`` % of the presences stay inside the range.
    percentile : float, default=10.0
        Used by ``"percentile"``: 10 is the usual "10th percentile training
        presence" threshold, 0 the "minimum training presence".

    Returns
    -------
    threshold : float
        Sites scoring at or above it are predicted present.

    Examples
    --------
    >>> presence = [0.4, 0.7, 0.8, 0.9]
    >>> absence = [0.1, 0.2, 0.5, 0.6]
    >>> presence_threshold(presence, absence)  # sensitivity 3/4, specificity 1
    0.7
    >>> presence_threshold(presence, method="percentile", percentile=25)
    0.4
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
    presence = check_scores(presence_scores, "presence_scores", ndim=1)
    if method == "percentile":
        if not 0 <= percentile <= 100:
            raise ValueError(f"percentile must be in [0, 100], got {percentile}.")
        return float(np.percentile(presence, percentile, method="lower"))
    if absence_scores is None:
        raise ValueError(
            f"method={method!r} needs absence_scores (absence or background "
            "sites); method='percentile' needs presences only."
        )
    absence = check_scores(absence_scores, "absence_scores", ndim=1)
    candidates, sensitivity, specificity = _sensitivity_specificity(presence, absence)
    tss = sensitivity + specificity - 1.0
    if method == "max_tss":
        return float(candidates[np.argmax(tss)])
    gap = np.abs(sensitivity - specificity)
    best = np.lexsort((candidates, -tss, gap))[0]
    return float(candidates[best])


def class_thresholds(
    y_true,
    y_score,
    *,
    labels=None,
    background_score=None,
    method="max_tss",
    percentile=10.0,
):
    """One presence threshold per class (see :func:`presence_threshold`).

    Parameters
    ----------
    y_true : array-like of shape (n_sites, n_classes) or (n_samples,)
        A presence-absence matrix of 0 and 1, or the labels of presence
        records, as for :func:`~skgeo_s2v.sdm.presence_auc`.
    y_score : array-like of shape (n_samples, n_classes)
        Scores of the rows, e.g. ``predict_presence``.
    labels : array-like of shape (n_classes,), default=None
        The classes of the columns of ``y_score`` (``estimator.classes_``).
    background_score : array-like of shape (n_background, n_classes), default=None
        Scores at background points, the absences of presence records; when
        None the records of the other classes are.
    method : {"max_tss", "equal_sens_spec", "percentile"}, default="max_tss"
        How each threshold is chosen.
    percentile : float, default=10.0
        For ``"percentile"``.

    Returns
    -------
    thresholds : ndarray of shape (n_classes,)
        NaN for a class without presences (or, for the TSS rules, without
        absences): no threshold can be chosen for it.

    Examples
    --------
    >>> y = ["a", "a", "b", "b"]
    >>> scores = [[0.9, 0.2], [0.6, 0.3], [0.4, 0.8], [0.2, 0.7]]
    >>> class_thresholds(y, scores)
    array([0.6, 0.7])
    """
    columns, pairs = presence_absence_by_class(
        y_true, y_score, labels=labels, background_score=background_score
    )
    thresholds = np.full(np.shape(y_score)[1], np.nan)
    for column, (presence, absence) in zip(columns, pairs, strict=True):
        if presence.size and (absence.size or method == "percentile"):
            thresholds[column] = presence_threshold(
                presence, absence, method=method, percentile=percentile
            )
    if np.isnan(thresholds).all():
        named = None if labels is None else np.asarray(labels).tolist()[:5]
        held = np.unique(np.asarray(y_true, dtype=object).ravel())[:5].tolist()
        raise ValueError(
            "No class has presences in y_true (and, for the TSS rules, "
            "absences), so no threshold can be chosen: labels start "
            f"{named}, y_true holds e.g. {held}. Pass labels=estimator.classes_ "
            "and the records' labels (or a presence-absence matrix) as y_true; "
            "for the TSS rules, background_score gives the absences."
        )
    return thresholds


def binary_range(scores, thresholds):
    """Binary range maps: where each class scores at or above its threshold.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes) or xarray.DataArray
        Scores, e.g. ``predict_presence``; a DataArray from
        :func:`~skgeo_s2v.sdm.predict_grid` is compared along its ``class``
        dimension.
    thresholds : float or array-like of shape (n_classes,)
        One threshold for every class, or one per class
        (:func:`class_thresholds`). A NaN threshold gives an empty range.

    Returns
    -------
    ranges : ndarray of bool or xarray.DataArray
        Same shape (and, for a DataArray, coordinates) as ``scores``. A
        DataArray's range is boolean where every cell was scored; a grid
        with cells that :func:`~skgeo_s2v.sdm.predict_grid` left NaN (no
        covariates there: at sea, outside the rasters, an unseen
        categorical level) gives a float32 range, 1 (present), 0 (absent)
        and NaN in those cells, so that no cell without a prediction is
        counted as an absence (:func:`~skgeo_s2v.sdm.to_geotiff` writes
        them as no data).

    Examples
    --------
    >>> binary_range([[0.9, 0.2], [0.5, 0.8]], [0.6, 0.7])
    array([[ True, False],
           [False,  True]])

    A cell of a grid without a prediction stays without one:

    >>> import numpy as np, xarray as xr
    >>> grid = xr.DataArray([[[0.9, np.nan]]], dims=("class", "lat", "lon"),
    ...                     coords={"class": ["oak"]})
    >>> binary_range(grid, 0.5).values
    array([[[ 1., nan]]], dtype=float32)
    """
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if hasattr(scores, "dims") and "class" in scores.dims:
        import xarray as xr

        if thresholds.ndim:
            thresholds = xr.DataArray(
                thresholds, dims="class", coords={"class": scores["class"]}
            )
        ranges = scores >= thresholds
        long_name = "predicted presence (score >= threshold)"
        scored = scores.notnull()
        if not bool(scored.all()):
            ranges = ranges.astype(np.float32).where(scored)
            long_name += ", NaN where not scored"
        ranges.name = "range"
        ranges.attrs = {"long_name": long_name}
        return ranges
    scores = check_scores(scores, "scores", ndim=2)
    if thresholds.ndim and thresholds.shape != (scores.shape[1],):
        raise ValueError(
            f"thresholds has shape {thresholds.shape}; give one per class "
            f"({scores.shape[1]}) or a single number."
        )
    return scores >= thresholds
