"""Maps of :func:`skgeo_s2v.sdm.predict_grid` output: scores or binary ranges."""

import numpy as np

from ._axes import LONGITUDE_FORMATTER, new_axes
from ._coastlines import add_coastlines
from ._results import GlobeMap

__all__ = ["plot_grid_map"]


def _one_class(grid, label):
    if "class" not in grid.dims:
        return grid, label
    classes = list(grid["class"].values)
    if label is None:
        if len(classes) != 1:
            raise ValueError(
                f"The grid holds {len(classes)} classes; choose one with label=, "
                f"e.g. label={classes[0]!r}."
            )
        label = classes[0]
    if label not in classes:
        raise ValueError(
            f"label={label!r} is not among the grid's classes "
            f"{classes[:10]}{' ...' if len(classes) > 10 else ''}."
        )
    return grid.sel({"class": label}), label


def _range_colours():
    """The colours of a binary range: pale for absent, green for present."""
    from matplotlib.colors import ListedColormap

    return ListedColormap(["#ebe5d5", "#238b45"], name="range")


def plot_grid_map(
    grid,
    label=None,
    *,
    ax=None,
    coastlines=True,
    coastline_resolution_deg=0.25,
    cmap=None,
    colorbar=True,
    figsize=(8, 5),
    **kwargs,
):
    """Draw one class of a gridded prediction or range, with coastlines.

    Parameters
    ----------
    grid : xarray.DataArray
        The output of :func:`~skgeo_s2v.sdm.predict_grid` or
        :func:`~skgeo_s2v.sdm.binary_range` (dimensions ``class``, ``lat``,
        ``lon``), or one class of it (``lat``, ``lon``).
    label : class label, default=None
        The class to draw; may be None when the grid holds one class.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a figure.
    coastlines : bool, default=True
        Draw coastlines (:func:`add_coastlines`, offline).
    coastline_resolution_deg : float, default=0.25
        Detail of the coastlines.
    cmap : str or colormap, default=None
        ``"viridis"`` for scores; for a binary range two colours, pale for
        absent and green for present, so that cells without a prediction
        (NaN: left blank) stand apart from absences.
    colorbar : bool, default=True
        Add a colour bar.
    figsize : tuple, default=(8, 5)
        Size of a new figure.
    **kwargs : dict
        Passed to :meth:`matplotlib.axes.Axes.imshow` (``vmin``, ``vmax``, ...).

    Returns
    -------
    result : GlobeMap
        The figure, axes and image, and the values drawn (south row first)
        with their cell-centre coordinates.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> grid = xr.DataArray(np.random.default_rng(0).random((1, 3, 4)),
    ...     dims=("class", "lat", "lon"),
    ...     coords={"class": ["fox"], "lat": [55.0, 45.0, 35.0],
    ...             "lon": [-5.0, 5.0, 15.0, 25.0]})
    >>> result = plot_grid_map(grid, coastline_resolution_deg=1.0)
    >>> result.image.get_extent()
    [-10.0, 30.0, 30.0, 60.0]
    """
    import matplotlib.pyplot as plt

    values, label = _one_class(grid, label)
    lat_name = next(n for n in ("lat", "latitude", "y") if n in values.dims)
    lon_name = next(n for n in ("lon", "longitude", "x") if n in values.dims)
    values = values.transpose(lat_name, lon_name)
    lon = np.asarray(values[lon_name], dtype=np.float64)
    lat = np.asarray(values[lat_name], dtype=np.float64)
    data = np.asarray(values.values)
    if lat[0] > lat[-1]:
        lat, data = lat[::-1], data[::-1]
    # A binary range: boolean, or (with cells not scored) 1, 0 and NaN.
    binary = data.dtype == bool or (
        values.name == "range" and np.isin(data[np.isfinite(data)], (0.0, 1.0)).all()
    )
    half_x = (lon[-1] - lon[0]) / (lon.size - 1) / 2 if lon.size > 1 else 0.5
    half_y = (lat[-1] - lat[0]) / (lat.size - 1) / 2 if lat.size > 1 else 0.5
    extent = tuple(
        float(e)
        for e in (lon[0] - half_x, lon[-1] + half_x, lat[0] - half_y, lat[-1] + half_y)
    )
    figure, ax = new_axes(ax, figsize)
    image = ax.imshow(
        data.astype(np.float32),
        origin="lower",
        extent=extent,
        cmap=cmap or (_range_colours() if binary else "viridis"),
        interpolation="nearest",
        **({"vmin": 0, "vmax": 1} if binary else {}),
        **kwargs,
    )
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.xaxis.set_major_formatter(LONGITUDE_FORMATTER)
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    name = grid.attrs.get("long_name", grid.name or "value")
    ax.set_title(f"{name}: {label}" if label is not None else str(name))
    if coastlines:
        add_coastlines(ax, resolution_deg=coastline_resolution_deg)
    if colorbar:
        bar = plt.colorbar(image, ax=ax, shrink=0.8, label=str(name))
        if binary:
            bar.set_ticks([0.25, 0.75], labels=["absent", "present"])
    return GlobeMap(figure=figure, ax=ax, image=image, values=data, lon=lon, lat=lat)
