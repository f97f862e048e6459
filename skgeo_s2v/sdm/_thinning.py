"""Spatial thinning of occurrence records: no two kept ones closer than a distance."""

import heapq
from numbers import Real

import numpy as np
from sklearn.neighbors import BallTree
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_consistent_length

from .._covariate_input import lonlat_of
from .._geometry import EARTH_RADIUS_KM, haversine_radians
from .._validation import check_class_labels

__all__ = ["thin_records"]


def _neighbours(points, radius):
    """Each point's neighbours closer than ``radius`` (radians), itself left out."""
    tree = BallTree(points, metric="haversine")
    found, distances = tree.query_radius(points, radius, return_distance=True)
    return [
        near[(d < radius) & (near != i)]
        for i, (near, d) in enumerate(zip(found, distances, strict=True))
    ]


def _thin(neighbours, rng):
    """Kept mask of one class: drop the record with the most neighbours
    still kept (ties at random) until none has one, then restore, in
    random order, every dropped record that no kept record is near."""
    n = len(neighbours)
    degree = np.array([len(near) for near in neighbours])
    tiebreak = rng.permutation(n)
    heap = [(-degree[i], tiebreak[i], i) for i in range(n) if degree[i]]
    heapq.heapify(heap)
    kept = np.ones(n, dtype=bool)
    while heap:
        negative, _, i = heapq.heappop(heap)
        if not kept[i] or -negative != degree[i] or degree[i] == 0:
            continue  # dropped already, or an entry of an older degree
        kept[i] = False
        for j in neighbours[i]:
            if kept[j]:
                degree[j] -= 1
                if degree[j]:
                    heapq.heappush(heap, (-degree[j], tiebreak[j], j))
    for i in rng.permutation(np.flatnonzero(~kept)):
        if not kept[neighbours[i]].any():
            kept[i] = True
    return kept


def thin_records(X, distance_km, *, y=None, random_state=None):
    """Keep a subset of records in which no two lie closer than ``distance_km``.

    Records crowd where observers go (near roads, towns, field stations), and
    a model of them learns the crowd as much as the species. Thinning keeps
    at most one record of each such crowd (Aiello-Lammens et al. 2015,
    ``spThin``; Boria et al. 2014): it repeatedly drops the record with the
    most others closer than ``distance_km`` by great-circle distance (ties
    broken at random), until no two are that close, then gives back, in a
    random order, each dropped record that no kept record is close to. So
    no two kept records are closer than ``distance_km``, and every dropped
    one has a kept one closer than that. With ``y``, each class (species) is
    thinned on its own.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2) or DataFrame
        Longitude then latitude in degrees, or a DataFrame with ``lon`` and
        ``lat`` columns (or ``longitude``, ``latitude`` ...; other columns,
        such as covariates, are ignored).
    distance_km : float
        The smallest distance between two kept records, in km; records
        closer than it (exact duplicates among them) conflict.
    y : array-like of shape (n_samples,), default=None
        The class of each record: records of different classes never
        conflict. None thins all the records as one class.
    random_state : int, RandomState instance or None, default=None
        Breaks the ties and orders the records given back.

    Returns
    -------
    kept : ndarray of shape (n_samples,), dtype bool
        True for the records kept: ``X[kept]``, ``y[kept]``.

    Notes
    -----
    Thin the training records only, never a test fold or a survey: the
    records a model is judged on should stay as they were found. Whether
    thinning helps depends on the data; compare with and without under
    spatial cross-validation (:doc:`/sdm`, "Sampling bias"). The pairs of
    records closer than ``distance_km`` are held in memory at once, so a
    distance that puts tens of thousands of records of one class within
    reach of each other needs memory for every such pair.

    Examples
    --------
    Three records 0.6 km apart on the equator and one 5 km away: the middle
    one of the three is close to both others, so it goes.

    >>> import numpy as np
    >>> from skgeo_s2v.sdm import thin_records
    >>> km = 1 / 111.195  # degrees of longitude per km on the equator
    >>> X = np.array([[0.0, 0.0], [0.6 * km, 0.0], [1.2 * km, 0.0], [5 * km, 0.0]])
    >>> thin_records(X, 1.0, random_state=0)
    array([ True, False,  True,  True])
    """
    if not (
        isinstance(distance_km, Real) and np.isfinite(distance_km) and distance_km > 0
    ):
        raise ValueError(
            f"distance_km must be a positive number of km; got {distance_km!r}."
        )
    lonlat = lonlat_of(X)
    if y is None:
        groups = np.zeros(len(lonlat), dtype=np.int64)
    else:
        y = check_class_labels(y)
        check_consistent_length(lonlat, y)
        groups = np.unique(y, return_inverse=True)[1]
    rng = check_random_state(random_state)
    radius = distance_km / EARTH_RADIUS_KM
    points = haversine_radians(lonlat)
    kept = np.ones(len(lonlat), dtype=bool)
    for group in range(groups.max(initial=-1) + 1):
        rows = np.flatnonzero(groups == group)
        kept[rows] = _thin(_neighbours(points[rows], radius), rng)
    return kept
