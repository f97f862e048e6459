"""Background drawn in proportion to a raster of sampling effort (a bias grid)."""

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions

from .._bbox import validate_bbox
from .._geometry import wrap_longitude
from .._sampling import lonlat_from_uniform
from .._validation import find_coordinate_column
from ._base import BaseBackground

__all__ = ["RasterBackground"]

_USE_NUMPY = (
    "or give a 2-D numpy array, rows from north to south, with "
    "bbox=(lon_min, lat_min, lon_max, lat_max)."
)


def _axis_names():
    # The names predict_grid's covariate layers accept, plus x and y.
    from ..sdm._covariates import _X_NAMES, _Y_NAMES

    return _X_NAMES, _Y_NAMES


def _find_dim(raster, wanted, what):
    dim = find_coordinate_column(raster.dims, wanted, unique=True)
    if dim is not None:
        return dim
    x_names, y_names = _axis_names()
    for name in raster.coords:
        if raster.coords[name].ndim > 1 and str(name).strip().lower() in (
            x_names | y_names
        ):
            raise ValueError(
                f"raster has the {raster.coords[name].ndim}-D coordinate {name!r} "
                "(a curvilinear grid); RasterBackground takes a regular grid with "
                f"1-D lat and lon coordinates: regrid it first, {_USE_NUMPY}"
            )
    raise ValueError(
        f"Cannot tell which of the raster's dimensions {tuple(raster.dims)} is "
        f"the {what}; name the dimensions 'lat' and 'lon' (or "
        "'latitude'/'longitude', 'y'/'x')."
    )


def _regular_edges(raster, dim):
    """``(edges, flip)``: the cell edges of a 1-D coordinate, increasing."""
    if dim not in raster.coords:
        raise ValueError(
            f"raster's dimension {dim!r} has no coordinate values; give the "
            f"cell centres, e.g. raster.assign_coords({dim}=...), {_USE_NUMPY}"
        )
    coord = np.asarray(raster.coords[dim].values)
    if coord.ndim != 1 or coord.dtype.kind not in "iuf":
        raise ValueError(
            f"raster's {dim!r} coordinate must be 1-D numbers (cell centres in "
            f"degrees), got shape {coord.shape} of dtype {coord.dtype}."
        )
    centres = coord.astype(np.float64)
    if centres.size < 2:
        raise ValueError(
            f"raster has {centres.size} cell along {dim!r}; at least 2 are needed "
            f"to tell the cell size from the coordinates, {_USE_NUMPY}"
        )
    if not np.isfinite(centres).all():
        raise ValueError(f"raster's {dim!r} coordinate holds non-finite values.")
    step = (centres[-1] - centres[0]) / (centres.size - 1)
    eps = np.finfo(coord.dtype).eps if coord.dtype.kind == "f" else 0.0
    tolerance = 1e-6 * abs(step) + 4.0 * eps * np.abs(centres).max()
    deviation = np.abs(np.diff(centres) - step)
    if step == 0 or deviation.max() > tolerance:
        bad = int(np.argmax(deviation))
        raise ValueError(
            f"raster's {dim!r} coordinate is not regularly spaced: the step "
            f"between {centres[bad]} and {centres[bad + 1]} is "
            f"{centres[bad + 1] - centres[bad]}, where a regular grid from "
            f"{centres[0]} to {centres[-1]} has {step}. Resample it to a regular "
            "grid first (ascending or descending coordinates are both fine)."
        )
    step, flip = abs(step), step < 0
    low = centres.min() - step / 2
    return low + step * np.arange(centres.size + 1), flip


