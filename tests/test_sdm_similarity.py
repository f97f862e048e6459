"""The multivariate environmental similarity surface (skgeo_s2v.sdm.mess)."""

import numpy as np
import pandas as pd
import pytest

from skgeo_s2v.sdm import mess

# Ten reference sites: a = 0, 1, ..., 9 and b = 0, 10, ..., 90.
REFERENCE = pd.DataFrame(
    {
        "lon": np.linspace(0, 9, 10),
        "lat": 45.0,
        "a": np.arange(10.0),
        "b": np.arange(0.0, 100.0, 10.0),
        "soil": pd.Categorical(["clay", "sand"] * 5),
    }
)


def test_each_branch_of_the_definition_by_hand():
    sites = pd.DataFrame(
        {
            # 4.5: 5 of 10 below, 2 * 50; 0: at the minimum, 0; -0.9: 10 % of
            # the range below it; 9: 9 below, 2 * (100 - 90); 2: 2 below, 2 * 20
            "a": [4.5, 0.0, -0.9, 9.0, 2.0],
            # 85: 9 below, 20; 45: 5 below, 100; 100: 10/90 of the range above;
            # 0.5: 1 below, 2 * 10; 95: 10/90 above it
            "b": [85.0, 45.0, 100.0, 0.5, 95.0],
        },
        index=[10, 11, 12, 13, 14],
    )
    result = mess(REFERENCE, sites)
    assert result.columns.tolist() == ["a", "b", "mess", "most_dissimilar"]
    assert result.index.tolist() == [10, 11, 12, 13, 14]
    np.testing.assert_allclose(result["a"], [100.0, 0.0, -10.0, 20.0, 40.0])
    np.testing.assert_allclose(
        result["b"], [20.0, 100.0, -100 / 9, 20.0, -50 / 9], rtol=1e-12
    )
    np.testing.assert_allclose(result["mess"], [20.0, 0.0, -100 / 9, 20.0, -50 / 9])
    assert result["most_dissimilar"].tolist() == ["b", "a", "b", "a", "b"]  # tie: a


def test_negative_exactly_outside_the_reference_range():
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(rng.normal(size=(200, 3)), columns=["x", "y", "z"])
    sites = pd.DataFrame(rng.normal(scale=2, size=(500, 3)), columns=["x", "y", "z"])
    result = mess(reference, sites)
    outside = ((sites < reference.min()) | (sites > reference.max())).any(axis=1)
    assert outside.any() and not outside.all()
    np.testing.assert_array_equal(result["mess"] < 0, outside)
    assert (mess(reference, reference)["mess"] >= 0).all()  # its own rows
    assert result["mess"].max() <= 100


def test_default_columns_leave_out_coordinates_and_categoricals():
    result = mess(REFERENCE, REFERENCE.head(3))
    assert result.columns.tolist() == ["a", "b", "mess", "most_dissimilar"]
    only_b = mess(REFERENCE, pd.DataFrame({"b": [45.0]}), columns="b")
    assert only_b.columns.tolist() == ["b", "mess", "most_dissimilar"]


def test_input_is_left_as_it_was():
    sites = REFERENCE.head(4).copy()
    before, reference_before = sites.copy(), REFERENCE.copy()
    mess(REFERENCE, sites)
    pd.testing.assert_frame_equal(sites, before)
    pd.testing.assert_frame_equal(REFERENCE, reference_before)


def test_a_dataset_of_rasters_gives_the_same_values_on_its_grid():
    xr = pytest.importorskip("xarray")
    lat, lon = np.array([40.5, 41.5]), np.array([0.5, 1.5, 2.5])
    a = np.array([[4.5, 0.0, -0.9], [9.0, np.nan, 2.0]])
    b = np.array([[85.0, 45.0, 100.0], [0.5, 30.0, 95.0]])
    rasters = xr.Dataset(
        {
            "a": (("lat", "lon"), a, {"units": "degC"}),
            "b": (("lat", "lon"), b),
        },
        coords={"lat": lat, "lon": lon},
    )
    result = mess(REFERENCE, rasters)
    assert set(result.data_vars) == {"a", "b", "mess", "most_dissimilar"}
    assert result["mess"].dims == ("lat", "lon")
    np.testing.assert_array_equal(result["lat"], lat)
    assert result["a"].attrs == {}  # a similarity, not degrees
    rows = pd.DataFrame({"a": a.ravel(), "b": b.ravel()}).drop(index=4)
    expected = mess(REFERENCE, rows)
    got = result["mess"].values.ravel()
    assert np.isnan(got[4])  # no data in, no data out
    np.testing.assert_allclose(np.delete(got, 4), expected["mess"])
    names = result["most_dissimilar"].values.ravel()
    assert pd.isna(names[4])
    assert np.delete(names, 4).tolist() == expected["most_dissimilar"].tolist()


@pytest.mark.parametrize(
    "reference, sites, kwargs, match",
    [
        (REFERENCE, pd.DataFrame({"a": [1.0]}), {}, "X lacks the covariate 'b'"),
        (REFERENCE, REFERENCE, {"columns": ["soil"]}, "'soil' is not a numeric"),
        (REFERENCE, REFERENCE, {"columns": ["c"]}, "'c' is not a numeric"),
        (REFERENCE, REFERENCE, {"columns": []}, "columns is empty"),
        (
            REFERENCE.assign(c=1.0),
            REFERENCE.assign(c=1.0),
            {"columns": ["c"]},
            "'c' takes a single value",
        ),
        (
            REFERENCE.assign(a=[np.nan] + list(range(9))),
            REFERENCE,
            {},
            "reference column 'a' holds nan at row 0",
        ),
        (
            REFERENCE,
            pd.DataFrame({"a": [1.0, np.inf], "b": [1.0, 2.0]}),
            {},
            "X column 'a' holds inf at row 1",
        ),
        (
            REFERENCE,
            pd.DataFrame({"a": [1.0, None], "b": [1.0, 2.0]}),
            {},
            "X column 'a' holds nan at row 1",
        ),
        (REFERENCE.assign(mess=REFERENCE["a"]), REFERENCE, {}, "named 'mess'"),
        (REFERENCE[["lon", "lat", "soil"]], REFERENCE, {}, "no numeric covariate"),
        (REFERENCE.to_numpy(), REFERENCE, {}, "reference must be a DataFrame"),
        (REFERENCE, REFERENCE[["a", "b"]].to_numpy(), {}, "X must be a DataFrame"),
    ],
)
def test_bad_input_is_named(reference, sites, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mess(reference, sites, **kwargs)


def test_bad_rasters_are_named():
    xr = pytest.importorskip("xarray")
    grid = {"coords": {"lat": [40.5, 41.5], "lon": [0.5, 1.5]}}
    good = np.ones((2, 2))
    missing = xr.Dataset({"a": (("lat", "lon"), good)}, **grid)
    with pytest.raises(ValueError, match="lack the variable 'b'"):
        mess(REFERENCE, missing)
    infinite = missing.assign(b=(("lat", "lon"), np.array([[1.0, np.inf], [1, 1]])))
    with pytest.raises(ValueError, match="'b' holds an infinite value"):
        mess(REFERENCE, infinite)
    swapped = missing.assign(b=(("lon", "lat"), good))
    with pytest.raises(ValueError, match="same grid"):
        mess(REFERENCE, swapped)


def test_other_spellings_of_the_coordinates_are_no_covariates():
    reference = REFERENCE.rename(columns={"lon": "longitude", "lat": "Latitude"})
    result = mess(reference, REFERENCE[["a", "b"]])
    assert result.columns.tolist() == ["a", "b", "mess", "most_dissimilar"]
