"""Geometry on the unit sphere shared by encoders, models and datasets (SPEC §1-2).

Each function accepts numpy arrays or torch tensors and returns the same kind.
"""

import math

import numpy as np

from ._array import get_namespace

DEG_PER_RAD = 180.0 / math.pi
#: Mean radius of the Earth in km (IUGG), which turns km into angles.
EARTH_RADIUS_KM = 6371.0088

__all__ = [
    "DEG_PER_RAD",
    "EARTH_RADIUS_KM",
    "diameter_radians",
    "geometric_frequencies",
    "great_circle_angle",
    "haversine_radians",
    "unit_vectors",
    "unit_vectors_from_degrees",
    "wrap_longitude",
]


def wrap_longitude(lon):
    """Wrap longitudes in degrees into ``[-180, 180)``.

    Parameters
    ----------
    lon : numpy.ndarray or torch.Tensor
        Longitudes in degrees, any finite value.

    Returns
    -------
    wrapped : numpy.ndarray or torch.Tensor
        A new array; the input is not modified.

    Examples
    --------
    >>> import numpy as np
    >>> wrap_longitude(np.array([180.0, -180.0, 190.0, -541.0]))
    array([-180., -180., -170.,  179.])
    """
    xp = get_namespace(lon)
    return xp.remainder(lon + 180.0, 360.0) - 180.0


def unit_vectors(lon, lat):
    """Unit vectors ``χ(x) = [cos φ cos λ, cos φ sin λ, sin φ]`` (SPEC §1).

    Parameters
    ----------
    lon, lat : numpy.ndarray or torch.Tensor of shape (n,)
        Longitude λ and latitude φ in **radians**.

    Returns
    -------
    xyz : numpy.ndarray or torch.Tensor of shape (n, 3)

    Examples
    --------
    >>> import numpy as np
    >>> unit_vectors(np.array([0.0]), np.array([np.pi / 2])).round(12)
    array([[0., 0., 1.]])
    """
    xp = get_namespace(lon)
    cos_lat = xp.cos(lat)
    return xp.stack(
        [cos_lat * xp.cos(lon), cos_lat * xp.sin(lon), xp.sin(lat)], axis=-1
    )


def unit_vectors_from_degrees(lon, lat):
    """:func:`unit_vectors` of longitudes and latitudes given in **degrees**.

    Examples
    --------
    >>> import numpy as np
    >>> unit_vectors_from_degrees(np.array([90.0]), np.array([0.0])).round(12)
    array([[0., 1., 0.]])
    """
    xp = get_namespace(lon)
    return unit_vectors(xp.deg2rad(lon), xp.deg2rad(lat))


def great_circle_angle(xyz1, xyz2):
    """Central angle ``Δδ`` in radians between unit vectors, pairwise.

    Uses ``atan2(|u × v|, u · v)``, which is accurate for nearby and antipodal
    points alike (``arccos`` of the dot product loses precision near 0 and π).

    Parameters
    ----------
    xyz1 : numpy.ndarray or torch.Tensor of shape (n, 3)
    xyz2 : numpy.ndarray or torch.Tensor of shape (m, 3)

    Returns
    -------
    angle : numpy.ndarray or torch.Tensor of shape (n, m)

    Examples
    --------
    >>> import numpy as np
    >>> north = np.array([[0.0, 0.0, 1.0]])
    >>> equator = np.array([[1.0, 0.0, 0.0]])
    >>> float(great_circle_angle(north, equator)[0, 0]) == np.pi / 2
    True
    """
    xp = get_namespace(xyz1)
    dot = xyz1 @ xyz2.T
    # |u x v|^2 = |u|^2 |v|^2 - (u . v)^2 for unit vectors, kept non-negative.
    cross = xp.sqrt(xp.clip(1.0 - dot * dot, 0.0, None))
    return xp.arctan2(cross, dot)


def diameter_radians(lonlat):
    """Twice the largest angle from ``(lon, lat)`` points (degrees) to their
    mean direction: the width, in radians, of the cap centred there that
    holds them all.

    Points spread evenly over the whole globe (mean direction undefined)
    give π.

    Examples
    --------
    >>> import numpy as np
    >>> round(diameter_radians(np.array([[-10.0, 0.0], [10.0, 0.0]])) * DEG_PER_RAD, 9)
    20.0
    """
    xyz = unit_vectors_from_degrees(lonlat[:, 0], lonlat[:, 1])
    centre = xyz.mean(axis=0, keepdims=True)
    norm = np.linalg.norm(centre)
    if norm == 0.0:
        return math.pi
    return 2.0 * float(great_circle_angle(xyz, centre / norm).max())


def haversine_radians(lonlat):
    """``(lat, lon)`` in radians of ``(lon, lat)`` in degrees, numpy only.

    The order and unit of scikit-learn's ``"haversine"`` metric (``BallTree``,
    ``NearestNeighbors``).

    Parameters
    ----------
    lonlat : numpy.ndarray of shape (n, 2)
        Longitudes and latitudes in degrees.

    Returns
    -------
    latlon : numpy.ndarray of shape (n, 2)
        A new array of the same floating dtype.

    Examples
    --------
    >>> import numpy as np
    >>> haversine_radians(np.array([[180.0, 90.0]])) / np.pi
    array([[0.5, 1. ]])
    """
    return np.deg2rad(np.asarray(lonlat)[:, ::-1])


def geometric_frequencies(n_scales, min_radius, max_radius):
    """Frequencies ``f_s = 1 / r_s`` of the geometric scales (SPEC §2).

    ``r_s = r_min · g^(s / (S-1))`` with ``g = r_max / r_min``, for
    ``s = 0 … S-1``; with a single scale, ``r_0 = r_max``. Scale ``S-1`` is the
    coarsest.

    Parameters
    ----------
    n_scales : int
        Number of scales S.
    min_radius : float
        Smallest scale r_min.
    max_radius : float
        Largest scale r_max.

    Returns
    -------
    frequencies : numpy.ndarray of shape (n_scales,), float64

    Examples
    --------
    >>> geometric_frequencies(3, 0.01, 1.0)
    array([100.,  10.,   1.])
    """
    if n_scales == 1:
        radii = np.array([max_radius], dtype=np.float64)
    else:
        exponents = np.arange(n_scales, dtype=np.float64) / (n_scales - 1)
        radii = min_radius * (max_radius / min_radius) ** exponents
    return 1.0 / radii
