"""Spatial sorting bias of a presence-background test, and the test without it.

Test presences usually lie closer to the training presences than test
background sites do: the records crowd where the species was searched for,
and the background covers the region evenly. A model that only says "near the
training records" (a kernel density of them) then ranks the test presences
above the background without knowing anything of the habitat, and its ROC AUC
rewards the distance rather than the model (Hijmans 2012, Ecology 93:
468-473). :func:`spatial_sorting_bias` measures the effect;
:func:`pairwise_distance_sample` removes it by pairing each test presence with
a background site about as far from the training presences, so that distance
alone no longer separates them.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.neighbors import BallTree
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .._covariate_input import lonlat_of
from .._geometry import (
    EARTH_RADIUS_KM,
    great_circle_angle,
    haversine_radians,
    unit_vectors_from_degrees,
)

__all__ = ["pairwise_distance_sample", "spatial_sorting_bias"]


def _points(X, what):
    """The ``(lon, lat)`` rows of ``X``, at least one."""
    if len(X) == 0:
        raise ValueError(f"{what} holds no rows; give at least one location.")
    return lonlat_of(X)


def _distance_to_nearest_km(reference, lonlat):
    """Great-circle distance in km from each row of ``lonlat`` to the nearest
    row of ``reference``."""
    tree = BallTree(haversine_radians(reference), metric="haversine")
    return tree.query(haversine_radians(lonlat), k=1)[0][:, 0] * EARTH_RADIUS_KM


@validate_params(
    {
        "train_presences": ["array-like"],
        "test_presences": ["array-like"],
        "test_background": ["array-like"],
    },
    prefer_skip_nested_validation=True,
)
def spatial_sorting_bias(train_presences, test_presences, test_background):
    """How much closer the test presences lie to the training presences.

    The mean great-circle distance from each test presence to its nearest
    training presence, over the same mean for the test background sites
    (Hijmans 2012). Near 1 there is no sorting bias; near 0 the test
    presences sit by the training ones and the background far from them, so
    that distance alone ranks them apart, and a presence-background AUC
    rewards it.

    Parameters
    ----------
    train_presences : array-like of shape (n_train, 2) or DataFrame
        ``(lon, lat)`` in degrees of the presences a model was fitted on (a
        DataFrame: its longitude and latitude columns).
    test_presences : array-like of shape (n_presences, 2) or DataFrame
        The held-out presences.
    test_background : array-like of shape (n_background, 2) or DataFrame
        The held-out background sites (or absences).

    Returns
    -------
    ratio : float
        Non-negative; ``inf`` when every test background site coincides with
        a training presence.

    See Also
    --------
    pairwise_distance_sample : the test rows without the bias.

    Examples
    --------
    Test presences 10 km from the training presence, background 100 km away:

    >>> import numpy as np
    >>> from skgeo_s2v.sdm import spatial_sorting_bias
    >>> km = 1 / 111.195  # degrees of latitude a km
    >>> train = np.array([[0.0, 0.0]])
    >>> presences = np.array([[0.0, 10 * km], [0.0, -10 * km]])
    >>> background = np.array([[0.0, 100 * km], [0.0, -100 * km]])
    >>> round(spatial_sorting_bias(train, presences, background), 3)
    0.1
    """
    reference = _points(train_presences, "train_presences")
    presences = _points(test_presences, "test_presences")
    background = _points(test_background, "test_background")
    presence_km = _distance_to_nearest_km(reference, presences).mean()
    background_km = _distance_to_nearest_km(reference, background).mean()
    if background_km == 0:
        return np.inf if presence_km > 0 else 1.0
    return float(presence_km / background_km)


@validate_params(
    {
        "train_presences": ["array-like"],
        "test_presences": ["array-like"],
        "test_background": ["array-like"],
        "tolerance": [Interval(Real, 0, None, closed="left")],
        "n_per_presence": [Interval(Integral, 1, None, closed="left")],
        "nearest": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def pairwise_distance_sample(
    train_presences,
    test_presences,
    test_background,
    *,
    tolerance=0.33,
    n_per_presence=1,
    nearest=True,
    random_state=None,
):
    """Test presences and background sites paired by their distance to the
    training presences: a presence-background test without sorting bias.

    Pairwise-distance sampling (Hijmans 2012). Each test presence, in a
    random order, takes ``n_per_presence`` of the background sites not yet
    taken whose distance to the nearest training presence differs from its
    own by at most ``tolerance`` times its own: the sites nearest to it
    (``nearest=True``) or sites drawn at random; a presence that finds none
    is left out. In the rows kept, presences and background sites lie about
    as far from the training presences, so a model that knows only that
    distance (a kernel density of the records) scores an AUC near 0.5 on
    them, and what is left of a model's AUC is what it knows beyond it.

    With ``nearest=True`` (the default of R's ``dismo::pwdSample``) each
    presence is paired with a neighbour, so the test asks what tells a
    presence from the background nearby: a strict test, on which a model of
    smooth covariates can fall to 0.5 where the covariates vary little
    between neighbours. ``nearest=False`` pairs it with any site at the
    same distance from the training presences, anywhere in the test region.

    Parameters
    ----------
    train_presences : array-like of shape (n_train, 2) or DataFrame
        ``(lon, lat)`` in degrees of the presences the model was fitted on
        (a DataFrame: its longitude and latitude columns).
    test_presences : array-like of shape (n_presences, 2) or DataFrame
        The held-out presences.
    test_background : array-like of shape (n_background, 2) or DataFrame
        The held-out background sites.
    tolerance : float, default=0.33
        The largest difference of distance (to the nearest training presence)
        between a presence and its background site, as a share of the
        presence's distance.
    n_per_presence : int, default=1
        Background sites a presence takes (fewer when fewer match).
    nearest : bool, default=True
        Take the matching sites nearest to the presence (by great circle),
        or draw them at random among the matching sites.
    random_state : int, RandomState instance or None, default=None
        The order in which the presences choose, and the draws of
        ``nearest=False``.

    Returns
    -------
    presence_rows : ndarray of int
        Positions in ``test_presences`` of the presences kept, each once.
    background_rows : ndarray of int
        Positions in ``test_background`` of the sites they took, each once.

    See Also
    --------
    spatial_sorting_bias : how strong the bias is.
    presence_auc : the AUC to compute on the rows kept.

    Examples
    --------
    Two test presences near the training presence and two far from it; of
    the background sites only the far ones match the far presences:

    >>> import numpy as np
    >>> from skgeo_s2v.sdm import pairwise_distance_sample
    >>> train = np.array([[0.0, 0.0]])
    >>> presences = np.array([[0.0, 0.1], [0.0, 5.0], [0.0, -5.0], [0.0, -0.1]])
    >>> background = np.array([[0.0, 5.2], [0.0, -5.1], [0.0, 20.0]])
    >>> kept, taken = pairwise_distance_sample(
    ...     train, presences, background, random_state=0
    ... )
    >>> sorted(kept.tolist()), sorted(taken.tolist())
    ([1, 2], [0, 1])
    """
    reference = _points(train_presences, "train_presences")
    presences = _points(test_presences, "test_presences")
    background = _points(test_background, "test_background")
    presence_km = _distance_to_nearest_km(reference, presences)
    background_km = _distance_to_nearest_km(reference, background)
    presence_xyz = unit_vectors_from_degrees(presences[:, 0], presences[:, 1])
    background_xyz = unit_vectors_from_degrees(background[:, 0], background[:, 1])
    # The sites by distance: a presence's matches lie in one window of them,
    # found by bisection (widened by a hair, then checked exactly).
    by_distance = np.argsort(background_km, kind="stable")
    sorted_km = background_km[by_distance]
    rng = check_random_state(random_state)
    free = np.ones(len(background), dtype=bool)
    kept, taken = [], []
    for row in rng.permutation(len(presences)):
        allowed = tolerance * presence_km[row]
        low = np.searchsorted(sorted_km, (presence_km[row] - allowed) * (1 - 1e-9))
        high = np.searchsorted(
            sorted_km, (presence_km[row] + allowed) * (1 + 1e-9), side="right"
        )
        candidates = np.sort(by_distance[low:high])  # in the order of the sites
        gap = np.abs(background_km[candidates] - presence_km[row])
        candidates = candidates[free[candidates] & (gap <= allowed)]
        if candidates.size == 0:
            continue
        if nearest:
            apart = great_circle_angle(
                presence_xyz[row : row + 1], background_xyz[candidates]
            )
            chosen = candidates[np.argsort(apart[0], kind="stable")[:n_per_presence]]
        else:
            size = min(n_per_presence, candidates.size)
            chosen = rng.choice(candidates, size, replace=False)
        free[chosen] = False
        kept.append(row)
        taken.extend(chosen.tolist())
    return np.asarray(kept, dtype=np.intp), np.asarray(taken, dtype=np.intp)
