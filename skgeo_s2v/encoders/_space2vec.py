"""Space2Vec encoders grid and theory, on (lon, lat) taken as a plane (SPEC §3)."""

import math

import numpy as np

from ._base import (
    MultiScaleEncoder,
    interleave,
    scale_names,
    shared_parameters_doc,
)

__all__ = ["GridEncoder", "TheoryEncoder"]

_SHARED_PARAMETERS_DOC = """
    n_scales : int, default=32
        Number of scales, the paper's ``S``.
    min_radius : float, default=0.5
        Smallest scale ``r_min``, in degrees: the finest feature has period
        ``2π · min_radius`` degrees (0.5 gives about 3.1°, close to the
        sphere encoders' default of 1e-2 radians, so that defaults compare
        like with like).
    max_radius : float, default=360.0
        Largest scale ``r_max``, in degrees (the paper's convention)."""


@shared_parameters_doc(_SHARED_PARAMETERS_DOC)
class GridEncoder(MultiScaleEncoder):
    """Space2Vec ``grid`` encoder: separate multi-scale terms for lon and lat.

    Per scale ``s``: ``sin φ_s, cos φ_s, sin λ_s, cos λ_s`` (4S features) with
    ``φ_s = lat · f_s`` and ``λ_s = lon · f_s`` in **degrees** (SPEC §2). It
    treats ``(lon, lat)`` as a flat 2-D point: latitude and longitude
    differences are measured separately, which distorts distances near the
    poles (the paper's motivation for Sphere2Vec).

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
    SphereCPlusEncoder : adds spherical terms to grid's, in radians.

    References
    ----------
    .. [1] Mai, G., Janowicz, K., Yan, B., et al. "Multi-scale representation
       learning for spatial feature distributions using grid cells", ICLR 2020.

    Examples
    --------
    >>> from skgeo_s2v import GridEncoder
    >>> GridEncoder(n_scales=4).fit_transform([[10.0, 20.0]]).shape
    (1, 16)
    """

    _features_per_scale = 4

    def __init__(self, *, n_scales=32, min_radius=0.5, max_radius=360.0):
        self.n_scales = n_scales
        self.min_radius = min_radius
        self.max_radius = max_radius

    def _constants(self):
        return {"freq": self._frequencies()}

    def _encode(self, xp, lon, lat, *, freq):
        lat_s = lat[:, None] * freq
        lon_s = lon[:, None] * freq
        return interleave(
            xp, [xp.sin(lat_s), xp.cos(lat_s), xp.sin(lon_s), xp.cos(lon_s)]
        )

    def _feature_names(self):
        templates = ("sin(lat*f{s})", "cos(lat*f{s})", "sin(lon*f{s})", "cos(lon*f{s})")
        return scale_names(templates, self.n_scales)


@shared_parameters_doc(_SHARED_PARAMETERS_DOC)
class TheoryEncoder(MultiScaleEncoder):
    """Space2Vec ``theory`` encoder: projections on three directions 120° apart.

    Per scale ``s`` and direction ``a_j`` (``a_1 = [1, 0]``,
    ``a_2 = [-1/2, √3/2]``, ``a_3 = [-1/2, -√3/2]``): ``sin`` and ``cos`` of
    ``<[lon, lat] · f_s, a_j>``, in degrees (6S features).

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
    GridEncoder : the axis-aligned variant.

    Examples
    --------
    >>> from skgeo_s2v import TheoryEncoder
    >>> TheoryEncoder(n_scales=4).fit_transform([[10.0, 20.0]]).shape
    (1, 24)
    """

    _features_per_scale = 6
    _DIRECTIONS = np.array(
        [[1.0, 0.0], [-0.5, math.sqrt(3) / 2], [-0.5, -math.sqrt(3) / 2]]
    )

    def __init__(self, *, n_scales=32, min_radius=0.5, max_radius=360.0):
        self.n_scales = n_scales
        self.min_radius = min_radius
        self.max_radius = max_radius

    def _constants(self):
        # (3, S) per-direction frequencies for lon and lat: a_j · f_s.
        frequencies = self._frequencies()
        return {
            "lon_freq": self._DIRECTIONS[:, :1] * frequencies,
            "lat_freq": self._DIRECTIONS[:, 1:] * frequencies,
        }

    def _encode(self, xp, lon, lat, *, lon_freq, lat_freq):
        blocks = []
        for j in range(3):
            projection = lon[:, None] * lon_freq[j] + lat[:, None] * lat_freq[j]
            blocks += [xp.sin(projection), xp.cos(projection)]
        return interleave(xp, blocks)

    def _feature_names(self):
        templates = [
            f"{fn}(<a{j}, x>*f{{s}})" for j in (1, 2, 3) for fn in ("sin", "cos")
        ]
        return scale_names(templates, self.n_scales)
