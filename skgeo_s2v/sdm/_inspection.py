"""What a fitted model has learnt: response curves and grouped permutation importance.

:func:`response_curve` is the partial dependence of the presence score on one
covariate (the SDM's response curve); :func:`grouped_permutation_importance`
the drop in a score when a group of columns, such as ``lon`` and ``lat``
together, is shuffled across the rows. Both take any fitted estimator and a
DataFrame of the columns it was fitted on.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch, check_random_state

from .._covariate_input import coordinate_columns
from ._metrics import presence_scores

__all__ = ["grouped_permutation_importance", "response_curve"]


def _check_frame(X, function):
    if not isinstance(X, pd.DataFrame):
        raise ValueError(
            f"{function} takes X as a pandas DataFrame (the columns the model was "
            f"fitted on, by name); got {type(X).__name__}. Wrap an array of "
            "(lon, lat) rows as pd.DataFrame(X, columns=['lon', 'lat'])."
        )
    if len(X) == 0:
        raise ValueError(f"{function} needs at least one row of X; X is empty.")


def _is_categorical(column):
    """Whether ``column`` holds levels (a pandas categorical, text) rather
    than numbers."""
    return not pd.api.types.is_numeric_dtype(column.dtype)


def _grid(column, name, grid_resolution, percentiles):
    """The values of ``column`` to set: its levels, or a grid between two
    of its quantiles (its distinct values, when it has fewer)."""
    if _is_categorical(column):
        if isinstance(column.dtype, pd.CategoricalDtype):
            present = set(column.dropna())
            return np.asarray([c for c in column.cat.categories if c in present])
        return np.asarray(sorted(column.dropna().unique(), key=str), dtype=object)
    if not (isinstance(grid_resolution, Integral) and grid_resolution >= 2):
        raise ValueError(
            f"grid_resolution must be an integer >= 2; got {grid_resolution!r}."
        )
    try:
        bounds = np.asarray(percentiles, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        bounds = np.array([])
    if not (bounds.size == 2 and 0 <= bounds[0] < bounds[1] <= 1):
        raise ValueError(
            "percentiles must be two fractions (low, high) with 0 <= low < high "
            f"<= 1; got {percentiles!r}."
        )
    values = column.to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    distinct = np.unique(values)
    if distinct.size <= grid_resolution:
        return distinct
    low, high = np.quantile(values, bounds)
    if low == high:
        raise ValueError(
            f"Column {name!r} takes the value {low} between the percentiles "
            f"{percentiles}; widen them to give it a range."
        )
    return np.linspace(low, high, grid_resolution)


def _set_column(X, name, value):
    """A copy of ``X`` whose column ``name`` holds ``value`` in every row."""
    column = X[name]
    if isinstance(column.dtype, pd.CategoricalDtype):
        if value not in set(column.cat.categories):
            raise ValueError(
                f"values holds {value!r}, which is not a level of the categorical "
                f"column {name!r}; its levels are {list(column.cat.categories)}."
            )
        filled = pd.Categorical(np.repeat(value, len(X)), dtype=column.dtype)
    else:
        filled = np.repeat(value, len(X))
    changed = X.copy()
    changed[name] = pd.Series(filled, index=X.index)
    return changed


def response_curve(
    estimator, X, column, *, values=None, grid_resolution=50, percentiles=(0.05, 0.95)
):
    """The mean presence score with one column set to each value in turn.

    This is the partial dependence (Friedman 2001) of the presence score on
    ``column``, the response curve of a species distribution model: for each
    value ``v``, every row of ``X`` gets ``column = v`` with its other
    columns as they are, and the scores are averaged over the rows. The score
    is ``estimator.predict_presence`` where it exists (each species' own
    probability of presence, for :class:`~skgeo_s2v.SphereLocationClassifier`
    and :class:`~skgeo_s2v.sdm.OneVsBackgroundClassifier`), else
    ``predict_proba``. :func:`sklearn.inspection.partial_dependence` gives
    the same curves of ``predict_proba`` or ``decision_function``, but not
    of the presence probability of a joint model of many species, whose
    ``predict_proba`` is normalised over the species at each site.

    Parameters
    ----------
    estimator : fitted estimator
        A model with ``predict_presence`` or ``predict_proba``, fitted on a
        DataFrame of the columns of ``X``.
    X : DataFrame of shape (n_samples, n_columns)
        The rows to average over, such as the background sites of the study
        region (the curve then describes the region's mix of the other
        covariates) or the training records. Not modified.
    column : str
        The column to vary: a numeric covariate, a categorical one (each of
        its levels present in ``X``), or ``lon`` or ``lat``.
    values : array-like of shape (n_values,), default=None
        The values to set. None uses the levels of a categorical column, or
        ``grid_resolution`` evenly spaced values between the ``percentiles``
        of a numeric one (its distinct values when it has no more).
    grid_resolution : int, default=50
        Number of values of a numeric column's grid.
    percentiles : tuple of two floats, default=(0.05, 0.95)
        The quantiles of ``X[column]`` that bound the grid.

    Returns
    -------
    curve : DataFrame of shape (n_values, n_classes)
        The mean score at each value (the index, named ``column``), one
        column per class of ``estimator.classes_``.

    See Also
    --------
    grouped_permutation_importance : how much each column, or group of
        columns, adds to a score.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skgeo_s2v.sdm import SphereGAMClassifier, response_curve
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"lon": rng.uniform(0, 10, 300),
    ...                   "lat": rng.uniform(40, 50, 300),
    ...                   "bio1": rng.normal(10, 4, 300)})
    >>> y = rng.random(300) < 1 / (1 + np.exp(-(X["bio1"] - 10)))  # warmth
    >>> model = SphereGAMClassifier("xyz").fit(X, y)
    >>> curve = response_curve(model, X, "bio1", values=[4.0, 10.0, 16.0])
    >>> curve.columns.tolist()
    [False, True]
    >>> bool(curve[True].is_monotonic_increasing)
    True
    """
    _check_frame(X, "response_curve")
    if column not in X.columns:
        raise ValueError(
            f"column={column!r} is not a column of X; its columns are "
            f"{list(X.columns)}."
        )
    if values is None:
        values = _grid(X[column], column, grid_resolution, percentiles)
    else:
        kind = object if _is_categorical(X[column]) else None
        values = np.asarray(values, dtype=kind).ravel()
        if values.size == 0:
            raise ValueError("values is empty; give at least one value to set.")
    mean_scores = [
        np.asarray(presence_scores(estimator, _set_column(X, column, v))).mean(axis=0)
        for v in values
    ]
    classes = getattr(estimator, "classes_", None)
    return pd.DataFrame(
        np.vstack(mean_scores),
        index=pd.Index(values, name=column),
        columns=None if classes is None else list(classes),
    )


def _resolve_groups(X, groups):
    """``{name: [columns]}``: ``groups`` checked, or the location and each
    other column alone."""
    if groups is None:
        location = coordinate_columns(X.columns)
        groups = {"location": location} if location else {}
        groups.update({c: [c] for c in X.columns if c not in location})
        return groups
    if not isinstance(groups, dict) or not groups:
        raise ValueError(
            "groups must be a non-empty dict of {name: [column, ...]}, such as "
            "{'location': ['lon', 'lat'], 'climate': ['bio1', 'bio12']}; got "
            f"{groups!r}."
        )
    resolved, owner = {}, {}
    for name, columns in groups.items():
        columns = [columns] if isinstance(columns, str) else list(columns)
        if not columns:
            raise ValueError(f"groups[{name!r}] names no column; give at least one.")
        for c in columns:
            if c not in X.columns:
                raise ValueError(
                    f"groups[{name!r}] names {c!r}, which is not a column of X; "
                    f"its columns are {list(X.columns)}."
                )
            if c in owner:
                raise ValueError(
                    f"Column {c!r} is in both groups[{owner[c]!r}] and "
                    f"groups[{name!r}]; put each column in one group."
                )
            owner[c] = name
        resolved[name] = columns
    return resolved


def _shuffled(X, columns, permutation):
    """A copy of ``X`` whose ``columns`` take the rows of ``permutation``,
    together (each row keeps its other columns)."""
    shuffled = X.copy()
    for c in columns:
        shuffled[c] = X[c].iloc[permutation].set_axis(X.index)
    return shuffled


def _group_scores(scorer, estimator, X, y, columns, permutations):
    return [scorer(estimator, _shuffled(X, columns, p), y) for p in permutations]


def grouped_permutation_importance(
    estimator,
    X,
    y,
    *,
    groups=None,
    scoring=None,
    n_repeats=5,
    random_state=None,
    n_jobs=None,
):
    """The drop in a score when the columns of a group are shuffled together.

    :func:`sklearn.inspection.permutation_importance` shuffles one column at
    a time. Shuffling ``lon`` alone would pair each longitude with another
    row's latitude, a place that may lie in the sea or in no study region;
    here the columns of a group move together, so the location of each row
    becomes the location of another row, with its covariates kept. The
    importance of a group is the score of ``estimator`` on ``X`` minus its
    score with that group shuffled (higher: the model leans on it more),
    ``n_repeats`` times with a fresh permutation. Score on held-out data
    (the test fold of a spatial splitter, or surveys): on the training rows
    it measures what the model memorised.

    Parameters
    ----------
    estimator : fitted estimator
        Any fitted model that ``scoring`` can score on ``X``.
    X : DataFrame of shape (n_samples, n_columns)
        The rows to score, with the columns the model was fitted on. Not
        modified.
    y : array-like of shape (n_samples,) or DataFrame
        What ``scoring`` compares the predictions with: labels, or a
        presence-absence DataFrame for
        :data:`~skgeo_s2v.sdm.presence_auc_scorer`. Never shuffled.
    groups : dict of {str: list of str} or None, default=None
        The columns shuffled together, by group name. None is
        ``{"location": ["lon", "lat"]}`` (when ``X`` has both, or another
        spelling such as ``longitude`` and ``latitude``) and every other
        column alone, under its own name. A column may be in one group
        at most; columns left out of every group are never shuffled.
    scoring : str, callable, list, tuple, dict or None, default=None
        A scorer, as :func:`sklearn.metrics.check_scoring` takes it, such as
        :data:`~skgeo_s2v.sdm.presence_auc_scorer`; None is the estimator's
        ``score`` method. Several metrics (a list of names, or a dict of
        scorers by name) give one result each, by the same permutations.
    n_repeats : int, default=5
        Permutations of each group.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations, all drawn before any scoring, so a seed gives
        the same result for any ``n_jobs``.
    n_jobs : int or None, default=None
        Groups scored at once (joblib); None is one.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch` or dict of Bunch
        ``importances`` of shape (n_groups, n_repeats), its
        ``importances_mean`` and ``importances_std`` over the repeats, the
        ``baseline_score`` of the unshuffled ``X`` and ``groups``, the
        resolved ``{name: [columns]}`` whose order the rows follow; with
        several metrics, ``{metric: Bunch}``, as scikit-learn's.

    See Also
    --------
    response_curve : how the presence score changes with one covariate.

    Examples
    --------
    A species that lives where it is warm, wherever that is: its location
    adds nothing once warmth is known.

    >>> import numpy as np
    >>> import pandas as pd
    >>> from skgeo_s2v.sdm import SphereGAMClassifier, grouped_permutation_importance
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"lon": rng.uniform(0, 10, 400),
    ...                   "lat": rng.uniform(40, 50, 400),
    ...                   "bio1": rng.normal(10, 4, 400)})
    >>> y = rng.random(400) < 1 / (1 + np.exp(-(X["bio1"] - 10)))
    >>> model = SphereGAMClassifier("xyz").fit(X[:300], y[:300])
    >>> result = grouped_permutation_importance(
    ...     model, X[300:], y[300:], scoring="roc_auc", random_state=0
    ... )
    >>> list(result.groups)
    ['location', 'bio1']
    >>> bool(result.importances_mean[1] > 10 * abs(result.importances_mean[0]))
    True
    """
    _check_frame(X, "grouped_permutation_importance")
    if not (isinstance(n_repeats, Integral) and n_repeats >= 1):
        raise ValueError(f"n_repeats must be an integer >= 1; got {n_repeats!r}.")
    groups = _resolve_groups(X, groups)
    if not groups:
        raise ValueError("X has no column to shuffle.")
    scorer = check_scoring(estimator, scoring=scoring)
    rng = check_random_state(random_state)
    permutations = [[rng.permutation(len(X)) for _ in range(n_repeats)] for _ in groups]
    baseline = scorer(estimator, X, y)
    scores = Parallel(n_jobs=n_jobs)(
        delayed(_group_scores)(scorer, estimator, X, y, columns, drawn)
        for columns, drawn in zip(groups.values(), permutations, strict=True)
    )
    if isinstance(baseline, dict):  # several metrics: one result each
        return {
            metric: _result(
                value, [[s[metric] for s in group] for group in scores], groups
            )
            for metric, value in baseline.items()
        }
    return _result(baseline, scores, groups)


def _result(baseline, scores, groups):
    """The Bunch of one metric: its baseline and the scores of each group's
    permutations, ``(n_groups, n_repeats)``."""
    importances = baseline - np.asarray(scores, dtype=np.float64)
    return Bunch(
        importances=importances,
        importances_mean=importances.mean(axis=1),
        importances_std=importances.std(axis=1),
        baseline_score=baseline,
        groups=groups,
    )
