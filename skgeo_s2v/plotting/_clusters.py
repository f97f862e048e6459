"""Clusters of the location embeddings of the globe (the paper's Figures 11, 12)."""

from numbers import Integral

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.utils import check_random_state

from .._sampling import lonlat_from_uniform
from ._axes import check_batch_size, dense, format_globe_axes, model_input, new_axes
from ._grid import GlobalGrid
from ._results import GlobeMap

__all__ = ["plot_embedding_clusters"]


def plot_embedding_clusters(
    model,
    n_clusters=8,
    *,
    resolution_deg=2.0,
    n_fit_points=2000,
    linkage="ward",
    central_longitude=0.0,
    random_state=0,
    ax=None,
    batch_size=4096,
    cmap="tab20",
):
    """Cluster the location embeddings of the globe and draw the clusters.

    The paper's Figures 11 and 12: agglomerative clustering of the embeddings
    ``e(x)`` (``model.transform``) shows which regions the model treats
    alike. To keep the memory bounded at any resolution, the clusters are
    learnt on ``n_fit_points`` locations drawn uniformly by area on the sphere
    (a quadratic-cost clustering of a few thousand points), and every grid cell
    then joins the cluster with the nearest centroid (the mean embedding of
    the cluster), its embedding computed ``batch_size`` cells at a time. With
    Ward's linkage, which merges clusters by their centroids, this is the
    natural extension of the clustering to new points.

    Parameters
    ----------
    model : fitted estimator with ``transform``
        A :class:`~skgeo_s2v.SphereLocationClassifier` (its ``transform`` is
        the learnt embedding ``e(x)``), or a position encoder (its features
        ``G(x)``).
    n_clusters : int, default=8
        Number of clusters.
    resolution_deg : float, default=2.0
        Cell size of the map in degrees.
    n_fit_points : int, default=2000
        Locations on which the clusters are learnt; memory and time grow as its
        square.
    linkage : {"ward", "complete", "average", "single"}, default="ward"
        Linkage of :class:`~sklearn.cluster.AgglomerativeClustering`.
    central_longitude : float, default=0.0
        Longitude at the centre of the map.
    random_state : int, RandomState instance or None, default=0
        Seeds the locations of the clustering.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a figure.
    batch_size : int, default=4096
        Grid points per call of ``model.transform``.
    cmap : str or matplotlib colormap, default="tab20"
        Colours of the clusters.

    Returns
    -------
    result : GlobeMap
        ``values`` holds the cluster index (0 to ``n_clusters - 1``) of each
        cell.

    Examples
    --------
    >>> from skgeo_s2v import SphereMPlusEncoder
    >>> from skgeo_s2v.plotting import plot_embedding_clusters
    >>> encoder = SphereMPlusEncoder(n_scales=4, min_radius=0.1)
    >>> result = plot_embedding_clusters(encoder, n_clusters=4,
    ...                                  resolution_deg=10.0, n_fit_points=200)
    >>> sorted(set(result.values.ravel().tolist()))
    [0, 1, 2, 3]
    """
    for name, value in [("n_clusters", n_clusters), ("n_fit_points", n_fit_points)]:
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 2:
            raise ValueError(f"{name}={value!r} must be an integer of at least 2.")
    if n_clusters > n_fit_points:
        raise ValueError(
            f"n_clusters={n_clusters} exceeds n_fit_points={n_fit_points}; "
            "raise n_fit_points or ask for fewer clusters."
        )
    if not hasattr(model, "transform"):
        raise TypeError(
            f"{type(model).__name__} has no transform method giving embeddings."
        )
    batch_size = check_batch_size(batch_size)
    grid = GlobalGrid(resolution_deg, central_longitude)

    rng = check_random_state(random_state)
    sample = lonlat_from_uniform(
        rng.random_sample(n_fit_points), rng.random_sample(n_fit_points)
    )
    embedding = np.vstack(
        [
            dense(
                model.transform(model_input(model, sample[start : start + batch_size]))
            )
            for start in range(0, n_fit_points, batch_size)
        ]
    ).astype(np.float64)
    clusters = AgglomerativeClustering(n_clusters=n_clusters, linkage=linkage)
    sample_labels = clusters.fit_predict(embedding)
    centroids = np.vstack(
        [embedding[sample_labels == k].mean(axis=0) for k in range(n_clusters)]
    )
    centroid_norms = np.einsum("ij,ij->i", centroids, centroids)

    def nearest_centroid(points):
        codes = dense(model.transform(model_input(model, points))).astype(np.float64)
        # |e - c|² = |e|² - 2 e·c + |c|²; |e|² is the same for every c.
        return np.argmin(centroid_norms - 2.0 * codes @ centroids.T, axis=1)

    values = grid.map_values(nearest_centroid, batch_size, dtype=np.int64)

    fig, ax = new_axes(ax, figsize=(9, 4.8))
    colours = plt.get_cmap(cmap, n_clusters) if isinstance(cmap, str) else cmap
    image = ax.imshow(
        values,
        origin="lower",
        extent=grid.extent,
        cmap=colours,
        vmin=-0.5,
        vmax=n_clusters - 0.5,
        interpolation="nearest",
    )
    format_globe_axes(ax, grid.extent)
    ax.set_title(f"{n_clusters} clusters of the location embeddings ({linkage})")
    return GlobeMap(fig, ax, image, values, grid.lon, grid.lat)
