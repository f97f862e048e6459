"""Background drawn uniformly by area within a region: a box, a polygon, land or sea."""

import math
from abc import abstractmethod

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions

from .._bbox import BBox, validate_bbox
from .._geometry import wrap_longitude
from .._landmask import is_land
from .._optional import import_optional
from .._sampling import lonlat_from_uniform
from ._base import BaseBackground

__all__ = ["BoxBackground", "LandBackground", "PolygonBackground"]

_WORLD = BBox(-180.0, -90.0, 180.0, 90.0)
# Proposals drawn (from a fixed seed) at fit time to estimate the acceptance rate.
_N_ESTIMATE = 20_000
# Below this share of accepted proposals the region is too small for its box.
_MIN_ACCEPTANCE = 1e-3
# Proposals drawn at a time, and how far past the expected number to go on.
_MAX_BATCH = 2**20
_MAX_OVERDRAW = 20


def draw_in_box(box, n, generator):
    """``n`` points uniform by area in ``box``, drawn on the generator's device.

    Longitude is uniform on ``[lon_min, lon_min + lon_width)`` (then wrapped,
    so a box across the antimeridian works) and ``sin(lat)`` uniform on
    ``[sin(lat_min), sin(lat_max)]``: the area of a lon-lat box is
    proportional to its extent in longitude times its extent in ``sin(lat)``.
    """
    u = torch.rand(2, n, generator=generator, device=generator.device)
    u_lon = (box.lon_min + 180.0 + box.lon_width * u[0]) / 360.0
    lonlat = lonlat_from_uniform(u_lon, u[1], box.lat_min, box.lat_max)
    return torch.stack([wrap_longitude(lonlat[:, 0]), lonlat[:, 1]], dim=1)


class BoxBackground(BaseBackground):
    """Background drawn uniformly by area within a longitude-latitude box.

    ``lon`` is uniform over the box's longitudes and ``sin(lat)`` uniform
    over its latitudes, so equal areas of the box are equally likely (a plain
    uniform latitude would crowd the draws towards the box's polar edge).

    Parameters
    ----------
    bbox : tuple of four floats
        ``(lon_min, lat_min, lon_max, lat_max)`` in degrees, the order of
        GeoJSON and shapely's ``bounds``. ``lon_min > lon_max`` is a box across
        the antimeridian, e.g. ``(170, -50, -170, -30)``.
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch.

    Attributes
    ----------
    box_ : BBox
        The checked box.
    is_fitted_ : bool
        True once fitted.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v.background import BoxBackground
    >>> sampler = BoxBackground((170.0, -50.0, -170.0, -30.0)).fit([[175.0, -40.0]])
    >>> draw = sampler.sample(1000, generator=torch.Generator().manual_seed(0))
    >>> bool(((draw[:, 0] >= 170) | (draw[:, 0] <= -170)).all())
    True
    """

    _parameter_constraints: dict = {
        **BaseBackground._parameter_constraints,
        "bbox": ["array-like"],
    }

    def __init__(self, bbox, n_per_example=1):
        super().__init__(n_per_example=n_per_example)
        self.bbox = bbox

    def _fit(self, lonlat, y):
        self.box_ = validate_bbox(self.bbox)

    def sample(self, n, *, generator, device=None):
        self._check_fitted()
        draw = draw_in_box(self.box_, n, generator)
        return draw if device is None else draw.to(device)