def _from_data_array(raster):
    """``(values north to south, west to east; lon edges; lat edges, decreasing)``."""
    if hasattr(raster, "data_vars"):
        raise ValueError(
            f"raster is a Dataset with the variables {list(raster.data_vars)}; "
            "give one of them, e.g. raster['effort']."
        )
    x_names, y_names = _axis_names()
    x = _find_dim(raster, x_names, "longitude")
    y = _find_dim(raster, y_names, "latitude")
    extra = [d for d in raster.dims if d not in (x, y)]
    if any(raster.sizes[d] != 1 for d in extra):
        raise ValueError(
            f"raster has dimensions {dict(raster.sizes)}; it must be 2-D "
            f"({y}, {x}): select one band, class or time step first, e.g. "
            f"raster.isel({extra[0]}=0)."
        )
    lon_edges, lon_flip = _regular_edges(raster, x)
    lat_edges, lat_flip = _regular_edges(raster, y)
    values = np.array(raster.squeeze(extra).transpose(y, x).values)
    if lon_flip:
        values = values[:, ::-1]
    if not lat_flip:  # ascending latitudes: turn into rows from north to south
        values = values[::-1]
    lat_edges = lat_edges[::-1]
    slack = 1e-6 * (lat_edges[0] - lat_edges[1])
    if lat_edges[0] > 90.0 + slack or lat_edges[-1] < -90.0 - slack:
        raise ValueError(
            f"raster's cells run from latitude {lat_edges[-1]} to {lat_edges[0]}, "
            "past a pole: give cell centres in degrees whose cells lie within "
            "[-90, 90] (reproject a raster in metres to EPSG:4326 first)."
        )
    width = lon_edges[-1] - lon_edges[0]
    if width > 360.0 * (1.0 + 1e-9):
        raise ValueError(
            f"raster's cells span {width}° of longitude, more than 360°: a "
            "longitude appears twice; drop the duplicated column(s)."
        )
    return values, lon_edges, np.clip(lat_edges, -90.0, 90.0)


def _from_numpy(raster, bbox):
    try:
        values = np.array(raster, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"raster must be numbers: {error}") from error
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(
            f"A numpy raster must be 2-D, rows from north to south and columns "
            f"from west to east, with at least one cell; got shape {values.shape}."
        )
    if bbox is None:
        raise ValueError(
            "A numpy raster needs bbox=(lon_min, lat_min, lon_max, lat_max), the "
            "outer edges of its cells; or give an xarray.DataArray with lat and "
            "lon coordinates."
        )
    box = validate_bbox(bbox)
    n_lat, n_lon = values.shape
    lon_edges = box.lon_min + box.lon_width / n_lon * np.arange(n_lon + 1)
    lat_edges = box.lat_max - (box.lat_max - box.lat_min) / n_lat * np.arange(n_lat + 1)
    lat_edges[-1] = box.lat_min
    return values, lon_edges, lat_edges


def _weights(values, lon_edges, lat_edges):
    """Float64 weights of the cells (NaN is 0); a ValueError for bad values."""
    if values.dtype.kind not in "biuf":
        raise ValueError(f"raster must hold numbers, got dtype {values.dtype}.")
    weights = values.astype(np.float64)  # a copy: the user's raster is untouched
    missing = np.isnan(weights)
    weights[missing] = 0.0

    def where(mask):
        row, col = np.argwhere(mask)[0]
        lon = (lon_edges[col] + lon_edges[col + 1]) / 2
        lon = float(np.remainder(lon + 180.0, 360.0) - 180.0)
        lat = (lat_edges[row] + lat_edges[row + 1]) / 2
        return (
            f"e.g. {weights[row, col]} in the cell centred at lon={lon:.6g}, "
            f"lat={lat:.6g} (row {row} from the north, column {col} from the west)"
        )

    if np.isinf(weights).any():
        mask = np.isinf(weights)
        raise ValueError(
            f"raster has {int(mask.sum())} infinite cell(s), {where(mask)}; "
            "sampling effort must be finite (mark no-data cells NaN)."
        )
    if (weights < 0).any():
        mask = weights < 0
        raise ValueError(
            f"raster has {int(mask.sum())} negative cell(s), {where(mask)}; "
            "sampling effort must be >= 0: clip it (e.g. raster.clip(min=0)) or "
            "mark those cells NaN (no data, never drawn)."
        )
    if not (weights > 0).any():
        raise ValueError(
            f"raster has no cell with a positive value (of {weights.size} cells, "
            f"{int(missing.sum())} are NaN and the others 0); nothing can be drawn."
        )
    return weights


