"""Spatial thinning of occurrence records: no two kept ones closer than a distance.

:func:`thin_records` gives the mask of records kept; :class:`ThinnedClassifier`
thins its training records at every fit, so that a search tunes the distance
while its test folds stay as the records were found.
"""

import heapq
from numbers import Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.neighbors import BallTree
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from .._covariate_input import lonlat_of
from .._geometry import EARTH_RADIUS_KM, haversine_radians
from .._validation import check_class_labels

__all__ = ["ThinnedClassifier", "thin_records"]


def _neighbours(points, radius):
    """Each point's neighbours closer than ``radius`` (radians), itself left out."""
    tree = BallTree(points, metric="haversine")
    found, distances = tree.query_radius(points, radius, return_distance=True)
    return [
        near[(d < radius) & (near != i)]
        for i, (near, d) in enumerate(zip(found, distances, strict=True))
    ]


def _thin(neighbours, rng):
    """Kept mask of one class: drop the record with the most neighbours
    still kept (ties at random) until none has one, then restore, in
    random order, every dropped record that no kept record is near."""
    n = len(neighbours)
    degree = np.array([len(near) for near in neighbours])
    tiebreak = rng.permutation(n)
    heap = [(-degree[i], tiebreak[i], i) for i in range(n) if degree[i]]
    heapq.heapify(heap)
    kept = np.ones(n, dtype=bool)
    while heap:
        negative, _, i = heapq.heappop(heap)
        if not kept[i] or -negative != degree[i] or degree[i] == 0:
            continue  # dropped already, or an entry of an older degree
        kept[i] = False
        for j in neighbours[i]:
            if kept[j]:
                degree[j] -= 1
                if degree[j]:
                    heapq.heappush(heap, (-degree[j], tiebreak[j], j))
    for i in rng.permutation(np.flatnonzero(~kept)):
        if not kept[neighbours[i]].any():
            kept[i] = True
    return kept


def thin_records(X, distance_km, *, y=None, random_state=None):
    """Keep a subset of records in which no two lie closer than ``distance_km``.

    Records crowd where observers go (near roads, towns, field stations), and
    a model of them learns the crowd as much as the species. Thinning keeps
    at most one record of each such crowd (Aiello-Lammens et al. 2015,
    ``spThin``; Boria et al. 2014): it repeatedly drops the record with the
    most others closer than ``distance_km`` by great-circle distance (ties
    broken at random), until no two are that close, then gives back, in a
    random order, each dropped record that no kept record is close to. So
    no two kept records are closer than ``distance_km``, and every dropped
    one has a kept one closer than that. With ``y``, each class (species) is
    thinned on its own.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2) or DataFrame
        Longitude then latitude in degrees, or a DataFrame with ``lon`` and
        ``lat`` columns (or ``longitude``, ``latitude`` ...; other columns,
        such as covariates, are ignored).
    distance_km : float
        The smallest distance between two kept records, in km; records
        closer than it (exact duplicates among them) conflict.
    y : array-like of shape (n_samples,), default=None
        The class of each record: records of different classes never
        conflict. None thins all the records as one class.
    random_state : int, RandomState instance or None, default=None
        Breaks the ties and orders the records given back.

    Returns
    -------
    kept : ndarray of shape (n_samples,), dtype bool
        True for the records kept: ``X[kept]``, ``y[kept]``.

    Notes
    -----
    Thin the training records only, never a test fold or a survey: the
    records a model is judged on should stay as they were found. Whether
    thinning helps depends on the data; compare with and without under
    spatial cross-validation (:doc:`/sdm`, "Sampling bias"). The pairs of
    records closer than ``distance_km`` are held in memory at once, so a
    distance that puts tens of thousands of records of one class within
    reach of each other needs memory for every such pair.

    Examples
    --------
    Three records 0.6 km apart on the equator and one 5 km away: the middle
    one of the three is close to both others, so it goes.

    >>> import numpy as np
    >>> from skgeo_s2v.sdm import thin_records
    >>> km = 1 / 111.195  # degrees of longitude per km on the equator
    >>> X = np.array([[0.0, 0.0], [0.6 * km, 0.0], [1.2 * km, 0.0], [5 * km, 0.0]])
    >>> thin_records(X, 1.0, random_state=0)
    array([ True, False,  True,  True])
    """
    if not (
        isinstance(distance_km, Real) and np.isfinite(distance_km) and distance_km > 0
    ):
        raise ValueError(
            f"distance_km must be a positive number of km; got {distance_km!r}."
        )
    lonlat = lonlat_of(X)
    if y is None:
        groups = np.zeros(len(lonlat), dtype=np.int64)
    else:
        y = check_class_labels(y)
        check_consistent_length(lonlat, y)
        groups = np.unique(y, return_inverse=True)[1]
    rng = check_random_state(random_state)
    radius = distance_km / EARTH_RADIUS_KM
    points = haversine_radians(lonlat)
    kept = np.ones(len(lonlat), dtype=bool)
    for group in range(groups.max(initial=-1) + 1):
        rows = np.flatnonzero(groups == group)
        kept[rows] = _thin(_neighbours(points[rows], radius), rng)
    return kept


