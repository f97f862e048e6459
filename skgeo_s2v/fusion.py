"""GeoPriorFusion: an image model's probabilities times a location prior (SPEC §7)."""

from numbers import Integral, Real

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

from ._validation import check_class_labels, first_non_finite

__all__ = ["GeoPriorFusion"]

#: Largest ``|row sum - 1|`` accepted for precomputed image probabilities.
PROBA_SUM_TOLERANCE = 1e-3

# Probabilities are clipped to this before the logarithm, so that a class
# that one source rules out exactly (probability 0) stays finite.
_TINY = np.finfo(np.float64).tiny

_PRIOR_METHODS = ("predict_presence", "predict_proba")


def _image_has_predict_proba(fusion):
    """``available_if`` check: the image side can give ``P(y | I)``."""
    image = getattr(fusion, "image_estimator_", fusion.image_estimator)
    if isinstance(image, str):  # "passthrough": the columns are P(y | I)
        return True
    return callable(getattr(image, "predict_proba", None))


def _prior_method(location_estimator):
    """Name of the method giving the prior: presence first, else probability."""
    for method in _PRIOR_METHODS:
        if callable(getattr(location_estimator, method, None)):
            return method
    return None


def _log_clipped(proba):
    return np.log(np.clip(proba, _TINY, None))


def _describe(labels):
    return "[" + ", ".join(repr(label) for label in np.asarray(labels).tolist()) + "]"


def _class_order(model_classes, classes, source):
    """Column indices that put a model's output in the order of ``classes``.

    Raises a ValueError listing the labels that only one side knows.
    """
    model_classes = np.asarray(model_classes)
    only_model = np.setdiff1d(model_classes, classes)
    only_y = np.setdiff1d(classes, model_classes)
    if only_model.size or only_y.size or model_classes.size != classes.size:
        raise ValueError(
            f"The classes of {source} do not match the labels of y: "
            f"only in {source}: {_describe(only_model)}; only in y: "
            f"{_describe(only_y)}. Fit both models on the same label set "
            "(a FrozenEstimator must have been trained on the labels of y)."
        )
    position = {label: i for i, label in enumerate(model_classes.tolist())}
    return np.array([position[label] for label in classes.tolist()], dtype=np.intp)


