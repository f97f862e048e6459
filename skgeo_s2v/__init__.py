"""skgeo_s2v: Sphere2Vec location encoders and geographic priors for scikit-learn.

Encode ``(lon, lat)`` points on the globe into multi-scale features that
preserve great-circle distance, as scikit-learn transformers.
"""

from .encoders import (
    ENCODER_NAMES,
    GridEncoder,
    RBFEncoder,
    RFFEncoder,
    SphereCEncoder,
    SphereCPlusEncoder,
    SphereDFSEncoder,
    SphereMEncoder,
    SphereMPlusEncoder,
    SphericalHarmonicsEncoder,
    TheoryEncoder,
    TileEncoder,
    WrapEncoder,
    XYZEncoder,
    make_encoder,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "ENCODER_NAMES",
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
    "__version__",
    "make_encoder",
]
