"""An ensemble of classifiers whose scores lie on different scales: the mean
of their ranks.

Maxent's raw output, a GAM's probability and a share of a forest's votes
rank the sites, but on scales that an average of the scores would mix
badly. :class:`RankAverageClassifier` maps each model's score to its place
among its scores of the training rows (their empirical distribution) and
averages those, so that every model counts by its ranking alone, and a
site's score does not depend on which other sites are scored with it.
"""

from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, _safe_indexing
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import _BaseComposition, available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
    has_fit_parameter,
)

from .._presence import presence_method
from .._validation import check_class_labels
from ._metrics import presence_scores

__all__ = ["RankAverageClassifier"]


def _any_has_presence(self):
    """``available_if`` check: one of the models has ``predict_presence``."""
    estimators = getattr(self, "estimators_", None)
    if estimators is None:
        estimators = [estimator for _, estimator in self.estimators]
    return any(presence_method(estimator) is not None for estimator in estimators)


def _interpolated_share(scores, values, shares):
    """``np.interp(scores, values, shares)``, also where neighbouring
    ``values`` are so close (densities underflowing towards 0) that the
    slope between them overflows: each score's fraction of the way between
    the reference values around it is computed, and clipped, on its own."""
    if len(values) == 1:
        return np.full(len(scores), shares[0])
    upper = np.clip(np.searchsorted(values, scores, side="right"), 1, len(values) - 1)
    low, high = values[upper - 1], values[upper]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        fraction = np.clip((scores - low) / (high - low), 0.0, 1.0)
    fraction = np.nan_to_num(fraction, nan=0.0)
    return shares[upper - 1] + fraction * (shares[upper] - shares[upper - 1])


#: Scores closer than this, relative to their size, are one score: the same
#: row scored in a batch of another shape can differ in its last bits.
_TIE_RTOL = 1e-9


def _distinct_scores(column):
    """``np.unique(column, return_inverse=True)``, with scores that differ by
    rounding alone (within ``_TIE_RTOL`` of their size) taken as one: the
    lowest of each such run stands for it. A repeated row then weighs as one
    row of twice the weight, whatever the last bits of its scores."""
    values, inverse = np.unique(column, return_inverse=True)
    gap = np.diff(values)
    size = np.maximum(np.abs(values[:-1]), np.abs(values[1:]))
    starts = np.concatenate([[True], gap > _TIE_RTOL * size])
    run = np.cumsum(starts) - 1
    return values[starts], run[inverse]


