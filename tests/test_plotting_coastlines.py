"""Offline coastlines and maps of gridded predictions, headless (Agg)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from skgeo_s2v.plotting import (  # noqa: E402
    add_coastlines,
    coastline_segments,
    plot_grid_map,
)

xr = pytest.importorskip("xarray")
pytest.importorskip("global_land_mask")
RESOLUTION = 1.0


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _vertices():
    return np.concatenate(coastline_segments(RESOLUTION))


def _count_in(vertices, lon_min, lon_max, lat_min, lat_max):
    lon, lat = vertices[:, 0], vertices[:, 1]
    return int(
        (
            (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)
        ).sum()
    )


def test_coastlines_follow_known_coasts_and_avoid_inland_and_open_sea():
    from global_land_mask import globe

    vertices = _vertices()
    assert _count_in(vertices, -6.5, -5.0, 35.5, 36.5) > 0  # Strait of Gibraltar
    assert _count_in(vertices, 140.0, 141.0, 35.0, 36.0) > 0  # Tokyo Bay
    assert _count_in(vertices, 0.0, 10.0, 20.0, 25.0) == 0  # the Sahara
    assert _count_in(vertices, -150.0, -140.0, -10.0, 0.0) == 0  # open Pacific
    # The coastline is the 0.5 contour between the centres of the resampled
    # cells, each cell taking the 1 km mask at its centre: every vertex lies
    # between two adjacent centres, one on land, one at sea.
    centres = (np.arange(360) * 120 + 60 + 0.5) / 120  # degrees from the edge
    lon_index = np.floor(vertices[:, 0] + 180 - centres[0]).astype(int)
    lat_index = np.floor(90 - vertices[:, 1] - centres[0]).astype(int)
    lon_pair = np.stack([lon_index, lon_index + 1], axis=1).clip(0, 359)
    lat_pair = np.stack([lat_index, lat_index + 1], axis=1).clip(0, 179)
    lon = -180 + centres[lon_pair][:, None, :]
    lat = 90 - centres[lat_pair][:, :, None]
    land = globe.is_land(*np.broadcast_arrays(lat, lon)).reshape(len(vertices), 4)
    mixed = land.any(axis=1) & ~land.all(axis=1)
    assert mixed.mean() > 0.99


def test_add_coastlines_keeps_the_limits_and_repeats_past_the_antimeridian():
    fig, ax = plt.subplots()
    ax.set_xlim(-20, 40)
    ax.set_ylim(30, 60)
    lines = add_coastlines(ax, resolution_deg=RESOLUTION)
    assert isinstance(lines, LineCollection) and lines in ax.collections
    assert ax.get_xlim() == (-20, 40) and ax.get_ylim() == (30, 60)
    n_plain = len(lines.get_segments())
    assert n_plain == len(coastline_segments(RESOLUTION))
    fig, ax = plt.subplots()
    ax.set_xlim(160, 200)  # a map across the antimeridian
    lines = add_coastlines(ax, resolution_deg=RESOLUTION)
    assert len(lines.get_segments()) == 2 * n_plain
    shifted = np.concatenate(lines.get_segments())
    # Chukotka and western Alaska, drawn east of 180.
    assert _count_in(shifted, 181.0, 200.0, 60.0, 72.0) > 0


def test_coastline_resolution_is_checked():
    with pytest.raises(ValueError, match="resolution_deg"):
        coastline_segments(0.0)


def _grid(values, classes=("fox",)):
    lat = np.array([55.0, 45.0, 35.0])
    lon = np.array([-5.0, 5.0, 15.0, 25.0])
    return xr.DataArray(
        values,
        dims=("class", "lat", "lon"),
        coords={"class": list(classes), "lat": lat, "lon": lon},
        attrs={"long_name": "presence probability"},
    )


def test_plot_grid_map_draws_the_chosen_class_north_up_with_coastlines():
    values = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    result = plot_grid_map(_grid(values, ("fox", "owl")), "owl")
    np.testing.assert_array_equal(result.values, values[1][::-1])  # south row first
    np.testing.assert_array_equal(result.lat, [35.0, 45.0, 55.0])
    assert result.image.get_extent() == [-10.0, 30.0, 30.0, 60.0]
    assert any(isinstance(c, LineCollection) for c in result.ax.collections)
    assert result.ax.get_title() == "presence probability: owl"


def test_plot_grid_map_of_a_binary_range_and_without_coastlines():
    ranges = _grid(np.zeros((1, 3, 4), dtype=bool))
    result = plot_grid_map(ranges, coastlines=False, colorbar=False)
    assert result.image.get_clim() == (0.0, 1.0)
    assert not result.ax.collections


def test_plot_grid_map_of_a_range_with_unscored_cells():
    from skgeo_s2v.sdm import binary_range

    scores = _grid(
        np.array([[[0.2, 0.9, np.nan, 0.7], [0.1, np.nan, 0.6, 0.3], [0.8] * 4]])
    )
    ranges = binary_range(scores, 0.5)
    assert ranges.dtype == np.float32
    result = plot_grid_map(ranges, coastlines=False)
    assert result.image.get_clim() == (0.0, 1.0)
    assert result.image.get_cmap().name == "range"
    # Two colours: absent and present; a colour bar that names them.
    assert result.image.get_cmap().N == 2
    labels = [t.get_text() for t in result.figure.axes[-1].get_yticklabels()]
    assert labels == ["absent", "present"]
    # The same 0, 1 and NaN values, not a range, are drawn as scores.
    result = plot_grid_map(ranges.rename("scores"), coastlines=False)
    assert result.image.get_cmap().name == "viridis"


def test_plot_grid_map_needs_a_known_label_when_there_are_several():
    grid = _grid(np.zeros((2, 3, 4)), ("fox", "owl"))
    with pytest.raises(ValueError, match="choose one with label="):
        plot_grid_map(grid)
    with pytest.raises(ValueError, match="'bat' is not among"):
        plot_grid_map(grid, "bat")
