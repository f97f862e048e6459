"""Sampling uniformly by area on the sphere, shared by the loss and the datasets."""

from ._array import get_namespace
from ._geometry import DEG_PER_RAD

__all__ = ["lonlat_from_uniform"]


def lonlat_from_uniform(u_lon, u_z, lat_min=-90.0, lat_max=90.0):
    """Map uniform ``[0, 1)`` draws to points uniform by area on a latitude band.

    ``lon = 360·u_lon − 180`` and ``lat = degrees(arcsin(z))`` with ``z``
    uniform between ``sin(lat_min)`` and ``sin(lat_max)``: by Archimedes'
    theorem the area of a band is proportional to its extent in ``z``, so the
    points are uniform by area (SPEC §5, §9). With the default band this is
    the whole sphere: ``lat = degrees(arcsin(U[-1, 1]))``.

    Parameters
    ----------
    u_lon, u_z : numpy.ndarray or torch.Tensor of shape (n,)
        Independent draws from ``U[0, 1)``.
    lat_min, lat_max : float or array of shape (n,), default=-90.0, 90.0
        Latitude band in degrees.

    Returns
    -------
    lonlat : numpy.ndarray or torch.Tensor of shape (n, 2)
        Longitudes in ``[-180, 180)`` and latitudes in degrees.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.background import lonlat_from_uniform
    >>> lonlat_from_uniform(np.array([0.0, 0.5]), np.array([0.5, 1.0]))
    array([[-180.,    0.],
           [   0.,   90.]])
    """
    xp = get_namespace(u_lon)
    z_min = xp.sin(xp.deg2rad(xp.asarray(lat_min, dtype=u_z.dtype)))
    z_max = xp.sin(xp.deg2rad(xp.asarray(lat_max, dtype=u_z.dtype)))
    z = xp.clip(z_min + (z_max - z_min) * u_z, -1.0, 1.0)
    lon = 360.0 * u_lon - 180.0
    return xp.stack([lon, DEG_PER_RAD * xp.arcsin(z)], axis=-1)
