"""A map of spatial cross-validation folds: :func:`plot_folds`."""

from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from astropy_healpix import HEALPix
from matplotlib.collections import PolyCollection

from .._geometry import wrap_longitude

__all__ = ["FoldMap", "plot_folds"]


@dataclass
class FoldMap:
    """The map drawn by :func:`plot_folds` and the folds behind it.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure holding the map.
    ax : matplotlib.axes.Axes
        The axes of the map.
    fold : ndarray of int, shape (n_samples,)
        The fold that tests each record.
    dropped : ndarray of bool, shape (n_samples,)
        The records the buffer drops from the training set of the fold drawn
        (all False without a buffer).

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.model_selection import SphericalClusterKFold
    >>> from skgeo_s2v.plotting import plot_folds
    >>> X = np.random.default_rng(0).uniform([-180, -60], [180, 60], (90, 2))
    >>> result = plot_folds(SphericalClusterKFold(3, random_state=0), X)
    >>> int(result.fold.max()), bool(result.dropped.any())
    (2, False)
    """

    figure: Any
    ax: Any
    # The arrays are left out of the repr, which would print every record.
    fold: np.ndarray = field(repr=False)
    dropped: np.ndarray = field(repr=False)


def _block_polygons(cv, X, fold):
    """HEALPix cells holding records, as lon-lat polygons, and their fold."""
    cells, first = np.unique(cv.get_blocks(X), return_index=True)
    healpix = HEALPix(2 ** cv.get_healpix_order(), order="nested")
    lon, lat = healpix.boundaries_lonlat(cells, step=4)
    lon, lat = lon.to_value("deg"), lat.to_value("deg")
    centre = healpix.healpix_to_lonlat(cells)[0].to_value("deg")[:, None]
    # Unwrap each cell around its centre; cells over the edge get a copy.
    lon = wrap_longitude(centre) + wrap_longitude(lon - centre)
    polygons, folds = [], []
    for shift in (-360.0, 0.0, 360.0):
        moved = lon + shift
        show = (moved.max(axis=1) > -180) & (moved.min(axis=1) < 180)
        polygons += [
            np.column_stack(p) for p in zip(moved[show], lat[show], strict=True)
        ]
        folds.append(fold[first][show])
    return polygons, np.concatenate(folds)


def plot_folds(cv, X, y=None, *, fold=0, ax=None, cmap="tab10") -> FoldMap:
    """Map which records (and blocks) each fold of a spatial splitter tests.

    Each record is drawn in the colour of the fold that tests it; for a
    :class:`~skgeo_s2v.model_selection.SphericalBlockKFold` the blocks holding
    records are shaded in the same colours. With a buffer, the records that
    the buffer drops from the training set of ``fold`` are circled in black.

    Parameters
    ----------
    cv : SphericalBlockKFold or SphericalClusterKFold
        A splitter of :mod:`skgeo_s2v.model_selection`; the blocks are shaded
        for ``SphericalBlockKFold``.
    X : array-like or DataFrame of shape (n_samples, n_features)
        The records, as passed to ``cv.split``.
    y : array-like of shape (n_samples,), default=None
        Class labels, for a stratified splitter.
    fold : int, default=0
        The fold whose buffer is drawn.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a figure.
    cmap : str, default="tab10"
        A qualitative colour map, one colour per fold.

    Returns
    -------
    result : FoldMap
        The figure, the axes, each record's test fold and the buffer mask.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.model_selection import SphericalBlockKFold
    >>> from skgeo_s2v.plotting import plot_folds
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.uniform(-180, 180, 400), rng.uniform(-70, 70, 400)])
    >>> cv = SphericalBlockKFold(4, block_size_km=2000, buffer_km=300, random_state=0)
    >>> result = plot_folds(cv, X)
    >>> np.bincount(result.fold)
    array([100, 100, 100, 100])
    >>> bool(result.dropped.any())
    True
    """
    n_splits = cv.get_n_splits(X, y)
    if (
        isinstance(fold, bool)
        or not isinstance(fold, Integral)
        or not (0 <= fold < n_splits)
    ):
        raise ValueError(
            f"fold={fold!r} must be an integer in [0, {n_splits}), the fold "
            "whose buffer to draw."
        )
    lonlat = cv._lonlat(X)
    record_fold = np.empty(lonlat.shape[0], dtype=np.intp)
    dropped = np.zeros(lonlat.shape[0], dtype=bool)
    for k, (train, test) in enumerate(cv.split(X, y)):
        record_fold[test] = k
        if k == fold:
            dropped[:] = True
            dropped[train] = dropped[test] = False
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 5))
    colours = plt.get_cmap(cmap)
    if hasattr(cv, "get_healpix_order"):
        polygons, block_fold = _block_polygons(cv, X, record_fold)
        ax.add_collection(
            PolyCollection(
                polygons,
                facecolors=colours(block_fold % colours.N),
                edgecolors="white",
                linewidths=0.3,
                alpha=0.35,
            )
        )
    for k in range(n_splits):
        shown = record_fold == k
        ax.scatter(
            *lonlat[shown].T,
            s=4,
            color=colours(k % colours.N),
            label=f"fold {k} ({shown.sum():,} records)",
        )
    if dropped.any():
        ax.scatter(
            *lonlat[dropped].T,
            s=14,
            facecolors="none",
            edgecolors="black",
            linewidths=0.6,
            label=f"dropped by the buffer from fold {fold}'s training set "
            f"({dropped.sum():,})",
        )
    ax.set(xlim=(-180, 180), ylim=(-90, 90), xlabel="longitude", ylabel="latitude")
    ax.set_aspect("equal")
    ax.legend(loc="lower left", fontsize="small", markerscale=2)
    return FoldMap(ax.figure, ax, record_fold, dropped)
