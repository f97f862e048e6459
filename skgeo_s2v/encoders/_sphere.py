"""Sphere2Vec encoders: sphereC, sphereC+, sphereM, sphereM+, sphereDFS (SPEC §3)."""

import math

import numpy as np

from ._base import (
    MultiScaleEncoder,
    interleave,
    scale_names,
    shared_parameters_doc,
)

__all__ = [
    "SphereCEncoder",
    "SphereCPlusEncoder",
    "SphereDFSEncoder",
    "SphereMEncoder",
    "SphereMPlusEncoder",
]

_RAD_PER_DEG = math.pi / 180.0

_SHARED_PARAMETERS_DOC = """
    n_scales : int, default={n_scales}
        Number of scales, the paper's ``S``.
    min_radius : float, default=1e-2
        Smallest scale ``r_min`` (radians); the finest feature has period
        ``2π · min_radius`` radians (1e-2: about 400 km). The paper tunes it in
        1e-4 … 1e-1 and finds 1e-3 … 1e-4 best on its large species datasets
        (its Table 2); 1e-2 is the more robust default on datasets of a few
        thousand points (see the benchmarks page). Tune it.
    max_radius : float, default=1.0
        Largest scale ``r_max``; with 1.0 the coarsest scale is one cycle
        around the globe.
    periodic_lon : bool, default=False
        Round every longitude frequency ``f_s = 1 / r_s`` to a whole number (at
        least 1), so that each feature repeats exactly every 360° of longitude
        and ``lon = -180`` and ``lon = 180`` get the same code. The paper's
        geometric frequencies are not whole numbers, so by default the code
        jumps across the antimeridian, a seam that a model must learn around.
        The price of rounding: the coarse scales, whose frequencies lie between
        1 and a few, collapse onto the same integers (duplicated columns), and
        the fine frequencies move slightly off the geometric ladder. Latitude
        frequencies are never rounded. Neither choice makes the code constant
        at the poles, where longitude is undefined."""


class _SphereEncoder(MultiScaleEncoder):
    """Shared parameters and per-scale angles of the Sphere2Vec family.

    Scaled angles are ``λ_s = λ · f_s`` and ``φ_s = φ · f_s`` with λ, φ in
    radians (SPEC §2).
    """

    _parameter_constraints: dict = {
        **MultiScaleEncoder._parameter_constraints,
        "periodic_lon": ["boolean"],
    }

    def _constants(self):
        frequencies = self._frequencies()
        lon_frequencies = frequencies
        if self.periodic_lon:
            lon_frequencies = np.maximum(np.round(frequencies), 1.0)
        # Per-degree frequencies: the formulas take angles in degrees.
        return {
            "lat_freq": frequencies * _RAD_PER_DEG,
            "lon_freq": lon_frequencies * _RAD_PER_DEG,
        }

    @staticmethod
    def _scaled_sin_cos(xp, angle, frequencies):
        """``sin`` and ``cos`` of ``angle · f_s``, each of shape (n, S)."""
        scaled = angle[:, None] * frequencies
        return xp.sin(scaled), xp.cos(scaled)

    # sphereC and sphereM state their per-scale terms in ``_terms`` and
    # ``_term_names``; their "+" variants set ``_plus`` to add grid's terms
    # cos φ_s, sin λ_s, cos λ_s (SPEC §3).
    _plus = False
    _PLUS_NAMES = ("cos(lat*f{s})", "sin(lon*f{s})", "cos(lon*f{s})")

    @property
    def _n_features_out(self):
        return (len(self._term_names) + 3 * self._plus) * self.n_scales

    def _encode(self, xp, lon, lat, *, lat_freq, lon_freq):
        sin_lat, cos_lat = self._scaled_sin_cos(xp, lat, lat_freq)
        sin_lon, cos_lon = self._scaled_sin_cos(xp, lon, lon_freq)
        blocks = self._terms(xp, lon, lat, sin_lat, cos_lat, sin_lon, cos_lon)
        if self._plus:
            blocks += [cos_lat, sin_lon, cos_lon]
        return interleave(xp, blocks)

    def _feature_names(self):
        templates = self._term_names + (self._PLUS_NAMES if self._plus else ())
        return scale_names(templates, self.n_scales)


def _sphere_c_terms(xp, lon, lat, sin_lat, cos_lat, sin_lon, cos_lon):
    """sphereC: ``sin φ_s, cos φ_s cos λ_s, cos φ_s sin λ_s``."""
    return [sin_lat, cos_lat * cos_lon, cos_lat * sin_lon]


_SPHERE_C_NAMES = (
    "sin(lat*f{s})",
    "cos(lat*f{s})*cos(lon*f{s})",
    "cos(lat*f{s})*sin(lon*f{s})",
)


