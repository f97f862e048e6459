"""Features of a position encoder ``G(x)`` drawn on the globe."""

import math
from numbers import Integral

import matplotlib.pyplot as plt
import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state

from .._sampling import lonlat_from_uniform
from ._axes import LONGITUDE_FORMATTER, check_batch_size, dense, model_input
from ._grid import GlobalGrid
from ._results import EncodingMaps

__all__ = ["plot_encoding"]


def _ready_encoder(encoder, random_state):
    """The encoder itself when it can transform, else a clone fitted on the sphere."""
    probe = np.zeros((1, 2))
    try:
        encoder.transform(probe)
        return encoder
    except NotFittedError:
        rng = check_random_state(random_state)
        sample = lonlat_from_uniform(rng.random_sample(2000), rng.random_sample(2000))
        return clone(encoder).fit(sample)


def _feature_indices(features, names):
    if features is None:
        count = min(8, len(names))
        return np.unique(np.linspace(0, len(names) - 1, count).round().astype(int))
    positions = {name: j for j, name in enumerate(names)}
    indices = []
    for feature in features:
        if isinstance(feature, Integral) and not isinstance(feature, bool):
            if not -len(names) <= feature < len(names):
                raise ValueError(
                    f"feature index {feature} is out of range for an encoder "
                    f"with {len(names)} features."
                )
            indices.append(int(feature) % len(names))
        elif feature in positions:
            indices.append(positions[feature])
        else:
            raise ValueError(
                f"{feature!r} is not a feature of the encoder; use an index or a "
                f"name from get_feature_names_out(), e.g. {names[0]!r}."
            )
    if not indices:
        raise ValueError("features is empty; pass at least one feature or None.")
    return np.asarray(indices)


def plot_encoding(
    encoder,
    features=None,
    *,
    resolution_deg=2.0,
    central_longitude=0.0,
    n_cols=4,
    batch_size=8192,
    random_state=0,
    cmap="RdBu_r",
):
    """Draw features of a position encoder ``G(x)`` on the globe.

    Each panel shows one column of ``encoder.transform`` over a global grid:
    for teaching what the features look like, and for checking continuity. A
    seam at the antimeridian shows as a jump between the left and right edges
    (or down the middle with ``central_longitude=180``); dependence on
    longitude at the poles shows as stripes in the top and bottom rows.

    Parameters
    ----------
    encoder : position encoder
        A fitted encoder, or one that needs no fitting (most of them). An
        encoder that must be fitted (``rbf``, ``rff``) is cloned and fitted on
        2,000 locations drawn uniformly on the sphere; the original is left
        alone.
    features : sequence of int or str, default=None
        Columns to draw, by index or by name from
        ``encoder.get_feature_names_out()``. None draws up to 8 columns evenly
        spread over the output (finest scale first).
    resolution_deg : float, default=2.0
        Cell size of the maps in degrees.
    central_longitude : float, default=0.0
        Longitude at the centre of the maps; 180 puts the antimeridian in the
        middle, where a seam is easy to see.
    n_cols : int, default=4
        Panels per row.
    batch_size : int, default=8192
        Grid points per call of ``transform``; only the chosen columns of each
        chunk are kept.
    random_state : int, RandomState instance or None, default=0
        Seeds the fitting locations of an encoder that must be fitted.
    cmap : str or matplotlib colormap, default="RdBu_r"
        Colours; each panel is centred on 0.

    Returns
    -------
    result : EncodingMaps
        The figure, its panels and the feature values.

    Examples
    --------
    >>> from skgeo_s2v import SphereMPlusEncoder
    >>> from skgeo_s2v.plotting import plot_encoding
    >>> encoder = SphereMPlusEncoder(n_scales=4, min_radius=0.1)
    >>> result = plot_encoding(encoder, ["sin(lat*f3)", 5], resolution_deg=10.0)
    >>> result.features
    ['sin(lat*f3)', 'cos(lat*f0)']
    >>> result.values.shape
    (2, 18, 36)
    """
    if not isinstance(n_cols, Integral) or isinstance(n_cols, bool) or n_cols < 1:
        raise ValueError(f"n_cols={n_cols!r} must be a positive integer.")
    batch_size = check_batch_size(batch_size)
    grid = GlobalGrid(resolution_deg, central_longitude)
    fitted = _ready_encoder(encoder, random_state)
    if hasattr(fitted, "get_feature_names_out"):
        names = [str(name) for name in fitted.get_feature_names_out()]
    else:
        width = dense(fitted.transform(np.zeros((1, 2)))).shape[1]
        names = [f"feature {j}" for j in range(width)]
    indices = _feature_indices(features, names)

    def chosen_columns(points):
        codes = fitted.transform(model_input(fitted, points))
        if sparse.issparse(codes):
            return codes.tocsc()[:, indices].toarray()
        return np.asarray(codes)[:, indices]

    values = np.moveaxis(grid.map_values(chosen_columns, batch_size), -1, 0)

    n_rows = math.ceil(len(indices) / n_cols)
    columns = min(n_cols, len(indices))
    fig, axes = plt.subplots(
        n_rows,
        columns,
        figsize=(3.6 * columns, 2.2 * n_rows + 0.4),
        squeeze=False,
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    axes = axes.ravel()
    # One colour scale for every panel, centred on 0, so panels compare.
    bound = float(np.max(np.abs(values))) or 1.0
    west, east = grid.extent[:2]
    seams = [lon for lon in (-180.0, 180.0, 540.0) if west < lon < east]
    for ax, feature_values, j in zip(axes, values, indices):
        image = ax.imshow(
            feature_values,
            origin="lower",
            extent=grid.extent,
            cmap=cmap,
            vmin=-bound,
            vmax=bound,
        )
        ax.set_title(names[j], fontsize="medium")
        for lon in seams:
            ax.axvline(lon, color="black", linestyle=":", linewidth=0.8)
        ax.set_xticks(np.arange(west, east + 1, 90))
        ax.xaxis.set_major_formatter(LONGITUDE_FORMATTER)
        ax.set_yticks([-90, 0, 90])
    fig.colorbar(image, ax=axes[: len(indices)].tolist(), shrink=0.8)
    for ax in axes[len(indices) :]:
        ax.set_visible(False)
    fig.supxlabel("longitude (°)")
    fig.supylabel("latitude (°)")
    return EncodingMaps(
        fig, axes, values, grid.lon, grid.lat, [names[j] for j in indices]
    )
