"""Global maps: a class's predicted presence, embedding clusters, encoder features."""

import math
from numbers import Integral

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter
from scipy import sparse
from sklearn.base import clone
from sklearn.cluster import AgglomerativeClustering
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state

from .._geometry import wrap_longitude
from .._sampling import lonlat_from_uniform
from ._grid import GlobalGrid
from ._results import EncodingMaps, GlobeMap

__all__ = ["plot_class_map", "plot_embedding_clusters", "plot_encoding"]

# Class scores held at once while streaming a map: chunks of the grid are
# sized so that a chunk's (points x classes) scores stay near this count
# (32 MiB of float64), whatever the number of classes.
_SCORES_PER_CHUNK = 2**22
_MAX_CHUNK = 65536
_RESPONSE_METHODS = ("predict_presence", "predict_proba", "decision_function")


def _longitude_label(lon, _position=None):
    """Tick label of a longitude drawn past 180: 270 reads -90."""
    wrapped = float(wrap_longitude(np.asarray(lon, dtype=np.float64)))
    # The right edge of a map centred on 0 is +180, not -180.
    return f"{180 if wrapped == -180 and lon > 0 else wrapped:g}"


_LONGITUDE_FORMATTER = FuncFormatter(_longitude_label)


def _model_input(model, points):
    """Points as the model was fitted: a DataFrame when it saw column names."""
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return points
    return pd.DataFrame(points, columns=names)


def _check_batch_size(batch_size):
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


def _new_axes(ax, figsize):
    if ax is None:
        return plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def _format_globe_axes(ax, grid):
    west, east, south, north = grid.extent
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(west, east + 1, 60))
    ax.xaxis.set_major_formatter(_LONGITUDE_FORMATTER)
    ax.set_yticks(np.arange(-90, 91, 30))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")


def _class_scores(model, response_method):
    """The model's per-class score method and its name."""
    names = _RESPONSE_METHODS if response_method == "auto" else (response_method,)
    if response_method != "auto" and response_method not in _RESPONSE_METHODS:
        raise ValueError(
            f"response_method={response_method!r} is not supported; use 'auto' "
            f"or one of {', '.join(map(repr, _RESPONSE_METHODS))}."
        )
    for name in names:
        if hasattr(model, name):
            return getattr(model, name), name
    raise TypeError(
        f"{type(model).__name__} has no {' or '.join(names)} method; pass a "
        "fitted classifier such as SphereLocationClassifier."
    )


def _class_column(model, label):
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise TypeError(
            f"{type(model).__name__} has no classes_: pass a fitted classifier."
        )
    classes = np.asarray(classes)
    matches = np.flatnonzero(classes == label)
    if matches.size == 0:
        shown = ", ".join(
            repr(c.item() if hasattr(c, "item") else c) for c in classes[:5]
        )
        more = ", ..." if classes.shape[0] > 5 else ""
        raise ValueError(
            f"label={label!r} is not a class of the model; pick one of "
            f"model.classes_ ({classes.shape[0]} classes: {shown}{more})."
        )
    return int(matches[0]), classes.shape[0]


