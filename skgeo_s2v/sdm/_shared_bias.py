"""Many species' records, one sampling bias: a joint additive model.

Presence-only records of many species collected by the same observers share
their sampling bias: the records crowd near roads and towns whatever the
species. :class:`SharedBiasGAMClassifier` fits every species' habitat (an
additive model of covariates and a coarse location, as
:class:`~skgeo_s2v.sdm.SphereGAMClassifier`) jointly with one location
surface of sampling bias that all species share, against the same
background sites, and predicts with the bias left out: the pooling of
Fithian et al. (2015) with a Sphere2Vec surface for the bias.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
)

from .._covariate_input import has_covariates, lonlat_of
from .._fitting import make_position_encoder
from .._validation import (
    check_class_labels,
    check_class_weights,
    check_several_classes,
    validate_lonlat,
)
from ._gam import SphereGAMClassifier
from ._one_vs_background import (
    PresenceRankingMixin,
    _stack,
    check_background_sites,
    check_background_weights,
)

__all__ = ["SharedBiasGAMClassifier"]


class SharedBiasGAMClassifier(PresenceRankingMixin, ClassifierMixin, BaseEstimator):
    """Additive habitat models of many species with one shared sampling bias.

    The log-odds that a site holds a record of species ``s`` rather than
    being a background site are

        ``a_s + habitat_s(x) + bias(x)``,

    where ``habitat_s`` is linear in the standardised basis of
    :class:`~skgeo_s2v.sdm.SphereGAMClassifier` (the position encoding by
    ``encoder`` and a spline of each covariate; one set of coefficients per
    species) and ``bias`` is linear in the standardised encoding of the
    location by ``bias_encoder``, with one set of coefficients for all
    species. All are fitted at once by L2-penalised logistic regression of
    each species' records against the same background sites. What the
    species' records have in common beyond their habitats (where the
    observers went) costs the penalty once in ``bias`` rather than once a
    species in each habitat, so the bias takes it up; the predictions leave
    it out (it is held at its mean over the background sites), so they
    describe where each species lives as if every site had been searched
    alike. This is the multi-species pooling of Fithian et al. (2015), whose
    bias covariates are here a surface over the sphere.

    Use it for presence-only records of several species from one sampling
    effort (an atlas, a museum's or a citizen-science project's records of
    a region), to be judged where the records are not (surveys); with one
    species the bias cannot be told from the habitat: use
    :class:`~skgeo_s2v.sdm.SphereGAMClassifier` instead.

    Parameters
    ----------
    background : array-like of shape (n_sites, 2) or DataFrame
        Background sites uniform over the study region, in the layout of
        ``X``: ``(lon, lat)`` rows, or a DataFrame holding ``X``'s columns
        (the covariates among them). Required.
    background_weights : array-like of shape (n_sites,) or None, default=None
        The weight of each background site in the fit (each record weighs
        1), such as a sampling effort known beyond the records (a bias file
        for given sites); a site of weight 2 counts as that site twice. The
        bias is then held at its weighted mean over the sites. None weighs
        every site 1.
    encoder : "auto", str or position encoder, default="auto"
        The encoding of the location in each species' habitat. ``"auto"``
        is ``"xyz"`` when ``X`` has covariates and ``"sphereC+"`` when it
        holds the coordinates only. ``"xyz"``, the unit vector (three
        columns), gives each species one smooth tilt of its log-odds over
        the region beside its covariates, and the fine structure of the
        records goes to the bias. Without covariates the location is all a
        habitat has, and a tilt draws no range smaller than the region: on
        the virtual surveys of ``benchmarks/bench_sdm_virtual.py`` on
        their coordinates, ``"sphereC+"`` scored a mean AUC of 0.863 and
        ``"xyz"`` 0.781, lower on every seed. On the fossil coral surveys of
        ``benchmarks/bench_sdm_collections.py``, genera spread over the
        globe, ``"xyz"`` scored 0.567 and ``"sphereC+"`` 0.545 (each
        spatial fold's surveys scored alone), so where ranges are broad
        against the study region try both.
    bias_encoder : str or position encoder, default="sphereC+"
        The encoding of the location in the shared bias; multi-scale, since
        observers' effort varies on fine scales.
    n_knots : int, default=6
        Knots of each numeric covariate's spline (as in
        :class:`~skgeo_s2v.sdm.SphereGAMClassifier`).
    extrapolation : {"linear", "constant"}, default="linear"
        Each numeric covariate's spline beyond its training range: continued
        along its slope, or held at its value at the edge (Maxent's
        clamping; as in :class:`~skgeo_s2v.sdm.SphereGAMClassifier`).
    C : float, default=0.03
        Inverse strength of the L2 penalty on the habitat coefficients (the
        intercepts ``a_s`` are not penalised), as in
        :class:`~sklearn.linear_model.LogisticRegression`.
    bias_C : float, default=0.003
        Inverse strength of the L2 penalty on the bias coefficients. Ten
        times stronger than the habitats' by default, so that the bias
        surface takes up only the patterns the species' records share
        strongly (a weaker penalty also strips more of what the ranges have
        in common; chosen on other seeds than those the benchmark reports,
        with and without an observers' bias).
    handle_unknown : {"error", "ignore"}, default="error"
        A level of a categorical covariate at prediction that neither the
        records nor the background sites held: ``"error"`` raises a
        ValueError naming it, ``"ignore"`` encodes it as all zeros.
    max_iter : int, default=1000
        Most iterations of the L-BFGS solver.
    tol : float, default=1e-4
        The solver stops when the largest gradient component of the
        objective (per background site and species) falls below ``tol``.
    random_state : int, RandomState instance or None, default=None
        Seeds encoders that draw at random (``"rbf"``, ``"rff"``); the fit is
        otherwise deterministic.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The species.
    habitat_basis_ : SphereGAMClassifier
        Holds the fitted habitat basis (``encoder_``,
        ``covariate_transformer_``, ``scaler_``); its logistic regression is
        not fitted.
    covariate_transformer_ : ColumnTransformer or None
        The habitat basis's splines and one-hot encoder of the covariates;
        None for two-column input.
    bias_encoder_ : position encoder
        The fitted encoder of the bias surface.
    bias_scaler_ : StandardScaler
        Standardises the bias encoding.
    intercept_ : ndarray of shape (n_classes,)
        ``a_s``, with the bias held at its mean over the background sites.
    coef_ : ndarray of shape (n_classes, n_habitat_features)
        The habitat coefficients of each species.
    bias_coef_ : ndarray of shape (n_bias_features,)
        The shared bias coefficients.
    bias_offset_ : float
        The bias's mean over the background sites, added to ``intercept_``.
    n_iter_ : int
        Iterations the solver ran.
    n_features_in_ : int
        Number of columns of ``X`` at fit.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it was a DataFrame.

    See Also
    --------
    OneVsBackgroundClassifier : one model per species, fitted apart.
    sampling_effort : a covariate of sampling effort from the records.

    Notes
    -----
    The fit holds one row of scores per background site and species, so its
    memory grows as ``n_sites × n_classes``. On virtual species of three
    regions with observers' bias, tested on surveys
    (``benchmarks/bench_sdm_virtual.py``; :doc:`/benchmarks`), it scored a
    mean ROC AUC of 0.891 against 0.881 for Maxent and 0.884 for the best
    per-species GAM; without a bias it was level with Maxent (0.901) and
    0.005 below the per-species GAMs of ``"xyz"``.

    It takes for bias whatever the species' records share, so it needs
    ranges independent of one another. Where the species crowd into one
    centre of richness it takes the centre for bias too and leaves it out of
    the predictions: with such a centre (``bench_sdm_virtual.py --hotspot
    1.5``) it scored 0.875 against 0.892 for Maxent and 0.893 for the
    per-species GAM of ``"xyz"``. On real surveys of fossil coral genera
    (``bench_sdm_collections.py``, coordinates only), scored one spatial
    fold at a time, it was the best location-only model with one tilt a
    genus (``encoder="xyz"``: 0.567 against 0.538 for a kernel density of
    each genus's records and 0.558 for the classifier with the target
    group) and 0.545 with ``"sphereC+"`` habitats (the folds' surveys
    pooled: 0.478 and 0.554). Compare it with such models on surveys before
    relying on it.

    References
    ----------
    Fithian, W., Elith, J., Hastie, T. and Keith, D. A. (2015). Bias
    correction in species distribution models: pooling survey and
    collection data for multiple species. *Methods in Ecology and
    Evolution* 6, 424-438.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.sdm import SharedBiasGAMClassifier
    >>> rng = np.random.default_rng(0)
    >>> sites = np.column_stack([rng.uniform(-10, 10, 500), rng.uniform(40, 50, 500)])
    >>> records = np.column_stack([rng.uniform(-10, 10, 200), rng.uniform(40, 50, 200)])
    >>> species = np.where(records[:, 0] < 0, "west", "east")
    >>> model = SharedBiasGAMClassifier(background=sites).fit(records, species)
    >>> model.predict([[-8.0, 45.0], [8.0, 45.0]]).tolist()
    ['west', 'east']
    >>> model.predict_presence([[-8.0, 45.0]]).shape
    (1, 2)
    """

    _parameter_constraints: dict = {
        "background": ["array-like", None],
        "background_weights": ["array-like", None],
        "encoder": [str, HasMethods(["fit", "transform"])],
        "bias_encoder": [str, HasMethods(["fit", "transform"])],
        "n_knots": [Interval(Integral, 2, None, closed="left")],
        "extrapolation": [StrOptions({"linear", "constant"})],
        "C": [Interval(Real, 0, None, closed="neither")],
        "bias_C": [Interval(Real, 0, None, closed="neither")],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        background=None,
        *,
        background_weights=None,
        encoder="auto",
        bias_encoder="sphereC+",
        n_knots=6,
        extrapolation="linear",
        C=0.03,
        bias_C=0.003,
        handle_unknown="error",
        max_iter=1000,
        tol=1e-4,
        random_state=None,
    ):
        self.background = background
        self.background_weights = background_weights
        self.encoder = encoder
        self.bias_encoder = bias_encoder
        self.n_knots = n_knots
        self.extrapolation = extrapolation
        self.C = C
        self.bias_C = bias_C
        self.handle_unknown = handle_unknown
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit every species' habitat and the shared bias.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The records of all species: ``(lon, lat)`` in degrees, or a
            DataFrame of ``lon``, ``lat`` and covariate columns.
        y : array-like of shape (n_samples,)
            The species of each record; at least two.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Non-negative weight of each record in the fit (a record of weight
            2 counts as that record twice; 0 leaves it out), such as the
            inverse of its number of duplicates; the background sites weigh
            ``background_weights``. None weighs every record 1. Each species
            needs a positive total weight.

        Returns
        -------
        self : SharedBiasGAMClassifier
        """
        if self.background is None:
            raise ValueError(
                "SharedBiasGAMClassifier needs background sites: pass "
                "background=, (lon, lat) rows or a DataFrame with X's columns, "
                "uniform over the study region."
            )
        if not isinstance(X, pd.DataFrame):
            X = validate_lonlat(None, X, reset=True)
        y = check_class_labels(y)
        check_consistent_length(X, y)
        self.classes_, species = np.unique(y, return_inverse=True)
        check_several_classes(
            self.classes_,
            self,
            "The shared bias is what the species' records have in common; "
            "with one species use SphereGAMClassifier.",
        )
        check_background_sites(X, self.background)
        n_records = len(y)
        record_weights = check_class_weights(
            sample_weight, species, self.classes_, of="species"
        )
        site_weights = check_background_weights(
            self.background_weights, self.background
        )
        # The standardisations are unweighted (None) when every weight is 1.
        row_weights = None
        if record_weights is not None or site_weights is not None:
            row_weights = np.concatenate(
                [
                    np.ones(n_records) if record_weights is None else record_weights,
                    np.ones(len(self.background))
                    if site_weights is None
                    else site_weights,
                ]
            )
        if site_weights is None:
            site_weights = np.ones(len(self.background))
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self.habitat_basis_ = SphereGAMClassifier(
            self._habitat_encoder(X),
            n_knots=self.n_knots,
            extrapolation=self.extrapolation,
            handle_unknown=self.handle_unknown,
            random_state=seed,
        )
        rows = _stack(X, self.background)
        habitat, _ = self.habitat_basis_._fit_basis(rows, row_weights)
        self.n_features_in_ = self.habitat_basis_.n_features_in_
        if hasattr(self.habitat_basis_, "feature_names_in_"):
            self.feature_names_in_ = self.habitat_basis_.feature_names_in_
        lonlat = lonlat_of(rows)
        self.bias_encoder_ = make_position_encoder(self.bias_encoder, seed).fit(lonlat)
        encoded = np.asarray(self.bias_encoder_.transform(lonlat), dtype=np.float64)
        self.bias_scaler_ = StandardScaler().fit(encoded, sample_weight=row_weights)
        bias = self.bias_scaler_.transform(encoded)
        records, sites = slice(None, n_records), slice(n_records, None)
        self._solve(
            habitat[records],
            bias[records],
            species,
            habitat[sites],
            bias[sites],
            site_weights,
            record_weights,
        )
        return self

    def _habitat_encoder(self, X):
        """``encoder``, with ``"auto"`` resolved for ``X``."""
        if isinstance(self.encoder, str) and self.encoder == "auto":
            return "xyz" if has_covariates(X) else "sphereC+"
        return self.encoder

    def _solve(
        self,
        habitat,
        bias,
        species,
        site_habitat,
        site_bias,
        site_weights,
        record_weights,
    ):
        """Minimise the penalised logistic loss of every species' records
        (each of weight ``record_weights``, or 1 when None: the sums of the
        unweighted fit, to the last bit) against the sites (each of weight
        ``site_weights``); set ``intercept_``, ``coef_`` and ``bias_coef_``."""
        n_classes = len(self.classes_)
        n_sites, n_habitat = site_habitat.shape
        n_bias = site_bias.shape[1]
        # The objective is scaled by the number of (site, species) pairs, so
        # that tol does not depend on the data's size.
        scale = self.C / (n_sites * n_classes)
        penalty = 1.0 / (n_sites * n_classes)
        bias_penalty = penalty * self.C / self.bias_C

        def unpack(theta):
            intercept = theta[:n_classes]
            coef = theta[n_classes : n_classes * (1 + n_habitat)]
            return intercept, coef.reshape(n_classes, n_habitat), theta[-n_bias:]

        def objective(theta):
            intercept, coef, bias_coef = unpack(theta)
            # Background sites: each is a non-record of every species.
            site_scores = site_habitat @ coef.T + (site_bias @ bias_coef)[:, None]
            site_scores += intercept
            record_scores = (
                intercept[species]
                + np.einsum("ij,ij->i", habitat, coef[species])
                + bias @ bias_coef
            )
            loss = -(site_weights @ log_expit(-site_scores)).sum()
            record_terms = log_expit(record_scores)
            site_grad = expit(site_scores) * site_weights[:, None]  # d loss / d score
            record_grad = -expit(-record_scores)
            if record_weights is None:
                loss -= record_terms.sum()
            else:
                loss -= record_weights @ record_terms
                record_grad *= record_weights
            grad_intercept = site_grad.sum(axis=0) + membership @ record_grad
            grad_coef = site_grad.T @ site_habitat
            grad_coef += membership @ (record_grad[:, None] * habitat)
            grad_bias = site_bias.T @ site_grad.sum(axis=1) + bias.T @ record_grad
            value = scale * loss + 0.5 * (
                penalty * np.sum(coef**2) + bias_penalty * np.sum(bias_coef**2)
            )
            grad = np.concatenate(
                [
                    scale * grad_intercept,
                    (scale * grad_coef + penalty * coef).ravel(),
                    scale * grad_bias + bias_penalty * bias_coef,
                ]
            )
            return value, grad

        # Sums of the records' terms by species, as one sparse product.
        membership = sparse.csr_matrix(
            (np.ones(len(species)), (species, np.arange(len(species)))),
            shape=(n_classes, len(species)),
        )
        counts = np.bincount(species, weights=record_weights, minlength=n_classes)
        start = np.zeros(n_classes * (1 + n_habitat) + n_bias)
        start[:n_classes] = np.log(counts / n_sites)
        result = minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            options={
                "maxiter": self.max_iter,
                "gtol": self.tol * scale,
                "ftol": 64 * np.finfo(float).eps,
            },
        )
        intercept, coef, bias_coef = unpack(result.x)
        # Hold the bias at its (weighted) mean over the background sites.
        self.bias_offset_ = float(
            np.average(site_bias @ bias_coef, weights=site_weights)
        )
        self.intercept_ = intercept + self.bias_offset_
        self.coef_ = coef
        self.bias_coef_ = bias_coef
        self.n_iter_ = int(result.nit)

    @property
    def covariate_transformer_(self):
        """The fitted spline and one-hot bases of the covariates (None for
        two-column input), as :func:`~skgeo_s2v.sdm.predict_grid` reads them."""
        return self.habitat_basis_.covariate_transformer_

    def _log_bias(self, lonlat):
        """The bias term ``bias(x)`` at ``(lon, lat)`` rows."""
        encoded = np.asarray(self.bias_encoder_.transform(lonlat), dtype=np.float64)
        return self.bias_scaler_.transform(encoded) @ self.bias_coef_

    def _habitat_log_odds(self, X):
        """Each species' habitat log-odds ``(n, n_classes)``, the bias held
        at its mean over the background sites."""
        check_is_fitted(self, "coef_")
        basis = self.habitat_basis_._transform_basis(X)
        return basis @ self.coef_.T + self.intercept_

    def predict_presence(self, X):
        """Each species' probability of presence against a background site,
        the sampling bias held at its mean over the background sites.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            The columns of fit's ``X``.

        Returns
        -------
        presence : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        return expit(self._habitat_log_odds(X))

    def predict_sampling_bias(self, X):
        """The fitted log sampling bias at each site, relative to its mean
        over the background sites, weighted by ``background_weights`` (0
        there; +1 is e times the records).

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or DataFrame
            Coordinates, or a DataFrame with ``lon`` and ``lat`` columns.

        Returns
        -------
        log_bias : ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "bias_coef_")
        return self._log_bias(lonlat_of(X)) - self.bias_offset_
