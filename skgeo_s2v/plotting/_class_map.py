"""A class's predicted presence over the globe: computed once, drawn many ways."""

import numpy as np

from .._geometry import wrap_longitude
from .._presence import presence_method
from .._sklearn_helpers import response_method as find_response_method
from ._axes import check_batch_size, format_globe_axes, model_input, new_axes
from ._grid import GlobalGrid, check_map_shape, grid_frame
from ._results import GlobeMap

__all__ = ["ClassMapDisplay", "plot_class_map"]

# Class scores held at once while streaming a map: chunks of the grid are
# sized so that a chunk's (points x classes) scores stay near this count
# (32 MiB of float64), whatever the number of classes.
_SCORES_PER_CHUNK = 2**22
_MAX_CHUNK = 65536
_RESPONSE_METHODS = ("predict_presence", "predict_proba", "decision_function")
_KINDS = ("image", "contourf", "contour")
_TITLES = {
    "predict_presence": "presence P({} | x)",
    "predict_proba": "probability P({} | x)",
    "decision_function": "logit of {}",
}
# Colour limits that fit the scale of each score: presence is in [0, 1],
# a probability of one class among many is often far below 1.
_LIMITS = {
    "predict_presence": {"vmin": 0.0, "vmax": 1.0},
    "predict_proba": {"vmin": 0.0},
    "decision_function": {},
}


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


def _score_method(model, response_method):
    """The model's per-class score method, found with scikit-learn's helper."""
    if response_method != "auto" and response_method not in _RESPONSE_METHODS:
        raise ValueError(
            f"response_method={response_method!r} is not supported; use 'auto' "
            f"or one of {', '.join(map(repr, _RESPONSE_METHODS))}."
        )
    names = _RESPONSE_METHODS if response_method == "auto" else (response_method,)
    # predict_presence: also that of a classifier inside a search or pipeline
    presence = presence_method(model) if names[0] == "predict_presence" else None
    method = presence or find_response_method(model, names)
    if method is None:
        raise TypeError(
            f"{type(model).__name__} has no {' or '.join(names)} method; pass a "
            "fitted classifier such as SphereLocationClassifier."
        )
    return method


