"""What every global map shares: axes, tick labels, model input and batch checks."""

from numbers import Integral

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter
from scipy import sparse

from .._geometry import wrap_longitude

__all__ = [
    "LONGITUDE_FORMATTER",
    "check_batch_size",
    "dense",
    "format_globe_axes",
    "model_input",
    "new_axes",
]


def _longitude_label(lon, _position=None):
    """Tick label of a longitude drawn past 180: 270 reads -90."""
    wrapped = float(wrap_longitude(np.asarray(lon, dtype=np.float64)))
    # The right edge of a map centred on 0 is +180, not -180.
    return f"{180 if wrapped == -180 and lon > 0 else wrapped:g}"


LONGITUDE_FORMATTER = FuncFormatter(_longitude_label)


def model_input(model, points):
    """Points as the model was fitted: a DataFrame when it saw column names."""
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return points
    if len(names) != 2:
        raise ValueError(
            f"{type(model).__name__} was fitted with the columns {list(names)}; "
            "a map of the globe gives it (lon, lat) alone. Map a model fitted "
            "with covariates with skgeo_s2v.sdm.predict_grid(model, "
            "covariates=...), which reads them from an xarray.Dataset."
        )
    return pd.DataFrame(points, columns=names)


def dense(values):
    """A model's output as a dense array (sparse encoders give sparse matrices)."""
    if sparse.issparse(values):
        return values.toarray()
    return np.asarray(values)


def check_batch_size(batch_size):
    """``batch_size`` as a positive int; a ValueError says what it must be."""
    if (
        not isinstance(batch_size, Integral)
        or isinstance(batch_size, bool)
        or batch_size < 1
    ):
        raise ValueError(
            f"batch_size={batch_size!r} must be a positive integer (grid points "
            "per call of the model)."
        )
    return int(batch_size)


def new_axes(ax, figsize):
    """``(figure, ax)``: a new figure when ``ax`` is None, else ``ax``'s own."""
    if ax is None:
        return plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def format_globe_axes(ax, extent):
    """Limits, equal aspect, ticks every 60° and 30°, and axis labels of a map."""
    west, east, south, north = extent
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(west, east + 1, 60))
    ax.xaxis.set_major_formatter(LONGITUDE_FORMATTER)
    ax.set_yticks(np.arange(-90, 91, 30))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
