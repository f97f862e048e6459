"""Maps and figures of location models (matplotlib).

This is the only part of skgeo_s2v that imports matplotlib: install it with
``pip install 'skgeo_s2v[plots]'``. The maps are drawn on plain
longitude-latitude axes (an equirectangular projection), so nothing beyond
matplotlib is needed. Every function returns the matplotlib objects it drew
along with the data behind them.
"""

try:
    import matplotlib  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skgeo_s2v.plotting needs matplotlib; install it with: "
        "pip install 'skgeo_s2v[plots]'"
    ) from error

from ._grid import GlobalGrid
from ._maps import plot_class_map, plot_embedding_clusters, plot_encoding
from ._results import EncodingMaps, GlobeMap, LatitudeScores
from ._scores import plot_score_by_latitude

__all__ = [
    "EncodingMaps",
    "GlobalGrid",
    "GlobeMap",
    "LatitudeScores",
    "plot_class_map",
    "plot_embedding_clusters",
    "plot_encoding",
    "plot_score_by_latitude",
]
