"""Predictions on a regular longitude-latitude grid, as xarray, and GeoTIFF export."""

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._bbox import BBox, validate_bbox
from .._geometry import wrap_longitude
from .._optional import import_optional
from .._presence import presence_method
from ._covariates import GridInput

__all__ = ["grid_coordinates", "predict_grid", "to_geotiff"]

_WORLD = BBox(-180.0, -90.0, 180.0, 90.0)
_LONG_NAMES = {
    "predict_presence": "presence probability",
    "predict_proba": "class probability",
    "decision_function": "decision score",
}


def grid_coordinates(resolution_deg, bbox=None):
    """Cell centres of a grid of ``resolution_deg`` cells over ``bbox``.

    Cells start at the box's west and north edges; the last column or row
    may reach past the box's east or south edge when ``resolution_deg``
    does not divide its extent. Longitudes of a box across the antimeridian
    keep increasing past 180 (so that the axis stays monotonic, as rasters
    need); the estimator is given them wrapped into ``[-180, 180)``.

    Parameters
    ----------
    resolution_deg : float
        Cell size in degrees.
    bbox : tuple of four floats, default=None
        ``(lon_min, lat_min, lon_max, lat_max)``; the whole globe when None.

    Returns
    -------
    lon : ndarray of shape (n_lon,)
        Increasing longitudes of the cell centres.
    lat : ndarray of shape (n_lat,)
        Decreasing latitudes (north row first, as in a raster).

    Examples
    --------
    >>> lon, lat = grid_coordinates(90.0)
    >>> lon, lat
    (array([-135.,  -45.,   45.,  135.]), array([ 45., -45.]))
    """
    box = _WORLD if bbox is None else validate_bbox(bbox)
    if not (isinstance(resolution_deg, (int, float)) and 0 < resolution_deg <= 180):
        raise ValueError(
            f"resolution_deg must be a number of degrees in (0, 180], got "
            f"{resolution_deg!r}."
        )
    n_lon = math.ceil(box.lon_width / resolution_deg - 1e-9)
    n_lat = math.ceil((box.lat_max - box.lat_min) / resolution_deg - 1e-9)
    if box.lat_max - n_lat * resolution_deg < -90.0 - 1e-9:
        raise ValueError(
            f"Cells of {resolution_deg}° from latitude {box.lat_max} would reach "
            "past the South Pole; choose a resolution that divides the box's "
            f"latitude extent ({box.lat_max - box.lat_min}°)."
        )
    lon = box.lon_min + (np.arange(n_lon) + 0.5) * resolution_deg
    lat = box.lat_max - (np.arange(n_lat) + 0.5) * resolution_deg
    return lon, lat


def grid_cells(lon, lat):
    """The ``(lon, lat)`` of every cell of the grid of :func:`grid_coordinates`,
    row by row from the north, longitudes wrapped into ``[-180, 180)``: the
    order of ``predict_grid``'s cells, shape ``(lat.size * lon.size, 2)``."""
    return np.column_stack(
        [np.tile(wrap_longitude(lon), lat.size), np.repeat(lat, lon.size)]
    )


def _class_positions(estimator, classes):
    labels = np.asarray(estimator.classes_)
    if classes is None:
        return labels, np.arange(labels.size)
    wanted = np.atleast_1d(np.asarray(classes, dtype=labels.dtype))
    positions = []
    for label in wanted:
        hit = np.flatnonzero(labels == label)
        if hit.size == 0:
            name = np.asarray(label).tolist()
            raise ValueError(
                f"Class {name!r} is not among the estimator's classes_; it knows "
                f"{labels[:10].tolist()}{' ...' if labels.size > 10 else ''}."
            )
        positions.append(int(hit[0]))
    return wanted, np.asarray(positions)


