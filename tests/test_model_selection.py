"""Spatial cross-validation: the blocks, the folds, the buffer and the API."""

import math
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import haversine_distances
from sklearn.model_selection import (
    GridSearchCV,
    cross_val_predict,
    cross_validate,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skgeo_s2v import XYZEncoder
from skgeo_s2v.model_selection import (
    SphericalBlockKFold,
    SphericalClusterKFold,
    healpix_block_size_km,
)

EARTH_KM = 6371.0088
SPLITTERS = [
    SphericalBlockKFold(3, block_size_km=1500, random_state=0),
    SphericalClusterKFold(3, n_clusters=9, random_state=0),
]


def uniform_sphere(n, seed):
    """Points uniform in area: longitude uniform, sin(latitude) uniform."""
    rng = np.random.default_rng(seed)
    lat = np.rad2deg(np.arcsin(rng.uniform(-1, 1, n)))
    return np.column_stack([rng.uniform(-180, 180, n), lat])


def sites(centres, per_site, seed, spread=0.3):
    """Clumps of ``per_site`` records around each (lon, lat) centre."""
    rng = np.random.default_rng(seed)
    X = np.repeat(np.asarray(centres, dtype=float), per_site, axis=0)
    return X + rng.normal(0, spread, X.shape)


def great_circle_km(A, B):
    return EARTH_KM * haversine_distances(
        np.deg2rad(A[:, ::-1]), np.deg2rad(B[:, ::-1])
    )


# -- the blocks ---------------------------------------------------------------


def test_block_size_follows_healpix_area():
    # 12 * 4**k cells of side s tile the sphere: 12 * 4**k * s**2 = 4 pi R**2.
    for order in range(6):
        area = 12 * 4**order * healpix_block_size_km(order) ** 2
        assert area == pytest.approx(4 * math.pi * EARTH_KM**2, rel=1e-12)
    for wanted in [30.0, 100.0, 500.0, 1234.0, 5000.0]:
        got = SphericalBlockKFold(block_size_km=wanted).get_block_size_km()
        assert wanted / math.sqrt(2) <= got <= wanted * math.sqrt(2)
    assert SphericalBlockKFold(block_size_km=1e5).get_healpix_order() == 0


def test_blocks_have_equal_area_up_to_the_poles():
    # Uniform points fill equal-area cells equally, the polar ones included.
    X = uniform_sphere(96_000, seed=0)
    blocks = SphericalBlockKFold(block_size_km=3000).get_blocks(X)
    counts = np.bincount(blocks, minlength=48)
    assert counts.size == 48  # order 1
    expected = X.shape[0] / 48
    assert np.abs(counts - expected).max() < 5 * math.sqrt(expected)
    polar = SphericalBlockKFold(block_size_km=3000).get_blocks([[0, 89.9], [0, -89.9]])
    assert abs(counts[polar] - expected).max() < 5 * math.sqrt(expected)


def test_a_block_across_the_antimeridian_is_one_block():
    from astropy_healpix import healpy

    cv = SphericalBlockKFold(block_size_km=500)
    nside = 2 ** cv.get_healpix_order()
    lon, lat = healpy.pix2ang(nside, np.arange(12 * nside**2), nest=True, lonlat=True)
    on_seam = np.flatnonzero(np.isclose(lon, 180.0) & (np.abs(lat) < 60))
    assert on_seam.size > 0
    east = np.column_stack([np.full(on_seam.size, -179.95), lat[on_seam]])
    west = np.column_stack([np.full(on_seam.size, 179.95), lat[on_seam]])
    np.testing.assert_array_equal(cv.get_blocks(east), on_seam)
    np.testing.assert_array_equal(cv.get_blocks(west), on_seam)
    # Longitudes beyond [-180, 180) are wrapped first.
    np.testing.assert_array_equal(cv.get_blocks(west - [360, 0]), on_seam)


# -- the folds ----------------------------------------------------------------


@pytest.mark.parametrize("cv", SPLITTERS, ids=repr)
def test_folds_are_whole_blocks_and_partition_the_records(cv):
    X = uniform_sphere(3000, seed=1)
    if isinstance(cv, SphericalBlockKFold):
        blocks = cv.get_blocks(X)
    tests = []
    for train, test in cv.split(X):
        assert np.intersect1d(train, test).size == 0
        assert train.size + test.size == X.shape[0]
        if isinstance(cv, SphericalBlockKFold):
            assert np.intersect1d(blocks[train], blocks[test]).size == 0
        tests.append(test)
    np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(3000))


