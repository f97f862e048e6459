"""Kernel baselines with state drawn in ``fit``: rbf and rff (SPEC §3)."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._geometry import (
    DEG_PER_RAD,
    great_circle_angle,
    unit_vectors_from_degrees,
    wrap_longitude,
)
from ._base import BasePositionEncoder

__all__ = ["RBFEncoder", "RFFEncoder"]


class RBFEncoder(BasePositionEncoder):
    """Gaussian radial basis functions centred on anchors drawn from the data.

    Feature ``k`` is ``exp(-d(x, a_k)² / (2σ²))`` for ``M`` anchors ``a_k``
    drawn at random, without replacement, from the training locations in
    :meth:`fit`.

    Parameters
    ----------
    n_anchors : int, default=200
        Number of anchors ``M`` (the paper's best, tuned in 100 … 500). When
        the training set is smaller, every training point becomes an anchor,
        with a warning.
    bandwidth : float, default=5.0
        Kernel size ``σ`` in degrees (of arc for great-circle distance, of
        lon/lat for Euclidean distance). The paper tunes it in 0.5 … 10; 200
        anchors spread over the globe are about 14° apart, so a σ much below
        5° leaves most of the sphere with all features near zero.
    distance : {"great_circle", "euclidean"}, default="great_circle"
        ``"great_circle"``: the central angle between the points, which is
        seamless across the antimeridian and the poles. ``"euclidean"``: the
        distance between ``(lon, lat)`` pairs as if they were planar, as in
        the paper.
    random_state : int, RandomState instance or None, default=None
        Draws the anchors. Pass an int for reproducible output.

    Attributes
    ----------
    anchors_ : ndarray of shape (n_anchors, 2)
        The anchors ``(lon, lat)`` in degrees, longitude wrapped.
    n_features_in_ : int
        Number of input columns (2).
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    See Also
    --------
    RFFEncoder : random Fourier features, a data-independent kernel map.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v import RBFEncoder
    >>> X = np.array([[0.0, 0.0], [10.0, 0.0], [120.0, -40.0]])
    >>> encoder = RBFEncoder(n_anchors=2, bandwidth=10.0, random_state=0).fit(X)
    >>> encoder.transform(X).shape
    (3, 2)
    """

    _stateless = False
    _parameter_constraints: dict = {
        "n_anchors": [Interval(Integral, 1, None, closed="left")],
        "bandwidth": [Interval(Real, 0, None, closed="neither")],
        "distance": [StrOptions({"great_circle", "euclidean"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        n_anchors=200,
        bandwidth=5.0,
        distance="great_circle",
        random_state=None,
    ):
        self.n_anchors = n_anchors
        self.bandwidth = bandwidth
        self.distance = distance
        self.random_state = random_state

    def _fit(self, lonlat):
        rng = check_random_state(self.random_state)
        n_samples = lonlat.shape[0]
        n_anchors = self.n_anchors
        if n_anchors > n_samples:
            warnings.warn(
                f"n_anchors={n_anchors} is larger than the {n_samples} training "
                f"points; all {n_samples} are used as anchors.",
                UserWarning,
                stacklevel=4,
            )
            n_anchors = n_samples
        rows = rng.choice(n_samples, size=n_anchors, replace=False)
        anchors = lonlat[rows].astype(np.float64)
        anchors[:, 0] = wrap_longitude(anchors[:, 0])
        self.anchors_ = anchors

    @property
    def _n_features_out(self):
        return self.anchors_.shape[0]

    def _constants(self):
        if self.distance == "great_circle":
            return {"anchor_xyz": unit_vectors_from_degrees(*self.anchors_.T)}
        return {"anchors": self.anchors_}

    def _encode(self, xp, lon, lat, *, anchor_xyz=None, anchors=None):
        if anchor_xyz is not None:
            angle = great_circle_angle(unit_vectors_from_degrees(lon, lat), anchor_xyz)
            squared = (angle * DEG_PER_RAD) ** 2
        else:
            squared = (lon[:, None] - anchors[:, 0]) ** 2 + (
                lat[:, None] - anchors[:, 1]
            ) ** 2
        return xp.exp(squared * (-0.5 / self.bandwidth**2))

    def _feature_names(self):
        return [f"rbf({lon:.4g},{lat:.4g})" for lon, lat in self.anchors_]


class RFFEncoder(BasePositionEncoder):
    """Random Fourier features of the point's 3-D unit vector.

    Feature ``i`` is ``sqrt(2/D) · cos(ω_i · u + b_i)`` with
    ``ω_i ~ N(0, σ⁻² I)`` and ``b_i ~ U[0, 2π)`` drawn in :meth:`fit`, so
    that inner products of codes approximate the Gaussian kernel
    ``exp(-‖u1 − u2‖² / (2σ²))`` (Rahimi & Recht, 2007).

    The input ``u`` is the unit vector ``χ(x)`` of the point, not its
    ``(lon, lat)``: the chord ``‖u1 − u2‖ = 2 sin(Δδ/2)`` is a function of the
    great-circle angle alone, so the kernel is the same everywhere on the
    sphere, with no seam at the antimeridian and no stretching at the poles.
    For nearby points the chord equals the angle in radians, which is why
    ``bandwidth`` is given in degrees of arc.

    Parameters
    ----------
    n_components : int, default=256
        Number of features ``D``.
    bandwidth : float, default=5.0
        Kernel length scale ``σ``, in degrees of arc (converted to radians of
        chord length).
    random_state : int, RandomState instance or None, default=None
        Draws ``ω`` and ``b``. Pass an int for reproducible output.

    Attributes
    ----------
    frequencies_ : ndarray of shape (3, n_components)
        The random directions ``ω_i`` as columns.
    offsets_ : ndarray of shape (n_components,)
        The random phases ``b_i``.
    n_features_in_ : int
        Number of input columns (2).
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    See Also
    --------
    RBFEncoder : exact Gaussian kernels around anchors from the data.
    sklearn.kernel_approximation.RBFSampler : the same map on Euclidean input.

    Examples
    --------
    >>> from skgeo_s2v import RFFEncoder
    >>> encoder = RFFEncoder(n_components=8, random_state=0)
    >>> encoder.fit_transform([[0.0, 0.0], [10.0, 0.0]]).shape
    (2, 8)
    """

    _stateless = False
    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "bandwidth": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_components=256, bandwidth=5.0, random_state=None):
        self.n_components = n_components
        self.bandwidth = bandwidth
        self.random_state = random_state

    def _fit(self, lonlat):
        rng = check_random_state(self.random_state)
        sigma = math.radians(self.bandwidth)
        self.frequencies_ = rng.normal(scale=1.0 / sigma, size=(3, self.n_components))
        self.offsets_ = rng.uniform(0.0, 2.0 * math.pi, size=self.n_components)

    @property
    def _n_features_out(self):
        return self.frequencies_.shape[1]

    def _constants(self):
        return {"frequencies": self.frequencies_, "offsets": self.offsets_}

    def _encode(self, xp, lon, lat, *, frequencies, offsets):
        projection = unit_vectors_from_degrees(lon, lat) @ frequencies + offsets
        return xp.cos(projection) * math.sqrt(2.0 / offsets.shape[0])

    def _feature_names(self):
        return [f"rff{i}" for i in range(self._n_features_out)]