class GeoPriorFusion(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Combine an image classifier with a location prior ``P(y | x)``.

    Assuming that the image ``I`` and the location ``x`` are independent given
    the class (SPEC §7, the paper's §3), the fused posterior is

    ``P(y | I, x) ∝ P(y | I) · P(y | x)^prior_weight [/ P(y)]``

    with ``P(y | I)`` from ``image_estimator`` (or precomputed in ``X``),
    ``P(y | x)`` the presence probability ``σ(logit)`` of
    ``location_estimator`` and ``P(y)`` the class frequency of the training
    labels. The product is formed as a sum of logarithms and normalised with a
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
        :class:`~skgeo_s2v.SphereLocationClassifier` with its defaults.
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
    SphereLocationClassifier : The default location prior.

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
    ):
        self.image_estimator = image_estimator
        self.location_estimator = location_estimator
        self.location_columns = location_columns
        self.image_columns = image_columns
        self.prior_weight = prior_weight
        self.divide_by_class_frequency = divide_by_class_frequency

    # -- columns -------------------------------------------------------------
    def _resolve_columns(self, X):
        """Positions of the location and the image columns in ``X``."""
        if len(self.location_columns) != 2:
            raise ValueError(
                f"location_columns={self.location_columns!r} must name exactly two "
                "columns: longitude then latitude."
            )
        names = getattr(self, "feature_names_in_", None)
        location = [self._position(c, names) for c in self.location_columns]
        if self.image_columns is None:
            image = [i for i in range(self.n_features_in_) if i not in location]
        else:
            image = [self._position(c, names) for c in self.image_columns]
        if not image:
            raise ValueError(
                f"X has no image columns: its {self.n_features_in_} column(s) are "
                "all location columns. Add the image features (or image "
                "probabilities) as further columns, or name them with image_columns."
            )
        return np.array(location, dtype=np.intp), np.array(image, dtype=np.intp)

    def _position(self, column, names):
        if names is not None:
            matches = np.flatnonzero(names == column)
            if matches.size:
                return int(matches[0])
            raise ValueError(
                f"Column {column!r} is not in X, whose columns are "
                f"{names.tolist()}. Rename the columns or set location_columns / "
                "image_columns to names that X has."
            )
        if isinstance(column, Integral) and -self.n_features_in_ <= column < (
            self.n_features_in_
        ):
            return int(column) % self.n_features_in_
        raise ValueError(
            f"Column {column!r} cannot be selected from X, which has "
            f"{self.n_features_in_} columns and no string column names (an array). "
            "Pass a DataFrame with named columns, or give location_columns / "
            "image_columns as integer positions, e.g. location_columns=(0, 1)."
        )

    def _split(self, X, *, reset):
        """Validate ``X`` and return its location part and its image part.

        The location part is a float array of ``(lon, lat)``, so that the
        fitted location model also scores plain coordinates (e.g. a map's
        grid). The image part of a DataFrame stays a DataFrame, so that an
        image model trained on named columns sees the same names. ``X``
        itself is never modified.
        """
        if not hasattr(X, "iloc"):
            X = check_array(X, dtype="numeric", ensure_all_finite=False)
        validate_data(self, X, reset=reset, skip_check_array=True)
        if reset:
            self._location_index_, self._image_index_ = self._resolve_columns(X)
        location = self._finite_values(
            self._columns(X, self._location_index_), self._location_index_, "location"
        )
        image = self._columns(X, self._image_index_)
        self._finite_values(image, self._image_index_, "image")
        return location, image

    @staticmethod
    def _columns(X, index):
        return X.iloc[:, index] if hasattr(X, "iloc") else X[:, index]

    def _column_name(self, position):
        names = getattr(self, "feature_names_in_", None)
        return repr(names[position]) if names is not None else str(position)

    def _finite_values(self, part, index, kind):
        """``part`` as a float array; a ValueError names a non-finite cell."""
        try:
            values = check_array(part, dtype=np.float64, ensure_all_finite=False)
        except ValueError as exc:
            columns = [self._column_name(i) for i in index]
            raise ValueError(
                f"The {kind} columns [{', '.join(columns)}] of X must be numeric: "
                f"{exc} Select the numeric columns with location_columns / "
                "image_columns."
            ) from exc
        bad = first_non_finite(values)
        if bad is not None:
            row, col = bad
            raise ValueError(
                f"X holds a missing or infinite value ({values[row, col]}) in "
                f"{kind} column {self._column_name(index[col])} at row {row}. "
                "GeoPriorFusion needs finite values everywhere (no NaN or inf): "
                "drop or impute those rows first."
            )
        return values

    # -- fit -----------------------------------------------------------------
    @_fit_context(
        # The two sub-estimators are not validated yet.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y):
        """Fit the image model and the location model on the same labels.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Location columns ``(lon, lat)`` in degrees and image columns.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : GeoPriorFusion
            The fitted estimator.
        """
        X_location, X_image = self._split(X, reset=True)
        y = check_class_labels(y)
        check_consistent_length(X_location, y)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.class_frequency_ = counts / counts.sum()

        self.image_estimator_ = self._fit_image(X_image, y)
        self.location_estimator_ = self._fit_location(X_location, y)
        return self

    def _fit_image(self, X_image, y):
        if isinstance(self.image_estimator, str):
            self._image_order_ = np.arange(self.classes_.size)
            self._check_passthrough(X_image)
            return self.image_estimator
        image = clone(self.image_estimator).fit(X_image, y)
        if not callable(getattr(image, "predict_proba", None)):
            raise ValueError(
                f"image_estimator {image!r} has no predict_proba, which gives "
                "P(y | I). Use a probabilistic classifier (e.g. SVC(probability="
                "True)), wrap it in CalibratedClassifierCV, or pass "
                "image_estimator='passthrough' with probability columns."
            )
        self._image_order_ = _class_order(
            image.classes_, self.classes_, "image_estimator"
        )
        return image

    def _fit_location(self, X_location, y):
        if self.location_estimator is None:
            from .classifier import SphereLocationClassifier

            location = SphereLocationClassifier()
        else:
            location = clone(self.location_estimator)
        location.fit(X_location, y)
        self._prior_method_ = _prior_method(location)
        if self._prior_method_ is None:
            raise ValueError(
                f"location_estimator {location!r} has neither predict_presence nor "
                "predict_proba; the location prior P(y | x) needs one of them "
                "(SphereLocationClassifier has both)."
            )
        self._location_order_ = _class_order(
            location.classes_, self.classes_, "location_estimator"
        )
        return location

    def _check_passthrough(self, proba):
        """Refuse precomputed image probabilities of the wrong shape or sum."""
        proba = check_array(proba, dtype=np.float64)
        if proba.shape[1] != self.classes_.size:
            raise ValueError(
                f"image_estimator='passthrough' expects one probability column per "
                f"class, {self.classes_.size} for the classes "
                f"{_describe(self.classes_)} of y, but X has {proba.shape[1]} image "
                "column(s). Select the probability columns with image_columns, in "
                "the order of the sorted labels."
            )
        sums = proba.sum(axis=1)
        bad = (np.abs(sums - 1.0) > PROBA_SUM_TOLERANCE) | (proba < 0).any(axis=1)
        if bad.any():
            row = int(np.argmax(bad))
            raise ValueError(
                f"With image_estimator='passthrough' the image columns must be "
                f"probabilities, but row {row} holds values summing to {sums[row]:.6g}"
                f" (min {proba[row].min():.6g}); each row must be non-negative and "
                f"sum to 1 within {PROBA_SUM_TOLERANCE}. Apply a softmax to logits "
                "first, or check image_columns."
            )
        return proba

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
            return self._check_passthrough(X_image)
        proba = self._checked_output(
            self.image_estimator_.predict_proba(X_image), "image_estimator"
        )
        return proba[:, self._image_order_]

    def _location_prior(self, X_location):
        method = getattr(self.location_estimator_, self._prior_method_)
        prior = self._checked_output(method(X_location), "location_estimator")
        return prior[:, self._location_order_]

    def _checked_output(self, scores, source):
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim != 2 or scores.shape[1] != self.classes_.size:
            raise ValueError(
                f"{source} returned scores of shape {scores.shape}, but there are "
                f"{self.classes_.size} classes {_describe(self.classes_)}: it must "
                "give one column per class, in the order of its classes_."
            )
        return scores

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
        tags.non_deterministic = (
            location is None or get_tags(location).non_deterministic
        )
        if not isinstance(self.image_estimator, str):
            tags.non_deterministic |= get_tags(self.image_estimator).non_deterministic
        return tags