def test_folds_are_balanced_by_records_not_blocks():
    # One big site and many small ones: greedy largest-first keeps the folds
    # within one block of each other (the largest block at most).
    from astropy_healpix import healpy

    # Sites at the centres of 18 different cells of order 4 (about 400 km).
    lon, lat = healpy.pix2ang(16, 170 * np.arange(18), nest=True, lonlat=True)
    centres = np.column_stack([lon, lat])
    X = np.concatenate(
        [sites(centres[:1], 300, 0, 0.01), sites(centres[1:], 30, 1, 0.01)]
    )
    cv = SphericalBlockKFold(3, block_size_km=500, random_state=0)
    block_sizes = np.bincount(np.unique(cv.get_blocks(X), return_inverse=True)[1])
    assert sorted(block_sizes) == [30] * 17 + [300]
    largest = block_sizes.max()
    sizes = [test.size for _, test in cv.split(X)]
    assert max(sizes) - min(sizes) <= largest
    assert max(sizes) == 300  # the big site alone in a fold
    assert sorted(sizes) == sorted([300, 240, 270])


@pytest.mark.parametrize("cv", SPLITTERS, ids=repr)
def test_random_state_reproduces_the_folds(cv):
    X = uniform_sphere(600, seed=2)
    first = [test for _, test in cv.split(X)]
    again = [test for _, test in cv.split(X)]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    cv_other = type(cv)(**{**_params(cv), "random_state": 1})
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(first, [t for _, t in cv_other.split(X)], strict=True)
    )


def _params(cv):
    names = ["n_splits", "buffer_km", "stratify", "shuffle", "random_state", "columns"]
    extra = "block_size_km" if isinstance(cv, SphericalBlockKFold) else "n_clusters"
    return {name: getattr(cv, name) for name in [*names, extra]}


def test_stratified_folds_put_a_two_block_class_in_every_training_set():
    # Four sites far apart; "rare" lives at sites 0 and 1. Unstratified folds
    # put sites 0 and 1 together for some seeds; stratified ones never do.
    X = sites([[-120, 0], [-30, 0], [60, 0], [150, 0]], 10, seed=3)
    y = np.array(["common"] * 40, dtype=object)
    y[[0, 10]] = "rare"
    together = 0
    for seed in range(8):
        for stratify in (False, True):
            cv = SphericalBlockKFold(
                2, block_size_km=500, stratify=stratify, random_state=seed
            )
            missing = any("rare" not in set(y[train]) for train, _ in cv.split(X, y))
            if stratify:
                assert not missing
            else:
                together += missing
    assert together > 0


def test_stratified_warns_about_a_class_in_a_single_block():
    X = sites([[-120, 0], [-30, 0], [60, 0], [150, 0]], 10, seed=4)
    y = np.array(["a", "b"] * 20, dtype=object)
    y[:10] = "only_here"
    cv = SphericalClusterKFold(2, n_clusters=4, stratify=True, random_state=0)
    with pytest.warns(
        UserWarning,
        match=r"1 classes \('only_here'\).*single cluster.*Raise n_clusters",
    ):
        folds = list(cv.split(X, y))
    assert len(folds) == 2


def test_stratify_needs_y():
    with pytest.raises(ValueError, match="needs the class labels: pass y"):
        list(SphericalBlockKFold(stratify=True).split(uniform_sphere(50, 0)))


# -- the buffer ---------------------------------------------------------------


@pytest.mark.parametrize("buffer_km", [200.0, 1000.0])
def test_buffer_drops_exactly_the_training_records_near_a_test_record(buffer_km):
    X = uniform_sphere(800, seed=5)
    plain = SphericalBlockKFold(4, block_size_km=2000, random_state=0)
    buffered = SphericalBlockKFold(
        4, block_size_km=2000, buffer_km=buffer_km, random_state=0
    )
    dropped = 0
    for (train, test), (kept, same_test) in zip(
        plain.split(X), buffered.split(X), strict=True
    ):
        np.testing.assert_array_equal(test, same_test)
        nearest = great_circle_km(X[train], X[test]).min(axis=1)
        np.testing.assert_array_equal(kept, train[nearest > buffer_km])
        dropped += train.size - kept.size
    assert dropped > 0


# -- bad input ----------------------------------------------------------------


@pytest.mark.parametrize("size", [-1.0, 0.0, float("nan"), float("inf"), "500"])
def test_block_size_must_be_a_positive_finite_number(size):
    cv = SphericalBlockKFold(block_size_km=size)
    with pytest.raises(ValueError, match=r"block_size_km=.* must be a"):
        list(cv.split(uniform_sphere(50, 0)))


