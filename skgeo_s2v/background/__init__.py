"""Background (pseudo-absence) samplers for the presence-absence loss.

A background sampler says where the loss draws the locations at which every
class is assumed absent (SPEC §5). :class:`UniformSphereBackground`, the
default, draws uniformly by area over the whole sphere, as the paper does;
subclasses of :class:`BaseBackground` restrict the draw to a study region,
take it from given points or follow a raster of sampling effort.
"""

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
]