def _training_points(X_train, y_train, label, central_longitude):
    """The training points of ``label`` as ``(lon, lat)`` in the map's frame."""
    points = np.asarray(X_train, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(
            f"X_train must have shape (n_samples, 2) of (lon, lat), got shape "
            f"{points.shape}."
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
    lon = wrap_longitude(points[:, 0] - central_longitude) + central_longitude
    return np.column_stack([lon, points[:, 1]])


class ClassMapDisplay:
    """A class's score on a global longitude-latitude grid, to draw or to export.

    The paper's Figures 2 and 10 as data: :meth:`from_estimator` scores every
    cell of a regular grid once; :meth:`plot` draws the result (as an image or
    contours, on any axes, as often as wanted) and :meth:`to_frame` exports it
    as a table. Modelled on scikit-learn's
    :class:`~sklearn.inspection.DecisionBoundaryDisplay`, except that
    :meth:`from_estimator` only computes: nothing is drawn until :meth:`plot`.

    Parameters
    ----------
    values : ndarray of shape (n_lat, n_lon)
        The score of each cell, south row first.
    lon : ndarray of shape (n_lon,)
        Longitudes of the cell centres, increasing, as drawn (they may pass 180
        when ``central_longitude`` is not 0).
    lat : ndarray of shape (n_lat,)
        Latitudes of the cell centres, south to north.
    label : object
        The class mapped.
    response_method : {"predict_presence", "predict_proba", "decision_function"}
        The score mapped; it sets the colour limits and the titles.
    central_longitude : float, default=0.0
        Longitude at the centre of the map.

    Attributes
    ----------
    extent : tuple of 4 floats
        ``(west, east, south, north)`` of the grid, for ``imshow``.
    figure_ : matplotlib.figure.Figure
        The figure of the last :meth:`plot`.
    ax_ : matplotlib.axes.Axes
        The axes of the last :meth:`plot`.
    surface_ : matplotlib.image.AxesImage or matplotlib.contour.QuadContourSet
        What the last :meth:`plot` drew the values as.
    colorbar_ : matplotlib.colorbar.Colorbar or None
        Its colour bar.

    See Also
    --------
    plot_class_map : Compute and draw in one call.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skgeo_s2v.plotting import ClassMapDisplay
    >>> X = np.array([[0.0, 70.0], [90.0, 60.0], [0.0, -70.0], [90.0, -60.0]])
    >>> model = KNeighborsClassifier(1).fit(X, ["north", "north", "south", "south"])
    >>> display = ClassMapDisplay.from_estimator(model, "south", resolution_deg=30)
    >>> display.values.shape, display.response_method
    ((6, 12), 'predict_proba')
    >>> frame = display.to_frame()  # the map as data: lon, lat, value
    >>> frame.shape, list(frame.columns)
    ((72, 3), ['lon', 'lat', 'value'])
    >>> display = display.plot(kind="contourf", levels=5)
    >>> display = display.plot(X_train=X)  # a second figure, with the points
    """

    def __init__(
        self, values, lon, lat, *, label, response_method, central_longitude=0.0
    ):
        self.values = values
        self.lon = lon
        self.lat = lat
        self.label = label
        self.response_method = response_method
        self.central_longitude = central_longitude
        west = float(central_longitude) - 180.0
        self.extent = (west, west + 360.0, -90.0, 90.0)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        label,
        *,
        resolution_deg=1.0,
        response_method="auto",
        central_longitude=0.0,
        batch_size=None,
    ):
        """Score every cell of a global grid for ``label`` with ``estimator``.

        The grid is scored in chunks and only the column of ``label`` is kept
        from each, so a 0.25° map (about a million cells) of a model with
        thousands of classes fits in memory.

        Parameters
        ----------
        estimator : fitted classifier
            Anything with ``classes_`` and one of ``predict_presence``,
            ``predict_proba`` or ``decision_function`` on ``(lon, lat)``
            input, e.g. a :class:`~skgeo_s2v.SphereLocationClassifier` or a
            pipeline ending in a scikit-learn classifier.
        label : object
            The class to map, one of ``estimator.classes_``.
        resolution_deg : float, default=1.0
            Grid cell size in degrees; the map has ``180 / resolution_deg``
            rows and twice as many columns.
        response_method : {"auto", "predict_presence", "predict_proba", \
"decision_function"}, default="auto"
            The score to map. ``"auto"`` takes the first method the model
            has, in this order: the presence probability ``σ(logit)`` of the
            paper, the normalised class probability, the raw logit.
        central_longitude : float, default=0.0
            Longitude at the centre of the map; 180 centres the Pacific.
        batch_size : int, default=None
            Grid points per call of the model. None sizes the chunks so that a
            chunk's scores for all classes hold about 4 million numbers.

        Returns
        -------
        display : ClassMapDisplay
            The computed map, not drawn yet.
        """
        column, n_classes = _class_column(estimator, label)
        score = _score_method(estimator, response_method)
        grid = GlobalGrid(resolution_deg, central_longitude)
        if batch_size is None:
            batch_size = max(1, min(_MAX_CHUNK, _SCORES_PER_CHUNK // n_classes))
        batch_size = check_batch_size(batch_size)

        def label_scores(points):
            scores = np.asarray(score(model_input(estimator, points)))
            if scores.ndim == 1:  # scikit-learn's binary decision_function
                return scores if column == 1 else -scores
            return scores[:, column]

        return cls(
            grid.map_values(label_scores, batch_size),
            grid.lon,
            grid.lat,
            label=label,
            response_method=score.__name__,
            central_longitude=float(central_longitude),
        )

    def to_frame(self):
        """The map as a long table, one row per grid cell.

        Returns
        -------
        frame : pandas.DataFrame of shape (n_lat * n_lon, 3)
            Columns ``lon`` (wrapped into ``[-180, 180)``), ``lat`` and
            ``value``; rows south to north, west to east within a row.
        """
        return grid_frame(self.values, self.lon, self.lat)

    def plot(
        self,
        ax=None,
        *,
        kind="image",
        cmap="viridis",
        X_train=None,
        y_train=None,
        colorbar=True,
        **kwargs,
    ):
        """Draw the map; call again to draw it another way or on other axes.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None creates a figure.
        kind : {"image", "contourf", "contour"}, default="image"
            One coloured square per cell (``imshow``), filled contours or
            contour lines.
        cmap : str or matplotlib colormap, default="viridis"
            Colours of the map.
        X_train : array-like of shape (n_samples, 2), default=None
            Training locations ``(lon, lat)`` to draw on the map. With
            ``y_train``, only those of ``label`` are drawn; without it, all.
        y_train : array-like of shape (n_samples,), default=None
            Labels of ``X_train``.
        colorbar : bool, default=True
            Add a colour bar named after the score.
        **kwargs : dict
            Passed to ``imshow``, ``contourf`` or ``contour`` (``levels``,
            ``vmin``, ``alpha``, ...).

        Returns
        -------
        display : ClassMapDisplay
            ``self``, with ``figure_``, ``ax_``, ``surface_`` and
            ``colorbar_`` set.
        """
        if kind not in _KINDS:
            raise ValueError(
                f"kind={kind!r} is not supported; use one of "
                f"{', '.join(map(repr, _KINDS))}."
            )
        if self.response_method not in _TITLES:
            raise ValueError(
                f"response_method={self.response_method!r} cannot be drawn; use "
                f"one of {', '.join(map(repr, _TITLES))}."
            )
        check_map_shape(self.values, self.lon, self.lat)
        points = None
        if X_train is not None:
            points = _training_points(
                X_train, y_train, self.label, self.central_longitude
            )
        fig, ax = new_axes(ax, figsize=(9, 4.8))
        options = {"cmap": cmap, **_LIMITS[self.response_method], **kwargs}
        if kind == "image":
            surface = ax.imshow(
                self.values, origin="lower", extent=self.extent, **options
            )
        else:
            surface = getattr(ax, kind)(self.lon, self.lat, self.values, **options)
        title = _TITLES[self.response_method].format(self.label)
        self.colorbar_ = None
        if colorbar:
            self.colorbar_ = fig.colorbar(surface, ax=ax, shrink=0.75, label=title)
        if points is not None:
            ax.scatter(
                points[:, 0],
                points[:, 1],
                s=6,
                c="white",
                edgecolors="black",
                linewidths=0.4,
                label=f"training points of {self.label} ({points.shape[0]})",
            )
            ax.legend(loc="lower left", fontsize="small")
        format_globe_axes(ax, self.extent)
        ax.set_title(title)
        self.figure_, self.ax_, self.surface_ = fig, ax, surface
        return self


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
    of that class on top. A shortcut for
    ``ClassMapDisplay.from_estimator(...).plot(...)``; use
    :class:`ClassMapDisplay` to draw one map several ways or to export it as
    a table. The grid is scored in chunks and only the column of ``label`` is
    kept from each, so a 0.25° map (about a million cells) of a model with
    thousands of classes fits in memory.

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
    display = ClassMapDisplay.from_estimator(
        model,
        label,
        resolution_deg=resolution_deg,
        response_method=response_method,
        central_longitude=central_longitude,
        batch_size=batch_size,
    ).plot(ax=ax, cmap=cmap, X_train=X_train, y_train=y_train)
    return GlobeMap(
        display.figure_,
        display.ax_,
        display.surface_,
        display.values,
        display.lon,
        display.lat,
    )
