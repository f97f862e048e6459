"""make_virtual_survey: virtual species of one region, records, sites and surveys."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kstest
from sklearn.metrics import roc_auc_score

from skgeo_s2v.datasets import VIRTUAL_SURVEY_REGIONS, make_virtual_survey

COVARIATES = ["temperature", "rain", "relief", "soil"]
SMALL = {"n_species": 3, "n_background": 500, "n_survey": 300}


@pytest.fixture(scope="module")
def data():
    return make_virtual_survey(**SMALL, random_state=0)


def _inside(lonlat, box):
    lon_min, lat_min, lon_max, lat_max = box
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    in_lon = (
        (lon >= lon_min) & (lon <= lon_max)
        if lon_min < lon_max
        else (lon >= lon_min) | (lon <= lon_max)
    )
    return in_lon & (lat >= lat_min) & (lat <= lat_max)


def test_the_frames_hold_what_sdm_data_sets_ship(data):
    assert list(data.records.columns) == ["species", "lon", "lat", *COVARIATES]
    assert list(data.background.columns) == ["lon", "lat", *COVARIATES]
    assert list(data.survey.columns) == ["lon", "lat", *COVARIATES]
    assert data.background.shape == (500, 6)
    assert data.survey.shape == (300, 6)
    assert data.species == ["sp00", "sp01", "sp02"]
    assert sorted(data.records["species"].unique()) == data.species
    for frame in (data.records, data.background, data.survey):
        assert isinstance(frame["soil"].dtype, pd.CategoricalDtype)
        assert list(frame["soil"].cat.categories) == [0, 1, 2, 3, 4]
        assert np.isfinite(frame[COVARIATES[:3]].to_numpy()).all()
    assert list(data.survey_presence.columns) == data.species
    assert set(np.unique(data.survey_presence.to_numpy())) <= {0, 1}
    occupancy = data.survey_occupancy.to_numpy()
    assert occupancy.shape == (300, 3)
    assert ((occupancy >= 0) & (occupancy <= 1)).all()


def test_every_site_lies_in_the_region(data):
    box = VIRTUAL_SURVEY_REGIONS["alps"]
    assert data.bbox == box
    for frame in (data.records, data.background, data.survey):
        assert _inside(frame[["lon", "lat"]].to_numpy(), box).all()


def test_a_region_is_named_in_any_case_with_hyphens_or_underscores():
    box = VIRTUAL_SURVEY_REGIONS["south-east australia"]
    for name in (
        "South_East_Australia",
        "south east australia",
        "SOUTH-EAST-AUSTRALIA",
    ):
        assert make_virtual_survey(name, **SMALL, random_state=0).bbox == box


def test_a_box_across_the_antimeridian():
    box = (170.0, -50.0, -170.0, -30.0)
    data = make_virtual_survey(box, **SMALL, random_state=1)
    for frame in (data.records, data.background, data.survey):
        lonlat = frame[["lon", "lat"]].to_numpy()
        assert _inside(lonlat, box).all()
        assert (lonlat[:, 0] >= -180.0).all() and (lonlat[:, 0] < 180.0).all()
    # Both sides of the antimeridian get background sites, in proportion to
    # their extent (10 degrees of longitude each).
    east = (data.background["lon"] > 0).mean()
    assert 0.4 < east < 0.6


def test_the_same_seed_gives_the_same_data():
    first = make_virtual_survey(**SMALL, random_state=3)
    again = make_virtual_survey(**SMALL, random_state=np.random.default_rng(3))
    other = make_virtual_survey(**SMALL, random_state=4)
    for name in ("records", "background", "survey", "survey_presence"):
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first.records.equals(other.records)
    # A RandomState is accepted too, and is reproducible.
    a = make_virtual_survey(**SMALL, random_state=np.random.RandomState(5))
    b = make_virtual_survey(**SMALL, random_state=np.random.RandomState(5))
    pd.testing.assert_frame_equal(a.records, b.records)


def test_record_counts_stay_in_the_range_asked_for():
    data = make_virtual_survey(
        n_species=8, n_records=(10, 20), n_background=100, n_survey=100, random_state=0
    )
    counts = data.records["species"].value_counts()
    assert len(counts) == 8
    assert counts.min() >= 10 and counts.max() <= 20


@pytest.mark.parametrize("count", [5, 7, 49])
def test_a_fixed_record_count_is_met_exactly(count):
    # exp(log(5)) rounds to 4.999...: the count was once truncated to 4.
    data = make_virtual_survey(
        n_species=3,
        n_records=(count, count),
        n_background=100,
        n_survey=100,
        random_state=0,
    )
    assert (data.records["species"].value_counts() == count).all()


def test_presence_is_drawn_from_the_occupancy(data):
    presence = data.survey_presence.to_numpy()
    occupancy = data.survey_occupancy.to_numpy()
    # No presence where the species cannot live.
    assert not presence[occupancy == 0].any()
    # The observed prevalence is the mean occupancy, within 4 standard errors.
    expected = occupancy.mean(axis=0)
    spread = np.sqrt((occupancy * (1 - occupancy)).sum(axis=0)) / len(occupancy)
    assert (np.abs(presence.mean(axis=0) - expected) <= 4 * spread + 1e-12).all()


def test_the_functions_give_the_covariates_and_occupancy_anywhere(data):
    pd.testing.assert_frame_equal(
        data.covariates(data.records[["lon", "lat"]].to_numpy()),
        data.records[COVARIATES],
    )
    # A DataFrame with further columns is read by its lon and lat.
    pd.testing.assert_frame_equal(data.occupancy(data.survey), data.survey_occupancy)
    with pytest.raises(ValueError, match="lat"):
        data.occupancy(np.array([[7.0, 95.0]]))


def test_the_true_occupancy_ranks_the_survey_better_than_chance(data):
    presence = data.survey_presence.to_numpy()
    for column in range(presence.shape[1]):
        if presence[:, column].sum() >= 5:
            auc = roc_auc_score(
                presence[:, column], data.survey_occupancy.iloc[:, column]
            )
            assert auc > 0.8


def test_the_sampling_bias_moves_the_survey_sites():
    box = VIRTUAL_SURVEY_REGIONS["alps"]
    low, high = np.sin(np.deg2rad([box[1], box[3]]))

    def uniform_by_area(frame):
        z = (np.sin(np.deg2rad(frame["lat"])) - low) / (high - low)
        lon = (frame["lon"] - box[0]) / (box[2] - box[0])
        return min(kstest(z, "uniform").pvalue, kstest(lon, "uniform").pvalue)

    unbiased = make_virtual_survey(**SMALL, sampling_bias=0.0, random_state=0)
    biased = make_virtual_survey(**SMALL, sampling_bias=3.0, random_state=0)
    assert uniform_by_area(unbiased.background) > 0.01
    assert uniform_by_area(unbiased.survey) > 0.01
    assert uniform_by_area(biased.background) > 0.01
    assert uniform_by_area(biased.survey) < 1e-6


def test_options_of_the_benchmark_designs_run():
    for options in (
        {"n_ranges": 3},
        {"richness_centre": 1.5},
        {"n_hidden_covariates": 1},
    ):
        data = make_virtual_survey(**SMALL, **options, random_state=0)
        assert data.survey_presence.shape == (300, 3)
        # Hidden covariates stay hidden: the frames hold the four measured ones.
        assert list(data.background.columns) == ["lon", "lat", *COVARIATES]


def test_covariate_layers_feed_predict_grid(data):
    pytest.importorskip("xarray")
    from skgeo_s2v.sdm import SphereGAMClassifier, grid_coordinates, predict_grid

    layers = data.covariate_layers(0.5)
    lon, lat = grid_coordinates(0.5, data.bbox)
    np.testing.assert_array_equal(layers["lon"], lon)
    np.testing.assert_array_equal(layers["lat"], lat)
    cell = np.array([[lon[2], lat[3]]])
    expected = data.covariates(cell)
    for name in ("temperature", "rain", "relief"):
        assert float(layers[name][3, 2]) == pytest.approx(expected[name][0])
    assert int(layers["soil"][3, 2]) == expected["soil"][0]

    own = data.records[data.records["species"] == "sp00"].drop(columns="species")
    rows = pd.concat([own, data.background], ignore_index=True)
    presence = np.arange(len(rows)) < len(own)
    gam = SphereGAMClassifier("xyz").fit(rows, presence)
    grid = predict_grid(
        gam,
        resolution_deg=0.5,
        bbox=data.bbox,
        covariates=layers,
        method="predict_proba",
    )
    assert grid.shape == (2, lat.size, lon.size)
    assert np.isfinite(grid.values).all()


def test_the_occupancy_grid_is_the_occupancy_at_each_cell(data):
    pytest.importorskip("xarray")
    from skgeo_s2v.sdm import grid_coordinates

    grid = data.occupancy_grid(1.0)
    lon, lat = grid_coordinates(1.0, data.bbox)
    assert grid.dims == ("class", "lat", "lon")
    assert list(grid["class"].values) == data.species
    assert grid.shape == (3, lat.size, lon.size)
    cell = np.array([[lon[4], lat[1]]])
    expected = data.occupancy(cell)
    for name in data.species:
        assert float(grid.sel({"class": name})[1, 4]) == pytest.approx(
            expected[name][0]
        )


def test_covariate_layers_across_the_antimeridian():
    pytest.importorskip("xarray")
    from skgeo_s2v.sdm import grid_coordinates

    box = (170.0, -50.0, -170.0, -30.0)
    data = make_virtual_survey(box, **SMALL, random_state=1)
    layers = data.covariate_layers(2.0)
    lon, _ = grid_coordinates(2.0, box)
    np.testing.assert_array_equal(layers["lon"], lon)
    assert float(layers["lon"].max()) > 180.0  # increasing past 180, as rasters need
    expected = data.covariates(np.array([[lon[-1] - 360.0, float(layers["lat"][0])]]))
    assert float(layers["rain"][0, -1]) == pytest.approx(expected["rain"][0])


def test_land_only_keeps_every_site_on_land_and_the_sea_out_of_the_layers():
    pytest.importorskip("global_land_mask")
    pytest.importorskip("xarray")
    from skgeo_s2v._landmask import is_land

    data = make_virtual_survey(
        "south-east australia", **SMALL, land_only=True, random_state=0
    )
    for frame in (data.records, data.background, data.survey):
        assert is_land(frame["lon"], frame["lat"]).all()
    layers = data.covariate_layers(0.5)
    lon, lat = np.meshgrid(layers["lon"], layers["lat"])
    land = is_land(lon.ravel(), lat.ravel()).reshape(lon.shape)
    assert 0 < land.mean() < 1  # the box holds sea too
    for name in COVARIATES:
        assert np.isnan(layers[name].values[~land]).all()
        assert np.isfinite(layers[name].values[land]).all()
    occupancy = data.occupancy_grid(0.5).values
    assert np.isnan(occupancy[:, ~land]).all()
    assert np.isfinite(occupancy[:, land]).all()
    # Without land_only the same box puts sites at sea.
    anywhere = make_virtual_survey("south-east australia", **SMALL, random_state=0)
    assert not is_land(anywhere.background["lon"], anywhere.background["lat"]).all()


def test_land_only_refuses_a_region_at_sea():
    pytest.importorskip("global_land_mask")
    with pytest.raises(ValueError, match="almost all sea"):
        make_virtual_survey((-30.0, -40.0, -20.0, -30.0), land_only=True)
    with pytest.raises(ValueError, match="land_only must be True or False"):
        make_virtual_survey(land_only="yes")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"region": "atlantis"}, "Unknown region 'atlantis'; use one of"),
        ({"region": (-100.0, -10.0, 100.0, 10.0)}, "wider than 180"),
        ({"region": (0.0, 10.0, 5.0, 0.0)}, "lat_min=10.0 >= lat_max=0.0"),
        ({"n_species": 0}, "n_species must be at least 1"),
        ({"n_species": 2.5}, "n_species must be an integer"),
        ({"n_records": 10}, r"n_records must be a pair \(min, max\)"),
        ({"n_records": (20, 10)}, r"n_records\[1\] must be at least 20"),
        ({"n_survey": 50_000}, "n_survey must be at least 1 and at most 40000"),
        ({"sampling_bias": -1.0}, "sampling_bias must be a number >= 0"),
        ({"sampling_bias": np.inf}, "sampling_bias must be finite"),
        ({"n_ranges": 0}, "n_ranges must be at least 1"),
        ({"n_hidden_covariates": -1}, "n_hidden_covariates must be at least 0"),
    ],
)
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_virtual_survey(**kwargs)


def test_a_region_that_cannot_hold_the_species_says_so():
    # A species needs at least as many occupied pool sites as records: 10,000
    # records a species is beyond any range of a 40,000-site pool.
    with pytest.raises(ValueError, match="Could place only 0 of 1 species"):
        make_virtual_survey(n_species=1, n_records=(9_000, 10_000), random_state=0)
