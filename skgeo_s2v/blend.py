"""NeighborBlendClassifier: a location classifier blended with local estimates.

On clustered occurrence records the commonest class nearby is hard to beat,
which a great-circle k-nearest-neighbour vote and forests of the locations
capture, while a trained prior ranks the remaining classes better (issue 16).
The blend is the mixture ``p = w_est p_est + sum_d w_d p_forest_d + w_knn
p_knn + w_prior p_prior`` whose weights maximise the likelihood of spatially
held-out records (:func:`mixture_weights`), or the logarithmic pool ``p ∝
prod_j p_j ** a_j`` of the same components whose exponents do
(:func:`log_pool_weights`); ``k`` and the pool are chosen with them.
"""

import itertools
from concurrent.futures import Future, ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
from joblib import effective_n_jobs
from sklearn import config_context, get_config
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from ._compact_forest import fit_compact_forests
from ._geometry import unit_vectors_from_degrees
from ._mixture import holdout_groups, log_pool, log_pool_weights, mixture_weights
from ._site_neighbors import SiteNeighbors, weighted_votes
from ._validation import check_class_labels, check_several_classes, validate_lonlat
from .model_selection import SphericalBlockKFold

__all__ = [
    "DEFAULT_ESTIMATOR_PARAMS",
    "FOREST_PARAMS",
    "FOREST_TYPES",
    "HOLDOUT_FOREST_TREES",
    "forest_features",
    "LOG_POOL_FLOOR",
    "OBLIQUE_DIRECTIONS",
    "NeighborBlendClassifier",
    "log_pool",
    "log_pool_weights",
    "mixture_weights",
    "neighbor_vote",
]

#: Parameters of the default estimator: short training of a small network,
#: without dropout (each step draws no mask). With 6 such epochs the blend
#: ranked the coral records as well as with the 10 epochs and dropout 0.5 of
#: the previous default, in less time (docs/real_data.rst).
DEFAULT_ESTIMATOR_PARAMS = {"max_epochs": 6, "hidden_units": 128, "dropout": 0.0}

#: Parameters of the blend's forests of :func:`forest_features`, one for each
#: of ``forest_depths``: 50 trees gave the probabilities of 100 within the
#: spread over seeds, in half the time (docs/real_data.rst).
FOREST_PARAMS = {"n_estimators": 50}

#: The scikit-learn forest of each ``forest_type``.
FOREST_TYPES = {
    "extra_trees": ExtraTreesClassifier,
    "random_forest": RandomForestClassifier,
}

#: Trees of each forest grown on the records left after the hold-out when
#: ``refit="forests"``: those forests only rank the candidate blends, and the
#: forests kept are grown anew, of ``FOREST_PARAMS``, on every record. With 20
#: the blend's top-1 on GeoNames was that with 50 (the same forests kept), in
#: less time (docs/real_data.rst).
HOLDOUT_FOREST_TREES = 20

# Trees fitted at a time before they are made compact (peak memory).
_FOREST_BATCH = 20

# Probabilities below this count as this in the held-out log-loss.
_EPS = 1e-15

#: Share ``ε`` of the class prior in each component of the logarithmic pool,
#: ``(1 - ε) p_j + ε p_prior``, so that no component's zero (a vote of the
#: neighbours, a leaf of a tree) vetoes a class. The prior is the Laplace
#: estimate ``(n_c + 1) / (n + n_classes)``, positive for every class.
LOG_POOL_FLOOR = 0.02

# Fewest spatial blocks to hold records out from, and the smallest blocks
# tried to reach them (records of one site are never split).
_MIN_GROUPS = 10
_MIN_BLOCK_KM = 1.0

# Newton steps of the logarithmic pool for each candidate k during the search.
_SEARCH_STEPS = 1


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
    votes = weighted_votes(np.ones_like(distances), distances, weights)
    proba = np.zeros((distances.shape[0], n_classes))
    rows = np.repeat(np.arange(distances.shape[0]), distances.shape[1])
    np.add.at(proba, (rows, codes[indices].ravel()), votes.ravel())
    return proba / proba.sum(axis=1, keepdims=True)


