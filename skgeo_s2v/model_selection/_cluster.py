"""Folds of k-means clusters on the sphere: :class:`SphericalClusterKFold`."""

from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans

from .._geometry import unit_vectors_from_degrees
from ._base import BaseSphericalSplitter

__all__ = ["SphericalClusterKFold"]

# k-means is fitted on at most this many records drawn at random; every
# record then goes to its nearest centroid.
_MAX_FIT_SAMPLES = 100_000


class SphericalClusterKFold(BaseSphericalSplitter):
    """K-fold cross-validation by k-means clusters of the records on the sphere.

    The records' 3-D unit vectors are clustered with scikit-learn's
    :class:`~sklearn.cluster.KMeans` (Euclidean k-means on the unit vectors:
    the chord grows with the great-circle distance, so clusters are compact
    on the globe and there is no seam at the antimeridian or the poles).
    Whole clusters go to folds, balanced by the number of records. Use it
    when the records come in clumps that a regular grid would cut.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    n_clusters : int, default=None
        Number of clusters, at least ``n_splits``; None uses
        ``4 * n_splits`` (or the number of records, if fewer).
    buffer_km : float, default=0.0
        Training records within this great-circle distance of any test record
        of the fold are dropped from that fold's training set.
    stratify : bool, default=False
        Assign clusters so that each fold holds about its share of every
        class (then ``y`` is needed); a warning names classes found in one
        cluster only.
    shuffle : bool, default=True
        Break ties between clusters of equal record count at random.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means and the shuffle; an int gives the same folds at every
        call.
    columns : pair of str or int, default=None
        The longitude and latitude columns of ``X`` (names or positions);
        None: ``X`` has exactly two columns, longitude then latitude.

    See Also
    --------
    SphericalBlockKFold : Folds of equal-area blocks.

    Notes
    -----
    k-means is fitted on at most 100,000 records drawn at random, then every
    record joins its nearest centroid, so ten million records split in
    seconds.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.model_selection import SphericalClusterKFold
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[-179.0, 0.0], [179.0, 1.0], [10.0, 50.0], [100.0, -30.0]])
    >>> X = np.repeat(centres, 25, axis=0) + rng.normal(0, 0.5, (100, 2))
    >>> cv = SphericalClusterKFold(n_splits=3, n_clusters=3, random_state=0)
    >>> folds = [test for train, test in cv.split(X)]

    The two clumps either side of the antimeridian are one cluster:

    >>> sorted(len(test) for test in folds)
    [25, 25, 50]
    """

    def __init__(
        self,
        n_splits=5,
        *,
        n_clusters=None,
        buffer_km=0.0,
        stratify=False,
        shuffle=True,
        random_state=None,
        columns=None,
    ):
        self.n_splits = n_splits
        self.n_clusters = n_clusters
        self.buffer_km = buffer_km
        self.stratify = stratify
        self.shuffle = shuffle
        self.random_state = random_state
        self.columns = columns

    def _n_clusters(self, n_samples):
        if self.n_clusters is None:
            return min(4 * self.n_splits, n_samples)
        n_clusters = self.n_clusters
        if (
            isinstance(n_clusters, bool)
            or not isinstance(n_clusters, Integral)
            or n_clusters < self.n_splits
        ):
            raise ValueError(
                f"n_clusters={n_clusters!r} must be an integer of at least "
                f"n_splits={self.n_splits}: each fold needs a cluster."
            )
        if n_clusters > n_samples:
            raise ValueError(
                f"n_clusters={n_clusters} exceeds the {n_samples} records: "
                "lower n_clusters."
            )
        return int(n_clusters)

    def _blocks(self, lonlat, rng):
        xyz = unit_vectors_from_degrees(lonlat[:, 0], lonlat[:, 1])
        n_clusters = self._n_clusters(xyz.shape[0])
        sample = xyz
        if xyz.shape[0] > _MAX_FIT_SAMPLES:
            sample = xyz[rng.choice(xyz.shape[0], _MAX_FIT_SAMPLES, replace=False)]
        distinct = np.unique(sample, axis=0).shape[0]
        kmeans = KMeans(
            n_clusters=min(n_clusters, distinct), n_init=1, random_state=rng
        )
        return kmeans.fit(sample).predict(xyz)

    def _block_name(self):
        return "clusters"

    def _fewer_blocks_hint(self):
        return "the records sit at too few distinct places; raise n_clusters"

    def _finer_hint(self):
        return "Raise n_clusters"
