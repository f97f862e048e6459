"""skgeo_s2v: Sphere2Vec location encoders and geographic priors for scikit-learn.

Encode ``(lon, lat)`` points on the globe into multi-scale features that
preserve great-circle distance, as scikit-learn transformers.
"""

from .blend import NeighborBlendClassifier
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
from .fusion import GeoPriorFusion

__version__ = "0.1.0.dev0"

__all__ = [
    "ENCODER_NAMES",
    "ContrastivePretraining",
    "GeoPriorFusion",
    "NeighborBlendClassifier",
    "GridEncoder",
    "RBFEncoder",
    "RFFEncoder",
    "SphereCEncoder",
    "SphereCPlusEncoder",
    "SphereDFSEncoder",
    "SphereLocationClassifier",
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


# Subpackages that import torch (datasets, metrics) or matplotlib (plotting).
_LAZY_SUBMODULES = ("background", "datasets", "losses", "metrics", "plotting", "sdm")


def __getattr__(name):
    # The classifier imports torch and skorch: load it on first use, so that
    # the encoders work on numpy input without importing torch.
    if name == "SphereLocationClassifier":
        from .classifier import SphereLocationClassifier

        return SphereLocationClassifier
    if name == "ContrastivePretraining":
        from ._contrastive_pretraining import ContrastivePretraining

        return ContrastivePretraining
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    lazy = {"ContrastivePretraining", "SphereLocationClassifier", *_LAZY_SUBMODULES}
    return sorted(set(globals()) | lazy)