def _oblique_directions():
    """The 10 directions of the cube's diagonals, one of each ``±`` pair.

    The 6 face diagonals ``(±1, ±1, 0) / √2`` (and permutations) and the 4 body
    diagonals ``(±1, ±1, ±1) / √3``: with the 3 axes, the 13 axes of the cube's
    rotations, spread evenly over the sphere. Of each pair, the one whose
    first non-zero component is positive.
    """
    steps = itertools.product((-1, 0, 1), repeat=3)
    directions = [
        v for v in steps if sum(map(abs, v)) >= 2 and tuple(-c for c in v) < v
    ]
    directions = np.array(directions, dtype=float)
    return directions / np.linalg.norm(directions, axis=1, keepdims=True)


#: Unit vectors onto which :func:`forest_features` projects each location
#: beside its ``(x, y, z)``: the cube's 6 face and 4 body diagonals.
OBLIQUE_DIRECTIONS = _oblique_directions()


def forest_features(lonlat):
    """What the blend's forests split: ``(x, y, z, lon, lat)`` and 10 projections.

    The unit vector ``v`` is continuous across the antimeridian and at the
    poles; longitude and latitude make meridians and parallels (the borders of
    the ocean time zones, of many countries and surveys) single axis-aligned
    splits; the projections ``v · d`` onto the cube's diagonals
    (``OBLIQUE_DIRECTIONS``) make small circles about 10 more axes single
    splits, so that a border at an angle to the meridians and the parallels
    needs fewer splits (a staircase of axis-aligned cuts otherwise). On the
    real-data benchmark they raised the blend's top-1 on GeoNames countries
    (+0.8 points), uniform time zones (+0.6) and land and sea (+0.3), and
    lowered it at ``|lat| > 70`` on the time zones (-0.7), where the zones are
    sectors of longitude and a forest finds ``lon`` among fewer of the
    features it tries (docs/real_data.rst).

    Parameters
    ----------
    lonlat : array-like or DataFrame of shape (n_samples, 2)
        Longitudes and latitudes in degrees (checked as the estimators check
        them: a ValueError names a bad column, row and value).

    Returns
    -------
    features : ndarray of shape (n_samples, 15)
        ``x, y, z, lon, lat``, then ``v · d`` for each row ``d`` of
        ``OBLIQUE_DIRECTIONS``.

    Examples
    --------
    >>> import numpy as np
    >>> features = forest_features(np.array([[90.0, 0.0]]))
    >>> features.shape
    (1, 15)
    >>> features[0, :5].round(6)
    array([ 0.,  1.,  0., 90.,  0.])

    A forest on these features alone, as a scikit-learn pipeline:

    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> X = np.array([[-100.0, 40.0], [-90.0, 35.0], [10.0, 50.0], [20.0, 45.0]])
    >>> forest = make_pipeline(
    ...     FunctionTransformer(forest_features),
    ...     RandomForestClassifier(n_estimators=20, random_state=0),
    ... ).fit(X, ["west", "west", "east", "east"])
    >>> forest.predict([[-95.0, 38.0]])
    array(['west'], dtype='<U4')
    """
    return _forest_features(validate_lonlat(None, lonlat, reset=True))