def predict_grid(
    estimator,
    *,
    resolution_deg,
    bbox=None,
    covariates=None,
    method="predict_presence",
    chunk_size=65_536,
    classes=None,
):
    """Predict every cell of a regular grid and return a CF-style ``xarray.DataArray``.

    The grid cells' centres (:func:`grid_coordinates`) are predicted
    ``chunk_size`` at a time, so memory holds only the output and one chunk
    of model input.

    Parameters
    ----------
    estimator : fitted classifier
        Anything with ``classes_`` and ``method``: a
        :class:`~skgeo_s2v.SphereLocationClassifier`, or e.g. a scikit-learn
        pipeline fitted on ``(lon, lat)`` or on a DataFrame of ``lon``,
        ``lat`` and covariate columns.
    resolution_deg : float
        Cell size in degrees.
    bbox : tuple of four floats, default=None
        ``(lon_min, lat_min, lon_max, lat_max)`` of the study region
        (``lon_min > lon_max`` crosses the antimeridian); None is the globe.
    covariates : xarray.Dataset, default=None
        For an estimator fitted on a DataFrame with covariate columns: one
        2-D variable per covariate, named like its column, on ``lat``/``lon``
        (or ``latitude``/``longitude``, ``y``/``x``) coordinates; each cell
        takes the nearest covariate cell. Cells outside the dataset or where
        a covariate is missing are NaN in the output; this includes a
        :class:`~skgeo_s2v.SphereLocationClassifier` fitted with covariates.
        So are the cells where a categorical covariate holds a level the
        training data did not have (for the package's classifiers, which
        know their levels, alone or inside a fitted search, a pipeline
        whose last step is fitted on the same columns, or a model per class
        such as :class:`~skgeo_s2v.sdm.OneVsBackgroundClassifier`), with a
        warning that counts them: the model has no effect for such a level.
        The ``bias_covariates`` of a
        :class:`~skgeo_s2v.sdm.SphereGAMClassifier` need no variable: they
        are held at their value in every cell.
        An estimator fitted on coordinates alone takes no covariates: passing
        them raises a ValueError.
    method : {"predict_presence", "predict_proba", "decision_function"}, \
default="predict_presence"
        The estimator's method that scores the cells; ``"predict_presence"``
        is also that of a classifier inside a fitted search or at the end of
        a pipeline, which do not pass it on.
    chunk_size : int, default=65536
        Cells predicted per call.
    classes : array-like, default=None
        Classes to keep (all of ``estimator.classes_`` when None); a few
        classes of a large model keep the output small.

    Returns
    -------
    grid : xarray.DataArray of shape (n_classes, n_lat, n_lon), float32
        Dimensions ``class``, ``lat`` (north to south) and ``lon``, with CF
        attributes (``units``, ``standard_name``) on the coordinates and
        ``crs = "EPSG:4326"``.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> model = KNeighborsClassifier(1).fit([[-10.0, 0.0], [10.0, 0.0]], ["w", "e"])
    >>> grid = predict_grid(model, resolution_deg=10.0, method="predict_proba",
    ...                     bbox=(-20.0, -10.0, 20.0, 10.0))
    >>> grid.dims, grid.shape
    (('class', 'lat', 'lon'), (2, 2, 4))
    >>> grid.sel({"class": "e"}).values[0]
    array([0., 0., 1., 1.], dtype=float32)
    """
    xr = import_optional("xarray", "sdm", "predict_grid")
    check_is_fitted(estimator)
    if method not in _LONG_NAMES:
        raise ValueError(f"method must be one of {list(_LONG_NAMES)}, got {method!r}.")
    # predict_presence: also that of a classifier inside a search or pipeline
    score = presence_method(estimator) if method == "predict_presence" else None
    if score is None:
        score = getattr(estimator, method, None)
    if score is None:
        raise ValueError(
            f"{type(estimator).__name__} has no {method}; use "
            "method='predict_proba' for a scikit-learn classifier."
        )
    if not isinstance(chunk_size, Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
    lon, lat = grid_coordinates(resolution_deg, bbox)
    labels, positions = _class_positions(estimator, classes)
    model_input = GridInput(estimator, covariates)
    lon_cells, lat_cells = grid_cells(lon, lat).T
    values = np.full((labels.size, lon_cells.size), np.nan, dtype=np.float32)
    for start in range(0, lon_cells.size, chunk_size):
        stop = min(start + chunk_size, lon_cells.size)
        X, usable = model_input(lon_cells[start:stop], lat_cells[start:stop])
        if usable.any():
            scores = np.asarray(score(X), dtype=np.float32)
            if scores.ndim == 1:
                scores = np.column_stack([-scores, scores])
            values[:, start:stop][:, usable] = scores[:, positions].T
    for name, (count, levels) in model_input.unseen_levels.items():
        warnings.warn(
            f"{count} cells hold levels of the covariate {name!r} that the "
            f"training data did not have (such as {sorted(levels, key=str)}); "
            "they are NaN in the output. Fit on records or background sites "
            "with those levels to predict them.",
            UserWarning,
            stacklevel=2,
        )
    coords = {
        "class": labels,
        "lat": ("lat", lat, {"units": "degrees_north", "standard_name": "latitude"}),
        "lon": ("lon", lon, {"units": "degrees_east", "standard_name": "longitude"}),
    }
    return xr.DataArray(
        values.reshape(labels.size, lat.size, lon.size),
        dims=("class", "lat", "lon"),
        coords=coords,
        name=method.removeprefix("predict_"),
        attrs={
            "long_name": _LONG_NAMES[method],
            "crs": "EPSG:4326",
            "resolution_deg": float(resolution_deg),
        },
    )


def to_geotiff(grid, path):
    """Write a :func:`predict_grid` result (or a binary range) as a GeoTIFF.

    One band per class, in the order of the ``class`` coordinate; the band
    descriptions are the class names; the CRS is WGS 84 (EPSG:4326). Needs
    ``rioxarray`` (``pip install 'skgeo_s2v[geotiff]'``); a boolean range is
    written as ``uint8`` (1 = present). NaN cells (those ``predict_grid``
    could not score, and a :func:`binary_range` of them) are the raster's
    no-data value.

    Parameters
    ----------
    grid : xarray.DataArray with dimensions ("class", "lat", "lon")
        The gridded scores or range.
    path : str or path-like
        File to write.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> grid = xr.DataArray(np.zeros((1, 2, 2)), dims=("class", "lat", "lon"),
    ...     coords={"class": ["a"], "lat": [0.5, -0.5], "lon": [-0.5, 0.5]})
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     to_geotiff(grid, os.path.join(folder, "range.tif"))
    """
    # rioxarray registers the .rio accessor of DataArrays.
    import_optional("rioxarray", "geotiff", "to_geotiff")
    if tuple(grid.dims) != ("class", "lat", "lon"):
        raise ValueError(
            f"grid has dimensions {grid.dims}; to_geotiff writes the output of "
            "predict_grid, with dimensions ('class', 'lat', 'lon')."
        )
    raster = grid.astype(np.uint8) if grid.dtype == bool else grid
    names = tuple(str(label) for label in grid["class"].values)
    raster = raster.drop_vars("class").rio.set_spatial_dims(x_dim="lon", y_dim="lat")
    raster = raster.rio.write_crs("EPSG:4326")
    raster.attrs = {"long_name": names}
    if raster.dtype.kind == "f" and bool(raster.isnull().any()):
        raster = raster.rio.write_nodata(np.nan, encoded=False)
    with warnings.catch_warnings():
        # rioxarray's transform arithmetic, with affine >= 3 (not ours to fix).
        warnings.filterwarnings("ignore", "Use `@` matmul", PendingDeprecationWarning)
        raster.rio.to_raster(path)
