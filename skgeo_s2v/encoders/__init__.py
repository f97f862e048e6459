"""Position encoders: map ``(lon, lat)`` points to feature vectors ``G(x)``."""

from ._base import BasePositionEncoder
from ._factory import ENCODER_NAMES, make_encoder
from ._harmonics import SphericalHarmonicsEncoder
from ._kernel import RBFEncoder, RFFEncoder
from ._simple import TileEncoder, WrapEncoder, XYZEncoder
from ._space2vec import GridEncoder, TheoryEncoder
from ._sphere import (
    SphereCEncoder,
    SphereCPlusEncoder,
    SphereDFSEncoder,
    SphereMEncoder,
    SphereMPlusEncoder,
)

__all__ = [
    "ENCODER_NAMES",
    "BasePositionEncoder",
    "GridEncoder",
    "RBFEncoder",
    "RFFEncoder",
    "SphereCEncoder",
    "SphereCPlusEncoder",
    "SphereDFSEncoder",
    "SphereMEncoder",
    "SphereMPlusEncoder",
    "SphericalHarmonicsEncoder",
    "TheoryEncoder",
    "TileEncoder",
    "WrapEncoder",
    "XYZEncoder",
    "make_encoder",
]
