"""Background drawn uniformly by area within a great-circle buffer of the records."""

import math
from numbers import Real

import numpy as np
from sklearn.neighbors import BallTree
from sklearn.utils._param_validation import Interval

from .._bbox import BBox
from .._geometry import EARTH_RADIUS_KM, haversine_radians, wrap_longitude
from ._base import BaseBackground
from ._regions import _RejectionBackground

__all__ = ["BufferBackground"]


def _longitude_arc(lon):
    """``(start, width)`` of the shortest eastward arc holding every longitude."""
    lon = np.unique(np.remainder(lon, 360.0))
    if lon.size == 1:
        return float(lon[0]), 0.0
    gaps = np.diff(np.append(lon, lon[0] + 360.0))
    largest = int(np.argmax(gaps))
    start = lon[(largest + 1) % lon.size]
    return float(start), float(360.0 - gaps[largest])


def buffer_box(lonlat, radius):
    """A lon-lat box holding the caps of angular ``radius`` (radians) around ``lonlat``.

    A cap of angular radius ``r`` centred at latitude ``φ`` spans
    ``φ ± r`` in latitude and, unless it holds a pole, ``± asin(sin r / cos φ)``
    in longitude; the box widens the shortest longitude arc of the records
    by the largest of those spans.
    """
    radius_deg = math.degrees(radius)
    lat_min = float(lonlat[:, 1].min()) - radius_deg
    lat_max = float(lonlat[:, 1].max()) + radius_deg
    if lat_min <= -90.0 or lat_max >= 90.0:
        return BBox(-180.0, max(lat_min, -90.0), 180.0, min(lat_max, 90.0))
    ratio = math.sin(radius) / math.cos(math.radians(np.abs(lonlat[:, 1]).max()))
    start, width = _longitude_arc(lonlat[:, 0])
    if ratio >= 1.0:
        return BBox(-180.0, lat_min, 180.0, lat_max)
    span = math.degrees(math.asin(ratio))
    if width + 2.0 * span >= 360.0:
        return BBox(-180.0, lat_min, 180.0, lat_max)
    lon_min, lon_max = wrap_longitude(np.array([start - span, start + width + span]))
    return BBox(float(lon_min), lat_min, float(lon_max), lat_max)


class BufferBackground(_RejectionBackground):
    """Background drawn uniformly by area within ``radius_km`` of the records.

    The region is the union of the great-circle caps of radius
    ``radius_km`` around the training locations (all classes together): the
    "buffer" background of species distribution modelling, which keeps the
    absences near where surveys went. Proposals are drawn uniformly by area
    in a box holding every cap and kept when their great-circle distance to
    the nearest record is at most the radius.

    Parameters
    ----------
    radius_km : float
        Radius of the buffer in km, on a sphere of the Earth's mean radius
        (6371.0088 km).
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch.

    Attributes
    ----------
    box_ : BBox
        Where proposals are drawn.
    acceptance_rate_ : float
        Share of proposals inside the buffer, estimated at fit time.

    Notes
    -----
    Records spread over far-apart places with a small radius make a buffer
    that covers a tiny share of its box; fitting then raises a ValueError.
    Fit one sampler per area, or use a larger radius.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v.background import BufferBackground
    >>> records = [[-122.4, 37.8], [-118.2, 34.1]]  # San Francisco, Los Angeles
    >>> sampler = BufferBackground(radius_km=100.0).fit(records)
    >>> sampler.sample(3, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([3, 2])
    """

    _parameter_constraints: dict = {
        **BaseBackground._parameter_constraints,
        "radius_km": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, radius_km, n_per_example=1):
        super().__init__(n_per_example=n_per_example)
        self.radius_km = radius_km

    def _fit_region(self, lonlat, y):
        if not math.isfinite(self.radius_km):
            raise ValueError(
                f"radius_km={self.radius_km} must be a finite number of km."
            )
        records = np.unique(np.asarray(lonlat, dtype=np.float64), axis=0)
        self.radius_ = min(self.radius_km / EARTH_RADIUS_KM, math.pi)
        self._tree = BallTree(haversine_radians(records), metric="haversine")
        return buffer_box(records, self.radius_)

    def _inside(self, lonlat):
        points = haversine_radians(np.asarray(lonlat, dtype=np.float64))
        distance, _ = self._tree.query(points, k=1)
        return distance[:, 0] <= self.radius_

    def _hopeless_hint(self):
        return (
            f"The {self.radius_km} km buffer covers a tiny share of the box "
            "around the records (records far apart): fit a sampler per area, "
            "or use a larger radius_km."
        )
