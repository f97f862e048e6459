"""Model input for grid cells: coordinates, and covariates from an xarray Dataset."""

import numpy as np
import pandas as pd

from .._covariate_input import rows_with_unseen_levels
from .._validation import _LAT_NAMES, _LON_NAMES, find_coordinate_column

__all__ = ["GridInput"]

_X_NAMES = _LON_NAMES | {"x"}
_Y_NAMES = _LAT_NAMES | {"y"}


def _find(names, wanted, what):
    found = find_coordinate_column(names, wanted, unique=True)
    if found is None:
        raise ValueError(
            f"Cannot tell which of {list(names)} is the {what}; name it "
            f"{sorted(wanted)[0]!r}."
        )
    return found


def _nearest(axis, points):
    """Index of the nearest value of ``axis`` to each point, and whether it is in reach.

    A point is in reach when it lies within half a cell of the axis's range.
    """
    axis = np.asarray(axis, dtype=np.float64)
    order = np.argsort(axis)
    ordered = axis[order]
    if ordered.size == 1:
        return np.zeros(points.size, dtype=np.intp), np.ones(points.size, dtype=bool)
    position = np.clip(np.searchsorted(ordered, points), 1, ordered.size - 1)
    left, right = ordered[position - 1], ordered[position]
    index = np.where(points - left <= right - points, position - 1, position)
    half = (ordered[-1] - ordered[0]) / (ordered.size - 1) / 2
    reach = (points >= ordered[0] - half) & (points <= ordered[-1] + half)
    return order[index], reach


def _same_columns(outer, inner):
    """Whether ``inner`` was fitted on the columns ``outer`` was fitted on."""
    names = getattr(outer, "feature_names_in_", None)
    inner_names = getattr(inner, "feature_names_in_", None)
    return (
        names is not None
        and inner_names is not None
        and list(names) == list(inner_names)
    )


def input_models(estimator):
    """The fitted estimators inside ``estimator`` that read the grid's input
    unchanged, for their ``covariate_transformer_`` and ``bias_values_``.

    A fitted search (``GridSearchCV`` and the like) predicts with its
    ``best_estimator_``, on the same input. A
    :class:`~sklearn.pipeline.Pipeline` whose last step was fitted on the
    same columns as the pipeline is taken to hand it its input unchanged
    (its earlier steps may change values, such as a covariate's units, but
    not a categorical's levels). A meta-estimator of one model per class
    (:class:`~skgeo_s2v.sdm.OneVsBackgroundClassifier`, scikit-learn's
    ``OneVsRestClassifier``) hands its input to each of its ``estimators_``
    fitted on the same columns. Any other estimator is its own input model.
    """
    inner = getattr(estimator, "best_estimator_", None)
    if inner is not None:
        return input_models(inner)
    if hasattr(estimator, "steps") and _same_columns(estimator, estimator.steps[-1][1]):
        return input_models(estimator.steps[-1][1])
    members = getattr(estimator, "estimators_", None)
    if (
        isinstance(members, list)
        and members
        and all(_same_columns(estimator, member) for member in members)
    ):
        return [model for member in members for model in input_models(member)]
    return [estimator]


