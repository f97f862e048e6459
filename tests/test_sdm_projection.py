"""Longitude and latitude of projected coordinates (skgeo_s2v.sdm.to_lonlat)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.background import TargetGroupBackground
from skgeo_s2v.sdm import to_lonlat

pytest.importorskip("pyproj")


def test_the_origins_of_projections_land_where_they_are_defined():
    # A UTM zone's central meridian meets the equator at easting 500 km and,
    # in the south, northing 10,000 km; zone 55 is centred on 147° E.
    np.testing.assert_allclose(
        to_lonlat([[500_000.0, 10_000_000.0]], 32755), [[147.0, 0.0]], atol=1e-9
    )
    # Zone 33 north is centred on 15° E, its equator at northing 0.
    np.testing.assert_allclose(
        to_lonlat(np.array([[500_000.0, 0.0]]), "EPSG:32633"), [[15.0, 0.0]], atol=1e-9
    )


def test_web_mercator_inverts_its_closed_form():
    # EPSG:3857 is x = R λ, y = R ln tan(π/4 + φ/2) on the sphere of radius
    # R = 6378137 m, whatever the datum: a formula to check against.
    lon, lat = np.array([-120.0, 0.0, 35.5, 179.0]), np.array([-60.0, 0.0, 40.25, 80.0])
    radius = 6_378_137.0
    x = radius * np.deg2rad(lon)
    y = radius * np.log(np.tan(np.pi / 4 + np.deg2rad(lat) / 2))
    np.testing.assert_allclose(
        to_lonlat(np.column_stack([x, y]), 3857),
        np.column_stack([lon, lat]),
        atol=1e-9,
    )


def test_distances_along_a_meridian_are_kept():
    # Along the central meridian a UTM northing is the arc length times the
    # scale factor 0.9996: 1 degree of latitude near the equator is 110.57 km.
    lonlat = to_lonlat([[500_000.0, 10_000_000.0 - 110_574.4 * 0.9996]], 32755)
    np.testing.assert_allclose(lonlat, [[147.0, -1.0]], atol=1e-4)


def test_a_frame_keeps_its_other_columns_index_and_order():
    records = pd.DataFrame(
        {
            "spid": ["a", "b", "c"],
            "x": [500_000.0, 520_000.0, 480_000.0],
            "temp": [20.0, 21.0, 19.0],
            "y": [8_000_000.0, 8_010_000.0, 7_990_000.0],
            "soil": pd.Categorical(["clay", "sand", "clay"]),
        },
        index=[10, 11, 12],
    )
    before = records.copy(deep=True)
    frame = to_lonlat(records, 32755)
    pd.testing.assert_frame_equal(records, before)  # not modified
    assert list(frame.columns) == ["lon", "lat", "spid", "temp", "soil"]
    assert list(frame.index) == [10, 11, 12]
    assert frame["soil"].dtype == "category"
    np.testing.assert_allclose(
        frame[["lon", "lat"]].to_numpy(),
        to_lonlat(records[["x", "y"]].to_numpy(), 32755),
    )
    # named columns, e.g. a data set's "easting" and "northing"
    renamed = records.rename(columns={"x": "easting", "y": "northing"})
    again = to_lonlat(renamed, 32755, columns=("easting", "northing"))
    pd.testing.assert_frame_equal(again, frame)


def test_the_result_fits_a_classifier_with_covariates():
    rng = np.random.default_rng(0)
    records = pd.DataFrame(
        {
            "x": rng.uniform(300_000, 700_000, 60),
            "y": rng.uniform(7_800_000, 8_200_000, 60),
            "temp": rng.normal(20, 2, 60),
        }
    )
    species = np.where(records["x"] > 500_000, "east", "west")
    lonlat = to_lonlat(records, 32755)
    model = SphereLocationClassifier(
        max_epochs=2, background=TargetGroupBackground(), random_state=0
    ).fit(lonlat, species)
    assert model.predict_presence(lonlat).shape == (60, 2)
    with pytest.raises(ValueError, match="projected coordinates.*to_lonlat"):
        SphereLocationClassifier(max_epochs=2).fit(records[["x", "y"]], species)


@pytest.mark.parametrize(
    "X, crs, kwargs, message",
    [
        (pd.DataFrame({"e": [1.0], "n": [2.0]}), 32755, {}, r"lacks .*\['x', 'y'\]"),
        (pd.DataFrame({"x": [1.0]}), 32755, {"columns": ("x", "x")}, "two different"),
        (
            pd.DataFrame({"x": [5e5], "y": [8e6], "lon": [1.0]}),
            32755,
            {},
            r"already has the columns \['lon'\]",
        ),
        (pd.DataFrame({"x": ["far"], "y": [8e6]}), 32755, {}, "'x' of X holds"),
        (pd.DataFrame({"x": [5e5, np.nan], "y": [8e6, 8e6]}), 32755, {}, "row 1"),
        (np.zeros((2, 3)), 32755, {}, r"shape \(2, 3\)"),
        (np.array([[5e5, 8e6]]), "EPSG:99999999", {}, "not a coordinate reference"),
        (np.array([[5e5, 8e6], [1e30, 1e30]]), 32755, {}, "Row 1 of X.*outside"),
    ],
)
def test_bad_input_is_refused_with_what_to_fix(X, crs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        to_lonlat(X, crs, **kwargs)


def test_degrees_given_as_projected_coordinates_are_warned_of():
    degrees = pd.DataFrame({"x": [147.0, 150.5], "y": [-35.0, -33.2]})
    with pytest.warns(UserWarning, match="they look like degrees"):
        to_lonlat(degrees, 32755)
    # Metres of the zone: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_lonlat(degrees * 10_000.0, 32755)