def _forest_features(lonlat):
    """:func:`forest_features` of ``(lon, lat)`` rows already validated."""
    xyz = unit_vectors_from_degrees(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([xyz, lonlat, xyz @ OBLIQUE_DIRECTIONS.T])


def _floored_logs(probas, prior):
    """``log((1 - ε) p + ε prior)`` of each component, stacked."""
    return np.log(
        (1 - LOG_POOL_FLOOR) * np.stack(probas) + LOG_POOL_FLOOR * np.asarray(prior)
    )


def _laplace_prior(codes, n_classes):
    return (np.bincount(codes, minlength=n_classes) + 1) / (len(codes) + n_classes)


def _spatial_groups(lonlat, block_size_km):
    """HEALPix blocks of about ``block_size_km``, halved until enough of them.

    Records of a study region smaller than a few blocks would otherwise form
    fewer groups than it takes to hold out a fraction of them; the blocks
    are halved until they hold the records in ``_MIN_GROUPS`` groups (or the
    blocks reach ``_MIN_BLOCK_KM``). Returns the groups and the block size
    used (that of the HEALPix cells).
    """
    size = block_size_km
    while True:
        blocks = SphericalBlockKFold(block_size_km=size)
        groups = blocks.get_blocks(lonlat)
        if len(np.unique(groups)) >= _MIN_GROUPS or size / 2 < _MIN_BLOCK_KM:
            return groups, blocks.get_block_size_km()
        size /= 2


def _check_holdout(codes, held, classes):
    """Raise unless the held-out split leaves something to train and to score.

    The records kept for training must hold at least two classes (the
    estimator and the forests are classifiers), and some held-out record a
    class among them (the weights are chosen on those records).
    """
    kept = np.unique(codes[~held])
    if len(kept) < 2:
        raise ValueError(
            f"NeighborBlendClassifier held out {int(held.sum())} of {len(codes)} "
            f"records to choose its weights, and the other records hold the "
            f"single class {classes[kept[0]].item()!r}, too few to train on; pass more "
            "records per class, or groups= that keep at least two classes "
            "outside any one group."
        )
    if not np.isin(codes[held], kept).any():
        raise ValueError(
            "None of the held-out records has a class seen in the rest of the "
            "data, so the blend weights cannot be chosen; pass more records "
            "per class or groups= that do not split classes off entirely."
        )


def _forest_name(forest):
    """Key of a forest in ``weights_``: ``"forest(max_depth=8)"``."""
    return f"forest(max_depth={forest.max_depth})"


class NeighborBlendClassifier(ClassifierMixin, BaseEstimator):
    """A location classifier pooled with forests, a great-circle kNN and the prior.

    ``predict_proba`` is the mixture ``w_est p_est(x) + sum_d w_d p_d(x) +
    w_knn p_knn(x) + w_prior p_prior`` (``pooling="linear"``) or the
    logarithmic pool ``p(x) ∝ p_est(x) ** a_est prod_d p_d(x) ** a_d
    p_knn(x) ** a_knn`` (``pooling="log"``, each component first mixed with
    the class prior, ``LOG_POOL_FLOOR``): the estimator's probabilities, those
    of forests of depth ``d`` on the unit vectors, the coordinates
    ``(x, y, z, lon, lat)`` of the locations and the unit vectors'
    projections onto the cube's 10 diagonals (:func:`forest_features`;
    shallow trees give a regional estimate, full trees sharp borders), a
    vote of the ``k`` nearest training records (great-circle distance; a
    local estimate) and the training class frequencies. The weights (or the
    exponents) maximise the likelihood of a held-out ``validation_fraction``
    of the records (:func:`mixture_weights`, :func:`log_pool_weights`; the
    held-out log-loss is convex in either), ``k``, the vote's weighting and,
    with ``pooling="auto"``, the pool being chosen by ``scoring``; the
    records are held out by whole ``groups`` (spatial blocks by default), so that
    nearby records of one site never sit on both sides. The estimator and the
    forests are trained on the other records; the forests are then grown
    again on every record (``refit``), and the neighbours and the prior use
    every record. A component of weight 0 costs nothing at prediction.

    Parameters
    ----------
    estimator : classifier or None, default=None
        A classifier of ``(lon, lat)`` with ``predict_proba``, cloned in
        :meth:`fit`; None means
        :class:`~skgeo_s2v.SphereLocationClassifier` ``(max_epochs=6,
        hidden_units=128, dropout=0.0)`` (``DEFAULT_ESTIMATOR_PARAMS``):
        short training of a small network, which keeps the blend's fit within
        a few forest fits (docs/real_data.rst). With ``n_jobs`` other than 1
        it trains in a second thread while the forests grow.
    forest_depths : tuple of int or None, default=(8, None)
        ``max_depth`` of each forest, of 50 trees (``FOREST_PARAMS``) on
        :func:`forest_features`; ``None`` grows
        full trees; ``()`` leaves forests out. One forest is grown, to the
        largest depth, and each shallower one is its trees cut at that depth
        (a node at the cut holds the class fractions of the records that
        reached it, as a leaf of a tree grown to that depth would): every
        depth for the price of the deepest. Depth 8 (a regional estimate)
        took the weight on clustered occurrence records, full trees on dense
        labels with sharp borders (time zones, land and sea;
        docs/real_data.rst). Each forest is kept compact, as its splits and a
        sparse table of its leaves (the same probabilities): on the 330
        classes of the coral records, 2.4 MB at depth 8 and 10 MB for full
        trees, where scikit-learn's forests take 51 MB and 507 MB
        (``benchmarks/bench_blend_memory.py``). ``(8,)`` leaves the full
        trees out, for a shorter fit.
    forest_type : {"random_forest", "extra_trees"}, default="random_forest"
        scikit-learn's ``RandomForestClassifier`` (the best thresholds,
        bootstrap samples) or ``ExtraTreesClassifier`` (random thresholds,
        every record in every tree). On the real-data benchmark extra trees
        fitted faster and did better on land and sea, and worse on coral
        records and on uniform time zones near the poles, where a random
        forest finds the meridians exactly (docs/real_data.rst).
    n_neighbors : tuple of int, default=(1, 3, 5, 10, 20, 50, 100)
        Candidate ``k`` of the neighbour vote (those above the number of
        training records are skipped). The records of one site (the same
        coordinates) vote together: where the ``k``-th nearest record lies
        at a site of many, the site votes with the share of its classes, so
        that the vote does not depend on the order of the records.
    scoring : {"accuracy", "neg_log_loss"}, default="accuracy"
        How ``k`` and the vote's weighting are chosen: the held-out accuracy
        of the blend (its log-loss breaks ties) or its log-loss alone. The
        weights always maximise the held-out likelihood. On the real-data
        benchmark, choosing by accuracy gained 0.8 and 1.4 points of top-1 on
        coral records and GeoNames countries, for 0.09 nats of log-loss on
        the countries, and lost 0.3 points on uniform time zones
        (docs/real_data.rst).
    pooling : {"auto", "linear", "log"}, default="auto"
        How the components are combined: ``"linear"``, a mixture (a class is
        likely where any component finds it likely); ``"log"``, a product of
        the components' probabilities raised to their exponents (likely where
        they agree: sharper, and a network that ranks well can outvote a
        neighbour that is merely near); ``"auto"``, whichever of the two
        scores better on the held-out records, by ``scoring``, with each
        candidate ``k``. On the real-data benchmark ``"auto"`` took the log
        pool on 10 of 15 fits (every fit of the uniform time zones, one of
        three on the coral records), where the network, which the linear
        mixture all but left out, got an exponent of 0.9 to 1.7 on GeoNames
        and the time zones. With the
        vote by sites, it moved the mean top-1 by +0.8 on GeoNames
        countries, +1.1 at the poles of the time zones and by at most 0.2
        elsewhere, inside the spread over seeds (docs/real_data.rst).
    validation_fraction : float, default=0.1
        Fraction of the records held out, in whole groups, to choose the
        weights.
    block_size_km : float, default=200.0
        Size of the spatial blocks used as groups when ``fit`` is given none:
        the equal-area HEALPix cells of
        :class:`~skgeo_s2v.model_selection.SphericalBlockKFold` nearest this
        size (200 km gives cells of 204 km). Where the records fall in fewer
        than 10 such blocks (a study region of a few hundred km), the blocks
        are halved until they fall in 10, down to about 1 km;
        ``block_size_km_`` gives the size used.
    refit : {"forests"} or bool, default="forests"
        What is trained again on all the records once the weights are
        chosen. ``"forests"``: the forests, grown while the estimator
        finishes and the weights are chosen; those that ranked the candidate
        blends, on the records left after the hold-out, have
        ``HOLDOUT_FOREST_TREES`` trees each. ``True``: the estimator and the
        forests (about twice the training time). ``False``: nothing; the
        models never see the held-out records. On the real-data benchmark,
        refitting the forests took top-1 on GeoNames time zones from 93.02
        to 93.34 (from level with the tuned kNN to above it on every seed)
        and moved it on countries from 93.56 to 93.25 (above the kNN on
        every seed either way; the forests' seeds alone move a seed's top-1
        by up to 0.6), for a coral fit of 2.6 forest fits; refitting the
        estimator too costs about twice the time (docs/real_data.rst).
    n_jobs : int or None, default=None
        Parallel jobs of the forests (``-1``: every core). Other than 1, the
        estimator also trains in a thread of its own beside the forests (the
        same blend as one after the other: each has its own seed).
    random_state : int, RandomState instance or None, default=None
        Draws the held-out groups, seeds the forests and, when ``estimator``
        is None, the default estimator.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    estimator_ : classifier
        The fitted estimator.
    forests_ : list of CompactForest
        The fitted forests, in the order of ``forest_depths``, each with
        ``predict_proba(forest_features(lonlat))``, ``classes_``,
        ``max_depth``, ``n_estimators`` and ``n_samples_fit_`` (every record
        unless ``refit=False``).
    weights_ : dict
        ``{"estimator": w_est, "forest(max_depth=8)": w_8, ..., "knn": w_knn,
        "prior": w_prior}``: the mixture's weights, summing to 1, when
        ``pooling_`` is ``"linear"``; the exponents ``a_j >= 0`` when it is
        ``"log"``, with ``"prior"`` 0 (the prior enters each component as its
        floor).
    pooling_ : {"linear", "log"}
        The chosen pool.
    block_size_km_ : float or None
        Size of the HEALPix blocks the held-out records were drawn from (None
        when ``fit`` was given ``groups``).
    n_neighbors_ : int
        The chosen ``k``.
    vote_weights_ : {"uniform", "distance"}
        The chosen weighting of the neighbour vote.
    class_prior_ : ndarray of shape (n_classes,)
        Training class frequencies.
    validation_log_loss_ : float
        Held-out log-loss of the chosen blend.
    validation_accuracy_ : float
        Held-out accuracy of the chosen blend.
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
    ...     LogisticRegression(), block_size_km=2000, random_state=0
    ... ).fit(X, y)
    >>> blend.predict([[-100.0, 10.0], [100.0, 10.0]])
    array(['west', 'east'], dtype='<U4')
    >>> blend.predict_proba([[-100.0, 10.0]]).sum().round(6)
    np.float64(1.0)
    >>> blend.pooling_ in ("linear", "log")  # chosen on held-out records
    True
    """

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "forest_depths": ["array-like"],
        "forest_type": [StrOptions(set(FOREST_TYPES))],
        "n_neighbors": ["array-like"],
        "scoring": [StrOptions({"accuracy", "neg_log_loss"})],
        "pooling": [StrOptions({"auto", "linear", "log"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "block_size_km": [Interval(Real, 0, None, closed="neither")],
        "refit": ["boolean", StrOptions({"forests"})],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        forest_depths=(8, None),
        forest_type="random_forest",
        n_neighbors=(1, 3, 5, 10, 20, 50, 100),
        scoring="accuracy",
        pooling="auto",
        validation_fraction=0.1,
        block_size_km=200.0,
        refit="forests",
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.forest_depths = forest_depths
        self.forest_type = forest_type
        self.n_neighbors = n_neighbors
        self.scoring = scoring
        self.pooling = pooling
        self.validation_fraction = validation_fraction
        self.block_size_km = block_size_km
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _make_estimator(self, rng):
        if self.estimator is not None:
            return clone(self.estimator)
        from .classifier import SphereLocationClassifier

        return SphereLocationClassifier(
            random_state=rng.randint(2**31 - 1), **DEFAULT_ESTIMATOR_PARAMS
        )

    def _check_forest_depths(self):
        depths = list(self.forest_depths)
        if not all(
            d is None
            or (isinstance(d, Integral) and not isinstance(d, bool) and d >= 1)
            for d in depths
        ) or len(set(depths)) < len(depths):
            raise ValueError(
                "forest_depths must be distinct integers >= 1 or None (full "
                f"trees), or () for no forest; got {self.forest_depths!r}."
            )
        return depths

    def _fit_forests(self, lonlat, y, rng, n_estimators=None):
        """A compact forest for each of ``forest_depths``, on ``lonlat``.

        One forest grown to the deepest of them; the others are its trees
        cut at their depths (:func:`fit_compact_forests`).
        """
        depths = self._check_forest_depths()
        if not depths:
            return []

        def make_forest(n_estimators, seed, depth):
            params = {**FOREST_PARAMS, "n_estimators": n_estimators}
            return FOREST_TYPES[self.forest_type](
                max_depth=depth, n_jobs=self.n_jobs, random_state=seed, **params
            )

        return fit_compact_forests(
            make_forest,
            _forest_features(lonlat),
            y,
            depths=depths,
            n_estimators=n_estimators or FOREST_PARAMS["n_estimators"],
            batch_size=_FOREST_BATCH,
            rng=rng,
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

    def _proba_of(self, model, inputs):
        """``model``'s probabilities over ``classes_`` (0 for its unseen)."""
        proba = np.zeros((inputs.shape[0], len(self.classes_)))
        columns = np.searchsorted(self.classes_, model.classes_)
        proba[:, columns] = model.predict_proba(inputs)
        return proba

    def _fitted_models(self, lonlat, y, rows, rng, refit_forests=False):
        """The estimator and the forests trained on ``lonlat[rows]``.

        With ``refit_forests``, also forests of every record, returned as a
        future (its ``result()``), so that the weights are chosen while they
        grow; the forests of ``rows`` then have ``HOLDOUT_FOREST_TREES``
        trees. With more than one
        job the estimator (and those forests) train in threads of their own
        while the forests grow (a torch network and scikit-learn's trees
        both release the GIL): the same models as one after the other, since
        each has its own seed drawn first.
        """
        estimator = self._make_estimator(rng)
        forest_rng = np.random.RandomState(rng.randint(2**31 - 1))
        refit_rng, n_trees = None, None  # None: FOREST_PARAMS' trees
        if refit_forests:
            refit_rng = np.random.RandomState(rng.randint(2**31 - 1))
            n_trees = HOLDOUT_FOREST_TREES
        kept, y_kept = lonlat[rows], y[rows]
        if effective_n_jobs(self.n_jobs) == 1:
            estimator.fit(kept, y_kept)
            forests = self._fit_forests(kept, y_kept, forest_rng, n_trees)
            refitted = None
            if refit_forests:
                refitted = Future()
                refitted.set_result(self._fit_forests(lonlat, y, refit_rng))
            return estimator, forests, refitted
        config = get_config()

        def in_config(function, *args):
            with config_context(**config):
                return function(*args)

        executor = ThreadPoolExecutor(max_workers=2)
        try:
            fitted = executor.submit(in_config, estimator.fit, kept, y_kept)
            forests = self._fit_forests(kept, y_kept, forest_rng, n_trees)
            # The forests of every record grow while the estimator finishes
            # and the weights are chosen, which need only those of ``rows``.
            refitted = None
            if refit_forests:
                refitted = executor.submit(
                    in_config, self._fit_forests, lonlat, y, refit_rng
                )
            return fitted.result(), forests, refitted
        finally:
            executor.shutdown(wait=False)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None):
        """Train the estimator and the forests, then choose ``k`` and the weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2)
            Longitudes and latitudes in degrees.
        y : array-like of shape (n_samples,)
            Class labels.
        groups : array-like of shape (n_samples,) or None, default=None
            Group of each record (a site, a study, a recordist); the held-out
            records are whole groups. None uses spatial blocks of
            ``block_size_km``.

        Returns
        -------
        self : NeighborBlendClassifier
        """
        lonlat = validate_lonlat(self, X, reset=True)
        y = check_class_labels(y)
        check_consistent_length(lonlat, y)
        self._check_forest_depths()
        self._candidate_k(len(y))  # bad n_neighbors fail before any training
        if groups is None:
            groups, self.block_size_km_ = _spatial_groups(lonlat, self.block_size_km)
        else:
            self.block_size_km_ = None
            groups = column_or_1d(groups)
            check_consistent_length(lonlat, groups)
        rng = check_random_state(self.random_state)
        self.classes_, codes = np.unique(y, return_inverse=True)
        check_several_classes(self.classes_, self)
        held = holdout_groups(groups, self.validation_fraction, rng)
        _check_holdout(codes, held, self.classes_)
        estimator, forests, refitted = self._fitted_models(
            lonlat, y, ~held, rng, refit_forests=self.refit == "forests"
        )
        self._choose(lonlat, codes, held, estimator, forests)
        if refitted is not None:
            forests = refitted.result()
        elif self.refit:
            estimator, forests, _ = self._fitted_models(lonlat, y, slice(None), rng)
        self.estimator_, self.forests_ = estimator, forests
        self.class_prior_ = np.bincount(codes, minlength=len(self.classes_)) / len(y)
        self._codes = codes
        self._neighbors = SiteNeighbors(lonlat, codes, len(self.classes_))
        return self

    def _choose(self, lonlat, codes, held, estimator, forests):
        """Set ``n_neighbors_``, ``vote_weights_`` and ``weights_`` on held-out rows."""
        n_classes = len(self.classes_)
        train_codes = codes[~held]
        seen = np.isin(codes[held], train_codes)
        query, truth = lonlat[held][seen], codes[held][seen]
        rows = np.arange(len(truth))
        prior = np.bincount(train_codes, minlength=n_classes) / len(train_codes)
        # Each component's probabilities of the held-out records.
        probas = {"estimator": self._proba_of(estimator, query)}
        features = _forest_features(query)
        for forest in forests:
            probas[_forest_name(forest)] = self._proba_of(forest, features)
        probas["prior"] = np.broadcast_to(prior, (len(truth), n_classes))
        fixed = [proba[rows, truth] for proba in probas.values()]
        pools = ["linear", "log"] if self.pooling == "auto" else [self.pooling]
        if "log" in pools:
            # The pooled components: every one but the prior, which is their
            # floor instead (it has no exponent of its own).
            floor = _laplace_prior(train_codes, n_classes)
            pooled = [proba for name, proba in probas.items() if name != "prior"]
            # The search ranks the candidates in single precision (half the
            # memory traffic), the kNN's logs written into the last slot for
            # each candidate; the chosen pool is solved in double precision.
            search_logs = np.empty((len(pooled) + 1, *pooled[0].shape), np.float32)
            search_logs[:-1] = _floored_logs(pooled, floor)
            exponents = None  # warm start from the previous candidate's
        candidates = self._candidate_k(len(train_codes))
        neighbors = SiteNeighbors(lonlat[~held], train_codes, n_classes)
        distances, sites = neighbors.query(query, max(candidates))
        best = None
        for k in candidates:
            for vote in ("uniform", "distance"):
                knn = neighbors.vote(distances[:, :k], sites[:, :k], k, vote)
                for pool in pools:
                    if pool == "linear":
                        likelihoods = np.column_stack([*fixed, knn[rows, truth]])
                        weights = mixture_weights(likelihoods)
                        loss = -np.mean(np.log(np.maximum(likelihoods @ weights, _EPS)))
                        mixture = weights[-1] * knn
                        for weight, proba in zip(weights, probas.values()):
                            mixture += weight * proba
                    else:
                        search_logs[-1] = _floored_logs([knn], floor)[0]
                        # Ranked after one Newton step from the previous
                        # candidate's exponents; the chosen one is solved fully.
                        exponents, loss, mixture = log_pool_weights(
                            search_logs,
                            truth,
                            start=exponents,
                            max_iter=_SEARCH_STEPS,
                            return_proba=True,
                        )
                        weights = (exponents, knn)
                    accuracy = float(np.mean(mixture.argmax(axis=1) == truth))
                    key = (-loss,)
                    if self.scoring == "accuracy":
                        key = (accuracy, -loss)
                    if best is None or key > best[0]:
                        best = (key, loss, accuracy, k, vote, pool, weights)
        _, loss, accuracy, self.n_neighbors_, self.vote_weights_, pool, weights = best
        self.pooling_ = pool
        if pool == "linear":
            chosen = dict(zip([*probas, "knn"], weights.tolist()))
        else:
            start, knn = weights
            logs = _floored_logs([*pooled, knn], floor)
            weights, loss, pool_proba = log_pool_weights(
                logs, truth, start=start, return_proba=True
            )
            accuracy = float(np.mean(pool_proba.argmax(axis=1) == truth))
            names = [name for name in probas if name != "prior"]
            chosen = {**dict(zip([*names, "knn"], weights.tolist())), "prior": 0.0}
        order = ["estimator", *(_forest_name(f) for f in forests), "knn", "prior"]
        self.weights_ = {name: chosen[name] for name in order}
        self.validation_log_loss_ = float(loss)
        self.validation_accuracy_ = accuracy

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
        components = {}  # the probabilities of each component of weight > 0
        if weights["estimator"]:
            components["estimator"] = self._proba_of(self.estimator_, lonlat)
        weighted = [f for f in self.forests_ if weights[_forest_name(f)]]
        if weighted:
            features = _forest_features(lonlat)
        for forest in weighted:
            components[_forest_name(forest)] = self._proba_of(forest, features)
        if weights["knn"]:
            k = min(self.n_neighbors_, len(self._codes))
            distances, sites = self._neighbors.query(lonlat, k)
            components["knn"] = self._neighbors.vote(
                distances, sites, k, self.vote_weights_
            )
        if self.pooling_ == "log":
            n_classes = len(self.classes_)
            if not components:  # every exponent 0: the pool is uniform
                return np.full((len(lonlat), n_classes), 1.0 / n_classes)
            floor = _laplace_prior(self._codes, n_classes)
            exponents = np.array([weights[name] for name in components])
            return log_pool(exponents, _floored_logs(list(components.values()), floor))
        proba = weights["prior"] * np.tile(self.class_prior_, (len(lonlat), 1))
        for name, component in components.items():
            proba += weights[name] * component
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
