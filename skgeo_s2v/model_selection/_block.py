"""Folds of equal-area HEALPix blocks: :class:`SphericalBlockKFold`."""

import math

import numpy as np
from astropy_healpix import healpy

from .._geometry import EARTH_RADIUS_KM, wrap_longitude
from ._base import BaseSphericalSplitter, check_positive_km

__all__ = ["SphericalBlockKFold", "healpix_block_size_km"]

# HEALPix order 29 (cells of about 1.2 cm) is the finest the library indexes.
_MAX_ORDER = 29


def healpix_block_size_km(order: int) -> float:
    """Side of a HEALPix cell of the given order, in kilometres.

    A cell of order ``k`` is one of ``12 * 4**k`` equal-area cells; its size
    is the square root of its area, ``R * sqrt(pi / 3) / 2**k``.

    Examples
    --------
    >>> round(healpix_block_size_km(0))
    6520
    >>> round(healpix_block_size_km(4))
    407
    """
    return EARTH_RADIUS_KM * math.sqrt(math.pi / 3.0) / 2**order


class SphericalBlockKFold(BaseSphericalSplitter):
    """K-fold cross-validation by equal-area blocks of the sphere.

    The sphere is cut into HEALPix cells (Górski et al. 2005) of about
    ``block_size_km``; whole cells go to folds, balanced by the number of
    records, so that records of one site, survey or region are never on both
    sides of a split. HEALPix cells have equal areas, do not shrink into
    slivers at the poles, and a cell across the antimeridian is one cell.
    The cells come from ``astropy-healpix`` (BSD licence).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    block_size_km : float, default=500.0
        Wanted block size (square root of its area) in km. The HEALPix order
        whose cell size is nearest on a log scale is used (cells halve at each
        order): :meth:`get_block_size_km` tells the size used.
    buffer_km : float, default=0.0
        Training records within this great-circle distance of any test record
        of the fold are dropped from that fold's training set. The test sets
        still partition the records.
    stratify : bool, default=False
        Assign blocks so that each fold holds about its share of every class
        (then ``y`` is needed), so that classes recorded in several blocks
        are in every training set. A class recorded in one block only can
        not be: a warning names such classes.
    shuffle : bool, default=True
        Break ties between blocks of equal record count at random (with
        ``random_state``); False keeps the cells' order.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle; an int gives the same folds at every call.
    columns : pair of str or int, default=None
        The longitude and latitude columns of ``X`` (names for a DataFrame,
        positions for an array), for ``X`` with other columns as well, as in
        a :class:`~sklearn.pipeline.Pipeline`. None: ``X`` has exactly two
        columns, longitude then latitude.

    See Also
    --------
    SphericalClusterKFold : Folds of k-means clusters on the sphere.
    sklearn.model_selection.GroupKFold : Folds of given groups.

    Notes
    -----
    Blocks are assigned largest first, after a seeded shuffle, each to the fold
    holding the fewest records so far. With ``buffer_km > 0`` training sets
    shrink, but every record is still tested once, so
    :func:`~sklearn.model_selection.cross_val_predict` applies.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.model_selection import SphericalBlockKFold
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.uniform(-180, 180, 300), rng.uniform(-60, 60, 300)])
    >>> cv = SphericalBlockKFold(n_splits=3, block_size_km=2000, random_state=0)
    >>> cv
    SphericalBlockKFold(block_size_km=2000, buffer_km=0.0, columns=None, n_splits=3,
              random_state=0, shuffle=True, stratify=False)
    >>> round(cv.get_block_size_km())
    1630
    >>> [len(test) for train, test in cv.split(X)]
    [100, 100, 100]
    """

    def __init__(
        self,
        n_splits=5,
        *,
        block_size_km=500.0,
        buffer_km=0.0,
        stratify=False,
        shuffle=True,
        random_state=None,
        columns=None,
    ):
        self.n_splits = n_splits
        self.block_size_km = block_size_km
        self.buffer_km = buffer_km
        self.stratify = stratify
        self.shuffle = shuffle
        self.random_state = random_state
        self.columns = columns

    def get_healpix_order(self) -> int:
        """HEALPix order of the blocks: ``12 * 4**order`` cells of equal area.

        Returns
        -------
        order : int
            The order whose cell size is nearest to ``block_size_km`` on a log
            scale, between 0 (12 cells of 6,520 km) and 29.
        """
        size = check_positive_km("block_size_km", self.block_size_km)
        order = round(math.log2(healpix_block_size_km(0) / size))
        return int(min(max(order, 0), _MAX_ORDER))

    def get_block_size_km(self) -> float:
        """Size of the blocks used (the square root of their area), in km.

        Returns
        -------
        size : float
            Within a factor ``sqrt(2)`` of ``block_size_km`` unless that is
            beyond the coarsest (6,520 km) or finest HEALPix cells.
        """
        return healpix_block_size_km(self.get_healpix_order())

    def get_blocks(self, X) -> np.ndarray:
        """HEALPix cell (nested index) of each record: the blocks as groups.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Records, read as in :meth:`split`.

        Returns
        -------
        blocks : ndarray of int64, shape (n_samples,)
        """
        return self._blocks(self._lonlat(X), None)

    def _blocks(self, lonlat, rng):
        nside = 2 ** self.get_healpix_order()
        lon = wrap_longitude(np.asarray(lonlat[:, 0], dtype=np.float64))
        lat = np.asarray(lonlat[:, 1], dtype=np.float64)
        return healpy.ang2pix(nside, lon, lat, nest=True, lonlat=True)

    def _fewer_blocks_hint(self):
        return (
            f"lower block_size_km (now {self.block_size_km!r}, blocks of "
            f"{self.get_block_size_km():,.0f} km)"
        )

    def _finer_hint(self):
        return "Lower block_size_km"
