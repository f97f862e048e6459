"""One presence model per species, each of its records against the background.

Single-species models such as :class:`~skgeo_s2v.sdm.SphereGAMClassifier`
learn one species' records against background sites.
:class:`OneVsBackgroundClassifier` fits one of them per class of a data set
of many species and answers like :class:`~skgeo_s2v.SphereLocationClassifier`
(``predict_presence`` of shape ``(n_sites, n_classes)``), so that the
metrics, thresholds and maps of :mod:`skgeo_s2v.sdm` take either.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    has_fit_parameter,
)

from .._covariate_input import check_covariate_frame
from .._validation import (
    check_class_labels,
    check_class_weights,
    check_several_classes,
    check_weights,
    validate_lonlat,
)
from ._gam import SphereGAMClassifier

__all__ = ["OneVsBackgroundClassifier"]


def _rows(X, index):
    """Rows ``index`` of an array or a DataFrame."""
    return X.iloc[index] if hasattr(X, "iloc") else np.asarray(X)[index]


def _stack(first, second):
    """``first`` (the records) above ``second`` (the background): DataFrames
    by column name, their categorical columns on the levels of both, arrays
    as they are."""
    if isinstance(first, pd.DataFrame):
        if not isinstance(second, pd.DataFrame):  # (lon, lat) rows of sites
            second = pd.DataFrame(np.asarray(second), columns=first.columns)
        first, second = _on_shared_levels(first, second[list(first.columns)])
        return pd.concat([first, second], ignore_index=True)
    return np.concatenate([np.asarray(first), np.asarray(second)])


def _on_shared_levels(records, background):
    """The two frames, each categorical column on the levels of both.

    pandas concatenates categoricals of different levels (as when each was
    made from the values it holds) into plain objects, which no model takes
    as a covariate; a column categorical on one side only is refused here,
    with its name. The frames are copied only where a column changes.
    """
    shared = {}
    for name in records.columns:
        dtypes = records[name].dtype, background[name].dtype
        categorical = [isinstance(d, pd.CategoricalDtype) for d in dtypes]
        if not any(categorical) or dtypes[0] == dtypes[1]:
            continue
        if not all(categorical):
            kinds = [
                "categorical" if c else f"of dtype {d}"
                for c, d in zip(categorical, dtypes)
            ]
            other = "records" if categorical[1] else "sites"
            raise ValueError(
                f"Covariate {name!r} is {kinds[0]} in the records but {kinds[1]} "
                "in the background sites; give both the same type, e.g. "
                f"{other}[{name!r}] = {other}[{name!r}].astype('category')."
            )
        levels = dtypes[0].categories.append(dtypes[1].categories).unique()
        shared[name] = pd.CategoricalDtype(levels, ordered=dtypes[0].ordered)
    if not shared:
        return records, background
    return records.astype(shared), background.astype(shared)


class PresenceRankingMixin:
    """``predict_proba`` and ``predict`` of a model whose ``predict_presence``
    scores each class apart, one column per class of ``classes_``."""

    def predict_proba(self, X):
        """The presence scores normalised to sum to one at each site.

        A ranking of the classes at each site, not a calibrated probability
        (each class's presence is scored apart).

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return normalised_presence(self.predict_presence(X))

    def predict(self, X):
        """The class with the highest presence score at each site.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        presence = self.predict_presence(X)  # checks that the model is fitted
        return self.classes_[np.argmax(presence, axis=1)]


class OneVsBackgroundClassifier(
    PresenceRankingMixin, MetaEstimatorMixin, ClassifierMixin, BaseEstimator
):
    """One binary presence model per class, of its records against background.

    For each class (species) of ``y``, a clone of ``estimator`` is fitted on
    that class's rows of ``X`` (presences, ``True``) against background rows
    (``False``): the given background sites, or the other classes' records
    (the target group). :meth:`predict_presence` gives each model's
    probability of presence, one column per class, as
    :meth:`SphereLocationClassifier.predict_presence
    <skgeo_s2v.SphereLocationClassifier.predict_presence>` does, so
    :data:`~skgeo_s2v.sdm.presence_auc_scorer`,
    :func:`~skgeo_s2v.sdm.class_thresholds` and
    :func:`~skgeo_s2v.sdm.predict_grid` take it as they take the joint
    classifier.

    Parameters
    ----------
    estimator : classifier or None, default=None
        A binary classifier with ``predict_proba``, fitted on presences
        (``True``) against background rows (``False``); None is
        :class:`~skgeo_s2v.sdm.SphereGAMClassifier` at its defaults.
    background : "target group", array-like of shape (n_sites, 2) or DataFrame, \
default="target group"
        The background rows of every model: ``"target group"``, the records
        of the other classes; or background sites in the layout of ``X``
        (``(lon, lat)`` rows, or a DataFrame holding ``X``'s columns, the
        covariates among them).
    background_weights : array-like of shape (n_sites,) or None, default=None
        The ``sample_weight`` of the background sites in every fit (each
        record weighs its ``sample_weight`` of :meth:`fit`, 1 by default),
        such as the sampling effort at each site
        (:func:`~skgeo_s2v.sdm.sampling_effort`); only with given sites.
    n_jobs : int or None, default=None
        Classes fitted at once (joblib); None is one.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    estimators_ : list of estimators
        The fitted model of each class, in the order of ``classes_``.
    n_features_in_ : int
        Number of columns of ``X`` at fit.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it was a DataFrame.

    See Also
    --------
    skgeo_s2v.SphereLocationClassifier : one joint model of every class.

    Notes
    -----
    The models are independent: a site's presence scores need not sum to
    one, and :meth:`predict_proba` normalises them only to rank the classes
    at each site. With the target group, a class is contrasted with the
    other classes' records only, so at least two classes are needed.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.sdm import OneVsBackgroundClassifier, SphereGAMClassifier
    >>> rng = np.random.default_rng(0)
    >>> records = np.column_stack([rng.uniform(-10, 10, 200), rng.uniform(40, 50, 200)])
    >>> species = np.where(records[:, 0] < 0, "west", "east")
    >>> sites = np.column_stack([rng.uniform(-10, 10, 500), rng.uniform(40, 50, 500)])
    >>> model = OneVsBackgroundClassifier(SphereGAMClassifier("xyz"), background=sites)
    >>> model.fit(records, species).predict_presence([[-8.0, 45.0]]).shape
    (1, 2)
    >>> model.predict([[-8.0, 45.0], [8.0, 45.0]]).tolist()
    ['west', 'east']
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "background": [StrOptions({"target group"}), "array-like"],
        "background_weights": ["array-like", None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimator=None,
        *,
        background="target group",
        background_weights=None,
        n_jobs=None,
    ):
        self.estimator = estimator
        self.background = background
        self.background_weights = background_weights
        self.n_jobs = n_jobs

    def _target_group(self):
        return isinstance(self.background, str)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit one model per class of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The records: ``(lon, lat)`` in degrees, or a DataFrame of
            ``lon``, ``lat`` and covariate columns.
        y : array-like of shape (n_samples,)
            The class (species) of each record.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            The weight of each record in the fits: of its presence in its
            class's model and, with the target group, of its background row
            in the other classes' models (the background sites weigh
            ``background_weights``). Non-negative, each class with a positive
            total; the model must take ``sample_weight``. None weighs every
            record 1.

        Returns
        -------
        self : OneVsBackgroundClassifier

        Examples
        --------
        A record of weight 0 is left out of every model, as if it were not in
        ``X``:

        >>> import numpy as np
        >>> from skgeo_s2v.sdm import OneVsBackgroundClassifier, SphereGAMClassifier
        >>> X = np.array([[-8.0, 44], [-6, 46], [-4, 45], [6, 44], [8, 46], [5, 45]])
        >>> y = np.array(["west", "west", "west", "east", "east", "east"])
        >>> weights = np.array([1.0, 1, 1, 1, 1, 0])
        >>> model = OneVsBackgroundClassifier(SphereGAMClassifier("xyz"))
        >>> weighted = model.fit(X, y, sample_weight=weights).predict_presence(X)
        >>> dropped = model.fit(X[:5], y[:5]).predict_presence(X)
        >>> bool(np.allclose(weighted, dropped, atol=1e-6))
        True
        """
        if not isinstance(X, pd.DataFrame):
            X = validate_lonlat(None, X, reset=True)
        y = check_class_labels(y)
        check_consistent_length(X, y)
        self.classes_ = np.unique(y)
        if self._target_group():
            check_several_classes(
                self.classes_,
                self,
                "With background='target group' each class is fitted against "
                "the other classes' records; give background sites instead.",
            )
        site_weights = self._check_background(X)
        record_weights = check_class_weights(
            sample_weight, np.searchsorted(self.classes_, y), self.classes_
        )
        sites = self.background
        if isinstance(X, pd.DataFrame) and isinstance(sites, pd.DataFrame):
            # Once for every species: their rows then stack as they are.
            X, sites = _on_shared_levels(X, sites[list(X.columns)])
        estimator = SphereGAMClassifier() if self.estimator is None else self.estimator
        weighted = record_weights is not None or site_weights is not None
        if weighted and not has_fit_parameter(estimator, "sample_weight"):
            given = (
                "sample_weight" if record_weights is not None else "background_weights"
            )
            raise ValueError(
                f"{given} was given, but {type(estimator).__name__}.fit takes no "
                "sample_weight; use a model that does (SphereGAMClassifier, "
                "SphereLocationClassifier, most scikit-learn classifiers) or fit "
                "without weights."
            )

        def background_of(label):
            """The background rows of ``label``'s model, and their weights."""
            if not self._target_group():
                return sites, site_weights
            others = np.flatnonzero(y != label)
            weights = None if record_weights is None else record_weights[others]
            return _rows(X, others), weights

        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(
                clone(estimator),
                X,
                own,
                None if record_weights is None else record_weights[own],
                *background_of(label),
            )
            for label in self.classes_
            for own in [y == label]
        )
        # the ensemble's own input (a model of another library may record none)
        self.n_features_in_ = X.shape[1]
        first = self.estimators_[0]
        if hasattr(first, "feature_names_in_"):
            self.feature_names_in_ = first.feature_names_in_
        return self

    def _check_background(self, X):
        """The background's weights (None for none), after checking it fits ``X``."""
        if self._target_group():
            if self.background_weights is not None:
                raise ValueError(
                    "background_weights weigh given background sites; with "
                    "background='target group' give none (each record weighs 1)."
                )
            return None
        check_background_sites(X, self.background)
        return check_background_weights(self.background_weights, self.background)

    def predict_presence(self, X):
        """Each class's probability of presence, from its own model.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        presence : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "estimators_")
        return np.column_stack(
            [
                model.predict_proba(X)[:, list(model.classes_).index(True)]
                for model in self.estimators_
            ]
        )


def check_background_sites(X, background):
    """Refuse background sites that do not fit the layout of the records ``X``.

    Sites go with records of the same kind: ``(lon, lat)`` rows with
    records of the coordinates only (an array, or a DataFrame of two
    columns), and a DataFrame holding every column of a DataFrame ``X``
    (the covariates among them).
    """
    if isinstance(X, pd.DataFrame) and (
        X.shape[1] > 2 or isinstance(background, pd.DataFrame)
    ):
        if not isinstance(background, pd.DataFrame):
            raise ValueError(
                f"X is a DataFrame of {list(X.columns)}, so background must be "
                "a DataFrame holding those columns for the sites."
            )
        missing = [c for c in X.columns if c not in background.columns]
        if missing:
            raise ValueError(
                f"background lacks the columns {missing} of X; it has "
                f"{list(background.columns)}. Give the sites every covariate "
                "of X, or drop from X the columns that are no covariates (the "
                "species' labels go in y)."
            )
        # Checked apart, so that an error names the frame and its own row
        # rather than a row of the two stacked.
        check_covariate_frame(X, "X")
        check_covariate_frame(background[list(X.columns)], "background")
    elif isinstance(background, pd.DataFrame):
        raise ValueError(
            "background is a DataFrame but X is an array; give both as "
            "(lon, lat) arrays or both as DataFrames."
        )
    else:
        try:
            validate_lonlat(None, background, reset=True)
        except ValueError as error:
            raise ValueError(f"In the background sites: {error}") from error


def check_background_weights(weights, background):
    """The checked ``background_weights`` of the given background sites: one
    finite, non-negative weight a site, not all zero; None for None."""
    if weights is None:
        return None
    return check_weights(weights, len(background), "background_weights", "sites")


def normalised_presence(presence):
    """Presence scores ``(n_sites, n_classes)`` scaled to sum to one at each
    site; a site that every class scores 0 gets all classes alike."""
    total = presence.sum(axis=1, keepdims=True)
    return np.divide(
        presence,
        total,
        out=np.full_like(presence, 1.0 / presence.shape[1]),
        where=total > 0,
    )


def _fit_one(estimator, X, own, presence_weights, background, background_weights):
    """``estimator`` fitted on the rows ``own`` of ``X`` against ``background``,
    each side weighted by its weights (None: each row 1; both None: no
    ``sample_weight``)."""
    presences = _rows(X, np.flatnonzero(own))
    rows = _stack(presences, background)
    presence = np.arange(len(rows)) < len(presences)
    if presence_weights is None and background_weights is None:
        return estimator.fit(rows, presence)
    if presence_weights is None:
        presence_weights = np.ones(len(presences))
    if background_weights is None:
        background_weights = np.ones(len(background))
    sample_weight = np.concatenate([presence_weights, background_weights])
    return estimator.fit(rows, presence, sample_weight=sample_weight)