def _sphere_m_terms(xp, lon, lat, sin_lat, cos_lat, sin_lon, cos_lon):
    """sphereM: ``sin φ_s, cos φ_s cos λ, cos φ cos λ_s, cos φ_s sin λ, cos φ sin λ_s``.

    One factor of each product stays at the top scale (the unscaled angle).
    """
    cos_lat_top = xp.cos(xp.deg2rad(lat))[:, None]
    lon_top = xp.deg2rad(lon)[:, None]
    return [
        sin_lat,
        cos_lat * xp.cos(lon_top),
        cos_lat_top * cos_lon,
        cos_lat * xp.sin(lon_top),
        cos_lat_top * sin_lon,
    ]


_SPHERE_M_NAMES = (
    "sin(lat*f{s})",
    "cos(lat*f{s})*cos(lon)",
    "cos(lat)*cos(lon*f{s})",
    "cos(lat*f{s})*sin(lon)",
    "cos(lat)*sin(lon*f{s})",
)


@shared_parameters_doc(_SHARED_PARAMETERS_DOC.format(n_scales=32))
class SphereCEncoder(_SphereEncoder):
    """Sphere2Vec ``sphereC`` encoder: unit vectors at every scale.

    Per scale ``s``: ``sin φ_s, cos φ_s cos λ_s, cos φ_s sin λ_s``, the 3-D
    coordinates of the point on a sphere whose angles are scaled by
    ``f_s = 1 / r_s`` (3S features). With a single scale and ``max_radius=1``
    it is :class:`XYZEncoder`, and the inner product of two codes is the
    cosine of their great-circle angle (the paper's Theorem 2).

    Parameters
    ----------{shared_parameters}

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (2), set by :meth:`fit`.
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    See Also
    --------
    SphereCPlusEncoder : sphereC plus the grid features.
    SphereMPlusEncoder : the paper's best encoder.

    Notes
    -----
    Column ``3s + j`` holds feature ``j`` of scale ``s``; names read
    ``sin(lat*f0)``, ``cos(lat*f0)*cos(lon*f0)``, ... Transform works without
    fitting, since the encoder learns nothing from data.

    References
    ----------
    .. [1] Mai, G., Xuan, Y., Zuo, W., et al. "Sphere2Vec: Self-supervised
       location representation learning on spherical surfaces", 2022.

    Examples
    --------
    >>> from skgeo_s2v import SphereCEncoder
    >>> encoder = SphereCEncoder(n_scales=1)
    >>> encoder.fit_transform([[0.0, 90.0], [90.0, 0.0]]).round(6)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """

    _terms = staticmethod(_sphere_c_terms)
    _term_names = _SPHERE_C_NAMES

    def __init__(
        self, *, n_scales=32, min_radius=1e-2, max_radius=1.0, periodic_lon=False
    ):
        self.n_scales = n_scales
        self.min_radius = min_radius
        self.max_radius = max_radius
        self.periodic_lon = periodic_lon


@shared_parameters_doc(_SHARED_PARAMETERS_DOC.format(n_scales=32))
class SphereCPlusEncoder(_SphereEncoder):
    """Sphere2Vec ``sphereC+`` encoder: sphereC together with grid's features.

    Per scale ``s``: sphereC's ``sin φ_s, cos φ_s cos λ_s, cos φ_s sin λ_s``
    plus grid's ``cos φ_s, sin λ_s, cos λ_s`` (6S features), angles in
    radians.

    Parameters
    ----------{shared_parameters}

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (2), set by :meth:`fit`.
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    See Also
    --------
    SphereCEncoder : without the separate latitude and longitude terms.
    GridEncoder : the latitude and longitude terms alone, in degrees.

    Examples
    --------
    >>> from skgeo_s2v import SphereCPlusEncoder
    >>> SphereCPlusEncoder(n_scales=4).fit_transform([[10.0, 20.0]]).shape
    (1, 24)
    """

    _terms = staticmethod(_sphere_c_terms)
    _term_names = _SPHERE_C_NAMES
    _plus = True

    def __init__(
        self, *, n_scales=32, min_radius=1e-2, max_radius=1.0, periodic_lon=False
    ):
        self.n_scales = n_scales
        self.min_radius = min_radius
        self.max_radius = max_radius
        self.periodic_lon = periodic_lon


@shared_parameters_doc(_SHARED_PARAMETERS_DOC.format(n_scales=32))
class SphereMEncoder(_SphereEncoder):
    """Sphere2Vec ``sphereM`` encoder: multi-scale terms mixed with the top scale.

    Per scale ``s``: ``sin φ_s, cos φ_s cos λ, cos φ cos λ_s, cos φ_s sin λ,
    cos φ sin λ_s`` (5S features): every product keeps one factor at the top
    scale (the unscaled angle), which keeps the code close to the sphere's
    geometry at every resolution.

    Parameters
    ----------{shared_parameters}

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (2), set by :meth:`fit`.
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    See Also
    --------
    SphereMPlusEncoder : sphereM plus the separate scaled terms.

    Examples
    --------
    >>> from skgeo_s2v import SphereMEncoder
    >>> SphereMEncoder(n_scales=4).fit_transform([[10.0, 20.0]]).shape
    (1, 20)
    """

    _terms = staticmethod(_sphere_m_terms)
    _term_names = _SPHERE_M_NAMES

    def __init__(
        self, *, n_scales=32, min_radius=1e-2, max_radius=1.0, periodic_lon=False
    ):
        self.n_scales = n_scales
        self.min_radius = min_radius
        self.max_radius = max_radius
        self.periodic_lon = periodic_lon