@pytest.mark.parametrize("buffer", [-5.0, float("nan"), float("inf")])
def test_buffer_must_be_finite_and_not_negative(buffer):
    cv = SphericalBlockKFold(buffer_km=buffer)
    with pytest.raises(ValueError, match=r"buffer_km=.* 0 \(no buffer\) or more"):
        list(cv.split(uniform_sphere(50, 0)))


def test_too_large_blocks_say_to_lower_the_block_size():
    X = sites([[0, 0], [3, 3]], 20, seed=6)
    cv = SphericalBlockKFold(5, block_size_km=5000)
    with pytest.raises(
        ValueError, match="fall in 1 non-empty blocks.*lower block_size"
    ):
        list(cv.split(X))


def test_a_buffer_that_empties_a_training_set_is_refused():
    X = uniform_sphere(200, seed=7)
    cv = SphericalBlockKFold(2, block_size_km=3000, buffer_km=20000)
    with pytest.raises(ValueError, match="removes every training record of fold 0"):
        list(cv.split(X))


def test_fewer_records_than_folds_is_refused():
    with pytest.raises(ValueError, match="Cannot split 3 records into n_splits=5"):
        list(SphericalClusterKFold(5).split([[0, 0], [10, 0], [20, 0]]))


@pytest.mark.parametrize("n_splits", [1, 2.5, True])
def test_n_splits_must_be_an_integer_of_two_or_more(n_splits):
    with pytest.raises(ValueError, match="n_splits="):
        SphericalBlockKFold(n_splits).get_n_splits()


def test_n_clusters_below_n_splits_is_refused():
    with pytest.raises(ValueError, match="n_clusters=2 must be an integer of at least"):
        list(SphericalClusterKFold(3, n_clusters=2).split(uniform_sphere(50, 0)))


def test_bad_coordinates_name_the_column_and_row():
    X = pd.DataFrame({"lon": [0.0, 10.0, 20.0], "lat": [0.0, 95.0, 1.0]})
    with pytest.raises(ValueError, match="'lat' of X holds 95.0 at row 1"):
        list(SphericalBlockKFold(2).split(X))
    swapped = pd.DataFrame({"lat": [0.0, 1.0], "lon": [2.0, 3.0]})
    with pytest.raises(ValueError, match="latitude comes first"):
        list(SphericalBlockKFold(2).split(swapped))


def test_extra_columns_need_the_columns_parameter():
    X = pd.DataFrame({"lon": [0.0, 90.0], "lat": [0.0, 1.0], "depth": [3.0, 4.0]})
    with pytest.raises(ValueError, match=r"X has 3 columns.*columns=\('lon', 'lat'\)"):
        list(SphericalBlockKFold(2).split(X))
    with pytest.raises(
        ValueError, match=r"columns=\('x', 'y'\).*'lon', 'lat', 'depth'"
    ):
        list(SphericalBlockKFold(2, columns=("x", "y")).split(X))


def test_input_is_not_modified():
    X = uniform_sphere(100, seed=8) + [360, 0]
    before = X.copy()
    for cv in SPLITTERS:
        list(cv.split(X))
    np.testing.assert_array_equal(X, before)


# -- scikit-learn API ---------------------------------------------------------


@pytest.mark.parametrize("cv", SPLITTERS, ids=repr)
def test_a_pickled_splitter_gives_the_same_folds(cv):
    X = uniform_sphere(300, seed=12)
    copy = pickle.loads(pickle.dumps(cv))
    assert repr(copy) == repr(cv)
    for (a, b), (c, d) in zip(cv.split(X), copy.split(X), strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_repr_and_get_n_splits_follow_scikit_learn():
    cv = SphericalBlockKFold(4, block_size_km=250.0, buffer_km=10.0)
    assert repr(cv).startswith(
        "SphericalBlockKFold(block_size_km=250.0, buffer_km=10.0"
    )
    assert cv.get_n_splits() == 4
    assert SphericalClusterKFold().get_n_splits(np.zeros((10, 2))) == 5


@pytest.fixture(scope="module")
def frame_data():
    X = sites([[lon, lat] for lon in (-150, -60, 30, 120) for lat in (-30, 30)], 15, 9)
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {"depth": rng.normal(size=len(X)), "lon": X[:, 0], "lat": X[:, 1]}
    )
    y = np.where(X[:, 1] > 0, "north", "south")
    return frame, y


