"""Cross-validation for location models: folds of whole regions of the sphere.

Random folds put records of one site, survey or recordist on both sides of
every split, so on clustered records they overestimate how a model does in
places it has not seen. These splitters hold out whole equal-area blocks
(:class:`SphericalBlockKFold`) or k-means clusters (:class:`SphericalClusterKFold`)
of the sphere, optionally with a buffer, as drop-in ``cv=`` objects.
"""

from ._block import SphericalBlockKFold, healpix_block_size_km
from ._cluster import SphericalClusterKFold

__all__ = ["SphericalBlockKFold", "SphericalClusterKFold", "healpix_block_size_km"]