@shared_parameters_doc(_SHARED_PARAMETERS_DOC.format(n_scales=32))
class SphereMPlusEncoder(_SphereEncoder):
    """Sphere2Vec ``sphereM+`` encoder, the paper's best: sphereM plus grid terms.

    Per scale ``s``: sphereM's ``sin φ_s, cos φ_s cos λ, cos φ cos λ_s,
    cos φ_s sin λ, cos φ sin λ_s`` plus ``cos φ_s, sin λ_s, cos λ_s``
    (8S features).

    Parameters
    ----------{shared_parameters}

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (2), set by :meth:`fit`.
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    See Also
    --------
    SphereMEncoder : without the separate scaled terms.
    make_encoder : build any encoder from its paper name, e.g. ``"sphereM+"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v import SphereMPlusEncoder
    >>> encoder = SphereMPlusEncoder(n_scales=16, min_radius=1e-2)
    >>> X = np.array([[2.35, 48.86], [-74.0, 40.7]], dtype=np.float32)
    >>> codes = encoder.fit_transform(X)
    >>> codes.shape, codes.dtype
    ((2, 128), dtype('float32'))
    >>> encoder.get_feature_names_out()[:3].tolist()
    ['sin(lat*f0)', 'cos(lat*f0)*cos(lon)', 'cos(lat)*cos(lon*f0)']
    """

    _terms = staticmethod(_sphere_m_terms)
    _term_names = _SPHERE_M_NAMES
    _plus = True

    def __init__(
        self, *, n_scales=32, min_radius=1e-2, max_radius=1.0, periodic_lon=False
    ):
        self.n_scales = n_scales
        self.min_radius = min_radius
        self.max_radius = max_radius
        self.periodic_lon = periodic_lon


@shared_parameters_doc(_SHARED_PARAMETERS_DOC.format(n_scales=8))
class SphereDFSEncoder(_SphereEncoder):
    """Sphere2Vec ``sphereDFS`` encoder: the Double Fourier Sphere basis.

    ``sin φ_n, cos φ_n, sin λ_m, cos λ_m`` for every scale, plus all four
    products ``{sin, cos} φ_n · {sin, cos} λ_m`` for every pair of scales
    ``(n, m)``: ``4S² + 4S`` features, hence the smaller default ``S = 8``.

    Parameters
    ----------{shared_parameters}

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns (2), set by :meth:`fit`.
    feature_names_in_ : ndarray of shape (2,)
        Input column names, when ``X`` had string column names.

    Notes
    -----
    The first ``4S`` columns hold the single terms, scale by scale; the next
    ``4S²`` hold the products, ordered by latitude scale ``n``, then longitude
    scale ``m``, then the four sin/cos combinations.

    Examples
    --------
    >>> from skgeo_s2v import SphereDFSEncoder
    >>> SphereDFSEncoder().fit_transform([[10.0, 20.0]]).shape
    (1, 288)
    """

    def __init__(
        self, *, n_scales=8, min_radius=1e-2, max_radius=1.0, periodic_lon=False
    ):
        self.n_scales = n_scales
        self.min_radius = min_radius
        self.max_radius = max_radius
        self.periodic_lon = periodic_lon

    @property
    def _n_features_out(self):
        return 4 * self.n_scales**2 + 4 * self.n_scales

    def _encode(self, xp, lon, lat, *, lat_freq, lon_freq):
        sin_lat, cos_lat = self._scaled_sin_cos(xp, lat, lat_freq)
        sin_lon, cos_lon = self._scaled_sin_cos(xp, lon, lon_freq)
        singles = interleave(xp, [sin_lat, cos_lat, sin_lon, cos_lon])
        products = xp.stack(
            [
                lat_term[:, :, None] * lon_term[:, None, :]
                for lat_term in (sin_lat, cos_lat)
                for lon_term in (sin_lon, cos_lon)
            ],
            axis=-1,
        )
        products = products.reshape(products.shape[0], -1)
        return xp.concatenate([singles, products], axis=1)

    def _feature_names(self):
        singles = scale_names(
            ("sin(lat*f{s})", "cos(lat*f{s})", "sin(lon*f{s})", "cos(lon*f{s})"),
            self.n_scales,
        )
        products = [
            f"{a}(lat*f{n})*{b}(lon*f{m})"
            for n in range(self.n_scales)
            for m in range(self.n_scales)
            for a in ("sin", "cos")
            for b in ("sin", "cos")
        ]
        return singles + products
