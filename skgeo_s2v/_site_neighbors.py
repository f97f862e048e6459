"""The k nearest training records, the records of one site counted together.

Occurrence records are clustered: a site (one pair of coordinates) often holds
tens of records. Among the records of a site at the k-th distance, any choice
of which count among the k nearest is arbitrary (a tree query breaks the tie by
its own order, and a query for more neighbours breaks it differently), so the
vote of :class:`SiteNeighbors` gives such a site a share of the vote in
proportion to its classes instead: the same vote whatever the order of the
records.
"""

import numpy as np
from scipy import sparse
from sklearn.neighbors import BallTree

from ._geometry import haversine_radians

__all__ = ["SiteNeighbors", "weighted_votes"]


def weighted_votes(counts, distances, weights):
    """The votes of neighbours that hold ``counts`` records each.

    Parameters
    ----------
    counts : ndarray of shape (n_queries, m)
        Records each neighbour contributes (1 for a single record).
    distances : ndarray of shape (n_queries, m)
        Their distances.
    weights : {"uniform", "distance"}
        Equal votes per record, or votes ``1 / distance``; a query with
        neighbours at distance 0 counts only those, equally per record (as
        scikit-learn's ``KNeighborsClassifier``).

    Returns
    -------
    votes : ndarray of shape (n_queries, m)

    Examples
    --------
    >>> import numpy as np
    >>> weighted_votes(np.array([[2.0, 1.0]]), np.array([[1.0, 4.0]]), "distance")
    array([[2.  , 0.25]])
    >>> weighted_votes(np.array([[2.0, 1.0]]), np.array([[0.0, 4.0]]), "distance")
    array([[2., 0.]])
    """
    counts = np.asarray(counts, dtype=float)
    if weights == "uniform":
        return counts
    exact = distances == 0
    with np.errstate(divide="ignore"):
        by_distance = counts / distances
    return np.where(exact.any(axis=1, keepdims=True), counts * exact, by_distance)


class SiteNeighbors:
    """Nearest-record votes by great-circle distance over the distinct sites.

    Parameters
    ----------
    lonlat : ndarray of shape (n_records, 2)
        Longitudes and latitudes of the training records, in degrees.
    codes : ndarray of shape (n_records,), int
        Class index of each record.
    n_classes : int
        Number of classes (columns of a vote).

    Attributes
    ----------
    n_records : int
        Number of training records.

    Examples
    --------
    Three records at one site (two of class 0, one of class 1) and one record
    of class 1 further away: the two nearest records are two of the three at
    the site, whichever two, so the vote is the site's classes.

    >>> import numpy as np
    >>> lonlat = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [5.0, 0.0]])
    >>> neighbors = SiteNeighbors(lonlat, np.array([0, 0, 1, 1]), 2)
    >>> distances, sites = neighbors.query(np.array([[1.0, 0.0]]), k=2)
    >>> neighbors.vote(distances, sites, k=2, weights="uniform").round(3)
    array([[0.667, 0.333]])
    """

    def __init__(self, lonlat, codes, n_classes):
        sites, inverse = np.unique(lonlat, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        self.n_records = len(codes)
        self._sizes = np.bincount(inverse, minlength=len(sites))
        # Class counts of each site, divided by its size: a record's share.
        self._shares = sparse.csr_matrix(
            (1.0 / self._sizes[inverse], (inverse, codes)),
            shape=(len(sites), n_classes),
        )
        self._tree = BallTree(haversine_radians(sites), metric="haversine")

    def query(self, lonlat, k):
        """The sites that hold the ``k`` nearest records of each query.

        Parameters
        ----------
        lonlat : ndarray of shape (n_queries, 2)
            Longitudes and latitudes in degrees.
        k : int
            Number of records, at most ``n_records``.

        Returns
        -------
        distances, sites : ndarray of shape (n_queries, m)
            Great-circle distances (radians) and indices of the ``m = min(k,
            n_sites)`` nearest sites, nearest first (each site holds at least
            one record, so they hold the ``k`` nearest records).
        """
        m = min(k, len(self._sizes))
        return self._tree.query(haversine_radians(lonlat), k=m)

    def vote(self, distances, sites, k, weights):
        """Class probabilities of a vote of the ``k`` nearest records.

        Parameters
        ----------
        distances, sites : ndarray of shape (n_queries, m)
            From :meth:`query` with at least this ``k``.
        k : int
            Number of records that vote.
        weights : {"uniform", "distance"}
            Equal votes, or votes ``1 / distance``; a query with records at
            distance 0 counts only those, equally (as scikit-learn's
            ``KNeighborsClassifier``).

        Returns
        -------
        proba : ndarray of shape (n_queries, n_classes)
            Rows sum to 1. The site where the ``k``-th nearest record lies
            votes with as many of its records as reach ``k``, shared in
            proportion to its classes; where every site holds one record,
            this is :func:`~skgeo_s2v.blend.neighbor_vote` of the ``k``
            nearest records (two sites at the same distance are taken in the
            tree's order).
        """
        sizes = self._sizes[sites]
        before = np.cumsum(sizes, axis=1) - sizes
        counted = np.clip(k - before, 0, sizes)  # records of each site
        votes = weighted_votes(counted, distances, weights)
        rows = np.repeat(np.arange(len(sites)), sites.shape[1])
        matrix = sparse.csr_matrix(
            (votes.ravel(), (rows, sites.ravel())),
            shape=(len(sites), self._shares.shape[0]),
        )
        proba = np.asarray((matrix @ self._shares).todense())
        return proba / proba.sum(axis=1, keepdims=True)
