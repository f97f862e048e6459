"""A kernel density of each class's records on the sphere, as a classifier.

The baseline of location-only species distribution work: where a species
was recorded often, it is likely to be. :class:`KernelDensityClassifier`
puts a Gaussian kernel of great-circle distance on each class's records,
its bandwidth chosen by the likelihood of held-out records, and answers
``predict_presence`` (each class's density) and ``predict_proba`` (Bayes'
rule with the classes' shares as priors).
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
)

from .._geometry import EARTH_RADIUS_KM, diameter_radians, haversine_radians
from .._validation import (
    check_class_labels,
    check_class_weights,
    check_several_classes,
    validate_lonlat,
)
from ._kernel_sum import GaussianKernelSum, likeliest_bandwidth_index

__all__ = ["KernelDensityClassifier"]

#: The automatic candidates span this range of fractions of the records' diameter.
_AUTO_FRACTIONS = (1 / 300, 1 / 2)
_N_AUTO = 16


class KernelDensityClassifier(ClassifierMixin, BaseEstimator):
    """A Gaussian kernel density of each class's records, by great-circle distance.

    Each class's density is the weighted mean of Gaussian kernels of the
    great-circle distance around its records, normalised as scikit-learn's
    ``KernelDensity(metric="haversine")`` but computed exactly far from
    every record too (see Notes). With several candidate bandwidths, each
    class takes the one under which its held-out records are the most likely
    (the weighted log density of each fold of its records under the others),
    so that a species of a few scattered records is
    smoothed more than one of many crowded ones.

    Parameters
    ----------
    bandwidth_km : "auto", float or array-like of float, default="auto"
        The kernel's standard deviation, in km along the great circle. A
        number: every class's. An array: the candidates each class chooses
        from. ``"auto"``: 16 candidates spaced geometrically from 1/300 to
        1/2 of the diameter of all the training records (a region of 500 km
        gives 1.7 to 250 km).
    n_splits : int, default=5
        At least 2: folds of a class's records for choosing its bandwidth (fewer for a
        class of fewer records; a class of one record, or of one of positive
        weight, takes the median of the others' bandwidths). Of a fold of
        more than 2,000 records, 2,000 drawn at random are scored.
    random_state : int, RandomState instance or None, default=None
        Shuffles the records into folds.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    bandwidths_km_ : ndarray of shape (n_classes,)
        Each class's bandwidth, in km.
    class_log_prior_ : ndarray of shape (n_classes,)
        Log of each class's share of the training records (weighted).
    n_features_in_ : int
        2, the longitude and latitude.
    feature_names_in_ : ndarray of str
        Column names of ``X``, for a DataFrame.

    See Also
    --------
    sklearn.neighbors.KernelDensity : the density of one class.
    skgeo_s2v.sdm.RankAverageClassifier : an ensemble of this density and a
        model of the location (:doc:`/sdm`, "Which model, when").

    Notes
    -----
    The kernel is a Gaussian of the great-circle distance normalised as in
    the plane, right for bandwidths of a few hundred km and less. The log
    density at a site sums the kernels of the records within ``d + 12 h``
    of it (``d`` the distance to its nearest record, ``h`` the bandwidth),
    which leaves out less than ``exp(-72)`` of the sum per record; so far
    from every record it stays exact, where scikit-learn's tree-pruned
    ``KernelDensity`` can overstate it by hundreds (its issue #25799),
    which would let a far class win :meth:`predict_proba` there or spare a
    too-narrow bandwidth. Far from every record of a class, its density
    underflows to 0 and :meth:`predict_presence` ties there;
    :meth:`score_samples` gives the log density, which does not, and
    :meth:`predict_proba` is computed from it.

    Examples
    --------
    Two species' records in two corners of a box; each corner scores its
    own species:

    >>> import numpy as np
    >>> from skgeo_s2v.sdm import KernelDensityClassifier
    >>> rng = np.random.default_rng(0)
    >>> oak = np.column_stack([rng.uniform(0, 2, 50), rng.uniform(40, 42, 50)])
    >>> ash = np.column_stack([rng.uniform(8, 10, 50), rng.uniform(48, 50, 50)])
    >>> X, y = np.vstack([oak, ash]), np.repeat(["oak", "ash"], 50)
    >>> model = KernelDensityClassifier(random_state=0).fit(X, y)
    >>> model.predict([[1.0, 41.0], [9.0, 49.0]])
    array(['oak', 'ash'], dtype='<U3')
    >>> model.predict_presence([[1.0, 41.0]]).shape
    (1, 2)
    """

    _parameter_constraints: dict = {
        "bandwidth_km": [StrOptions({"auto"}), Real, "array-like"],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, bandwidth_km="auto", *, n_splits=5, random_state=None):
        self.bandwidth_km = bandwidth_km
        self.n_splits = n_splits
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit a density to each class's records.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitudes and latitudes in degrees.
        y : array-like of shape (n_samples,)
            The class (species) of each record, at least two classes.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Non-negative weight of each record in its class's density and
            share; None weighs every record 1.

        Returns
        -------
        self : KernelDensityClassifier
        """
        lonlat = validate_lonlat(self, X, reset=True)
        y = check_class_labels(y)
        check_consistent_length(lonlat, y)
        self.classes_, inverse = np.unique(y, return_inverse=True)
        check_several_classes(
            self.classes_,
            self,
            "For presence-only records of one species, add background sites "
            "as a second class.",
        )
        weight = check_class_weights(sample_weight, inverse, self.classes_)
        if weight is None:
            weight = np.ones(len(y))
        candidates = self._candidates_km(lonlat)
        points = haversine_radians(lonlat)
        rng = check_random_state(self.random_state)
        masses = np.bincount(inverse, weights=weight, minlength=len(self.classes_))
        chosen = np.full(len(self.classes_), np.nan)
        rows_of = [np.flatnonzero(inverse == k) for k in range(len(self.classes_))]
        for k, rows in enumerate(rows_of):
            if len(rows) > 1 and len(candidates) > 1:
                chosen[k] = self._chosen_km(points[rows], weight[rows], candidates, rng)
            elif len(candidates) == 1:
                chosen[k] = candidates[0]
        if np.isnan(chosen).all():  # no class could hold records out
            fallback = float(np.exp(np.log(candidates).mean()))
        else:
            fallback = np.nanmedian(chosen)
        self.bandwidths_km_ = np.where(np.isnan(chosen), fallback, chosen)
        self._kernel_sums = [
            GaussianKernelSum(points[rows], weight[rows]) for rows in rows_of
        ]
        self.class_log_prior_ = np.log(masses / masses.sum())
        return self

    def _candidates_km(self, lonlat):
        """The candidate bandwidths in km, checked."""
        if isinstance(self.bandwidth_km, str):
            diameter_km = max(diameter_radians(lonlat) * EARTH_RADIUS_KM, 1e-3)
            low, high = (diameter_km * f for f in _AUTO_FRACTIONS)
            return np.geomspace(low, high, _N_AUTO)
        candidates = np.atleast_1d(np.asarray(self.bandwidth_km, dtype=np.float64))
        if candidates.ndim != 1 or candidates.size == 0:
            raise ValueError(
                "bandwidth_km must be 'auto', a number or a 1-d list of numbers of "
                f"km; got {self.bandwidth_km!r}."
            )
        if not (np.isfinite(candidates).all() and (candidates > 0).all()):
            raise ValueError(
                "bandwidth_km must be positive numbers of km; got "
                f"{candidates.tolist()}."
            )
        return candidates

    def _chosen_km(self, points, weight, candidates, rng):
        """The candidate under which held-out records are the most likely
        (their weighted log density, summed over the folds)."""
        folds = KFold(
            min(self.n_splits, len(points)),
            shuffle=True,
            random_state=rng.randint(np.iinfo(np.int32).max),
        )
        splits = [
            (train, test)
            for train, test in folds.split(points)
            if weight[train].sum() > 0 and weight[test].sum() > 0
        ]
        if not splits:  # too little weight to hold any out: the fallback
            return np.nan
        best = likeliest_bandwidth_index(
            points, weight, splits, candidates / EARTH_RADIUS_KM, random_state=rng
        )
        return float(candidates[best])

    def score_samples(self, X):
        """The log density of each class at each site.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitudes and latitudes in degrees.

        Returns
        -------
        log_density : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "bandwidths_km_")
        points = haversine_radians(validate_lonlat(self, X, reset=False))
        return np.column_stack(
            [
                kernels.log_density(points, [km / EARTH_RADIUS_KM])[:, 0]
                for kernels, km in zip(
                    self._kernel_sums, self.bandwidths_km_, strict=True
                )
            ]
        )

    def predict_presence(self, X):
        """Each class's density at each site (about per steradian; see Notes).

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitudes and latitudes in degrees.

        Returns
        -------
        density : ndarray of shape (n_samples, n_classes)
        """
        return np.exp(self.score_samples(X))

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitudes and latitudes in degrees.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        joint = self.score_samples(X) + self.class_log_prior_  # finite
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def predict_proba(self, X):
        """Each class's share of the density at each site, by Bayes' rule.

        The density of a class times its share of the training records,
        normalised over the classes, computed from the log densities so that
        far from every record, where the densities underflow to 0, the
        nearer class still wins.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitudes and latitudes in degrees.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """The class of the highest :meth:`predict_proba` at each site.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitudes and latitudes in degrees.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        log_proba = self.predict_log_proba(X)  # checks that it is fitted
        return self.classes_[np.argmax(log_proba, axis=1)]
