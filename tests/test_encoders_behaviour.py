"""Behaviour every encoder shares: input handling, dtypes, names, composition."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

import skgeo_s2v
from skgeo_s2v import (
    ENCODER_NAMES,
    RBFEncoder,
    RFFEncoder,
    SphereMPlusEncoder,
    TileEncoder,
    make_encoder,
)

from .conftest import ENCODER_INSTANCES, encoder_id, uniform_sphere

DENSE = [e for e in ENCODER_INSTANCES if not isinstance(e, TileEncoder)]


def to_dense(codes):
    return codes.toarray() if sp.issparse(codes) else codes


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(encoder, dtype, lonlat):
    codes = clone(encoder).fit(lonlat).transform(lonlat.astype(dtype))
    assert codes.dtype == dtype
    assert np.isfinite(to_dense(codes)).all()


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_integer_input_becomes_float64(encoder):
    X = np.array([[10, 20], [-30, 40], [170, -80]])
    assert clone(encoder).fit(X).transform(X).dtype == np.float64


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_input_is_not_modified(encoder):
    X = np.array([[190.0, 10.0], [-540.0, -20.0], [30.0, 90.0]])
    frame = pd.DataFrame(X.copy(), columns=["lon", "lat"])
    before, before_frame = X.copy(), frame.copy()
    clone(encoder).fit(X).transform(X)
    clone(encoder).fit(frame).transform(frame)
    assert_array_equal(X, before)
    pd.testing.assert_frame_equal(frame, before_frame)


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_longitudes_wrap(encoder, lonlat):
    fitted = clone(encoder).fit(lonlat)
    shifted = lonlat + np.array([360.0, 0.0])
    assert_allclose(
        to_dense(fitted.transform(shifted)),
        to_dense(fitted.transform(lonlat)),
        atol=1e-9,
    )
    assert_allclose(
        to_dense(fitted.transform([[180.0, 10.0]])),
        to_dense(fitted.transform([[-180.0, 10.0]])),
    )


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_dataframe_input_and_feature_names(encoder, lonlat):
    frame = pd.DataFrame(lonlat, columns=["longitude", "latitude"])
    fitted = clone(encoder).fit(frame)
    assert_array_equal(fitted.feature_names_in_, ["longitude", "latitude"])
    assert fitted.n_features_in_ == 2
    names = fitted.get_feature_names_out()
    assert names.dtype == object
    assert len(names) == to_dense(fitted.transform(frame)).shape[1]
    from_array = clone(encoder).fit(lonlat).transform(lonlat)
    assert_allclose(to_dense(fitted.transform(frame)), to_dense(from_array))


@pytest.mark.parametrize("encoder", DENSE, ids=encoder_id)
def test_set_output_pandas(encoder, lonlat):
    fitted = clone(encoder).set_output(transform="pandas").fit(lonlat)
    frame = fitted.transform(lonlat)
    assert isinstance(frame, pd.DataFrame)
    assert_array_equal(frame.columns, fitted.get_feature_names_out())


def test_feature_names_say_what_each_column_is():
    names = SphereMPlusEncoder(n_scales=2).get_feature_names_out().tolist()
    assert names[:8] == [
        "sin(lat*f0)",
        "cos(lat*f0)*cos(lon)",
        "cos(lat)*cos(lon*f0)",
        "cos(lat*f0)*sin(lon)",
        "cos(lat)*sin(lon*f0)",
        "cos(lat*f0)",
        "sin(lon*f0)",
        "cos(lon*f0)",
    ]
    assert names[8] == "sin(lat*f1)"


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_clone_and_pickle_round_trip(encoder, lonlat):
    fitted = clone(encoder).fit(lonlat)
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(
        to_dense(restored.transform(lonlat)), to_dense(fitted.transform(lonlat))
    )
    assert clone(fitted).get_params() == fitted.get_params()


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_subset_and_order_invariance(encoder, lonlat):
    fitted = clone(encoder).fit(lonlat)
    full = to_dense(fitted.transform(lonlat))
    order = np.random.default_rng(0).permutation(len(lonlat))
    assert_allclose(to_dense(fitted.transform(lonlat[order])), full[order])
    assert_allclose(to_dense(fitted.transform(lonlat[:7])), full[:7])


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_fit_is_idempotent_and_returns_self(encoder, lonlat):
    estimator = clone(encoder)
    assert estimator.fit(lonlat) is estimator
    first = to_dense(estimator.transform(lonlat))
    assert_array_equal(to_dense(estimator.fit(lonlat).transform(lonlat)), first)


def test_transform_in_chunks_matches_one_piece(monkeypatch):
    X = uniform_sphere(1000)
    encoder = SphereMPlusEncoder(n_scales=8)
    whole = encoder.transform(X)
    # 37 rows of 64 float64 features per chunk, and a last, shorter chunk
    monkeypatch.setattr(SphereMPlusEncoder, "_chunk_bytes", 37 * 64 * 8)
    assert_array_equal(encoder.transform(X), whole)


def test_stateless_encoders_transform_without_fit(lonlat):
    assert SphereMPlusEncoder(n_scales=3).transform(lonlat).shape == (50, 24)
    with pytest.raises(ValueError, match="n_scales"):
        SphereMPlusEncoder(n_scales=0).transform(lonlat)


@pytest.mark.parametrize("encoder", [RBFEncoder(), RFFEncoder()], ids=encoder_id)
def test_stateful_encoders_need_fit(encoder, lonlat):
    with pytest.raises(NotFittedError):
        encoder.transform(lonlat)


def test_pipeline_and_grid_search_over_scales():
    rng = np.random.default_rng(0)
    X = uniform_sphere(300, seed=3)
    y = (X[:, 1] > 20).astype(int) + (np.abs(X[:, 0]) > 90)
    y[rng.choice(300, 10, replace=False)] = 0
    pipe = Pipeline(
        [("sphere", SphereMPlusEncoder()), ("clf", LogisticRegression(max_iter=500))]
    )
    search = GridSearchCV(
        pipe,
        {"sphere__min_radius": [1e-2, 1e-1], "sphere__n_scales": [4, 8]},
        cv=3,
    ).fit(X, y)
    assert set(search.best_params_) == {"sphere__min_radius", "sphere__n_scales"}
    assert search.best_score_ > 0.8
    assert len(search.cv_results_["params"]) == 4


def test_column_transformer_with_other_columns():
    X = pd.DataFrame(
        {"lon": [0.0, 10.0, 20.0], "lat": [5.0, 6.0, 7.0], "temp": [1.0, 2.0, 3.0]}
    )
    ct = ColumnTransformer(
        [("where", SphereMPlusEncoder(n_scales=2), ["lon", "lat"])],
        remainder="passthrough",
    )
    out = ct.fit_transform(X)
    assert out.shape == (3, 17)
    assert ct.get_feature_names_out()[0] == "where__sin(lat*f0)"
    assert ct.get_feature_names_out()[-1] == "remainder__temp"


# -- bad input ---------------------------------------------------------------


@pytest.mark.parametrize("encoder", ENCODER_INSTANCES, ids=encoder_id)
def test_latitude_out_of_range_names_column_row_and_value(encoder):
    X = np.array([[10.0, 20.0], [200.0, 95.5], [0.0, 0.0]])
    with pytest.raises(
        ValueError, match=r"Column 1 \(lat\).*95\.5 at row 1.*\[-90, 90\]"
    ):
        clone(encoder).fit(X)


def test_swapped_columns_get_a_hint():
    X = np.array([[48.86, 2.35], [-33.9, 151.2]])  # (lat, lon)
    with pytest.raises(ValueError, match=r"look like \(lat, lon\).*X\[:, ::-1\]"):
        SphereMPlusEncoder().fit(X)


def test_projected_coordinates_get_a_hint():
    # Eastings and northings in metres (UTM zone 55 S, as NCEAS-style SDM data
    # sets ship them), not degrees.
    X = np.array([[350_000.0, 8_100_000.0], [410_500.0, 8_230_000.0]])
    with pytest.raises(
        ValueError, match=r"projected coordinates.*sdm.to_lonlat\(X, crs="
    ):
        SphereMPlusEncoder().fit(X)
    degrees_beyond = np.array([[200.0, 95.5]])  # wrong, but not projected
    with pytest.raises(ValueError, match="Latitudes must be degrees") as error:
        SphereMPlusEncoder().fit(degrees_beyond)
    assert "projected" not in str(error.value)


def test_dataframe_with_lat_lon_column_order_is_refused():
    frame = pd.DataFrame({"Latitude": [10.0], "Longitude": [20.0]})
    with pytest.raises(ValueError, match="latitude comes first.*lon, lat"):
        SphereMPlusEncoder().fit(frame)


def test_dataframe_errors_name_the_column():
    frame = pd.DataFrame({"lon": [0.0, 1.0], "lat": [10.0, -91.0]})
    with pytest.raises(ValueError, match=r"Column 'lat' of X holds -91.0 at row 1"):
        SphereMPlusEncoder().fit(frame)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("column", [0, 1])
def test_non_finite_values_are_refused(bad, column):
    X = np.zeros((4, 2))
    X[2, column] = bad
    name = "lon" if column == 0 else "lat"
    with pytest.raises(
        ValueError, match=rf"Column {column} \({name}\).*{bad} at row 2.*finite"
    ):
        SphereMPlusEncoder().fit(X)


@pytest.mark.parametrize("n_columns", [1, 3])
def test_wrong_number_of_columns(n_columns):
    with pytest.raises(ValueError, match=f"X has {n_columns} columns.*expects 2"):
        SphereMPlusEncoder().fit(np.zeros((3, n_columns)))


def test_transform_checks_columns_against_fit(lonlat):
    encoder = RBFEncoder(n_anchors=3, random_state=0).fit(lonlat)
    with pytest.raises(ValueError, match="3 features"):
        encoder.transform(np.zeros((2, 3)))


def test_empty_and_one_dimensional_input():
    with pytest.raises(ValueError, match="0 sample"):
        SphereMPlusEncoder().fit(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="2D array"):
        SphereMPlusEncoder().fit(np.zeros(2))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_scales": 0}, "n_scales"),
        ({"min_radius": -1.0}, "min_radius"),
        ({"min_radius": 2.0, "max_radius": 1.0}, "min_radius=2.0 must be smaller"),
        ({"periodic_lon": "yes"}, "periodic_lon"),
    ],
)
def test_invalid_parameters(params, match, lonlat):
    with pytest.raises(ValueError, match=match):
        SphereMPlusEncoder(**params).fit(lonlat)


# -- the factory -------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODER_NAMES)
def test_make_encoder_accepts_every_paper_name(name):
    encoder = make_encoder(name)
    assert isinstance(encoder, skgeo_s2v.encoders.BasePositionEncoder)
    X = uniform_sphere(300)
    assert to_dense(encoder.fit_transform(X)).shape[0] == 300


def test_make_encoder_spellings_and_params():
    assert type(make_encoder("sphereM+")) is SphereMPlusEncoder
    assert type(make_encoder("SPHERE_M_PLUS")) is SphereMPlusEncoder
    assert type(make_encoder("sphereMplus")) is SphereMPlusEncoder
    assert type(make_encoder("sh")) is skgeo_s2v.SphericalHarmonicsEncoder
    assert make_encoder("grid", n_scales=3).n_scales == 3
    with pytest.raises(
        ValueError, match="Unknown encoder name 'sphereX'.*'sphereM\\+'"
    ):
        make_encoder("sphereX")
    with pytest.raises(TypeError):
        make_encoder("xyz", n_scales=3)


def test_public_names_are_exported():
    for name in skgeo_s2v.__all__:
        assert hasattr(skgeo_s2v, name)
    assert len(ENCODER_NAMES) == 13


# -- encoder-specific behaviour ----------------------------------------------


def test_rbf_anchors_come_from_training_points_reproducibly(lonlat):
    a = RBFEncoder(n_anchors=10, random_state=3).fit(lonlat)
    b = RBFEncoder(n_anchors=10, random_state=3).fit(lonlat)
    assert_array_equal(a.anchors_, b.anchors_)
    assert all(any(np.allclose(anchor, p) for p in lonlat) for anchor in a.anchors_)
    # Each anchor's own feature is exactly 1 at the anchor.
    assert_allclose(np.diag(a.transform(a.anchors_)), 1.0)
    c = RBFEncoder(n_anchors=10, random_state=4).fit(lonlat)
    assert not np.array_equal(a.anchors_, c.anchors_)


@pytest.mark.parametrize("distance", ["great_circle", "euclidean"])
def test_rbf_kernel_values(distance):
    encoder = RBFEncoder(n_anchors=1, bandwidth=10.0, distance=distance).fit(
        [[0.0, 0.0]]
    )
    # 10° east along the equator: both distances are 10°: exp(-1/2).
    assert_allclose(encoder.transform([[10.0, 0.0]]), [[np.exp(-0.5)]], rtol=1e-9)


def test_rbf_great_circle_is_seamless_where_euclidean_is_not():
    anchor = [[179.0, 0.0]]
    query = [[-179.0, 0.0]]  # 2° away across the antimeridian
    great = RBFEncoder(n_anchors=1, bandwidth=2.0).fit(anchor).transform(query)
    flat = RBFEncoder(n_anchors=1, bandwidth=2.0, distance="euclidean").fit(anchor)
    assert_allclose(great, [[np.exp(-0.5)]], rtol=1e-9)
    assert flat.transform(query)[0, 0] < 1e-100


def test_rbf_warns_when_fewer_points_than_anchors():
    with pytest.warns(UserWarning, match="n_anchors=5 is larger than the 2 training"):
        encoder = RBFEncoder(n_anchors=5).fit([[0.0, 0.0], [1.0, 1.0]])
    assert encoder.transform([[0.0, 0.0]]).shape == (1, 2)


def test_rff_approximates_the_gaussian_kernel_on_the_chord():
    p = np.array([[0.0, 0.0], [3.0, 4.0], [170.0, -10.0]])
    encoder = RFFEncoder(n_components=20000, bandwidth=10.0, random_state=0).fit(p)
    codes = encoder.transform(p)
    angle = np.radians([5.0, 170.5])  # (0,0)-(3,4): ~5°; (0,0)-(170,-10): far
    chord = 2 * np.sin(np.array([np.radians(4.9968), angle[1]]) / 2)
    expected = np.exp(-(chord**2) / (2 * np.radians(10.0) ** 2))
    assert_allclose(codes[0] @ codes[1], expected[0], atol=0.03)
    assert abs(codes[0] @ codes[2]) < 0.03
    assert_allclose(codes[0] @ codes[0], 1.0, atol=0.03)


def test_rff_is_reproducible(lonlat):
    a = RFFEncoder(n_components=16, random_state=0).fit_transform(lonlat)
    b = RFFEncoder(n_components=16, random_state=0).fit_transform(lonlat)
    c = RFFEncoder(n_components=16, random_state=1).fit_transform(lonlat)
    assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_tile_is_a_sparse_one_hot_of_the_cell():
    encoder = TileEncoder(resolution=10.0)
    X = np.array([[-180.0, -90.0], [179.99, 90.0], [5.0, 15.0], [180.0, -5.0]])
    tiles = encoder.fit_transform(X)
    assert sp.issparse(tiles) and tiles.shape == (4, 18 * 36)
    assert_array_equal(tiles.sum(axis=1).A1, 1.0)
    cells = tiles.nonzero()[1]
    # row-major over latitude bands of 10°, longitude bands of 10°
    assert cells.tolist() == [0, 17 * 36 + 35, 10 * 36 + 18, 8 * 36 + 0]
    names = encoder.get_feature_names_out()
    assert names[10 * 36 + 18] == "lat[10,20)_lon[0,10)"
    assert names[-1] == "lat[80,90]_lon[170,180)"


def test_tile_resolution_that_does_not_divide_the_globe():
    encoder = TileEncoder(resolution=70.0)
    tiles = encoder.fit_transform([[179.0, 89.0]])
    assert tiles.shape == (1, 3 * 6)
    assert tiles.nonzero()[1].tolist() == [17]
