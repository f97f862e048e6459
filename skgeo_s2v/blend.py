"""NeighborBlendClassifier: a location classifier blended with a local estimate.

On clustered occurrence records the commonest class nearby is hard to beat,
which a great-circle k-nearest-neighbour vote captures, while a trained prior
ranks the remaining classes better (issue 16). The blend mixes the two with
the class frequencies, ``p = w_est p_est + w_knn p_knn + w_prior p_prior``,
the weights and ``k`` chosen by the log-loss on spatially held-out records.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.neighbors import BallTree
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from ._geometry import haversine_radians, unit_vectors_from_degrees
from ._validation import check_class_labels, validate_lonlat

__all__ = [
    "DEFAULT_ESTIMATOR_PARAMS",
    "NeighborBlendClassifier",
    "neighbor_vote",
    "spatial_blocks",
]

#: Weights of the neighbour vote and of the class prior that the blend tries.
KNN_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9)
PRIOR_WEIGHTS = (0.0, 0.01, 0.03, 0.1, 0.2, 0.3)

#: Parameters of the default estimator: short training, as fast as a forest
#: within a few times and as good inside the blend as 20 epochs of 512 units
#: on the real-data benchmark (docs/real_data.rst).
DEFAULT_ESTIMATOR_PARAMS = {"max_epochs": 10, "hidden_units": 256}

# Probabilities below this count as this in the held-out log-loss.
_EPS = 1e-15


def spatial_blocks(lonlat: np.ndarray, block_size: float) -> np.ndarray:
    """Block id of each location: its unit vector rounded on a cubic grid.

    Points closer than about ``block_size`` radians share a block most of the
    time; the blocks are whole units of a spatially held-out split.

    Parameters
    ----------
    lonlat : ndarray of shape (n_samples, 2)
        Longitudes and latitudes in degrees.
    block_size : float
        Grid spacing in radians of great-circle distance (0.03 is about
        190 km).

    Returns
    -------
    blocks : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> blocks = spatial_blocks(np.array([[0.0, 0.0], [0.1, 0.0], [90.0, 0.0]]), 0.03)
    >>> bool(blocks[0] == blocks[1]), bool(blocks[0] == blocks[2])
    (True, False)
    """
    xyz = unit_vectors_from_degrees(lonlat[:, 0], lonlat[:, 1])
    half = int(np.ceil(1 / block_size))
    cells = np.round(xyz / block_size).astype(np.int64) + half  # in [0, 2 half]
    span = 2 * half + 1
    return (cells[:, 0] * span + cells[:, 1]) * span + cells[:, 2]


def neighbor_vote(distances, indices, codes, n_classes, weights):
    """Class probabilities of a k-nearest-neighbour vote.

    Parameters
    ----------
    distances, indices : ndarray of shape (n_queries, k)
        The neighbours of each query, nearest first (``BallTree.query``).
    codes : ndarray of shape (n_train,), int
        Class index of each training point.
    n_classes : int
        Number of classes (columns of the result).
    weights : {"uniform", "distance"}
        Equal votes, or votes ``1 / distance``; a query with neighbours at
        distance 0 counts only those, equally (as scikit-learn's
        ``KNeighborsClassifier``).

    Returns
    -------
    proba : ndarray of shape (n_queries, n_classes)
        Rows sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> neighbor_vote(np.array([[1.0, 3.0]]), np.array([[0, 1]]),
    ...               np.array([0, 1]), 2, "distance")
    array([[0.75, 0.25]])
    """
    if weights == "uniform":
        votes = np.ones_like(distances, dtype=float)
    else:
        with np.errstate(divide="ignore"):
            votes = 1.0 / distances
        exact = np.isinf(votes)
        votes = np.where(exact.any(axis=1, keepdims=True), exact, votes)
    proba = np.zeros((distances.shape[0], n_classes))
    rows = np.repeat(np.arange(distances.shape[0]), distances.shape[1])
    np.add.at(proba, (rows, codes[indices].ravel()), votes.ravel())
    return proba / proba.sum(axis=1, keepdims=True)


def _holdout(groups, fraction, rng):
    """Boolean mask of held-out rows: whole groups, about ``fraction`` of rows."""
    unique, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    if len(unique) < 2:
        raise ValueError(
            f"NeighborBlendClassifier holds out whole groups to choose its "
            f"weights, but the data form {len(unique)} group; pass groups= with "
            "at least 2 distinct values or a smaller block_size."
        )
    order = rng.permutation(len(unique))
    share = np.cumsum(counts[order]) / len(groups)
    n_held = max(1, min(int(np.searchsorted(share, fraction)) + 1, len(unique) - 1))
    held = np.zeros(len(unique), dtype=bool)
    held[order[:n_held]] = True
    return held[inverse]


class NeighborBlendClassifier(ClassifierMixin, BaseEstimator):
    """A location classifier mixed with a great-circle kNN and the class prior.

    ``predict_proba`` is ``w_est p_est(x) + w_knn p_knn(x) + w_prior p_prior``:
    the estimator's probabilities, a vote of the ``k`` nearest training
    records (great-circle distance) and the training class frequencies. The
    weights (``KNN_WEIGHTS`` × ``PRIOR_WEIGHTS``, ``w_est`` the rest), ``k``
    and the vote's weighting are chosen together by the log-loss on a held-out
    ``validation_fraction`` of the records, held out by whole ``groups``
    (spatial blocks by default), so that nearby records of one site never sit
    on both sides. The estimator is trained on the other records; the
    neighbours and the prior then use every record.

    Parameters
    ----------
    estimator : classifier or None, default=None
        A classifier of ``(lon, lat)`` with ``predict_proba``, cloned in
        :meth:`fit`; None means
        :class:`~skgeo_s2v.SphereLocationClassifier` ``(max_epochs=10,
        hidden_units=256)`` (``DEFAULT_ESTIMATOR_PARAMS``): inside the blend,
        short training ranked as well as longer training on the real-data
        benchmark, at a fraction of the time.
    n_neighbors : tuple of int, default=(5, 10, 20, 50, 100)
        Candidate ``k`` of the neighbour vote (those above the number of
        training records are skipped).
    validation_fraction : float, default=0.1
        Fraction of the records held out, in whole groups, to choose the
        weights.
    block_size : float, default=0.03
        Size in radians of the spatial blocks used as groups when ``fit`` is
        given none (0.03 is about 190 km).
    refit : bool, default=False
        Train the estimator again on all the records once the weights are
        chosen (twice the training time). False keeps the estimator trained
        without the held-out records.
    random_state : int, RandomState instance or None, default=None
        Draws the held-out groups and, when ``estimator`` is None, seeds it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    estimator_ : classifier
        The fitted estimator.
    weights_ : dict
        ``{"estimator": w_est, "knn": w_knn, "prior": w_prior}``.
    n_neighbors_ : int
        The chosen ``k``.
    vote_weights_ : {"uniform", "distance"}
        The chosen weighting of the neighbour vote.
    class_prior_ : ndarray of shape (n_classes,)
        Training class frequencies.
    validation_log_loss_ : float
        Held-out log-loss of the chosen blend.
    n_features_in_ : int
        Number of input columns (2).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgeo_s2v import NeighborBlendClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.uniform(-180, 180, 200), rng.uniform(-60, 60, 200)])
    >>> y = np.where(X[:, 0] < 0, "west", "east")
    >>> blend = NeighborBlendClassifier(
    ...     LogisticRegression(), block_size=0.3, random_state=0
    ... ).fit(X, y)
    >>> blend.predict([[-100.0, 10.0], [100.0, 10.0]])
    array(['west', 'east'], dtype='<U4')
    >>> float(sum(blend.weights_.values()))
    1.0
    """

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "n_neighbors": ["array-like"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "block_size": [Interval(Real, 0, None, closed="neither")],
        "refit": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_neighbors=(5, 10, 20, 50, 100),
        validation_fraction=0.1,
        block_size=0.03,
        refit=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_neighbors = n_neighbors
        self.validation_fraction = validation_fraction
        self.block_size = block_size
        self.refit = refit
        self.random_state = random_state

    def _make_estimator(self, rng):
        if self.estimator is not None:
            return clone(self.estimator)
        from .classifier import SphereLocationClassifier

        return SphereLocationClassifier(
            random_state=rng.randint(2**31 - 1), **DEFAULT_ESTIMATOR_PARAMS
        )

    def _candidate_k(self, n_train):
        values = np.asarray(self.n_neighbors).ravel()
        if not len(values) or not all(
            isinstance(v, Integral) and v >= 1 for v in values.tolist()
        ):
            raise ValueError(
                f"n_neighbors must be a non-empty sequence of integers >= 1, got "
                f"{self.n_neighbors!r}."
            )
        kept = sorted({int(v) for v in values if v <= n_train})
        return kept or [n_train]

    def _estimator_proba(self, estimator, lonlat):
        """The estimator's probabilities over ``classes_`` (0 for its unseen)."""
        proba = np.zeros((lonlat.shape[0], len(self.classes_)))
        columns = np.searchsorted(self.classes_, estimator.classes_)
        proba[:, columns] = estimator.predict_proba(lonlat)
        return proba

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None):
        """Train the estimator, then choose ``k`` and the weights on held-out groups.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitudes and latitudes in degrees.
        y : array-like of shape (n_samples,)
            Class labels.
        groups : array-like of shape (n_samples,) or None, default=None
            Group of each record (a site, a study, a recordist); the held-out
            records are whole groups. None uses spatial blocks of
            ``block_size``.

        Returns
        -------
        self : NeighborBlendClassifier
        """
        lonlat = validate_lonlat(self, X, reset=True)
        y = check_class_labels(y)
        check_consistent_length(lonlat, y)
        if groups is None:
            groups = spatial_blocks(lonlat, self.block_size)
        else:
            groups = column_or_1d(groups)
            check_consistent_length(lonlat, groups)
        rng = check_random_state(self.random_state)
        self.classes_, codes = np.unique(y, return_inverse=True)
        held = _holdout(groups, self.validation_fraction, rng)
        estimator = self._make_estimator(rng)
        estimator.fit(lonlat[~held], y[~held])
        self._choose(lonlat, codes, held, estimator)
        self.estimator_ = estimator.fit(lonlat, y) if self.refit else estimator
        self.class_prior_ = np.bincount(codes, minlength=len(self.classes_)) / len(y)
        self._codes = codes
        self._tree = BallTree(haversine_radians(lonlat), metric="haversine")
        return self

    def _choose(self, lonlat, codes, held, estimator):
        """Set ``n_neighbors_``, ``vote_weights_`` and ``weights_`` by held-out loss."""
        n_classes = len(self.classes_)
        train_codes = codes[~held]
        seen = np.isin(codes[held], train_codes)
        if not seen.any():
            raise ValueError(
                "None of the held-out records has a class seen in the rest of the "
                "data, so the blend weights cannot be chosen; pass more records "
                "per class or groups= that do not split classes off entirely."
            )
        query, truth = lonlat[held][seen], codes[held][seen]
        rows = np.arange(len(truth))
        p_est = self._estimator_proba(estimator, query)[rows, truth]
        prior = np.bincount(train_codes, minlength=n_classes) / len(train_codes)
        p_prior = prior[truth]
        candidates = self._candidate_k(len(train_codes))
        tree = BallTree(haversine_radians(lonlat[~held]), metric="haversine")
        distances, indices = tree.query(haversine_radians(query), k=max(candidates))
        best = None
        for k in candidates:
            for vote in ("uniform", "distance"):
                knn = neighbor_vote(
                    distances[:, :k], indices[:, :k], train_codes, n_classes, vote
                )
                p_knn = knn[rows, truth]
                for w_knn in KNN_WEIGHTS:
                    for w_prior in PRIOR_WEIGHTS:
                        w_est = 1.0 - w_knn - w_prior
                        if w_est < 0:
                            continue
                        p = w_est * p_est + w_knn * p_knn + w_prior * p_prior
                        loss = -np.mean(np.log(np.maximum(p, _EPS)))
                        if best is None or loss < best[0] - 1e-12:
                            best = (loss, k, vote, w_est, w_knn, w_prior)
        loss, self.n_neighbors_, self.vote_weights_, w_est, w_knn, w_prior = best
        self.weights_ = {"estimator": w_est, "knn": w_knn, "prior": w_prior}
        self.validation_log_loss_ = float(loss)

    def predict_proba(self, X):
        """Blended class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitudes and latitudes in degrees.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        check_is_fitted(self)
        lonlat = validate_lonlat(self, X, reset=False)
        weights = self.weights_
        proba = weights["prior"] * np.tile(self.class_prior_, (len(lonlat), 1))
        if weights["estimator"]:
            proba += weights["estimator"] * self._estimator_proba(
                self.estimator_, lonlat
            )
        if weights["knn"]:
            k = min(self.n_neighbors_, len(self._codes))
            distances, indices = self._tree.query(haversine_radians(lonlat), k=k)
            proba += weights["knn"] * neighbor_vote(
                distances, indices, self._codes, len(self.classes_), self.vote_weights_
            )
        return proba

    def predict(self, X):
        """The class of highest blended probability.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitudes and latitudes in degrees.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
