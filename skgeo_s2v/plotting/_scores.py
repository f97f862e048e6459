"""Scores per latitude band (the paper's Figure 4)."""

from numbers import Integral

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..metrics import mean_reciprocal_rank, top_k_accuracy
from ._results import LatitudeScores

__all__ = ["plot_score_by_latitude"]

_METRICS = {
    "mrr": ("MRR", lambda y, s, labels: mean_reciprocal_rank(y, s, labels=labels)),
    "top1": ("top-1 accuracy", lambda y, s, labels: top_k_accuracy(y, s, 1, labels)),
    "top5": ("top-5 accuracy", lambda y, s, labels: top_k_accuracy(y, s, 5, labels)),
}


def _band_edges(bands):
    if isinstance(bands, Integral) and not isinstance(bands, bool):
        if bands < 1:
            raise ValueError(f"bands={bands} must be at least 1.")
        return np.linspace(-90.0, 90.0, int(bands) + 1)
    edges = np.asarray(bands, dtype=np.float64)
    if (
        edges.ndim != 1
        or edges.shape[0] < 2
        or np.any(np.diff(edges) <= 0)
        or edges[0] < -90
        or edges[-1] > 90
    ):
        raise ValueError(
            f"bands={bands!r} must be a number of equal bands or increasing "
            "band edges within [-90, 90], e.g. [-90, -30, 0, 30, 90]."
        )
    return edges


def plot_score_by_latitude(
    y_true,
    y_score,
    lat,
    *,
    bands=9,
    metric="mrr",
    labels=None,
    axes=None,
):
    """Compare models by MRR or accuracy per latitude band, with the sample counts.

    The paper's Figure 4: the test points are grouped into latitude bands; the
    left panel shows how many fall in each band, the right one the score of
    each model within each band. Sparse bands (often the polar ones) give
    noisy scores, which the counts make plain.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_score : array-like of shape (n_samples, n_classes) or dict
        Class scores of one model (higher is better), or a dict mapping a model
        name to its scores, to compare several models.
    lat : array-like of shape (n_samples,)
        Latitude of each sample in degrees, e.g. ``X[:, 1]``.
    bands : int or array-like of float, default=9
        Number of equal latitude bands from -90 to 90 (9 gives 20° bands), or
        the band edges. A band includes its lower edge; the last one includes
        its upper edge too. Samples outside the edges are left out.
    metric : {"mrr", "top1", "top5"}, default="mrr"
        Mean reciprocal rank or top-k accuracy, from :mod:`skgeo_s2v.metrics`.
    labels : array-like of shape (n_classes,), default=None
        The class of each column of the scores, e.g. ``model.classes_``. None
        means the sorted unique values of ``y_true``.
    axes : sequence of 2 matplotlib.axes.Axes, default=None
        Axes for the counts and the scores; None creates a figure.

    Returns
    -------
    result : LatitudeScores
        The figure, its two panels and the table of counts and scores.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.plotting import plot_score_by_latitude
    >>> y = np.array([0, 1, 0, 1])
    >>> scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    >>> lat = np.array([-60.0, -10.0, 20.0, 70.0])
    >>> result = plot_score_by_latitude(y, {"model": scores}, lat, bands=2)
    >>> result.table[["n_samples", "model"]]
               n_samples  model
    -90° to 0°         2   1.00
    0° to 90°          2   0.50
    """
    if metric not in _METRICS:
        raise ValueError(
            f"metric={metric!r} is not supported; use one of "
            f"{', '.join(map(repr, _METRICS))}."
        )
    metric_name, score_function = _METRICS[metric]
    y_true = column_or_1d(y_true)
    lat = column_or_1d(lat).astype(np.float64)
    check_consistent_length(y_true, lat)
    if not np.all(np.isfinite(lat)) or np.any(np.abs(lat) > 90):
        raise ValueError("lat must hold finite latitudes in [-90, 90] degrees.")
    scores = dict(y_score) if isinstance(y_score, dict) else {"model": y_score}
    if not scores:
        raise ValueError("y_score is an empty dict; give at least one model's scores.")
    scores = {name: np.asarray(value) for name, value in scores.items()}
    for name, value in scores.items():
        if value.shape[0] != y_true.shape[0]:
            raise ValueError(
                f"The scores of {name!r} have {value.shape[0]} rows but y_true "
                f"has {y_true.shape[0]} samples."
            )
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    edges = _band_edges(bands)

    band = np.searchsorted(edges, lat, side="right") - 1
    band[lat == edges[-1]] = edges.shape[0] - 2
    rows = []
    for k in range(edges.shape[0] - 1):
        inside = band == k
        row = {
            "lat_min": edges[k],
            "lat_max": edges[k + 1],
            "n_samples": int(inside.sum()),
        }
        for name, value in scores.items():
            row[name] = (
                score_function(y_true[inside], value[inside], labels)
                if inside.any()
                else np.nan
            )
        rows.append(row)
    index = [f"{lo:g}° to {hi:g}°" for lo, hi in zip(edges[:-1], edges[1:])]
    table = pd.DataFrame(rows, index=index)

    if axes is None:
        fig, axes = plt.subplots(
            1,
            2,
            figsize=(9, 4.5),
            sharey=True,
            width_ratios=[1, 2],
            layout="constrained",
        )
    else:
        axes = np.asarray(axes, dtype=object).ravel()
        if axes.shape[0] != 2:
            raise ValueError(f"axes must hold 2 Axes, got {axes.shape[0]}.")
        fig = axes[0].figure
    centres = (edges[:-1] + edges[1:]) / 2
    heights = np.diff(edges)
    count_ax, score_ax = axes
    count_ax.barh(centres, table["n_samples"], height=0.85 * heights, color="0.6")
    count_ax.set_xlabel("samples")
    count_ax.set_ylabel("latitude (°)")
    count_ax.set_title("samples per band")
    count_ax.set_ylim(edges[0], edges[-1])
    count_ax.set_yticks(edges)
    for name, value in scores.items():
        overall = score_function(y_true, value, labels)
        score_ax.plot(
            table[name], centres, marker="o", label=f"{name} (all: {overall:.3f})"
        )
    score_ax.set_xlabel(metric_name)
    score_ax.set_title(f"{metric_name} per latitude band")
    score_ax.grid(alpha=0.3)
    score_ax.legend(loc="best", fontsize="small")
    return LatitudeScores(fig, np.asarray(axes, dtype=object), table)
