"""GeoPriorFusion: an image model's probabilities times a location prior (SPEC §7)."""

from numbers import Real

import numpy as np
from scipy.special import log_softmax
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._fusion_columns import resolve_columns, split_columns
from ._fusion_routing import default_location, fit_router, route_fit_params
from ._fusion_sources import (
    PROBA_SUM_TOLERANCE,
    check_passthrough,
    check_scores,
    class_order,
)
from ._presence import presence_method
from ._sklearn_helpers import delegate_has, response_method
from ._validation import check_class_labels

__all__ = ["PROBA_SUM_TOLERANCE", "GeoPriorFusion"]

# Probabilities are clipped to this before the logarithm, so that a class
# that one source rules out exactly (probability 0) stays finite.
_TINY = np.finfo(np.float64).tiny

_PRIOR_METHODS = ("predict_presence", "predict_proba")


def _image_has_predict_proba(fusion):
    """``available_if`` check: the image side can give ``P(y | I)``."""
    image = getattr(fusion, "image_estimator_", fusion.image_estimator)
    if isinstance(image, str):  # "passthrough": the columns are P(y | I)
        return True
    return delegate_has("predict_proba", ("image_estimator_", "image_estimator"))(
        fusion
    )


def _log_clipped(proba):
    return np.log(np.clip(proba, _TINY, None))