class _RejectionBackground(BaseBackground):
    """Draws uniformly by area in a proposal box and keeps the points of a region.

    Rejection keeps the draw uniform by area: each kept point is a uniform
    point of the box conditioned on falling in the region. A subclass sets
    the proposal box in :meth:`_fit_region` and says which points are inside
    in :meth:`_inside`; fitting estimates the share of proposals kept
    (``acceptance_rate_``) and refuses a region too small for its box.
    """

    def _fit(self, lonlat, y):
        self.box_ = self._fit_region(lonlat, y)
        generator = torch.Generator().manual_seed(0)
        inside = self._inside(draw_in_box(self.box_, _N_ESTIMATE, generator).numpy())
        self.acceptance_rate_ = float(np.mean(inside))
        if self.acceptance_rate_ < _MIN_ACCEPTANCE:
            raise ValueError(
                f"{type(self).__name__}: only {inside.sum()} of {_N_ESTIMATE} "
                f"points drawn in the region's bounding box {tuple(self.box_)} "
                f"fell inside the region (acceptance rate "
                f"{self.acceptance_rate_:.2g}, below {_MIN_ACCEPTANCE}). "
                + self._hopeless_hint()
            )

    @abstractmethod
    def _fit_region(self, lonlat, y):
        """Check the region, keep what :meth:`_inside` needs; return the box."""

    @abstractmethod
    def _inside(self, lonlat):
        """Boolean mask (numpy) of the rows of ``lonlat`` (numpy) in the region."""

    def _hopeless_hint(self):
        return "Use a larger region or a BoxBackground around it."

    def sample(self, n, *, generator, device=None):
        self._check_fitted()
        expected = n / self.acceptance_rate_
        batch = min(max(256, math.ceil(1.2 * expected)), _MAX_BATCH)
        kept, n_kept, n_drawn = [], 0, 0
        while n_kept < n:
            if n_drawn > _MAX_OVERDRAW * expected + _MAX_BATCH:
                raise ValueError(
                    f"{type(self).__name__} kept only {n_kept} of the {n} points "
                    f"asked for after {n_drawn} proposals. " + self._hopeless_hint()
                )
            draw = draw_in_box(self.box_, batch, generator)
            inside = torch.as_tensor(self._inside(draw.cpu().numpy()))
            kept.append(draw[inside.to(draw.device)])
            n_kept += int(inside.sum())
            n_drawn += batch
        draw = torch.cat(kept)[:n]
        return draw if device is None else draw.to(device)


def _as_polygon(polygon):
    shapely = import_optional("shapely", "sdm", "PolygonBackground")
    shape = shapely.geometry.shape
    geometry = polygon
    if isinstance(polygon, dict):
        if polygon.get("type") == "Feature":
            geometry = polygon.get("geometry")
        elif polygon.get("type") == "FeatureCollection":
            features = polygon.get("features") or []
            geometry = shapely.union_all([shape(f["geometry"]) for f in features])
        if isinstance(geometry, dict):
            try:
                geometry = shape(geometry)
            except Exception as error:
                raise ValueError(
                    f"polygon is not a valid GeoJSON geometry: {error}"
                ) from error
    if not isinstance(geometry, shapely.Geometry):
        raise ValueError(
            "polygon must be a shapely Polygon or MultiPolygon or a GeoJSON "
            f"mapping (geometry, Feature or FeatureCollection), got "
            f"{type(polygon).__name__}."
        )
    if geometry.is_empty:
        raise ValueError("polygon is empty; give a polygon with a positive area.")
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(
            f"polygon is a {geometry.geom_type}; give a Polygon or MultiPolygon "
            "(buffer a point or line first, or use BufferBackground)."
        )
    if not geometry.is_valid:
        raise ValueError(
            f"polygon is not valid ({shapely.is_valid_reason(geometry)}); repair "
            "it first, e.g. with shapely.make_valid."
        )
    if geometry.area == 0:
        raise ValueError("polygon has zero area; give a polygon with a positive area.")
    return geometry


