"""Coastlines drawn offline, from the land mask that ``global-land-mask`` ships.

cartopy's ``ax.coastlines()`` downloads Natural Earth on first use (its wheel
ships only a background image), which fails offline. ``global-land-mask``
packs the 1 km GLOBE land/sea raster into its wheel; the coastline is the 0.5
contour of that mask resampled to ``resolution_deg``, traced with
``contourpy`` (a matplotlib dependency). It needs no projection library:
the lines are in longitude and latitude, like every map of this package.
"""

import functools

import numpy as np
from matplotlib.collections import LineCollection

from .._landmask import coarse_land_mask

__all__ = ["add_coastlines", "coastline_segments"]


@functools.cache
def _segments(resolution_deg):
    import contourpy

    lon, lat, land = coarse_land_mask(resolution_deg)
    # contourpy wants increasing coordinates: flip the north-first rows.
    generator = contourpy.contour_generator(
        lon, lat[::-1], land[::-1].astype(np.float32), line_type="Separate"
    )
    return tuple(line for line in generator.lines(0.5) if len(line) > 1)


def coastline_segments(resolution_deg=0.25):
    """Coastlines as polylines of ``(lon, lat)`` vertices in degrees.

    Parameters
    ----------
    resolution_deg : float, default=0.25
        Cell size the land mask is resampled to before it is traced: 0.25° is
        about 28 km at the equator; finer is slower and closer to the 1 km
        mask. Computed once per resolution and process.

    Returns
    -------
    segments : tuple of ndarray of shape (n_vertices, 2)

    Examples
    --------
    >>> segments = coastline_segments(2.0)
    >>> all(s.shape[1] == 2 for s in segments)
    True
    """
    if not (isinstance(resolution_deg, (int, float)) and resolution_deg >= 1 / 120):
        raise ValueError(
            f"resolution_deg must be a number of degrees >= 1/120 (the mask's "
            f"1 km cells), got {resolution_deg!r}."
        )
    return _segments(float(resolution_deg))


def add_coastlines(ax, *, resolution_deg=0.25, color="black", linewidth=0.6, **kwargs):
    """Draw coastlines on longitude-latitude axes, without changing their limits.

    Works on any axes whose x is longitude and y latitude in degrees: the
    maps of :mod:`skgeo_s2v.plotting` (e.g. ``add_coastlines(result.ax)``),
    :func:`plot_grid_map`, or your own. Where the x-axis reaches past ±180°
    (a map across the antimeridian), the lines are repeated 360° over.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on.
    resolution_deg : float, default=0.25
        Detail of the coastline (see :func:`coastline_segments`).
    color : color, default="black"
        Line colour.
    linewidth : float, default=0.6
        Line width in points.
    **kwargs : dict
        Passed to :class:`matplotlib.collections.LineCollection`.

    Returns
    -------
    lines : matplotlib.collections.LineCollection

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_xlim(-10, 30); _ = ax.set_ylim(35, 60)
    >>> lines = add_coastlines(ax, resolution_deg=1.0)
    >>> ax.get_xlim() == (-10.0, 30.0)
    True
    >>> plt.close(fig)
    """
    segments = coastline_segments(resolution_deg)
    west, east = sorted(ax.get_xlim())
    shifts = [s for s in (-360.0, 0.0, 360.0) if west < 180.0 + s and east > s - 180.0]
    shifted = [line + np.array([shift, 0.0]) for shift in shifts for line in segments]
    lines = LineCollection(
        shifted, colors=color, linewidths=linewidth, zorder=3, **kwargs
    )
    ax.add_collection(lines, autolim=False)
    return lines