class GeoPriorFusion(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Combine an image classifier with a location prior ``P(y | x)``.

    Assuming that the image ``I`` and the location ``x`` are independent given
    the class (SPEC §7, the paper's §3), the fused posterior is

    ``P(y | I, x) ∝ P(y | I) · P(y | x)^prior_weight [/ P(y)]``

    with ``P(y | I)`` from ``image_estimator`` (or precomputed in ``X``),
    ``P(y | x)`` from ``location_estimator`` (its ``predict_presence``, the
    paper's presence probability ``σ(logit)``, where it has one, also that of
    a classifier inside a fitted search or at the end of a pipeline; its
    ``predict_proba`` otherwise) and ``P(y)`` the class frequency of the
    training labels. The product is formed as a sum of logarithms and normalised with a
    log-sum-exp, so it stays finite when every factor is tiny.

    ``X`` holds both inputs: location columns ``(lon, lat)`` in degrees and the
    image-feature (or image-probability) columns.

    Parameters
    ----------
    image_estimator : estimator or "passthrough"
        The image model giving ``P(y | I)``: a classifier with ``fit`` and
        ``predict_proba``, cloned and fitted on the image columns in
        :meth:`fit`. Wrap a model that is already trained in
        :class:`sklearn.frozen.FrozenEstimator` to use it as is.
        ``"passthrough"``: the image columns already are class probabilities
        (e.g. a CNN's softmax outputs), one column per class in the order of
        ``classes_`` (the sorted labels of ``y``); each row must sum to 1
        within ``PROBA_SUM_TOLERANCE`` (1e-3).
    location_estimator : estimator or None, default=None
        The location model giving the prior: a classifier with ``fit`` and
        ``predict_presence`` (used when present) or ``predict_proba``, cloned
        and fitted on the location columns, given as a float array of shape
        ``(n_samples, 2)``: longitude then latitude. None means
        :class:`~skgeo_s2v.NeighborBlendClassifier` with its defaults (and
        ``random_state``): on GeoNames with a place-name model it gave a
        fused top-1 0.8 points above a tuned kNN prior on countries and 0.5
        on time zones (above on every seed of both), where
        :class:`~skgeo_s2v.SphereLocationClassifier` at its defaults gave
        0.7 and 2.0 points below the kNN's (docs/benchmarks.rst). Pass
        ``SphereLocationClassifier()`` for the paper's fusion of presences,
        or to pretrain the location encoder (``pretrain_X``,
        ``pretrain_features``).
    location_columns : tuple of two str or two int, default=("lon", "lat")
        The longitude and latitude columns of ``X``: names for a DataFrame,
        integer positions for an array.
    image_columns : list of str or int, or None, default=None
        The columns given to the image side, names for a DataFrame, positions
        for an array. None means every column that is not a location column,
        in the order of ``X``.
    prior_weight : float, default=1.0
        Exponent ``w ≥ 0`` of the location prior: 0 ignores the location, 1 is
        the paper's product, larger values trust the location more.
    divide_by_class_frequency : bool, default=False
        Divide by the class frequency ``P(y)`` of the training labels. Both
        models already include the class imbalance of their training data;
        dividing once removes the prior that would otherwise be counted twice.
    random_state : int, RandomState instance or None, default=None
        Seeds the default location estimator (``location_estimator=None``):
        the same value gives the same fused model on the same machine. A
        ``location_estimator`` that is given keeps its own ``random_state``
        (set it there), and so does the image model.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted labels of ``y``.
    image_estimator_ : estimator or "passthrough"
        The fitted image model (the same object for a ``FrozenEstimator``).
    location_estimator_ : estimator
        The fitted location model.
    class_frequency_ : ndarray of shape (n_classes,)
        ``P(y)``: the fraction of each class in the training labels.
    n_features_in_ : int
        Number of columns of ``X``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X``, when it was a DataFrame with string names.

    See Also
    --------
    NeighborBlendClassifier : The default location prior.
    SphereLocationClassifier : The paper's location prior, with presences.

    Notes
    -----
    The two models are aligned by class label, not by column position: their
    ``classes_`` may come in any order but must hold the same labels as ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skgeo_s2v.fusion import GeoPriorFusion
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(["fox", "jackal"], 50)
    >>> X = pd.DataFrame({
    ...     "lon": rng.uniform(-180, 180, 100),
    ...     "lat": np.where(y == "fox", 70.0, 0.0) + rng.normal(0, 5, 100),
    ...     "fur": rng.normal(0, 1, 100),  # an image feature that says little
    ... })
    >>> fusion = GeoPriorFusion(LogisticRegression(), KNeighborsClassifier(10))
    >>> fusion.fit(X, y).predict(pd.DataFrame({"lon": [0.0], "lat": [72.0],
    ...                                        "fur": [0.3]}))
    array(['fox'], dtype='<U6')
    >>> fusion.score(X, y)
    1.0
    """

    _required_parameters = ["image_estimator"]

    _parameter_constraints: dict = {
        # Only `fit` is required here, so that a meta-estimator exposing
        # `predict_proba` only once fitted is accepted; `fit` checks the rest.
        "image_estimator": [HasMethods(["fit"]), StrOptions({"passthrough"})],
        "location_estimator": [None, HasMethods(["fit"])],
        "location_columns": [tuple, list],
        "image_columns": [None, list, tuple],
        "prior_weight": [Interval(Real, 0, None, closed="left")],
        "divide_by_class_frequency": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        image_estimator,
        location_estimator=None,
        *,
        location_columns=("lon", "lat"),
        image_columns=None,
        prior_weight=1.0,
        divide_by_class_frequency=False,
        random_state=None,
    ):
        self.image_estimator = image_estimator
        self.location_estimator = location_estimator
        self.location_columns = location_columns
        self.image_columns = image_columns
        self.prior_weight = prior_weight
        self.divide_by_class_frequency = divide_by_class_frequency
        self.random_state = random_state

    # -- columns -------------------------------------------------------------
    def _split(self, X, *, reset):
        """Validate ``X`` and return its location part and its image part."""
        if not hasattr(X, "iloc"):
            X = check_array(X, dtype="numeric", ensure_all_finite=False)
        validate_data(self, X, reset=reset, skip_check_array=True)
        names = getattr(self, "feature_names_in_", None)
        if reset:
            self._location_index_, self._image_index_ = resolve_columns(
                X, self.location_columns, self.image_columns, names
            )
        return split_columns(X, self._location_index_, self._image_index_, names)

    # -- fit -----------------------------------------------------------------
    @_fit_context(
        # The two sub-estimators are not validated yet.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, **fit_params):
        """Fit the image model and the location model on the same labels.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Location columns ``(lon, lat)`` in degrees and image columns.
        y : array-like of shape (n_samples,)
            Class labels.
        **fit_params : dict
            Metadata for the ``fit`` of the sub-estimators, e.g.
            ``sample_weight`` or the pretraining arrays ``pretrain_X`` and
            ``pretrain_features`` of a
            :class:`~skgeo_s2v.SphereLocationClassifier`. Only with metadata
            routing (``sklearn.set_config(enable_metadata_routing=True)``):
            each goes to the sub-estimators that requested it, e.g. with
            ``location_estimator.set_fit_request(pretrain_X=True,
            pretrain_features=True)``.

        Returns
        -------
        self : GeoPriorFusion
            The fitted estimator.

        Examples
        --------
        Route sample weights to the image model only:

        >>> import numpy as np
        >>> import sklearn
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn.neighbors import KNeighborsClassifier
        >>> from skgeo_s2v.fusion import GeoPriorFusion
        >>> X = np.array([[0.0, 60, 1.0], [10, 65, 0.8], [5, 0, 0.1], [15, 5, 0.2]])
        >>> y = ["fox", "fox", "jackal", "jackal"]
        >>> with sklearn.config_context(enable_metadata_routing=True):
        ...     fusion = GeoPriorFusion(
        ...         LogisticRegression().set_fit_request(sample_weight=True),
        ...         KNeighborsClassifier(2),
        ...         location_columns=(0, 1),
        ...     ).fit(X, y, sample_weight=[1.0, 2.0, 1.0, 2.0])
        >>> fusion.predict(X).tolist()
        ['fox', 'fox', 'jackal', 'jackal']
        """
        image_params, location_params = route_fit_params(self, fit_params)
        X_location, X_image = self._split(X, reset=True)
        y = check_class_labels(y)
        check_consistent_length(X_location, y)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.class_frequency_ = counts / counts.sum()

        self.image_estimator_ = self._fit_image(X_image, y, image_params)
        self.location_estimator_ = self._fit_location(X_location, y, location_params)
        return self

    def _is_passthrough(self):
        return isinstance(self.image_estimator, str)

    def get_metadata_routing(self):
        """How :meth:`fit` routes metadata to the two sub-estimators.

        ``fit`` metadata goes to the ``fit`` of the image model and of the
        location model, each taking what it requested with
        ``set_fit_request``; ``score`` consumes ``sample_weight`` itself.
        See the example of :meth:`fit`.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            The routing of this object.
        """
        return fit_router(self)

    def _fit_image(self, X_image, y, params):
        if self._is_passthrough():
            self._image_order_ = np.arange(self.classes_.size)
            check_passthrough(X_image, self.classes_)
            return self.image_estimator
        image = clone(self.image_estimator).fit(X_image, y, **params)
        if response_method(image, "predict_proba") is None:
            raise ValueError(
                f"image_estimator {image!r} has no predict_proba, which gives "
                "P(y | I). Use a probabilistic classifier (e.g. SVC(probability="
                "True)), wrap it in CalibratedClassifierCV, or pass "
                "image_estimator='passthrough' with probability columns."
            )
        self._image_order_ = class_order(
            image.classes_, self.classes_, "image_estimator"
        )
        return image

    def _fit_location(self, X_location, y, params):
        location = clone(
            default_location(self.location_estimator, self.random_state)
        ).fit(X_location, y, **params)
        # predict_presence: also that of a classifier inside a search
        prior = presence_method(location) or response_method(location, _PRIOR_METHODS)
        if prior is None:
            raise ValueError(
                f"location_estimator {location!r} has neither predict_presence nor "
                "predict_proba; the location prior P(y | x) needs one of them "
                "(SphereLocationClassifier has both)."
            )
        self._prior_method_ = prior.__name__
        self._location_order_ = class_order(
            location.classes_, self.classes_, "location_estimator"
        )
        return location

    # -- the two sources -----------------------------------------------------
    @available_if(_image_has_predict_proba)
    def predict_image_proba(self, X):
        """``P(y | I)``: the image side alone, columns in the order of ``classes_``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Location and image columns, as in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self._image_proba(self._split(X, reset=False)[1])

    def predict_location_prior(self, X):
        """``P(y | x)``: the location prior alone, columns in the order of ``classes_``.

        The presence probabilities ``σ(logit)`` of the location model when it
        has ``predict_presence`` (rows need not sum to 1), else its
        ``predict_proba``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Location and image columns, as in :meth:`fit`.

        Returns
        -------
        prior : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self._location_prior(self._split(X, reset=False)[0])

    def _image_proba(self, X_image):
        if isinstance(self.image_estimator_, str):
            return check_passthrough(X_image, self.classes_)
        proba = check_scores(
            self.image_estimator_.predict_proba(X_image),
            self.classes_,
            "image_estimator",
        )
        return proba[:, self._image_order_]

    def _location_prior(self, X_location):
        location = self.location_estimator_
        method = presence_method(location) or getattr(location, self._prior_method_)
        prior = check_scores(method(X_location), self.classes_, "location_estimator")
        return prior[:, self._location_order_]

    # -- fused prediction ----------------------------------------------------
    def _joint_log_scores(self, X):
        """``log P(y|I) + w log P(y|x) [− log P(y)]``, unnormalised (SPEC §7)."""
        check_is_fitted(self)
        X_location, X_image = self._split(X, reset=False)
        scores = _log_clipped(self._image_proba(X_image))
        if self.prior_weight:
            scores += self.prior_weight * _log_clipped(self._location_prior(X_location))
        if self.divide_by_class_frequency:
            scores -= np.log(self.class_frequency_)
        return scores

    @available_if(_image_has_predict_proba)
    def predict_log_proba(self, X):
        """Logarithm of the fused posterior ``P(y | I, x)``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Location and image columns, as in :meth:`fit`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``; ``exp`` of each row sums to 1.
        """
        return log_softmax(self._joint_log_scores(X), axis=1)

    @available_if(_image_has_predict_proba)
    def predict_proba(self, X):
        """The fused posterior ``P(y | I, x)``, normalised over the classes.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Location and image columns, as in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))

    @available_if(_image_has_predict_proba)
    def predict(self, X):
        """The class with the largest fused posterior.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Location and image columns, as in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        scores = self._joint_log_scores(X)
        return self.classes_[np.argmax(scores, axis=1)]

    @available_if(_image_has_predict_proba)
    def score(self, X, y, sample_weight=None):
        """Accuracy of :meth:`predict` on ``X`` against ``y``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Location and image columns, as in :meth:`fit`.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy.
        """
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        location = self.location_estimator
        if location is None:
            tags.non_deterministic = self.random_state is None
        else:
            tags.non_deterministic = get_tags(location).non_deterministic
        if not self._is_passthrough():
            tags.non_deterministic |= get_tags(self.image_estimator).non_deterministic
        return tags
