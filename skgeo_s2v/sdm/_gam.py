"""An additive model of location and covariates: Sphere2Vec features and splines.

The log-odds of each class are a sum of a location term, linear in the
position encoding of ``(lon, lat)``, and one smooth term per covariate (a
cubic B-spline basis; categoricals one-hot encoded), fitted by L2-penalised
logistic regression on the standardised basis. It is the generalised additive
model of species distribution work with a Sphere2Vec basis for the location:
fast, smooth in both the location and the covariates, and deterministic.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import SplineTransformer, StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from .._covariate_input import covariate_input, fit_covariate_input
from .._fitting import make_position_encoder
from .._validation import check_class_labels, check_several_classes, validate_lonlat

__all__ = ["SphereGAMClassifier"]


class SphereGAMClassifier(ClassifierMixin, BaseEstimator):
    """Penalised logistic regression, additive in the location and each covariate.

    For two-column input ``(lon, lat)`` the model is a logistic regression on
    the position encoding. For a DataFrame of ``lon``, ``lat`` and covariate
    columns, each numeric covariate adds a cubic B-spline basis of
    ``n_knots`` knots spread over its training range (extended beyond it as
    ``extrapolation`` says) and each pandas categorical its one-hot
    columns; the basis is standardised and the model is linear in it, so
    the log-odds are a sum of a smooth surface over the sphere and one
    smooth response curve per covariate, as in a generalised additive model
    (GAM) of species distribution work.

    On presence-only records, fit it on the presences (one class per
    species, or ``True``) against background sites carrying the same
    covariates (a second class, ``False`` or ``"background"``), then use
    :meth:`predict_proba` of the presence class (the probability that a
    site is a presence rather than a background site) as a score for ROC AUC,
    the Boyce index, thresholds and maps
    (:func:`~skgeo_s2v.sdm.predict_grid` with ``method="predict_proba"``).

    Parameters
    ----------
    encoder : str or position encoder, default="sphereC+"
        The encoding of the location: a name for
        :func:`~skgeo_s2v.make_encoder` or an encoder of
        :mod:`skgeo_s2v.encoders` (cloned at fit). ``min_radius`` of the
        encoder sets the finest scale of the location surface.
    n_knots : int, default=6
        Knots of each numeric covariate's spline, spread uniformly over its
        training range; more knots allow more wiggly response curves.
    extrapolation : {"linear", "constant"}, default="linear"
        Each numeric covariate's spline beyond its training range:
        ``"linear"`` continues it along its slope at the edge; ``"constant"``
        holds it at its value there, as Maxent's clamping does, so that a
        site beyond the range scores as one at its edge. Choose
        ``"constant"`` to map into covariate values that no training row
        held (a future climate; :func:`~skgeo_s2v.sdm.mess` shows where),
        where a linear tail would grow without bound.
    C : float, default=0.03
        Inverse strength of the L2 penalty on the coefficients of the
        standardised basis, as in :class:`~sklearn.linear_model.LogisticRegression`.
        The default is stronger than scikit-learn's ``C=1``: the data term
        grows with the number of presences, and a species often has only a
        few records. Chosen on other folds than those the benchmarks report
        (``benchmarks/probe_sdm.py gam --presences``); on elapid's Ariolimax
        sample it gains most with 5 to 100 presences a training fold and is
        level with ``C=1`` with all of them (about 1,275; :doc:`/benchmarks`).
    bias_covariates : list or tuple of str, dict of str to float, or None, default=None
        Numeric covariate columns that measure sampling effort rather than
        habitat (a density of all records, from
        :func:`~skgeo_s2v.sdm.sampling_effort`; distance to the nearest road):
        fitted like the other covariates, so that they take up the
        observers' bias, then held at one value in every prediction, so that
        the scores describe where the species lives as if every site had
        been searched alike (Warton et al. 2013). A list holds each at its
        (weighted) mean over the training rows; a dict gives the values.
        The model being additive, the value moves every log-odds by the same
        amount: rankings (ROC AUC, the Boyce index, percentile thresholds)
        do not depend on it, probabilities do. Prediction input may leave
        these columns out; values it holds there are not used.
    handle_unknown : {"error", "ignore"}, default="error"
        A level of a categorical covariate at prediction that the training
        rows did not hold: ``"error"`` raises a ValueError naming it (and
        :func:`~skgeo_s2v.sdm.predict_grid` leaves such cells NaN);
        ``"ignore"`` encodes it as all zeros, as scikit-learn's
        ``OneHotEncoder(handle_unknown="ignore")``, so the site is scored as
        one of none of the known levels. Use ``"ignore"`` in spatial
        cross-validation, whose test folds can hold a level (a soil, a
        vegetation type) that no training fold has.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in
        :class:`~sklearn.linear_model.LogisticRegression`.
    max_iter : int, default=1000
        Most iterations of the L-BFGS solver.
    random_state : int, RandomState instance or None, default=None
        Seeds encoders that draw at random (``"rbf"``, ``"rff"``); the fit is
        otherwise deterministic.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    encoder_ : position encoder
        The fitted encoder of the location.
    bias_values_ : dict of str to float
        The value each of ``bias_covariates`` is held at in predictions
        (empty without them).
    covariate_transformer_ : ColumnTransformer or None
        The fitted spline and one-hot bases of the covariates; None for
        two-column input.
    scaler_ : StandardScaler
        Standardises the basis (encoding, then covariates).
    logistic_ : LogisticRegression
        The fitted linear model on the standardised basis.
    n_iter_ : ndarray of shape (1,)
        Iterations the solver ran.
    n_features_in_ : int
        Number of columns of ``X`` at fit.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it was a DataFrame.

    See Also
    --------
    SphereLocationClassifier : a neural network on the same inputs, and a
        joint model of many species.

    Notes
    -----
    Penalised by ``C`` only, with no smoothness penalty per term: the
    knots and the encoder's scales bound how wiggly each term can be.
    Measured on elapid's Ariolimax sample under spatial cross-validation
    (``benchmarks/bench_sdm.py``; :doc:`/benchmarks`).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skgeo_s2v.sdm import SphereGAMClassifier
    >>> rng = np.random.default_rng(0)
    >>> sites = pd.DataFrame({"lon": rng.uniform(-10, 10, 400),
    ...                       "lat": rng.uniform(40, 60, 400),
    ...                       "temperature": rng.normal(10, 3, 400)})
    >>> presence = (sites["temperature"] > 12) & (sites["lon"] > 0)
    >>> model = SphereGAMClassifier().fit(sites, presence)
    >>> model.predict_proba(sites.iloc[:2]).shape
    (2, 2)
    >>> float(model.score(sites, presence)) > 0.9
    True

    A covariate of sampling effort, fitted and then held at its mean:

    >>> sites["effort"] = rng.normal(0, 1, 400)
    >>> held = SphereGAMClassifier(bias_covariates=["effort"]).fit(sites, presence)
    >>> held.predict_proba(sites[["lon", "lat", "temperature"]].iloc[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        "encoder": [str, HasMethods(["fit", "transform"])],
        "n_knots": [Interval(Integral, 2, None, closed="left")],
        "extrapolation": [StrOptions({"linear", "constant"})],
        "C": [Interval(Real, 0, None, closed="neither")],
        "bias_covariates": [None, list, tuple, dict],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "class_weight": [None, dict, StrOptions({"balanced"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        encoder="sphereC+",
        *,
        n_knots=6,
        extrapolation="linear",
        C=0.03,
        bias_covariates=None,
        handle_unknown="error",
        class_weight=None,
        max_iter=1000,
        random_state=None,
    ):
        self.encoder = encoder
        self.n_knots = n_knots
        self.extrapolation = extrapolation
        self.C = C
        self.bias_covariates = bias_covariates
        self.handle_unknown = handle_unknown
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the encoder, the covariate bases and the logistic regression.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Longitudes and latitudes in degrees, or a DataFrame of ``lon``,
            ``lat`` and covariate columns (numeric, or pandas categoricals).
        y : array-like of shape (n_samples,)
            Class labels, at least two classes (presences against background
            sites, for a presence-only model).
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Non-negative weight of each record in the splines' range, the
            scaler and the loss (e.g. a weight on the background sites);
            None weighs every record 1. A record of weight 0 counts as
            absent, except that its categorical levels stay known levels.

        Returns
        -------
        self : SphereGAMClassifier
        """
        basis, sample_weight = self._fit_basis(X, sample_weight, y)
        y = check_class_labels(y)
        check_consistent_length(basis, y)
        self.classes_ = np.unique(y)
        check_several_classes(
            self.classes_,
            self,
            "For presence-only records, add background sites (with their "
            "covariates) as a second class.",
        )
        self.logistic_ = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter
        ).fit(basis, y, sample_weight=sample_weight)
        self.n_iter_ = self.logistic_.n_iter_
        return self

    def _fit_basis(self, X, sample_weight=None, y=None):
        """Fit the encoder, the covariate bases and the scaler on ``X``
        (refusing, given ``y``, a covariate column that holds the labels).

        Returns the standardised basis of ``X`` and the checked
        ``sample_weight`` (None for none). :class:`SharedBiasGAMClassifier
        <skgeo_s2v.sdm.SharedBiasGAMClassifier>` builds its habitat terms
        with it.
        """
        splines = SplineTransformer(
            n_knots=self.n_knots, degree=3, extrapolation=self.extrapolation
        )
        lonlat, covariates = fit_covariate_input(
            self, X, False, splines, handle_unknown=self.handle_unknown, y=y
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, lonlat, ensure_non_negative=True
            )
            if covariates is not None:
                self._fit_splines_on_weighted_rows(covariates, sample_weight)
        self.bias_values_ = self._bias_values(covariates, sample_weight)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self.encoder_ = make_position_encoder(self.encoder, seed).fit(lonlat)
        features = None
        if covariates is not None:
            features = self.covariate_transformer_.transform(covariates)
        basis = self._basis(lonlat, features)
        self.scaler_ = StandardScaler().fit(basis, sample_weight=sample_weight)
        return self.scaler_.transform(basis), sample_weight

    def _fit_splines_on_weighted_rows(self, covariates, sample_weight):
        """Refit the numeric covariates' splines with ``sample_weight``, so
        that rows of weight 0 do not stretch the knots' range (scikit-learn's
        ``SplineTransformer`` leaves them out of it)."""
        for name, splines, columns in self.covariate_transformer_.transformers_:
            if name == "numeric":
                splines.fit(covariates[list(columns)], sample_weight=sample_weight)

    def _bias_values(self, covariates, sample_weight):
        """``{column: value}`` of ``bias_covariates``, checked against the
        training covariates."""
        if not self.bias_covariates:
            return {}
        names = list(self.bias_covariates)
        if covariates is None:
            raise ValueError(
                f"bias_covariates={names} names covariate columns, but X holds "
                "only the coordinates; fit on a DataFrame of lon, lat and the "
                "covariates, these among them."
            )
        for name in names:
            if name not in covariates.columns:
                raise ValueError(
                    f"bias_covariates names {name!r}, which is not a covariate "
                    f"column of X; its covariates are {list(covariates.columns)}."
                )
            if not pd.api.types.is_numeric_dtype(covariates[name].dtype):
                raise ValueError(
                    f"bias_covariates names {name!r}, a {covariates[name].dtype} "
                    "column; a covariate held at one value must be numeric."
                )
        if isinstance(self.bias_covariates, dict):
            values = {}
            for name, value in self.bias_covariates.items():
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    value = np.nan
                if not np.isfinite(value):
                    raise ValueError(
                        f"bias_covariates gives {name!r} the value "
                        f"{self.bias_covariates[name]!r}; give a finite number."
                    )
                values[name] = value
            return values
        return {
            name: float(np.average(covariates[name], weights=sample_weight))
            for name in names
        }

    def _basis(self, lonlat, covariate_features=None):
        """The encoding of ``lonlat`` beside the covariates' transformed bases."""
        parts = [np.asarray(self.encoder_.transform(lonlat), dtype=np.float64)]
        if covariate_features is not None:
            parts.append(covariate_features)
        return np.hstack(parts)

    def _standardised_basis(self, X):
        check_is_fitted(self, "logistic_")
        return self._transform_basis(X)

    def _transform_basis(self, X):
        """The standardised basis of prediction input ``X`` (after
        :meth:`_fit_basis`)."""
        if self.covariate_transformer_ is None:
            basis = self._basis(validate_lonlat(self, X, reset=False))
        else:
            if self.bias_values_ and hasattr(X, "assign"):
                X = X.assign(**self.bias_values_)  # a copy: X is not modified
            rows = covariate_input(self, X)  # (lon, lat, covariate bases...)
            basis = self._basis(rows[:, :2], rows[:, 2:])
        return self.scaler_.transform(basis)

    def decision_function(self, X):
        """Scores of the linear model: the log-odds of the second class for
        two classes, one score per class (the softmax's logits) for more.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        basis = self._standardised_basis(X)  # checks that the model is fitted
        return self.logistic_.decision_function(basis)

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        basis = self._standardised_basis(X)  # checks that the model is fitted
        return self.logistic_.predict_proba(basis)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        basis = self._standardised_basis(X)  # checks that the model is fitted
        return self.logistic_.predict_log_proba(basis)

    def predict(self, X):
        """The most probable class.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        basis = self._standardised_basis(X)  # checks that the model is fitted
        return self.logistic_.predict(basis)
