"""Longitude-latitude bounding boxes, shared by the background samplers and grids."""

import math
from typing import NamedTuple

__all__ = ["BBox", "validate_bbox"]


class BBox(NamedTuple):
    """A checked box ``(lon_min, lat_min, lon_max, lat_max)`` in degrees.

    ``lon_min > lon_max`` means the box crosses the antimeridian: it runs east
    from ``lon_min`` past 180° to ``lon_max``. :attr:`lon_width` is the box's
    extent in longitude, always positive.
    """

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float

    @property
    def lon_width(self) -> float:
        """Extent in longitude, in degrees, counted eastwards from ``lon_min``."""
        width = self.lon_max - self.lon_min
        return width if width > 0 else width + 360.0


#: How a box crosses the antimeridian, the advice of :func:`validate_bbox`.
BOX_ACROSS_ANTIMERIDIAN = (
    "for a box across the antimeridian give lon_min > lon_max, e.g. "
    "(170, -50, -170, -30)."
)


def validate_bbox(bbox, name="bbox", antimeridian=BOX_ACROSS_ANTIMERIDIAN):
    """Check a ``(lon_min, lat_min, lon_max, lat_max)`` box and return a :class:`BBox`.

    The order is that of GeoJSON and of shapely's ``bounds``. Longitudes lie in
    ``[-180, 180]``; ``lon_min > lon_max`` is a box across the antimeridian and
    ``(-180, ..., 180, ...)`` spans every longitude.

    Parameters
    ----------
    bbox : sequence of four floats
        The box, in degrees.
    name : str, default="bbox"
        How the messages name the box.
    antimeridian : str, default=BOX_ACROSS_ANTIMERIDIAN
        The advice, after a longitude outside ``[-180, 180]``, on how to
        cross the antimeridian (a polygon's bounds are told to split it).

    Returns
    -------
    bbox : BBox

    Raises
    ------
    ValueError
        If the box does not hold four finite numbers, a longitude is outside
        ``[-180, 180]``, a latitude outside ``[-90, 90]``, ``lat_min >=
        lat_max`` or ``lon_min == lon_max``.

    Examples
    --------
    >>> box = validate_bbox((170.0, -50.0, -170.0, -30.0))
    >>> box.lon_width
    20.0
    >>> validate_bbox((0.0, 10.0, 5.0, 0.0))
    Traceback (most recent call last):
    ...
    ValueError: bbox has lat_min=10.0 >= lat_max=0.0; ...
    """
    try:
        values = [float(v) for v in bbox]
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must be four numbers (lon_min, lat_min, lon_max, lat_max) in "
            f"degrees, got {bbox!r}."
        ) from error
    if len(values) != 4:
        raise ValueError(
            f"{name} must be four numbers (lon_min, lat_min, lon_max, lat_max) in "
            f"degrees, got {len(values)}: {bbox!r}."
        )
    box = BBox(*values)
    for field, value in zip(box._fields, box, strict=True):
        if not math.isfinite(value):
            raise ValueError(f"{name} has {field}={value}; it must be finite.")
    for field in ("lon_min", "lon_max"):
        if not -180.0 <= getattr(box, field) <= 180.0:
            raise ValueError(
                f"{name} has {field}={getattr(box, field)}, outside [-180, 180]. "
                f"Give longitudes in [-180, 180]; {antimeridian}"
            )
    for field in ("lat_min", "lat_max"):
        if not -90.0 <= getattr(box, field) <= 90.0:
            raise ValueError(
                f"{name} has {field}={getattr(box, field)}, outside [-90, 90]; "
                "the order is (lon_min, lat_min, lon_max, lat_max)."
            )
    if box.lat_min >= box.lat_max:
        raise ValueError(
            f"{name} has lat_min={box.lat_min} >= lat_max={box.lat_max}; the "
            "order is (lon_min, lat_min, lon_max, lat_max), south before north."
        )
    if box.lon_min == box.lon_max:
        raise ValueError(
            f"{name} has lon_min == lon_max == {box.lon_min}, an empty box; use "
            "(-180, lat_min, 180, lat_max) for every longitude."
        )
    return box