class GridInput:
    """Builds what an estimator's ``predict`` takes, for a chunk of grid cells.

    An estimator fitted on a two-column array gets ``(lon, lat)`` arrays; one
    fitted on a DataFrame gets a DataFrame with its column names, the
    coordinate columns filled with the cells' longitudes and latitudes and
    every other column (a covariate) read from ``covariates``, the nearest
    cell of the variable of that name.

    A cell is usable where every covariate is in reach and not missing and,
    for an estimator with a ``covariate_transformer_`` (the package's
    classifiers), where every categorical covariate holds a level the
    training data had; ``unseen_levels`` counts the cells left out for that,
    ``{column: (n_cells, some of their levels)}``. The covariates an
    estimator holds at one value (``bias_values_`` of
    :class:`~skgeo_s2v.sdm.SphereGAMClassifier`) need no variable: every
    cell gets that value. Both are read from :func:`input_models`, so that
    they hold for the package's classifiers inside a fitted search, a
    pipeline or a model per class too.
    """

    def __init__(self, estimator, covariates):
        names = getattr(estimator, "feature_names_in_", None)
        self.names = None if names is None else list(names)
        models = input_models(estimator)
        self.transformers = [
            model.covariate_transformer_
            for model in models
            if getattr(model, "covariate_transformer_", None) is not None
        ]
        self.held = {}
        for model in models:  # each model holds its own values; any fills a column
            self.held.update(getattr(model, "bias_values_", None) or {})
        self.unseen_levels = {}
        if self.names is None:
            if covariates is not None:
                raise ValueError(
                    f"covariates were given, but {type(estimator).__name__} was "
                    "fitted on (lon, lat) alone and takes no covariates. Fit it "
                    "on a DataFrame of lon, lat and covariate columns (named like "
                    "the Dataset's variables) to predict from covariates."
                )
            return
        self.lon_name = _find(self.names, _LON_NAMES, "longitude column")
        self.lat_name = _find(self.names, _LAT_NAMES, "latitude column")
        extra = [
            n
            for n in self.names
            if n not in (self.lon_name, self.lat_name) and n not in self.held
        ]
        if extra and covariates is None:
            raise ValueError(
                f"The estimator was fitted with the covariates {extra}; pass "
                "covariates=an xarray.Dataset holding a variable of each name."
            )
        if covariates is not None and not extra:
            held = f" and holds {list(self.held)} at one value" if self.held else ""
            raise ValueError(
                f"covariates were given, but the estimator was fitted on "
                f"{self.names}{held}, so it takes no covariates; drop them."
            )
        missing = [n for n in extra if n not in getattr(covariates, "data_vars", {})]
        if missing:
            raise ValueError(
                f"The covariates Dataset lacks the variables {missing} that the "
                f"estimator was fitted with; it holds "
                f"{list(getattr(covariates, 'data_vars', []))}."
            )
        # Each covariate's axes and (lat, lon) values, read once for all chunks.
        self.layers = {name: _layer(covariates[name], name) for name in extra}

    def __call__(self, lon, lat):
        """``(X, usable)``: the input of the cells and which of them it holds."""
        if self.names is None:
            return np.column_stack([lon, lat]), np.ones(lon.size, dtype=bool)
        columns = {self.lon_name: lon, self.lat_name: lat}
        columns.update({name: np.full(lon.size, v) for name, v in self.held.items()})
        usable = np.ones(lon.size, dtype=bool)
        for name, (x_axis, y_axis, grid) in self.layers.items():
            cell_lon = np.remainder(lon, 360.0) if x_axis.max() > 180.0 else lon
            i_x, reach_x = _nearest(x_axis, cell_lon)
            i_y, reach_y = _nearest(y_axis, lat)
            values = grid[i_y, i_x]
            columns[name] = values
            usable &= reach_x & reach_y & ~pd.isna(values)
        frame = pd.DataFrame(columns)[self.names]
        for name, unseen in self._rows_with_unseen_levels(frame).items():
            unseen &= usable
            if unseen.any():
                count, levels = self.unseen_levels.get(name, (0, set()))
                new = np.unique(frame[name][unseen]).tolist()
                levels |= set(new[: max(0, 5 - len(levels))])
                self.unseen_levels[name] = (count + int(unseen.sum()), levels)
                usable &= ~unseen
        return frame[usable], usable

    def _rows_with_unseen_levels(self, frame):
        """``{column: mask}`` of the rows holding a level that any of the
        input models did not see."""
        unseen = {}
        for transformer in self.transformers:
            for name, mask in rows_with_unseen_levels(transformer, frame).items():
                unseen[name] = unseen[name] | mask if name in unseen else mask
        return unseen


def _layer(variable, name):
    """``(lon axis, lat axis, values of shape (n_lat, n_lon))`` of a 2-D variable."""
    x = _find(variable.dims, _X_NAMES, f"longitude dimension of {name!r}")
    y = _find(variable.dims, _Y_NAMES, f"latitude dimension of {name!r}")
    if variable.ndim != 2:
        raise ValueError(
            f"Covariate {name!r} has dimensions {variable.dims}; it must be 2-D "
            f"({y}, {x}): select one band or time step first."
        )
    x_axis = np.asarray(variable[x], dtype=np.float64)
    y_axis = np.asarray(variable[y], dtype=np.float64)
    return x_axis, y_axis, np.asarray(variable.transpose(y, x).values)
