"""Maps and figures of location models (matplotlib).

This is the only part of skgeo_s2v that imports matplotlib: install it with
``pip install 'skgeo_s2v[plots]'``. The maps are drawn on plain
longitude-latitude axes (an equirectangular projection), so nothing beyond
matplotlib is needed. Every function returns the matplotlib objects it drew
along with the data behind them. :class:`ClassMapDisplay` computes a class map
once, then draws it (:meth:`~ClassMapDisplay.plot`) or exports it as a table
(:meth:`~ClassMapDisplay.to_frame`).
"""

try:
    import matplotlib  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skgeo_s2v.plotting needs matplotlib; install it with: "
        "pip install 'skgeo_s2v[plots]'"
    ) from error

from ._class_map import ClassMapDisplay, plot_class_map
from ._clusters import plot_embedding_clusters
from ._coastlines import add_coastlines, coastline_segments
from ._encoding import plot_encoding
from ._folds import FoldMap, plot_folds
from ._grid import GlobalGrid, grid_frame
from ._grid_map import plot_grid_map
from ._results import EncodingMaps, GlobeMap, LatitudeScores
from ._scores import plot_score_by_latitude

__all__ = [
    "ClassMapDisplay",
    "EncodingMaps",
    "FoldMap",
    "GlobalGrid",
    "GlobeMap",
    "LatitudeScores",
    "add_coastlines",
    "coastline_segments",
    "grid_frame",
    "plot_class_map",
    "plot_embedding_clusters",
    "plot_encoding",
    "plot_folds",
    "plot_grid_map",
    "plot_score_by_latitude",
]
