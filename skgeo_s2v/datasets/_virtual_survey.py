"""Virtual species of one region: presence-only records, background sites and surveys.

The kind of data species distribution models are judged on (presence-only
records with the observers' bias, background sites with their covariates,
presence-absence surveys to test on), made up, so that each species' true
probability of occupancy is known everywhere.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._bbox import validate_bbox
from .._covariate_input import lonlat_of
from .._geometry import great_circle_angle, unit_vectors_from_degrees, wrap_longitude
from .._optional import import_optional
from .._sampling import lonlat_from_uniform

__all__ = ["VIRTUAL_SURVEY_REGIONS", "make_virtual_survey"]

#: The named regions of :func:`make_virtual_survey`, as ``(lon_min, lat_min,
#: lon_max, lat_max)``: about 450 km, 1,100 km and 4,400 km across.
VIRTUAL_SURVEY_REGIONS = {
    "alps": (5.0, 45.0, 11.0, 49.0),
    "south-east australia": (141.0, -38.0, 153.0, -28.0),
    "south america": (-80.0, -35.0, -40.0, 0.0),
}

_SOIL_LEVELS = 5
_N_POOL = 40_000  # candidate sites the records and the survey sites come from
_MIN_OCCUPIED = 50  # pool sites a species must occupy to be kept
_MAX_TRIES_PER_SPECIES = 100


def _box_sites(box, n, rng):
    """``n`` points uniform by area in the box."""
    if box.lon_min > box.lon_max:  # across the antimeridian
        lon = wrap_longitude(rng.uniform(box.lon_min, box.lon_min + box.lon_width, n))
    else:
        lon = rng.uniform(box.lon_min, box.lon_max, n)
    u_lat = rng.uniform(size=n)
    lat = lonlat_from_uniform(np.zeros(n), u_lat, box.lat_min, box.lat_max)[:, 1]
    return np.column_stack([lon, lat])


def _land_sites(box, n, rng):
    """``n`` points uniform by area over the land of the box (the land mask
    of ``global-land-mask``), drawn from the box and kept where on land."""
    from .._landmask import is_land

    kept, found, drawn = [], 0, 0
    while found < n:
        batch = _box_sites(box, max(2 * (n - found), 1000), rng)
        drawn += len(batch)
        batch = batch[is_land(batch[:, 0], batch[:, 1])]
        kept.append(batch)
        found += len(batch)
        if drawn >= 100_000 and found < 1e-3 * drawn:
            raise ValueError(
                f"region {tuple(box)} is almost all sea ({found} of {drawn} "
                "points on land); give a box over land, or land_only=False."
            )
    return np.concatenate(kept)[:n]


def _unit(lonlat):
    return unit_vectors_from_degrees(lonlat[:, 0], lonlat[:, 1])


def _diagonal_radians(box):
    corners = _unit(np.array([[box.lon_min, box.lat_min], [box.lon_max, box.lat_max]]))
    return float(great_circle_angle(corners[:1], corners[1:])[0, 0])


def _smooth_field(box, rng, n_bumps=10, widths=(0.1, 0.4)):
    """A random field ``lonlat -> values``: ``n_bumps`` Gaussian bumps of the
    great-circle distance, of widths ``widths`` of the region's diagonal,
    standardised over the region."""
    centres = _unit(_box_sites(box, n_bumps, rng))
    widths = rng.uniform(*widths, n_bumps) * _diagonal_radians(box)
    heights = rng.normal(size=n_bumps)
    reference = _box_sites(box, 5000, rng)

    def field(lonlat):
        angles = great_circle_angle(_unit(lonlat), centres)
        return np.exp(-0.5 * (angles / widths) ** 2) @ heights

    values = field(reference)
    mean, spread = values.mean(), values.std()
    return lambda lonlat: (field(lonlat) - mean) / spread


def _make_region(box, rng):
    """The region's covariates ``lonlat -> DataFrame`` and its sampling bias."""
    warmth, rain, relief, bias = (_smooth_field(box, rng) for _ in range(4))
    soil_centres = _unit(_box_sites(box, 12, rng))
    soil_of_centre = rng.integers(0, _SOIL_LEVELS, len(soil_centres))
    middle = 0.5 * (box.lat_min + box.lat_max)
    span = abs(box.lat_max - box.lat_min)

    def covariates(lonlat):
        soil = soil_of_centre[np.argmax(_unit(lonlat) @ soil_centres.T, axis=1)]
        return pd.DataFrame(
            {
                "temperature": -(np.abs(lonlat[:, 1]) - abs(middle)) / span
                + 0.5 * warmth(lonlat),
                "rain": rain(lonlat),
                "relief": relief(lonlat),
                "soil": pd.Categorical(soil, categories=range(_SOIL_LEVELS)),
            }
        )

    return covariates, bias