class RankAverageClassifier(MetaEstimatorMixin, ClassifierMixin, _BaseComposition):
    """The weighted mean of several classifiers' ranks of each site.

    Each model is fitted on the same rows. At prediction, each model's score
    of a class is replaced by its rank among that model's scores of the
    training rows, as a share: the share of the training rows scored below
    it plus half the share scored the same (the mid-rank, interpolated
    between training scores; scores within a relative 1e-9 of each other,
    a rounding apart, count as the same), and these shares are averaged over the models
    with ``weights``. Models whose scores are on different scales (Maxent's
    raw output, a GAM's probability, a share of a forest's votes) thus count
    by their ranking alone, which is all that a ROC AUC, a Boyce index or a
    threshold at a training-presence percentile uses; and, unlike ranks
    among the sites scored, a site's score is the same whichever other sites
    are scored with it, so that grids can be predicted in chunks.

    Parameters
    ----------
    estimators : list of (str, estimator) tuples
        The named classifiers, each with ``fit`` and ``predict_proba``,
        fitted as clones on the same rows. Their parameters are reached as
        ``<name>__<parameter>`` (``set_params``, ``GridSearchCV``).
    weights : array-like of shape (n_estimators,) or None, default=None
        Non-negative weight of each model in the mean, not all zero; None
        weighs them equally.
    cv : int, cross-validation generator, iterable or None, default=None
        Which scores of the training rows make the references. None: the
        fitted models' own (in-sample) scores. Otherwise the out-of-fold
        scores of :func:`~sklearn.model_selection.check_cv`'s splits (an
        int is a ``StratifiedKFold``; a spatial splitter of
        :mod:`skgeo_s2v.model_selection` ranks new sites among scores of
        sites as far from their models' training rows; a ``GroupKFold``
        with fit's ``groups``, of sites or surveys): each model is fitted
        once more on each training fold, and each row must be in exactly
        one test fold.
    n_quantiles : int, default=1000
        The most distinct training scores of a model and class kept as its
        reference (evenly spaced in rank, the lowest and the highest among
        them), between which a score's share is interpolated: the
        resolution of the ranks.

    Attributes
    ----------
    estimators_ : list of classifiers
        The fitted models, in the order of ``estimators``.
    named_estimators_ : :class:`~sklearn.utils.Bunch`
        The fitted models by name.
    classes_ : ndarray of shape (n_classes,)
        The class labels, the same for every model.
    weights_ : ndarray of shape (n_estimators,)
        The models' weights in the mean, scaled to sum to 1.
    proba_references_ : list of list of (ndarray, ndarray)
        Each model's reference, one a class (for two classes, of the second
        class only: the first class's share is its complement): the
        distinct scores of its ``predict_proba`` of the training rows,
        sorted, and their shares (mid-ranks).
    presence_references_ : list of list of (ndarray, ndarray) or None
        The same of each model's presence scores (``predict_presence``
        where it has one, else ``predict_proba``), where one of the models
        has ``predict_presence``; else None.
    n_features_in_ : int
        Number of columns of ``X`` at fit, where the first model records it.
    feature_names_in_ : ndarray of str
        Column names of ``X``, where the first model records them.

    See Also
    --------
    sklearn.ensemble.VotingClassifier : the mean of the probabilities
        themselves (``voting="soft"``), for models of one scale.

    Notes
    -----
    The reference is the training rows, weighted by ``sample_weight`` (a
    row of weight 2 counts as two), so each model is ranked against its own
    in-sample scores: a model that fits its training presences closely
    ranks new sites by where they fall among its scores of the training
    background and presences alike. A score at or beyond the lowest
    (highest) training score takes that score's share, so that ties there
    are broken by the other models only. For two classes the probability of
    the second is the mean share of the models' probabilities of it, and
    that of the first its complement; for more, each class's mean share,
    divided by their sum at the site. These are ranking scores, not
    calibrated probabilities.

    Examples
    --------
    A GAM of the location and a k-nearest-neighbours model of the same
    presences and background sites, each ranking the sites on its own
    scale:

    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skgeo_s2v.sdm import RankAverageClassifier, SphereGAMClassifier
    >>> rng = np.random.default_rng(0)
    >>> records = np.column_stack([rng.uniform(0, 2, 100), rng.uniform(40, 42, 100)])
    >>> sites = np.column_stack([rng.uniform(0, 10, 400), rng.uniform(40, 50, 400)])
    >>> X, presence = np.vstack([records, sites]), np.r_[[True] * 100, [False] * 400]
    >>> model = RankAverageClassifier(
    ...     [("gam", SphereGAMClassifier("xyz")), ("knn", KNeighborsClassifier(25))]
    ... ).fit(X, presence)
    >>> score = model.predict_proba([[1.0, 41.0], [9.0, 49.0]])[:, 1]

    A site amid the presences ranks above four in five training rows (a
    fifth of which are presences). One far from them ranks low: near the
    bottom for the GAM, and for the neighbours at the mid-rank of the three
    training rows in four that they give no vote either (0.37):

    >>> bool(score[0] > 0.8), bool(score[1] < 0.25)
    (True, True)
    >>> model.set_params(knn__n_neighbors=10).get_params()["knn__n_neighbors"]
    10
    """

    _parameter_constraints: dict = {
        "estimators": [list],
        "weights": ["array-like", None],
        "cv": ["cv_object", None],
        "n_quantiles": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, estimators, *, weights=None, cv=None, n_quantiles=1000):
        self.estimators = estimators
        self.weights = weights
        self.cv = cv
        self.n_quantiles = n_quantiles

    def get_params(self, deep=True):
        """The parameters, with each model's as ``<name>__<parameter>``."""
        return self._get_params("estimators", deep=deep)

    def set_params(self, **params):
        """Set the parameters, a model's as ``<name>__<parameter>``."""
        self._set_params("estimators", **params)
        return self

    @property
    def named_estimators(self):
        """The unfitted models by name."""
        return Bunch(**dict(self.estimators))

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, groups=None):
        """Fit every model on ``X`` and ``y`` and keep its training scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            The rows every model is fitted on (a DataFrame of ``lon``,
            ``lat`` and covariates for the models of this package; a model
            of some columns only selects them, in a ``Pipeline``).
        y : array-like of shape (n_samples,)
            The class of each row.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Passed on to every model's ``fit`` (each must take it), and the
            weights of the training rows in the references. None weighs
            every row 1 and passes nothing on.
        groups : array-like of shape (n_samples,) or None, default=None
            The group (site, survey, publication) of each row, for a ``cv``
            splitter that needs them (``GroupKFold``); not passed to the
            models (a :class:`~skgeo_s2v.SphereLocationClassifier` given
            groups would refuse its default, stratified validation split).

        Returns
        -------
        self : RankAverageClassifier
        """
        names, estimators = self._checked_estimators()
        weights = self._checked_weights(len(estimators))
        if y is None:
            raise ValueError(
                "RankAverageClassifier requires y to be passed, but the target y "
                "is None; give the class of each row."
            )
        y = check_class_labels(y)
        check_consistent_length(X, y)
        classes = np.unique(y)  # the models refuse a single class
        fit_params = {}
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, y)
            weighted = np.unique(y[sample_weight > 0])
            if len(weighted) < 2:
                raise ValueError(
                    f"sample_weight leaves {len(weighted)} class of y with a "
                    "positive weight; the models need at least two classes."
                )
            fit_params["sample_weight"] = sample_weight
            refusing = [
                name
                for name, estimator in zip(names, estimators, strict=True)
                if not has_fit_parameter(estimator, "sample_weight")
            ]
            if refusing:
                raise ValueError(
                    f"sample_weight was given, but the models {refusing} do not "
                    "take it in fit; leave it out or replace them."
                )
        if groups is not None:
            groups = np.asarray(groups)
            check_consistent_length(y, groups)
        fitted = [clone(estimator).fit(X, y, **fit_params) for estimator in estimators]
        for name, estimator in zip(names, fitted, strict=True):
            own = getattr(estimator, "classes_", None)
            if own is None or not np.array_equal(np.asarray(own), classes):
                raise ValueError(
                    f"The model {name!r} has the classes {own!r} after fit, not "
                    f"those of y, {classes.tolist()}; every model must predict "
                    "the classes of y in sorted order."
                )
        self.estimators_ = fitted
        self.named_estimators_ = Bunch(**dict(zip(names, fitted, strict=True)))
        self.classes_ = classes
        self.weights_ = weights
        weight = np.ones(len(y)) if sample_weight is None else sample_weight
        proba, presence = self._reference_scores(
            X, y, names, estimators, fit_params, groups
        )
        if len(classes) == 2:  # predict_proba ranks the second class only
            proba = [p[:, 1:] for p in proba]
        self.proba_references_ = [self._reference(p, weight) for p in proba]
        self.presence_references_ = None
        if presence is not None:
            self.presence_references_ = [self._reference(p, weight) for p in presence]
        for attribute in ("n_features_in_", "feature_names_in_"):
            if hasattr(fitted[0], attribute):
                setattr(self, attribute, getattr(fitted[0], attribute))
        return self

    def _checked_estimators(self):
        """The names and models of ``estimators``, checked."""
        if not self.estimators:
            raise ValueError(
                "estimators is empty; give a list of (name, classifier) tuples, "
                "such as [('maxent', MaxentModel()), ('gam', SphereGAMClassifier())]."
            )
        for entry in self.estimators:
            if not (isinstance(entry, tuple) and len(entry) == 2):
                raise ValueError(
                    f"Each entry of estimators must be a (name, classifier) "
                    f"tuple; got {entry!r}."
                )
        names, estimators = zip(*self.estimators, strict=True)
        self._validate_names(names)
        for name, estimator in self.estimators:
            missing = [m for m in ("fit", "predict_proba") if not hasattr(estimator, m)]
            if missing:
                raise ValueError(
                    f"The model {name!r} ({type(estimator).__name__}) has no "
                    f"{' or '.join(missing)}; every model must be a classifier "
                    "with predict_proba."
                )
        return list(names), list(estimators)

    def _checked_weights(self, n_estimators):
        """``weights`` as a float array summing to 1."""
        if self.weights is None:
            return np.full(n_estimators, 1.0 / n_estimators)
        weights = np.asarray(self.weights, dtype=np.float64).ravel()
        if weights.shape != (n_estimators,):
            raise ValueError(
                f"weights has {weights.size} values for {n_estimators} models; "
                "give one weight a model."
            )
        if not np.all(np.isfinite(weights)) or (weights < 0).any():
            raise ValueError(
                f"weights must be finite and non-negative; got {weights.tolist()}."
            )
        if weights.sum() == 0:
            raise ValueError("weights are all zero; give at least one a weight.")
        return weights / weights.sum()

    def _reference_scores(self, X, y, names, estimators, fit_params, groups):
        """Each model's ``predict_proba`` and presence scores (None where no
        model has ``predict_presence``) of the training rows: the fitted
        models' own, or out of fold."""
        with_presence = _any_has_presence(self)
        if self.cv is None:
            proba = [model.predict_proba(X) for model in self.estimators_]
            if not with_presence:
                return proba, None
            return proba, [presence_scores(model, X) for model in self.estimators_]
        shape = (len(y), len(self.classes_))
        proba = [np.full(shape, np.nan) for _ in estimators]
        presence = (
            [np.full(shape, np.nan) for _ in estimators] if with_presence else None
        )
        tested = np.zeros(len(y), dtype=np.intp)
        splits = check_cv(self.cv, y, classifier=True).split(X, y, groups)
        for train, test in splits:
            tested[test] += 1
            rows, held_out = _safe_indexing(X, train), _safe_indexing(X, test)
            params = {key: value[train] for key, value in fit_params.items()}
            for i, (name, estimator) in enumerate(zip(names, estimators, strict=True)):
                model = clone(estimator).fit(rows, y[train], **params)
                if not np.array_equal(np.asarray(model.classes_), self.classes_):
                    raise ValueError(
                        f"A training fold of cv holds the classes "
                        f"{np.asarray(model.classes_).tolist()} of the model "
                        f"{name!r}, not all of {self.classes_.tolist()}; use fewer "
                        "folds or a stratified splitter."
                    )
                proba[i][test] = model.predict_proba(held_out)
                if presence is not None:
                    presence[i][test] = presence_scores(model, held_out)
        if (tested != 1).any():
            raise ValueError(
                f"cv puts {int((tested == 0).sum())} training rows in no test fold "
                f"and {int((tested > 1).sum())} in more than one; each row must be "
                "in exactly one, as in a KFold."
            )
        return proba, presence

    def _reference(self, scores, weight):
        """Each column's distinct training scores, sorted, and their
        weighted mid-ranks as shares, at most ``n_quantiles`` of them."""
        reference = []
        for column in np.asarray(scores, dtype=np.float64).T:
            values, inverse = _distinct_scores(column)
            mass = np.bincount(inverse, weights=weight, minlength=len(values))
            values, mass = values[mass > 0], mass[mass > 0]
            shares = (np.cumsum(mass) - mass / 2) / mass.sum()
            if len(values) > self.n_quantiles:
                kept = np.linspace(0, len(values) - 1, self.n_quantiles)
                kept = np.unique(kept.round().astype(np.intp))
                values, shares = values[kept], shares[kept]
            reference.append((values, shares))
        return reference

    def _mean_share(self, score_lists, references):
        """The weighted mean over the models of their scores' shares, one
        column a reference."""
        mean = 0.0
        for weight, scores, reference in zip(
            self.weights_, score_lists, references, strict=True
        ):
            scores = np.asarray(scores, dtype=np.float64)
            shares = [
                _interpolated_share(scores[:, k], *column)
                for k, column in enumerate(reference)
            ]
            mean = mean + weight * np.column_stack(shares)
        return mean

    def predict_proba(self, X):
        """The mean share (rank) of each class's probability over the models.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Ranking scores in [0, 1] that sum to 1 at each site (see Notes).
        """
        check_is_fitted(self, "estimators_")
        scores = [estimator.predict_proba(X) for estimator in self.estimators_]
        if len(self.classes_) == 2:  # the first class's share is the complement
            second = [s[:, 1:] for s in scores]
            second = self._mean_share(second, self.proba_references_)[:, 0]
            return np.column_stack([1.0 - second, second])
        mean = self._mean_share(scores, self.proba_references_)
        total = mean.sum(axis=1, keepdims=True)
        uniform = np.full_like(mean, 1.0 / mean.shape[1])
        return np.divide(mean, total, out=uniform, where=total > 0)

    def predict(self, X):
        """The class of the highest :meth:`predict_proba` at each site.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimators_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    @available_if(_any_has_presence)
    def predict_presence(self, X):
        """The mean share (rank) of each class's presence score over the models.

        A model's presence score is its ``predict_presence`` where it has
        one (the joint classifier, per-species models of
        :class:`~skgeo_s2v.sdm.OneVsBackgroundClassifier`), else its
        ``predict_proba``; available where one of the models has
        ``predict_presence``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        presence : ndarray of shape (n_samples, n_classes)
            Each class's mean share, in [0, 1]; the columns are not
            normalised over the classes.
        """
        check_is_fitted(self, "estimators_")
        scores = [presence_scores(estimator, X) for estimator in self.estimators_]
        return self._mean_share(scores, self.presence_references_)