def _pipeline():
    columns = ColumnTransformer([("xyz", XYZEncoder(), ["lon", "lat"])])
    return make_pipeline(columns, LogisticRegression())


@pytest.mark.parametrize(
    "cv",
    [
        SphericalBlockKFold(
            3, block_size_km=1000, columns=("lon", "lat"), random_state=0
        ),
        SphericalClusterKFold(3, n_clusters=8, columns=[1, 2], random_state=0),
    ],
    ids=repr,
)
def test_grid_search_cross_validate_and_predict_in_a_pipeline(frame_data, cv):
    frame, y = frame_data
    folds = list(cv.split(frame, y))

    def fold_scores(**params):
        model = _pipeline().set_params(**params)
        return [
            model.fit(frame.iloc[tr], y[tr]).score(frame.iloc[te], y[te])
            for tr, te in folds
        ]

    grid = GridSearchCV(_pipeline(), {"logisticregression__C": [0.01, 1.0]}, cv=cv)
    grid.fit(frame, y)
    assert grid.n_splits_ == 3
    # The search scored each candidate on exactly the splitter's folds.
    for C, score in zip([0.01, 1.0], grid.cv_results_["mean_test_score"], strict=True):
        assert score == pytest.approx(np.mean(fold_scores(logisticregression__C=C)))
    # n_jobs: the folds are drawn once in the caller; threads keep it quick.
    with joblib.parallel_config(backend="threading"):
        result = cross_validate(_pipeline(), frame, y, cv=cv, n_jobs=2)
    np.testing.assert_allclose(result["test_score"], fold_scores())
    predicted = cross_val_predict(_pipeline(), frame, y, cv=cv)
    assert predicted.shape == y.shape


def test_cross_val_predict_with_a_buffer_tests_every_record_once(frame_data):
    # The buffer shrinks training sets only; each record is still predicted
    # by the one model whose test fold holds it.
    frame, y = frame_data
    cv = SphericalBlockKFold(
        3, block_size_km=1000, buffer_km=500, columns=("lon", "lat"), random_state=0
    )
    predicted = cross_val_predict(_pipeline(), frame, y, cv=cv)
    expected = np.empty_like(y)
    for train, test in cv.split(frame, y):
        model = _pipeline().fit(frame.iloc[train], y[train])
        expected[test] = model.predict(frame.iloc[test])
    np.testing.assert_array_equal(predicted, expected)


def test_grid_search_on_the_dask_backend_matches_the_sequential_one():
    distributed = pytest.importorskip("distributed")
    X = uniform_sphere(240, seed=10)
    y = (X[:, 1] > 0).astype(int)
    cv = SphericalBlockKFold(3, block_size_km=3000, random_state=0)
    grid = {"n_neighbors": [1, 5]}
    knn = KNeighborsClassifier()
    sequential = GridSearchCV(knn, grid, cv=cv).fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", DeprecationWarning)
        with joblib.parallel_config(backend="dask"):
            on_dask = GridSearchCV(knn, grid, cv=cv, n_jobs=-1).fit(X, y)
    np.testing.assert_array_equal(
        on_dask.cv_results_["mean_test_score"],
        sequential.cv_results_["mean_test_score"],
    )


# -- SphereLocationClassifier's validation split ------------------------------


def test_the_classifier_validates_on_the_first_spatial_fold():
    from skgeo_s2v import SphereLocationClassifier

    X = uniform_sphere(200, seed=11)
    y = (X[:, 0] > 0).astype(int)
    cv = SphericalBlockKFold(5, block_size_km=2000, stratify=True, random_state=0)
    first = next(cv.split(X, y))

    class FirstFold:
        def split(self, X, y=None, groups=None):
            yield first

    def fit(split):
        return SphereLocationClassifier(
            hidden_units=8,
            max_epochs=4,
            early_stopping=True,
            batch_size=64,
            validation_split=split,
            device="cpu",
            random_state=0,
        ).fit(X, y)

    spatial, same_rows, random_rows = fit(cv), fit(FirstFold()), fit(0.2)
    assert spatial.validation_log_loss_.shape == (4,)
    np.testing.assert_array_equal(
        spatial.validation_log_loss_, same_rows.validation_log_loss_
    )
    assert not np.array_equal(
        spatial.validation_log_loss_, random_rows.validation_log_loss_
    )


def test_the_splitters_import_neither_matplotlib_nor_torch():
    import subprocess
    import sys

    code = (
        "import sys, skgeo_s2v.model_selection; "
        "print(sorted({'matplotlib', 'torch'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