class PolygonBackground(_RejectionBackground):
    """Background drawn uniformly by area within a polygon (shapely or GeoJSON).

    Proposals are drawn uniformly by area in the polygon's bounding box (see
    :class:`BoxBackground`) and those outside the polygon are rejected, so
    the kept points are uniform by area on the sphere. The polygon's edges
    are straight lines in longitude and latitude, as in GeoJSON; a polygon
    across the antimeridian is given, as GeoJSON asks, as a MultiPolygon
    split at ±180°.

    Parameters
    ----------
    polygon : shapely Polygon or MultiPolygon, or GeoJSON mapping
        The region, with vertices ``(lon, lat)`` in degrees; a GeoJSON
        geometry, Feature or FeatureCollection (the union of its features)
        is accepted too.
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch.

    Attributes
    ----------
    polygon_ : shapely.Geometry
        The checked polygon.
    box_ : BBox
        Its bounding box, where proposals are drawn.
    acceptance_rate_ : float
        Share of proposals inside the polygon, estimated at fit time.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v.background import PolygonBackground
    >>> triangle = {"type": "Polygon",
    ...             "coordinates": [[[0, 0], [10, 0], [0, 10], [0, 0]]]}
    >>> sampler = PolygonBackground(triangle).fit([[1.0, 1.0]])
    >>> draw = sampler.sample(500, generator=torch.Generator().manual_seed(0))
    >>> bool((draw.sum(dim=1) <= 10).all())
    True
    """

    _parameter_constraints: dict = {
        **BaseBackground._parameter_constraints,
        "polygon": "no_validation",
    }

    def __init__(self, polygon, n_per_example=1):
        super().__init__(n_per_example=n_per_example)
        self.polygon = polygon

    def _fit_region(self, lonlat, y):
        import shapely

        self.polygon_ = _as_polygon(self.polygon)
        shapely.prepare(self.polygon_)
        return validate_bbox(
            self.polygon_.bounds,
            name="The polygon's bounds",
            antimeridian="a polygon across the antimeridian is, as GeoJSON asks, "
            "a MultiPolygon split at ±180°.",
        )

    def _inside(self, lonlat):
        import shapely

        return shapely.contains_xy(self.polygon_, lonlat[:, 0], lonlat[:, 1])

    def _hopeless_hint(self):
        return (
            "The polygon covers a tiny share of its bounding box (a long thin "
            "or scattered region): split it and fit a sampler per part, or "
            "use a BoxBackground."
        )


class LandBackground(_RejectionBackground):
    """Background drawn uniformly by area on land (or at sea), optionally in a box.

    Uses the 1 km GLOBE land mask shipped by ``global-land-mask`` (nothing is
    downloaded; the first use reads it, in a few seconds and about 1 GB of
    memory). Proposals are drawn uniformly by area in ``bbox`` and kept when
    the mask says land (``surface="land"``) or sea (``"ocean"``).

    Parameters
    ----------
    surface : {"land", "ocean"}, default="land"
        Which side of the coastline the background lies on.
    bbox : tuple of four floats, default=None
        ``(lon_min, lat_min, lon_max, lat_max)`` to restrict the draw to, as
        in :class:`BoxBackground`; None is the whole globe.
    n_per_example : int, default=1
        Background locations drawn for each training example of a batch.

    Attributes
    ----------
    box_ : BBox
        Where proposals are drawn.
    acceptance_rate_ : float
        Share of proposals on the chosen surface, estimated at fit time.

    Examples
    --------
    >>> import torch
    >>> from skgeo_s2v.background import LandBackground
    >>> sampler = LandBackground(bbox=(-10.0, 35.0, 30.0, 60.0))
    >>> draw = sampler.fit([[2.35, 48.85]]).sample(
    ...     4, generator=torch.Generator().manual_seed(0))
    >>> draw.shape
    torch.Size([4, 2])
    """

    _parameter_constraints: dict = {
        **BaseBackground._parameter_constraints,
        "surface": [StrOptions({"land", "ocean"})],
        "bbox": ["array-like", None],
    }

    def __init__(self, surface="land", bbox=None, n_per_example=1):
        super().__init__(n_per_example=n_per_example)
        self.surface = surface
        self.bbox = bbox

    def _fit_region(self, lonlat, y):
        return _WORLD if self.bbox is None else validate_bbox(self.bbox)

    def _inside(self, lonlat):
        land = is_land(lonlat[:, 0], lonlat[:, 1])
        return land if self.surface == "land" else ~land

    def _hopeless_hint(self):
        return f"The box is almost all {'sea' if self.surface == 'land' else 'land'}."