class RasterBackground(BaseBackground):
    """Background drawn with probability proportional to a raster of sampling effort.

    The "bias grid" of species distribution modelling (Phillips et al.
    2009; Maxent's ``biasfile``): when the records share a sampling bias
    and no target group is at hand, background locations are drawn where
    the effort was, from a raster such as the density of all records of a
    survey programme, a weight decreasing with the distance to roads, or a
    human-footprint layer. A cell is chosen with probability proportional
    to its weight, then a point is drawn uniformly by area within it
    (uniform in longitude and in ``sin(lat)`` between the cell's edges), so
    the draw is exact on the sphere, near the poles too.

    Parameters
    ----------
    raster : xarray.DataArray or array-like of shape (n_lat, n_lon)
        The sampling effort, >= 0; NaN is "no data", a weight of 0 (never
        drawn), as in a GIS nodata mask. Its cells are in degrees of
        longitude and latitude (WGS 84, EPSG:4326): reproject a projected
        raster first. A DataArray has 1-D coordinates of the cell centres
        named ``lat``/``lon`` (or ``latitude``/``longitude``, ``y``/``x``),
        regularly spaced, each ascending or descending, such as one class
        of :func:`skgeo_s2v.sdm.predict_grid`
        (``grid.sel({"class": "oak"})``); further dimensions of length 1
        (the ``band`` of ``rioxarray.open_rasterio(path, masked=True)``, which
        also turns a GeoTIFF's nodata into NaN) are dropped. A numpy array
        is read like an image or a GeoTIFF: row 0 is the northernmost,
        column 0 the westernmost, and ``bbox`` gives its outer edges.
    bbox : tuple of four floats, default=None
        ``(lon_min, lat_min, lon_max, lat_max)``, the outer cell edges of a
        numpy raster (``lon_min > lon_max`` crosses the antimeridian, as in
        :class:`BoxBackground`); only for a numpy raster.
    values : {"density", "per_cell"}, default="density"
        What a cell's value measures. ``"density"``: effort per unit area
        (an intensity, a kernel density, a footprint index, a weight
        computed at the cell centre); a cell's probability is then its
        value times its area on the sphere, ``Δlon · (sin(lat_top) -
        sin(lat_bottom))``, so that cells of a longitude-latitude grid,
        which shrink towards the poles, count for their true area. The
        right choice for most layers. ``"per_cell"``: the value is already
        a total of the whole cell (the number of records counted in each
        cell, a cell weight computed beforehand); its probability is the
        value itself.
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch.

    Attributes
    ----------
    cell_probabilities_ : ndarray of shape (n_lat, n_lon), float64
        Probability of each cell, rows from north to south and columns from
        west to east (whatever the raster's order); sums to 1.
    lon_edges_ : ndarray of shape (n_lon + 1,)
        Increasing longitudes of the cell edges (past 180 for a raster across
        the antimeridian; the draws are wrapped into ``[-180, 180)``).
    lat_edges_ : ndarray of shape (n_lat + 1,)
        Decreasing latitudes of the cell edges, north first.
    is_fitted_ : bool
        True once fitted.

    Notes
    -----
    The cumulative table of the cells is float64, built once per fit and
    sent once to each device drawn on (float32 on Apple's MPS, which has no
    float64); a draw costs a search in it per location. The raster is
    read at fit time only, so a sampler keeps its own float64 copy: about
    8 bytes per cell twice (probabilities and table).

    Examples
    --------
    Twice the effort in the eastern half of a box, per cell:

    >>> import numpy as np, torch
    >>> from skgeo_s2v.background import RasterBackground
    >>> effort = np.array([[1.0, 2.0], [1.0, 2.0]])  # rows north to south
    >>> sampler = RasterBackground(effort, bbox=(0.0, 40.0, 10.0, 50.0),
    ...                            values="per_cell").fit([[5.0, 45.0]])
    >>> sampler.cell_probabilities_.round(3)
    array([[0.167, 0.333],
           [0.167, 0.333]])
    >>> draw = sampler.sample(10_000, generator=torch.Generator().manual_seed(0))
    >>> round(float((draw[:, 0] >= 5.0).float().mean()), 2)
    0.67

    From an ``xarray.DataArray`` with descending latitudes and NaN (no data):

    >>> import xarray as xr
    >>> grid = xr.DataArray([[np.nan, 1.0], [1.0, 1.0]], dims=("lat", "lon"),
    ...                     coords={"lat": [45.0, 35.0], "lon": [0.0, 10.0]})
    >>> sampler = RasterBackground(grid).fit([[5.0, 40.0]])
    >>> sampler.lat_edges_, sampler.lon_edges_
    (array([50., 40., 30.]), array([-5.,  5., 15.]))
    >>> float(sampler.cell_probabilities_[0, 0])
    0.0
    """

    _parameter_constraints: dict = {
        **BaseBackground._parameter_constraints,
        "raster": ["array-like"],
        "bbox": ["array-like", None],
        "values": [StrOptions({"density", "per_cell"})],
    }

    def __init__(self, raster, bbox=None, values="density", n_per_example=1):
        super().__init__(n_per_example=n_per_example)
        self.raster = raster
        self.bbox = bbox
        self.values = values

    def _fit(self, lonlat, y):
        if hasattr(self.raster, "dims") and hasattr(self.raster, "coords"):
            if self.bbox is not None:
                raise ValueError(
                    f"bbox={self.bbox!r} is for a numpy raster; an xarray raster "
                    "carries its cells' coordinates: drop bbox."
                )
            values, lon_edges, lat_edges = _from_data_array(self.raster)
        else:
            values, lon_edges, lat_edges = _from_numpy(self.raster, self.bbox)
        weights = _weights(values, lon_edges, lat_edges)
        if self.values == "density":
            z = np.sin(np.deg2rad(lat_edges))
            lon_step = np.deg2rad(lon_edges[1] - lon_edges[0])
            weights *= ((z[:-1] - z[1:]) * lon_step)[:, None]
        self.cell_probabilities_ = weights / weights.sum()
        self.lon_edges_ = lon_edges
        self.lat_edges_ = lat_edges
        self._set_tables()

    def _set_tables(self):
        """The CPU tables of the draw; forget the copies on devices."""
        cumulative = np.cumsum(self.cell_probabilities_.ravel())
        # Exactly 1 from the last positive cell on: every u < 1 picks a
        # positive cell, and a cell of weight 0 spans an empty interval.
        self._cumulative = cumulative / cumulative[-1]
        self._tables_on = {}

    def _tables(self, device):
        tables = self._tables_on.get(device)
        if tables is None:
            dtype = torch.float32 if device.type == "mps" else torch.float64
            tables = tuple(
                torch.as_tensor(table, dtype=dtype, device=device)
                for table in (self._cumulative, self.lat_edges_)
            )
            self._tables_on[device] = tables
        return tables

    def sample(self, n, *, generator, device=None):
        self._check_fitted()
        cumulative, lat_edges = self._tables(generator.device)
        u = torch.rand(
            3, n, generator=generator, device=generator.device, dtype=cumulative.dtype
        )
        cell = torch.searchsorted(cumulative, u[0], right=True)
        cell = cell.clamp_(max=cumulative.numel() - 1)
        n_lon = self.lon_edges_.size - 1
        row, col = cell // n_lon, cell % n_lon
        # Uniform by area within the cell, as in a box (draw_in_box).
        lon_step = float(self.lon_edges_[1] - self.lon_edges_[0])
        u_lon = (float(self.lon_edges_[0]) + 180.0 + (col + u[1]) * lon_step) / 360.0
        lonlat = lonlat_from_uniform(u_lon, u[2], lat_edges[row + 1], lat_edges[row])
        lon = wrap_longitude(lonlat[:, 0]).float()
        # A longitude just below 180 may round to 180 in float32.
        lon = torch.where(lon >= 180.0, lon - 360.0, lon)
        draw = torch.stack([lon, lonlat[:, 1].float()], dim=1)
        return draw if device is None else draw.to(device)

    def __getstate__(self):
        # A copy: object.__getstate__ may return the instance's own __dict__.
        state = dict(super().__getstate__())
        for name in ("_cumulative", "_tables_on"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "cell_probabilities_" in self.__dict__:
            self._set_tables()