def plot_class_map(
    model,
    label,
    *,
    resolution_deg=1.0,
    X_train=None,
    y_train=None,
    response_method="auto",
    central_longitude=0.0,
    ax=None,
    batch_size=None,
    cmap="viridis",
):
    """Map a class's predicted presence ``P(label | x)`` over the whole globe.

    The paper's Figures 2 and 10: the model scores every cell of a regular
    grid for ``label``, and the map shows the score, with the training points
    of that class on top. The grid is scored in chunks and only the column of
    ``label`` is kept from each, so a 0.25° map (about a million cells) of a
    model with thousands of classes fits in memory.

    Parameters
    ----------
    model : fitted classifier
        Anything with ``classes_`` and one of ``predict_presence``,
        ``predict_proba`` or ``decision_function`` on ``(lon, lat)`` input,
        e.g. a :class:`~skgeo_s2v.SphereLocationClassifier` or a pipeline
        ending in a scikit-learn classifier.
    label : object
        The class to map, one of ``model.classes_``.
    resolution_deg : float, default=1.0
        Grid cell size in degrees; the map has ``180 / resolution_deg`` rows
        and twice as many columns.
    X_train : array-like of shape (n_samples, 2), default=None
        Training locations ``(lon, lat)`` to draw on the map. With ``y_train``,
        only those of ``label`` are drawn; without it, all of them.
    y_train : array-like of shape (n_samples,), default=None
        Labels of ``X_train``.
    response_method : {"auto", "predict_presence", "predict_proba", \
"decision_function"}, default="auto"
        The score to map. ``"auto"`` takes the first method the model has, in
        this order: the presence probability ``σ(logit)`` of the paper, the
        normalised class probability, the raw logit.
    central_longitude : float, default=0.0
        Longitude at the centre of the map; 180 centres the Pacific.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; None creates a figure.
    batch_size : int, default=None
        Grid points per call of the model. None sizes the chunks so that a
        chunk's scores for all classes hold about 4 million numbers.
    cmap : str or matplotlib colormap, default="viridis"
        Colours of the map.

    Returns
    -------
    result : GlobeMap
        The figure, the axes, the image and the mapped values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgeo_s2v.plotting import plot_class_map
    >>> X = np.array([[-100.0, 40.0], [-90.0, 30.0], [20.0, 0.0], [30.0, 10.0]])
    >>> y = ["america", "america", "africa", "africa"]
    >>> model = LogisticRegression().fit(X, y)
    >>> result = plot_class_map(model, "africa", resolution_deg=10.0,
    ...                         X_train=X, y_train=y)
    >>> result.values.shape
    (18, 36)
    """
    column, n_classes = _class_column(model, label)
    score, method = _class_scores(model, response_method)
    grid = GlobalGrid(resolution_deg, central_longitude)
    if batch_size is None:
        batch_size = max(1, min(_MAX_CHUNK, _SCORES_PER_CHUNK // n_classes))
    batch_size = _check_batch_size(batch_size)

    def label_scores(points):
        scores = np.asarray(score(_model_input(model, points)))
        if scores.ndim == 1:  # scikit-learn's binary decision_function
            return scores if column == 1 else -scores
        return scores[:, column]

    values = grid.map_values(label_scores, batch_size)

    fig, ax = _new_axes(ax, figsize=(9, 4.8))
    limits = {"vmin": 0.0, "vmax": 1.0} if method == "predict_presence" else {}
    if method == "predict_proba":
        limits = {"vmin": 0.0}
    image = ax.imshow(values, origin="lower", extent=grid.extent, cmap=cmap, **limits)
    titles = {
        "predict_presence": f"presence P({label} | x)",
        "predict_proba": f"probability P({label} | x)",
        "decision_function": f"logit of {label}",
    }
    fig.colorbar(image, ax=ax, shrink=0.75, label=titles[method])
    if X_train is not None:
        points = np.asarray(X_train, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(
                f"X_train must have shape (n_samples, 2) of (lon, lat), got "
                f"shape {points.shape}."
            )
        if y_train is not None:
            y_train = np.asarray(y_train)
            if y_train.shape[0] != points.shape[0]:
                raise ValueError(
                    f"y_train has {y_train.shape[0]} labels but X_train has "
                    f"{points.shape[0]} points."
                )
            points = points[y_train == label]
        # Longitudes in the map's frame, which may pass 180.
        central = float(central_longitude)
        lon = wrap_longitude(points[:, 0] - central) + central
        ax.scatter(
            lon,
            points[:, 1],
            s=6,
            c="white",
            edgecolors="black",
            linewidths=0.4,
            label=f"training points of {label} ({points.shape[0]})",
        )
        ax.legend(loc="lower left", fontsize="small")
    _format_globe_axes(ax, grid)
    ax.set_title(titles[method])
    return GlobeMap(fig, ax, image, values, grid.lon, grid.lat)


def _dense(values):
    if sparse.issparse(values):
        return values.toarray()
    return np.asarray(values)


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
    batch_size = _check_batch_size(batch_size)
    grid = GlobalGrid(resolution_deg, central_longitude)

    rng = check_random_state(random_state)
    sample = lonlat_from_uniform(
        rng.random_sample(n_fit_points), rng.random_sample(n_fit_points)
    )
    embedding = np.vstack(
        [
            _dense(
                model.transform(_model_input(model, sample[start : start + batch_size]))
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
        codes = _dense(model.transform(_model_input(model, points))).astype(np.float64)
        # |e - c|² = |e|² - 2 e·c + |c|²; |e|² is the same for every c.
        return np.argmin(centroid_norms - 2.0 * codes @ centroids.T, axis=1)

    values = grid.map_values(nearest_centroid, batch_size, dtype=np.int64)

    fig, ax = _new_axes(ax, figsize=(9, 4.8))
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
    _format_globe_axes(ax, grid)
    ax.set_title(f"{n_clusters} clusters of the location embeddings ({linkage})")
    return GlobeMap(fig, ax, image, values, grid.lon, grid.lat)


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
    batch_size = _check_batch_size(batch_size)
    grid = GlobalGrid(resolution_deg, central_longitude)
    fitted = _ready_encoder(encoder, random_state)
    if hasattr(fitted, "get_feature_names_out"):
        names = [str(name) for name in fitted.get_feature_names_out()]
    else:
        width = _dense(fitted.transform(np.zeros((1, 2)))).shape[1]
        names = [f"feature {j}" for j in range(width)]
    indices = _feature_indices(features, names)

    def chosen_columns(points):
        codes = fitted.transform(_model_input(fitted, points))
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
        ax.xaxis.set_major_formatter(_LONGITUDE_FORMATTER)
        ax.set_yticks([-90, 0, 90])
    fig.colorbar(image, ax=axes[: len(indices)].tolist(), shrink=0.8)
    for ax in axes[len(indices) :]:
        ax.set_visible(False)
    fig.supxlabel("longitude (°)")
    fig.supylabel("latitude (°)")
    return EncodingMaps(
        fig, axes, values, grid.lon, grid.lat, [names[j] for j in indices]
    )
