"""The exact log density of a Gaussian kernel of great-circle distance.

scikit-learn's ``KernelDensity`` prunes the nodes of its ball tree by bounds
that, for a site many bandwidths from every point, can overstate its log
density by hundreds (scikit-learn issue #25799; by 40 at a bandwidth of
190 km for sites across the globe, ``benchmarks/bench_kernel_density.py``).
Such sites are the ones where a density classifier must still rank the
nearer class first, and the held-out records that should rule out a
too-narrow bandwidth. Here each
site's log density is the log-sum-exp of its kernel terms over the points
within ``d_min + 12 h`` of it (``d_min`` its distance to the nearest point,
``h`` the bandwidth): every point beyond adds less than ``exp(-72)`` times
the nearest one's term (times the ratio of their weights), so the sum misses
less than ``n (w_max / w_min) exp(-72)`` of itself, below rounding for a
million points of weights within 1e10 of each other; and where few points
are near, it costs little more than a tree query.
"""

import numpy as np
from sklearn.neighbors import BallTree
from sklearn.utils import check_random_state

__all__ = ["GaussianKernelSum", "held_out_log_likelihood", "likeliest_bandwidth_index"]

#: Points beyond ``d_min + _REACH * h`` of a site are left out of its sum.
_REACH = 12.0

#: Site-point pairs computed at once (a bound on the memory of a chunk).
_PAIRS_PER_CHUNK = 2**20


class GaussianKernelSum:
    """Weighted Gaussian kernels of great-circle distance around points.

    The density at a site ``x`` with bandwidth ``h`` (radians) is
    ``sum_j w_j exp(-d(x, p_j)^2 / (2 h^2)) / (sum_j w_j * 2 pi h^2)``, the
    normalisation of scikit-learn's ``KernelDensity(metric="haversine")``:
    a Gaussian in the plane, right for bandwidths well below a radian.

    Parameters
    ----------
    points : ndarray of shape (n_points, 2)
        ``(lat, lon)`` in radians (:func:`~skgeo_s2v._geometry.haversine_radians`).
    weight : ndarray of shape (n_points,) or None
        Non-negative weights, not all zero; points of weight 0 are left out.

    Examples
    --------
    >>> import numpy as np
    >>> kernels = GaussianKernelSum(np.array([[0.0, 0.0]]))
    >>> h = 0.01
    >>> log_density = kernels.log_density(np.array([[0.0, 0.03]]), [h])
    >>> bool(np.isclose(log_density[0, 0], -0.5 * 3.0**2 - np.log(2 * np.pi * h**2)))
    True
    """

    def __init__(self, points, weight=None):
        points = np.asarray(points, dtype=np.float64)
        weight = np.ones(len(points)) if weight is None else np.asarray(weight, float)
        kept = weight > 0
        self._tree = BallTree(points[kept], metric="haversine")
        self._log_weight = np.log(weight[kept]) - np.log(weight[kept].sum())

    def log_density(self, sites, bandwidths):
        """The log density at each site under each bandwidth.

        Parameters
        ----------
        sites : ndarray of shape (n_sites, 2)
            ``(lat, lon)`` in radians.
        bandwidths : array-like of shape (n_bandwidths,)
            Positive bandwidths in radians.

        Returns
        -------
        log_density : ndarray of shape (n_sites, n_bandwidths)
            Finite everywhere.
        """
        sites = np.asarray(sites, dtype=np.float64)
        bandwidths = np.asarray(bandwidths, dtype=np.float64)
        out = np.empty((len(sites), len(bandwidths)))
        n_points = len(self._log_weight)
        step = max(1, _PAIRS_PER_CHUNK // n_points)
        for start in range(0, len(sites), step):
            chunk = sites[start : start + step]
            out[start : start + len(chunk)] = self._chunk(chunk, bandwidths)
        return out

    def _chunk(self, sites, bandwidths):
        nearest = self._tree.query(sites, k=1)[0][:, 0]
        # the margin (6 mm) keeps the nearest point in, whatever the rounding
        reach = nearest + _REACH * bandwidths.max() + 1e-9
        index, distance = self._tree.query_radius(sites, reach, return_distance=True)
        counts = np.fromiter((len(i) for i in index), dtype=np.intp, count=len(index))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        log_weight = self._log_weight[np.concatenate(index)]
        squared = np.concatenate(distance) ** 2
        out = np.empty((len(sites), len(bandwidths)))
        for k, h in enumerate(bandwidths):
            terms = log_weight - squared / (2.0 * h * h)
            shift = np.maximum.reduceat(terms, starts)
            total = np.add.reduceat(np.exp(terms - np.repeat(shift, counts)), starts)
            out[:, k] = shift + np.log(total) - np.log(2.0 * np.pi * h * h)
        return out


def held_out_log_likelihood(
    points, weight, splits, bandwidths, max_held_out=2000, random_state=0
):
    """The weighted log density of held-out points, summed over the folds.

    Parameters
    ----------
    points : ndarray of shape (n_points, 2)
        ``(lat, lon)`` in radians.
    weight : ndarray of shape (n_points,)
        Non-negative weights.
    splits : iterable of (train, test) index arrays
        Folds whose training part has positive weight.
    bandwidths : array-like of shape (n_bandwidths,)
        Candidate bandwidths in radians.
    max_held_out : int, default=2000
        The most held-out points of positive weight scored in a fold; a fold
        of more scores that many, drawn at random (the sums under wide
        bandwidths cost a held-out point's pairs with every training point,
        so that a class of 100,000 records costs 10 times one of 10,000
        rather than 100 times).
    random_state : int or RandomState, default=0
        Draws the held-out points scored in a fold of more than
        ``max_held_out``.

    Returns
    -------
    likelihood : ndarray of shape (n_bandwidths,)
        For each bandwidth, the sum over folds of ``weight[test] @ log
        density[test]`` under the kernels of the training part.
    """
    rng = check_random_state(random_state)
    likelihood = np.zeros(len(bandwidths))
    for train, test in splits:
        test = test[weight[test] > 0]
        if len(test) > max_held_out:
            test = np.sort(rng.choice(test, max_held_out, replace=False))
        if len(test):
            kernels = GaussianKernelSum(points[train], weight[train])
            likelihood += weight[test] @ kernels.log_density(points[test], bandwidths)
    return likelihood


def likeliest_bandwidth_index(points, weight, splits, bandwidths, **kwargs):
    """The index of the bandwidth of the highest :func:`held_out_log_likelihood`.

    Parameters
    ----------
    points, weight, splits, bandwidths
        As for :func:`held_out_log_likelihood`.
    **kwargs
        ``max_held_out`` and ``random_state`` of
        :func:`held_out_log_likelihood`.

    Returns
    -------
    index : int
        The position in ``bandwidths`` of the candidate under which the
        held-out points are the most likely (the first of equals), so that
        a caller picks its own candidate (in km, say) without rounding.
    """
    likelihood = held_out_log_likelihood(points, weight, splits, bandwidths, **kwargs)
    return int(np.argmax(likelihood))
