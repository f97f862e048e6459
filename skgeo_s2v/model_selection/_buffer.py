"""Records of a training set within a great-circle distance of a test set."""

import math

import numpy as np
from scipy.spatial import cKDTree

from .._geometry import EARTH_RADIUS_KM

__all__ = ["chord_of_distance", "within_distance"]


def chord_of_distance(distance_km):
    """Straight-line distance between unit vectors ``distance_km`` apart.

    A great-circle distance ``d`` on a sphere of radius ``R`` is the central
    angle ``d / R``; the chord between the two unit vectors is
    ``2 sin(d / 2R)``, which grows with ``d`` up to the antipode (2).

    Examples
    --------
    >>> round(chord_of_distance(math.pi * EARTH_RADIUS_KM), 12)
    2.0
    """
    angle = min(distance_km / EARTH_RADIUS_KM, math.pi)
    return 2.0 * math.sin(angle / 2.0)


def within_distance(xyz, test, train, distance_km):
    """Mask of the ``train`` rows within ``distance_km`` of any ``test`` row.

    Exact: the chord is a monotone function of the great-circle distance, so
    a KD-tree on the 3-D unit vectors finds each training record's nearest
    test record, and that record's chord decides.

    Parameters
    ----------
    xyz : ndarray of shape (n_samples, 3)
        Unit vectors of all records.
    test, train : ndarray of int
        Rows of the test and training sets.
    distance_km : float
        Great-circle distance in kilometres.

    Returns
    -------
    near : ndarray of bool, shape (len(train),)

    Examples
    --------
    >>> from skgeo_s2v._geometry import unit_vectors_from_degrees
    >>> xyz = unit_vectors_from_degrees(np.array([0.0, 1.0, 3.0]), np.zeros(3))
    >>> within_distance(xyz, np.array([0]), np.array([1, 2]), 200.0)
    array([ True, False])
    """
    chord = chord_of_distance(distance_km)
    tree = cKDTree(xyz[test])
    distance, _ = tree.query(
        xyz[train], k=1, distance_upper_bound=np.nextafter(chord, np.inf)
    )
    return distance <= chord