def _make_species(box, pool, pool_covariates, rng, n_ranges, preference, hidden):
    """A species' probability of occupancy ``(lonlat, covariates) -> p``, or
    None when no pool site is suitable enough to start its range from."""

    def pick(candidates, size=None):
        if preference is None:
            return candidates[rng.integers(len(candidates), size=size)]
        weights = preference[candidates] / preference[candidates].sum()
        return rng.choice(candidates, size=size, p=weights)

    temperature = pool_covariates["temperature"].to_numpy()
    rain = pool_covariates["rain"].to_numpy()
    site = pick(np.arange(len(pool)))
    optimum = pool_covariates.iloc[site]
    widths = rng.uniform(0.3, 1.0, 2) * np.array([temperature.std(), rain.std()])
    soil_weight = rng.uniform(0.2, 1.0, _SOIL_LEVELS)
    soil_weight[rng.integers(_SOIL_LEVELS)] = 0.0  # one soil it never lives on
    hidden_optimum = np.array([field(pool[site, None])[0] for field in hidden])
    hidden_widths = rng.uniform(0.5, 1.0, len(hidden))

    def suitability(lonlat, frame):
        t = (frame["temperature"].to_numpy() - optimum["temperature"]) / widths[0]
        r = (frame["rain"].to_numpy() - optimum["rain"]) / widths[1]
        soil = soil_weight[frame["soil"].cat.codes.to_numpy()]
        squares = t**2 + r**2
        for field, centre, width in zip(hidden, hidden_optimum, hidden_widths):
            squares = squares + ((field(lonlat) - centre) / width) ** 2
        return np.exp(-0.5 * squares) * soil

    suitable = np.flatnonzero(suitability(pool, pool_covariates) > 0.5)
    if len(suitable) == 0:
        return None
    if n_ranges == 1:
        origin = _unit(pool[pick(suitable), None])
        radius = np.array([rng.uniform(0.15, 0.5)]) * _diagonal_radians(box)
    else:
        origin = _unit(pool[pick(suitable, size=n_ranges)])
        radius = rng.uniform(0.05, 0.2, n_ranges) * _diagonal_radians(box)

    def occupancy(lonlat, frame):
        distance = great_circle_angle(_unit(lonlat), origin)
        reach = np.exp(-0.5 * (distance / radius) ** 2).max(axis=1)
        return suitability(lonlat, frame) * reach

    return occupancy


def _check_count(value, name, low, high=None):
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer; got {value!r}.")
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f" and at most {high}"
        raise ValueError(f"{name} must be at least {low}{upper}; got {value}.")
    return int(value)


def _check_strength(value, name):
    if not isinstance(value, Real) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0; got {value!r}.")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    return float(value)


def _spelling(name):
    """A region's name with case, hyphens and underscores ignored."""
    return " ".join(name.lower().replace("-", " ").replace("_", " ").split())


def _region_box(region):
    if isinstance(region, str):
        named = {_spelling(name): box for name, box in VIRTUAL_SURVEY_REGIONS.items()}
        if _spelling(region) not in named:
            raise ValueError(
                f"Unknown region {region!r}; use one of "
                f"{sorted(VIRTUAL_SURVEY_REGIONS)} or a box (lon_min, lat_min, "
                "lon_max, lat_max) in degrees."
            )
        region = named[_spelling(region)]
    box = validate_bbox(region, name="region")
    if box.lon_width > 180.0 or box.lat_max - box.lat_min > 90.0:
        raise ValueError(
            f"region {tuple(region)} is wider than 180° of longitude or 90° of "
            "latitude; a virtual survey region is a study area, not a "
            "hemisphere: give a smaller box."
        )
    return box