def _rows(X, index):
    """Rows ``index`` of an array or a DataFrame."""
    return X.iloc[index] if hasattr(X, "iloc") else np.asarray(X)[index]


def _inner_has(method):
    """``available_if`` check: the fitted model, or before fit the given
    one (the GAM by default), has ``method``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, method)
        return hasattr(self._unfitted_estimator(), method)

    return check


class ThinnedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A classifier fitted on its training records thinned to a distance.

    At each :meth:`fit` the records are thinned with :func:`thin_records`
    (each class on its own; no two kept records of a class closer than
    ``distance_km``), the rows of ``unthinned_classes`` (background sites)
    are all kept, and a clone of ``estimator`` is fitted on what is left.
    Prediction is the fitted model's, on every row given. So in
    :class:`~sklearn.model_selection.GridSearchCV` the training folds are
    thinned and the test folds are scored as the records were found, and
    ``distance_km`` is tuned like any other parameter (``None``, no
    thinning, among the candidates).

    Parameters
    ----------
    estimator : classifier or None, default=None
        The model fitted on the thinned records; None is
        :class:`~skgeo_s2v.sdm.SphereGAMClassifier` at its defaults.
    distance_km : float or None, default=10.0
        The smallest distance between two kept records of a class, in km
        (:func:`thin_records`); None keeps every record.
    unthinned_classes : list of labels or None, default=None
        Classes whose rows are all kept, such as the label of the background
        sites (``[False]`` for presences ``True`` against sites ``False``):
        background sites are drawn to cover the region, not found where
        observers went. Each must be a class of ``y``. None thins every
        class.
    random_state : int, RandomState instance or None, default=None
        Breaks the ties of the thinning (:func:`thin_records`); the model's
        own seed is its own parameter.

    Attributes
    ----------
    estimator_ : classifier
        The model fitted on the kept rows.
    kept_ : ndarray of shape (n_samples,), dtype bool
        True for the training rows the model was fitted on.
    classes_ : ndarray of shape (n_classes,)
        The class labels, those of ``estimator_``.
    n_features_in_ : int
        Number of columns of ``X`` at fit, where ``estimator_`` records it.
    feature_names_in_ : ndarray of str
        Column names of ``X``, where ``estimator_`` records them.

    See Also
    --------
    thin_records : the mask of records kept, to thin records once by hand.

    Notes
    -----
    Thinning is done afresh at every fit, on the rows given, so within a
    cross-validation each training fold is thinned on its own, as it would
    be on new records.

    Examples
    --------
    Presences crowded in one corner of a box, against sites over all of it;
    thinned to 50 km, the crowd is cut down and the sites stay.

    >>> import numpy as np
    >>> from skgeo_s2v.sdm import SphereGAMClassifier, ThinnedClassifier
    >>> rng = np.random.default_rng(0)
    >>> records = np.column_stack([rng.uniform(0, 2, 300), rng.uniform(40, 42, 300)])
    >>> sites = np.column_stack([rng.uniform(0, 10, 500), rng.uniform(40, 50, 500)])
    >>> X, presence = np.vstack([records, sites]), np.r_[[True] * 300, [False] * 500]
    >>> model = ThinnedClassifier(
    ...     SphereGAMClassifier("xyz"), 50.0, unthinned_classes=[False], random_state=0
    ... ).fit(X, presence)
    >>> bool(model.kept_[:300].sum() < 50), bool(model.kept_[300:].all())
    (True, True)
    >>> model.predict_proba([[1.0, 41.0]]).shape
    (1, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "distance_km": [Interval(Real, 0, None, closed="neither"), None],
        "unthinned_classes": ["array-like", None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        distance_km=10.0,
        *,
        unthinned_classes=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.distance_km = distance_km
        self.unthinned_classes = unthinned_classes
        self.random_state = random_state

    def _unfitted_estimator(self):
        if self.estimator is None:
            from ._gam import SphereGAMClassifier

            return SphereGAMClassifier()
        return self.estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Thin the records of ``X`` and fit the model on those kept.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitudes and latitudes in degrees, or a DataFrame of ``lon``,
            ``lat`` and the covariate columns the model takes.
        y : array-like of shape (n_samples,)
            The class of each record.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Passed on, for the kept rows, to the model's ``fit``; None
            passes none.

        Returns
        -------
        self : ThinnedClassifier
        """
        lonlat = lonlat_of(X)  # refuses bad coordinates before anything else
        y = check_class_labels(y)
        check_consistent_length(lonlat, y)
        self.kept_ = self._kept(X, y)
        rows = np.flatnonzero(self.kept_)
        fit_params = {}
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, y)
            fit_params["sample_weight"] = sample_weight[rows]
        self.estimator_ = clone(self._unfitted_estimator()).fit(
            _rows(X, rows), y[rows], **fit_params
        )
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))
        return self

    def _kept(self, X, y):
        """The mask of rows kept: every row of an unthinned class, and the
        rows that :func:`thin_records` keeps of the others."""
        kept = np.ones(len(y), dtype=bool)
        unthinned = self._unthinned(y)  # checked at every distance, None too
        if self.distance_km is None:
            return kept
        thinned = np.flatnonzero(~np.isin(y, unthinned))
        if len(thinned):
            kept[thinned] = thin_records(
                _rows(X, thinned),
                self.distance_km,
                y=y[thinned],
                random_state=self.random_state,
            )
        return kept

    def _unthinned(self, y):
        """``unthinned_classes`` as a list, each checked to be a class of ``y``."""
        if self.unthinned_classes is None:
            return []
        unthinned = list(self.unthinned_classes)
        classes = np.unique(y).tolist()
        missing = [label for label in unthinned if label not in classes]
        if missing:
            raise ValueError(
                f"unthinned_classes names {missing}, not a class of y; its "
                f"classes are {classes}."
            )
        return unthinned

    @property
    def classes_(self):
        """The class labels, those of the fitted model."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.classes_

    def predict(self, X):
        """The fitted model's ``predict``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        """The fitted model's ``predict_proba``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    @available_if(_inner_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """The fitted model's ``predict_log_proba``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_log_proba(X)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X):
        """The fitted model's ``decision_function``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.decision_function(X)

    @available_if(_inner_has("predict_presence"))
    def predict_presence(self, X):
        """The fitted model's ``predict_presence``, where it has one (the
        joint classifier, :class:`~skgeo_s2v.sdm.OneVsBackgroundClassifier`).

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        presence : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_presence(X)
