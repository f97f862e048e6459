"""Background (pseudo-absence) samplers for the presence-absence loss.

A background sampler says where the loss draws the locations at which every
class is assumed absent (SPEC §5). :class:`UniformSphereBackground`, the
default, draws uniformly by area over the whole sphere, as the paper does;
subclasses of :class:`BaseBackground` restrict the draw to a study region,
take it from given points or follow a raster of sampling effort.
:func:`lonlat_from_uniform` turns uniform draws into locations uniform by
area, for samplers of one's own.
"""

from .._sampling import lonlat_from_uniform
from ._base import BaseBackground, UniformSphereBackground
from ._buffer import BufferBackground
from ._points import PointsBackground, TargetGroupBackground
from ._raster import RasterBackground
from ._regions import BoxBackground, LandBackground, PolygonBackground

__all__ = [
    "BaseBackground",
    "BoxBackground",
    "BufferBackground",
    "LandBackground",
    "PointsBackground",
    "PolygonBackground",
    "RasterBackground",
    "TargetGroupBackground",
    "UniformSphereBackground",
    "lonlat_from_uniform",
]