def _check_n_records(n_records):
    try:
        low, high = n_records
    except (TypeError, ValueError):
        raise ValueError(
            "n_records must be a pair (min, max) of record counts a species; "
            f"got {n_records!r}."
        ) from None
    low = _check_count(low, "n_records[0]", 1)
    high = _check_count(high, "n_records[1]", low, _N_POOL // 4)
    return low, high


def make_virtual_survey(
    region="alps",
    *,
    n_species=15,
    n_records=(5, 150),
    n_background=10_000,
    n_survey=2_000,
    sampling_bias=1.5,
    n_ranges=1,
    richness_centre=0.0,
    n_hidden_covariates=0,
    land_only=False,
    random_state=None,
):
    """Virtual species of one region, as species distribution data sets ship them.

    A region gets four covariates, smooth random fields over the sphere
    whose detail scales with the region: ``temperature`` (falling away from
    the region's middle latitude, plus a field), ``rain`` and ``relief``
    (fields), and ``soil``, a pandas categorical of five levels (the Voronoi
    cells of twelve random centres). Each species has a niche, a Gaussian
    response to temperature and rain (its optimum at a random site, widths
    0.3 to 1 of their spread) times a weight per soil level (zero for one),
    and a range limited by dispersal: its probability of occupancy is the
    suitability times ``exp(-d² / 2R²)``, ``d`` the great-circle distance to
    a suitable site where it started and ``R`` 15 to 50 % of the region's
    diagonal. So the covariates explain much of a range and the location
    the rest.

    Each site of a pool of 40,000 is occupied or not as drawn from that
    probability, and a species' presence-only records are ``n_records``
    (log-uniform) of its occupied sites, drawn with the observers' bias:
    weight ``exp(sampling_bias · b)`` of a smooth field ``b`` of unit spread
    (roads and towns). The survey sites are drawn from a second pool with
    the same bias (surveys go where observers go), and each species is
    present or absent at each as drawn from its probability there. The
    background sites are uniform by area over the region. This is the
    generator of the benchmark ``benchmarks/bench_sdm_virtual.py``
    (:doc:`/benchmarks`, "Virtual species of several regions").

    Parameters
    ----------
    region : str or tuple of four floats, default="alps"
        A key of :data:`VIRTUAL_SURVEY_REGIONS` (``"alps"``, about 450 km
        across; ``"south-east australia"``, 1,100 km; ``"south america"``,
        4,400 km; case, hyphens and underscores do not matter) or a box
        ``(lon_min, lat_min, lon_max, lat_max)`` in degrees (``lon_min >
        lon_max`` crosses the antimeridian), at most 180° wide and 90° high.
    n_species : int, default=15
        Species to make.
    n_records : tuple of two ints, default=(5, 150)
        The least and the most presence-only records of a species; each
        species' count is drawn log-uniformly between them.
    n_background : int, default=10000
        Background sites, uniform by area over the region.
    n_survey : int, default=2000
        Presence-absence survey sites.
    sampling_bias : float, default=1.5
        Strength of the observers' bias of the records and the survey
        sites; 0 draws both uniformly by area.
    n_ranges : int, default=1
        Ranges a species: more than one gives it that many smaller ones
        (``R`` 5 to 20 % of the diagonal; disjunct populations).
    richness_centre : float, default=0.0
        Above 0, the species' optima and ranges are drawn with weight
        ``exp(richness_centre · h)`` of a smooth field ``h``, so that they
        crowd into one centre of richness, as the species of a clade often
        do.
    n_hidden_covariates : int, default=0
        Unmeasured covariates: fields of fine detail (60 bumps of widths 3
        to 10 % of the diagonal) to which each species has a Gaussian
        response too, and which the returned data do not hold, so that the
        location carries habitat at fine scales.
    land_only : bool, default=False
        Whether the sites (those the records come from, the background and
        the survey sites) lie on land only, by the land mask of
        ``global-land-mask`` (the ``sdm`` extra), as a terrestrial
        species' would; the covariate fields stay those of the whole box.
        False places them anywhere in the box, as the benchmark does.
    random_state : int, numpy.random.Generator or None, default=None
        Seeds everything; the same seed gives the same data.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``records``
            DataFrame of the presence-only records: ``species``, ``lon``,
            ``lat`` and the covariates.
        ``background``
            DataFrame of the background sites: ``lon``, ``lat`` and the
            covariates.
        ``survey``
            DataFrame of the survey sites: ``lon``, ``lat`` and the
            covariates.
        ``survey_presence``
            DataFrame of ``n_survey`` rows and a 0/1 column a species:
            whether it was found at the site.
        ``survey_occupancy``
            The same shape, each species' true probability of occupancy at
            the site, from which its presence was drawn: no model ranks the
            sites better in expectation.
        ``covariates``
            Function ``lonlat -> DataFrame`` of the covariates at any
            ``(n, 2)`` longitudes and latitudes (or the ``lon`` and ``lat``
            columns of a DataFrame).
        ``occupancy``
            Function ``lonlat -> DataFrame`` of each species' true
            probability of occupancy there, taking the same input.
        ``covariate_layers``
            Function ``(resolution_deg) -> xarray.Dataset`` of the
            covariates at the cell centres of a grid over the region (the
            cells of :func:`~skgeo_s2v.sdm.grid_coordinates`), the
            ``covariates=`` of :func:`~skgeo_s2v.sdm.predict_grid`; ``soil``
            holds its level codes. With ``land_only``, cells at sea are NaN,
            so that the grid leaves them out. Needs the ``sdm`` extra
            (xarray).
        ``occupancy_grid``
            Function ``(resolution_deg) -> xarray.DataArray`` of each
            species' true probability of occupancy on the same cells, with
            the dimensions of :func:`~skgeo_s2v.sdm.predict_grid`'s output
            (``class``, ``lat``, ``lon``), to hold a model's map against;
            NaN at sea with ``land_only``.
        ``bbox``
            The region's box ``(lon_min, lat_min, lon_max, lat_max)``.
        ``species``
            The species' names, ``"sp00"``, ``"sp01"``, ...

    Raises
    ------
    ValueError
        For an unknown region or a box too large, counts that are not
        positive integers, ``n_records`` not an increasing pair, a negative
        strength, a region where the species cannot be placed, or (with
        ``land_only``) a region almost all at sea.

    See Also
    --------
    skgeo_s2v.sdm.make_sdm_ensemble : the documented model of such data.
    skgeo_s2v.sdm.presence_auc : the ROC AUC of each species on the survey.

    Examples
    --------
    >>> from skgeo_s2v.datasets import make_virtual_survey
    >>> data = make_virtual_survey(n_species=3, n_background=500,
    ...                            n_survey=200, random_state=0)
    >>> list(data.records.columns)
    ['species', 'lon', 'lat', 'temperature', 'rain', 'relief', 'soil']
    >>> data.background.shape, data.survey_presence.shape
    ((500, 6), (200, 3))
    >>> list(data.survey_presence.columns)
    ['sp00', 'sp01', 'sp02']
    """
    box = _region_box(region)
    n_species = _check_count(n_species, "n_species", 1)
    min_records, max_records = _check_n_records(n_records)
    n_background = _check_count(n_background, "n_background", 1)
    n_survey = _check_count(n_survey, "n_survey", 1, _N_POOL)
    sampling_bias = _check_strength(sampling_bias, "sampling_bias")
    n_ranges = _check_count(n_ranges, "n_ranges", 1)
    richness_centre = _check_strength(richness_centre, "richness_centre")
    n_hidden = _check_count(n_hidden_covariates, "n_hidden_covariates", 0)
    if not isinstance(land_only, (bool, np.bool_)):
        raise ValueError(f"land_only must be True or False; got {land_only!r}.")
    sites = _land_sites if land_only else _box_sites
    if isinstance(random_state, np.random.RandomState):
        random_state = random_state.randint(np.iinfo(np.int32).max)
    rng = np.random.default_rng(random_state)

    covariates, bias = _make_region(box, rng)
    richness = _smooth_field(box, rng) if richness_centre > 0 else None
    hidden = [
        _smooth_field(box, rng, n_bumps=60, widths=(0.03, 0.1)) for _ in range(n_hidden)
    ]
    pool = sites(box, _N_POOL, rng)
    pool_covariates = covariates(pool)
    background = sites(box, n_background, rng)
    weights = np.exp(sampling_bias * bias(pool))
    weights /= weights.sum()
    survey_pool = sites(box, _N_POOL, rng)
    survey_weights = np.exp(sampling_bias * bias(survey_pool))
    survey = survey_pool[
        rng.choice(
            _N_POOL, n_survey, replace=False, p=survey_weights / survey_weights.sum()
        )
    ]
    survey_covariates = covariates(survey)
    preference = None
    if richness is not None:
        preference = np.exp(richness_centre * richness(pool))
        preference /= preference.sum()

    records, occupancies, presence, occupancy_at_survey = [], [], [], []
    tries = 0
    while len(occupancies) < n_species:
        tries += 1
        if tries > _MAX_TRIES_PER_SPECIES * n_species:
            raise ValueError(
                f"Could place only {len(occupancies)} of {n_species} species in "
                f"region {tuple(box)} after {tries - 1} tries (a species needs "
                f"{max(max_records, _MIN_OCCUPIED)} occupied sites of the pool); "
                "ask for fewer records a species (n_records) or fewer ranges."
            )
        occupancy = _make_species(
            box, pool, pool_covariates, rng, n_ranges, preference, hidden
        )
        if occupancy is None:
            continue
        occupied = np.flatnonzero(
            rng.random(_N_POOL) < occupancy(pool, pool_covariates)
        )
        count = int(np.exp(rng.uniform(np.log(min_records), np.log(max_records))))
        # exp(log(n)) can round below n: never fewer records than asked for.
        count = min(max(count, min_records), max_records)
        if len(occupied) < max(count, _MIN_OCCUPIED):
            continue
        chosen = rng.choice(
            occupied,
            count,
            replace=False,
            p=weights[occupied] / weights[occupied].sum(),
        )
        records.append(pool[chosen])
        occupancies.append(occupancy)
        occupancy_at_survey.append(occupancy(survey, survey_covariates))
        presence.append(rng.random(n_survey) < occupancy_at_survey[-1])

    species = [f"sp{i:02d}" for i in range(n_species)]
    record_lonlat = np.concatenate(records)
    labels = np.repeat(species, [len(r) for r in records])

    def frame(lonlat, covariate_frame, **first):
        return pd.concat(
            [
                pd.DataFrame({**first, "lon": lonlat[:, 0], "lat": lonlat[:, 1]}),
                covariate_frame,
            ],
            axis=1,
        )

    def covariates_at(lonlat):
        return covariates(np.asarray(lonlat_of(lonlat), dtype=float))

    def occupancy_at(lonlat):
        lonlat = np.asarray(lonlat_of(lonlat), dtype=float)
        values = covariates(lonlat)
        return pd.DataFrame(
            {name: p(lonlat, values) for name, p in zip(species, occupancies)}
        )

    def covariate_layers(resolution_deg):
        return _covariate_layers(covariates, box, resolution_deg, land_only)

    def occupancy_grid(resolution_deg):
        return _occupancy_grid(occupancy_at, species, box, resolution_deg, land_only)

    return Bunch(
        records=frame(record_lonlat, covariates(record_lonlat), species=labels),
        background=frame(background, covariates(background)),
        survey=frame(survey, survey_covariates),
        survey_presence=pd.DataFrame(
            np.column_stack(presence).astype(int), columns=species
        ),
        survey_occupancy=pd.DataFrame(
            np.column_stack(occupancy_at_survey), columns=species
        ),
        covariates=covariates_at,
        occupancy=occupancy_at,
        covariate_layers=covariate_layers,
        occupancy_grid=occupancy_grid,
        bbox=tuple(box),
        species=species,
    )


def _grid_cells(box, resolution_deg, land_only):
    """The cells of :func:`~skgeo_s2v.sdm.grid_coordinates` over ``box``:
    their axes ``(lon, lat)``, every cell's ``(lon, lat)`` row by row from
    the north, and which cells lie at sea (none unless ``land_only``)."""
    from ..sdm._grid import grid_cells, grid_coordinates

    lon, lat = grid_coordinates(resolution_deg, tuple(box))
    cells = grid_cells(lon, lat)
    at_sea = np.zeros(len(cells), dtype=bool)
    if land_only:
        from .._landmask import is_land

        at_sea = ~is_land(cells[:, 0], cells[:, 1])
    return (lon, lat), cells, at_sea


def _covariate_layers(covariates, box, resolution_deg, land_only):
    """The covariates on the grid over ``box``, an ``xarray.Dataset`` of 2-D
    variables on ``lat``/``lon`` (``soil`` as its codes), NaN at sea with
    ``land_only``."""
    xr = import_optional("xarray", "sdm", "covariate layers of a virtual survey")
    (lon, lat), cells, at_sea = _grid_cells(box, resolution_deg, land_only)
    values = covariates(cells)
    values["soil"] = values["soil"].cat.codes
    if at_sea.any():
        values = values.astype(float)
        values[at_sea] = np.nan
    return xr.Dataset(
        {
            name: (("lat", "lon"), values[name].to_numpy().reshape(lat.size, -1))
            for name in values
        },
        coords={"lat": lat, "lon": lon},
    )


def _occupancy_grid(occupancy, species, box, resolution_deg, land_only):
    """Each species' true occupancy on the grid over ``box``, an
    ``xarray.DataArray`` of dimensions ``class``, ``lat``, ``lon``, NaN at
    sea with ``land_only``."""
    xr = import_optional("xarray", "sdm", "the occupancy grid of a virtual survey")
    (lon, lat), cells, at_sea = _grid_cells(box, resolution_deg, land_only)
    values = np.array(occupancy(cells), dtype=float)
    values[at_sea] = np.nan
    return xr.DataArray(
        values.T.reshape(len(species), lat.size, lon.size),
        dims=("class", "lat", "lon"),
        coords={"class": species, "lat": lat, "lon": lon},
        name="occupancy",
        attrs={"long_name": "true probability of occupancy"},
    )
