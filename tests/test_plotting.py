"""Tests of skgeo_s2v.plotting, headless (Agg)."""

import io

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402

from skgeo_s2v import (  # noqa: E402
    RBFEncoder,
    SphereLocationClassifier,
    SphereMPlusEncoder,
    TileEncoder,
)
from skgeo_s2v.metrics import mean_reciprocal_rank, top_k_accuracy  # noqa: E402
from skgeo_s2v.plotting import (  # noqa: E402
    ClassMapDisplay,
    GlobalGrid,
    grid_frame,
    plot_class_map,
    plot_embedding_clusters,
    plot_encoding,
    plot_score_by_latitude,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _png_bytes(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    data = buffer.getvalue()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return data


class RecordingClassifier:
    """A fitted-classifier stand-in: scores are a known function of the point.

    ``predict_presence`` returns, for class ``c``, ``sigmoid(sin(lat) + c/n)``
    and records how many points each call received.
    """

    def __init__(self, n_classes):
        self.classes_ = np.array([f"class{c}" for c in range(n_classes)])
        self.calls = []

    def predict_presence(self, X):
        X = np.asarray(X)
        self.calls.append(X.shape[0])
        offsets = np.arange(self.classes_.shape[0]) / self.classes_.shape[0]
        logits = np.sin(np.deg2rad(X[:, 1]))[:, None] + offsets[None, :]
        return 1 / (1 + np.exp(-logits))


class RecordingEmbedder:
    """``transform`` gives a 3-D embedding of the point; records batch sizes."""

    def __init__(self):
        self.calls = []

    def transform(self, X):
        X = np.asarray(X)
        self.calls.append(X.shape[0])
        lon, lat = np.deg2rad(X[:, 0]), np.deg2rad(X[:, 1])
        return np.column_stack(
            [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
        )


# -- the grid ---------------------------------------------------------------
def test_grid_covers_every_cell_once():
    grid = GlobalGrid(30.0)
    assert grid.shape == (6, 12)
    points = np.vstack(list(grid.chunks(batch_size=7)))
    assert points.shape == (72, 2)
    assert np.unique(points, axis=0).shape[0] == 72
    assert points[:, 0].min() == -165 and points[:, 0].max() == 165
    assert points[:, 1].min() == -75 and points[:, 1].max() == 75
    assert grid.extent == (-180.0, 180.0, -90.0, 90.0)


def test_grid_centred_on_the_antimeridian_wraps_the_points():
    grid = GlobalGrid(90.0, central_longitude=180)
    assert grid.lon.tolist() == [45.0, 135.0, 225.0, 315.0]
    points = next(grid.chunks(batch_size=100))
    assert points[:4, 0].tolist() == [45.0, 135.0, -135.0, -45.0]


@pytest.mark.parametrize("resolution", [0, -1.0, 91, np.nan, "1", True])
def test_grid_rejects_bad_resolution(resolution):
    with pytest.raises(ValueError, match="resolution_deg"):
        GlobalGrid(resolution)


# -- plot_class_map -----------------------------------------------------------
def test_class_map_values_and_image():
    model = RecordingClassifier(n_classes=3)
    result = plot_class_map(model, "class2", resolution_deg=10.0)
    assert result.values.shape == (18, 36)
    expected = 1 / (1 + np.exp(-(np.sin(np.deg2rad(result.lat)) + 2 / 3)))
    np.testing.assert_allclose(result.values, np.repeat(expected[:, None], 36, 1))
    assert result.image.get_clim() == (0.0, 1.0)
    assert "class2" in result.ax.get_title()
    # the repr, what a notebook shows, names the figure, not every cell
    assert "values=" not in repr(result) and len(repr(result)) < 300
    _png_bytes(result.figure)


def test_class_map_streams_small_chunks_for_many_classes():
    # 0.5° grid, 5,000 classes: the whole score matrix would hold 1.3e9
    # numbers; the chunks must keep it to about 4 million at a time.
    model = RecordingClassifier(n_classes=5000)
    result = plot_class_map(model, "class7", resolution_deg=5.0)
    assert sum(model.calls) == 36 * 72
    assert max(model.calls) <= 2**22 // 5000
    assert result.values.dtype == np.float64


def test_class_map_uses_the_given_batch_size():
    model = RecordingClassifier(n_classes=2)
    plot_class_map(model, "class0", resolution_deg=10.0, batch_size=100)
    assert model.calls == [100] * 6 + [48]


def test_class_map_draws_the_training_points_of_the_label():
    X = np.array([[-100.0, 40.0], [-90.0, 30.0], [20.0, 0.0], [190.0, 10.0]])
    y = np.array(["class0", "class0", "class1", "class1"])
    X_before = X.copy()
    result = plot_class_map(
        RecordingClassifier(2), "class1", resolution_deg=30.0, X_train=X, y_train=y
    )
    offsets = result.ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets, [[20.0, 0.0], [-170.0, 10.0]])
    np.testing.assert_array_equal(X, X_before)


def test_class_map_with_a_scikit_learn_pipeline_and_binary_scores():
    X = np.array([[-100.0, 40.0], [-90.0, 30.0], [20.0, 0.0], [30.0, 10.0]])
    y = np.array(["america", "america", "africa", "africa"])
    model = LogisticRegression().fit(X, y)
    proba = plot_class_map(model, "america", resolution_deg=30.0)
    assert "probability" in proba.ax.get_title()
    logit = plot_class_map(
        model, "africa", resolution_deg=30.0, response_method="decision_function"
    )
    points = np.vstack(list(GlobalGrid(30.0).chunks(1000)))
    np.testing.assert_allclose(logit.values.ravel(), -model.decision_function(points))


def test_class_map_of_a_model_fitted_with_covariates_points_to_predict_grid():
    X = pd.DataFrame(
        {"lon": [-100.0, -90.0, 20.0, 30.0], "lat": [40.0, 30.0, 0.0, 10.0]}
    ).assign(wet=[0.0, 1.0, 0.0, 1.0])
    model = LogisticRegression().fit(X, ["a", "b", "a", "b"])
    with pytest.raises(
        ValueError, match=r"columns \['lon', 'lat', 'wet'\].*predict_grid"
    ):
        ClassMapDisplay.from_estimator(model, "a", resolution_deg=30.0)


def test_class_map_errors():
    model = RecordingClassifier(3)
    with pytest.raises(ValueError, match="label='nope' is not a class"):
        plot_class_map(model, "nope")
    with pytest.raises(ValueError, match="response_method='predict'"):
        plot_class_map(model, "class0", response_method="predict")
    with pytest.raises(ValueError, match="batch_size=0"):
        plot_class_map(model, "class0", batch_size=0)
    with pytest.raises(ValueError, match="y_train has 1 labels"):
        plot_class_map(
            model, "class0", resolution_deg=30.0, X_train=[[0, 0], [1, 1]], y_train=[0]
        )


def test_class_map_of_a_trained_classifier():
    from skgeo_s2v import SphereLocationClassifier
    from skgeo_s2v.datasets import make_vmf_mixture

    X, y = make_vmf_mixture(n_classes=3, n_samples_per_class=20, random_state=0)
    model = SphereLocationClassifier(
        "sphereM+", hidden_units=16, max_epochs=2, random_state=0
    ).fit(X, y)
    result = plot_class_map(model, 1, resolution_deg=15.0, X_train=X, y_train=y)
    assert result.values.shape == (12, 24)
    assert np.all((result.values >= 0) & (result.values <= 1))
    _png_bytes(result.figure)


# -- plot_embedding_clusters ----------------------------------------------------
def test_embedding_clusters_bounded_batches_and_labels():
    model = RecordingEmbedder()
    result = plot_embedding_clusters(
        model, n_clusters=4, resolution_deg=10.0, n_fit_points=300, batch_size=128
    )
    assert result.values.shape == (18, 36)
    assert set(np.unique(result.values)) == {0, 1, 2, 3}
    assert max(model.calls) <= 128
    assert sum(model.calls) == 300 + 18 * 36
    _png_bytes(result.figure)


def test_embedding_clusters_split_the_sphere_into_regions():
    # On the unit vectors, clusters are contiguous caps: the cells next to
    # each other mostly share their cluster.
    result = plot_embedding_clusters(
        RecordingEmbedder(), n_clusters=6, resolution_deg=5.0, n_fit_points=500
    )
    same_as_east = np.mean(result.values[:, 1:] == result.values[:, :-1])
    assert same_as_east > 0.9


def test_embedding_clusters_of_a_sparse_encoder():
    result = plot_embedding_clusters(
        TileEncoder(resolution=45.0),
        n_clusters=3,
        resolution_deg=15.0,
        n_fit_points=100,
    )
    assert result.values.shape == (12, 24)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_clusters": 1}, "n_clusters=1"),
        ({"n_clusters": 50, "n_fit_points": 20}, "exceeds n_fit_points"),
    ],
)
def test_embedding_clusters_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_embedding_clusters(RecordingEmbedder(), **kwargs)


# -- plot_encoding --------------------------------------------------------------
def test_encoding_maps_show_the_encoder_columns():
    encoder = SphereMPlusEncoder(n_scales=3, min_radius=0.2)
    result = plot_encoding(encoder, ["sin(lat*f2)", 0, -1], resolution_deg=20.0)
    names = list(encoder.get_feature_names_out())
    assert result.features == ["sin(lat*f2)", names[0], names[-1]]
    points = np.vstack(list(GlobalGrid(20.0).chunks(10_000)))
    codes = encoder.transform(points)
    columns = [names.index("sin(lat*f2)"), 0, len(names) - 1]
    for k, column in enumerate(columns):
        np.testing.assert_allclose(result.values[k].ravel(), codes[:, column])
    assert len(result.axes) == 3 and all(ax.get_visible() for ax in result.axes)
    assert "values=" not in repr(result) and "features=" in repr(result)
    _png_bytes(result.figure)


def test_encoding_default_features_and_antimeridian_view():
    result = plot_encoding(
        SphereMPlusEncoder(n_scales=4), resolution_deg=30.0, central_longitude=180
    )
    assert len(result.features) == 8
    assert result.lon.min() > 0 and result.lon.max() < 360
    # The seam is marked in the middle of each panel.
    assert result.axes[0].lines[0].get_xdata()[0] == 180.0


def test_encoding_fits_a_clone_of_an_unfitted_encoder():
    encoder = RBFEncoder(n_anchors=5, random_state=0)
    result = plot_encoding(encoder, resolution_deg=30.0)
    assert result.values.shape == (5, 6, 12)
    with pytest.raises(NotFittedError):
        encoder.transform([[0.0, 0.0]])


def test_encoding_of_a_sparse_encoder():
    result = plot_encoding(TileEncoder(resolution=90.0), [0, 3], resolution_deg=30.0)
    assert set(np.unique(result.values)) <= {0.0, 1.0}


@pytest.mark.parametrize(
    "features, message",
    [(["no such feature"], "not a feature"), ([99], "out of range"), ([], "empty")],
)
def test_encoding_bad_features(features, message):
    with pytest.raises(ValueError, match=message):
        plot_encoding(SphereMPlusEncoder(n_scales=2), features, resolution_deg=30.0)


# -- plot_score_by_latitude ----------------------------------------------------
def _scores_data(n=400, n_classes=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    lat = rng.uniform(-90, 90, n)
    noise = rng.normal(size=(n, n_classes))
    good = noise + 2.0 * np.eye(n_classes)[y]
    return y, lat, {"good": good, "noise": noise}


@pytest.mark.parametrize("metric", ["mrr", "top1"])
def test_score_by_latitude_table_matches_the_metrics(metric):
    y, lat, scores = _scores_data()
    result = plot_score_by_latitude(
        y, scores, lat, bands=[-90, -30, 30, 90], metric=metric
    )
    table = result.table
    assert table["n_samples"].sum() == y.shape[0]
    assert list(table.columns) == ["lat_min", "lat_max", "n_samples", "good", "noise"]
    inside = (lat >= -30) & (lat < 30)
    if metric == "mrr":
        expected = mean_reciprocal_rank(y[inside], scores["good"][inside])
    else:
        expected = top_k_accuracy(y[inside], scores["good"][inside], k=1)
    assert table["good"].iloc[1] == pytest.approx(expected)
    assert (table["good"] > table["noise"]).all()
    assert len(result.axes[1].lines) == 2
    _png_bytes(result.figure)


def test_score_by_latitude_edges_and_empty_bands():
    y = np.array([0, 1, 1])
    scores = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    result = plot_score_by_latitude(y, scores, [90.0, -90.0, 89.0], bands=3)
    table = result.table
    assert table["n_samples"].tolist() == [1, 0, 2]
    assert np.isnan(table["model"].iloc[1])
    assert table["model"].iloc[2] == pytest.approx((1 + 0.5) / 2)


def test_score_by_latitude_labels_for_missing_classes():
    # The scores have a column for class 2, which no sample has.
    y = np.array([0, 1])
    scores = np.array([[0.1, 0.0, 0.5], [0.0, 1.0, 0.2]])
    result = plot_score_by_latitude(y, scores, [10.0, 20.0], labels=[0, 1, 2])
    # Both in the band [10, 30): ranks 2 and 1.
    assert result.table.loc["10° to 30°", "model"] == pytest.approx((0.5 + 1.0) / 2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"metric": "auc"}, "metric='auc'"),
        ({"bands": [0, 0, 10]}, "increasing band edges"),
        ({"bands": 0}, "bands=0"),
        ({"lat": [0.0, 95.0]}, "lat must hold"),
        ({"y_score": {}}, "empty dict"),
        ({"y_score": np.zeros((3, 2))}, "3 rows"),
    ],
)
def test_score_by_latitude_errors(kwargs, message):
    arguments = {
        "y_true": [0, 1],
        "y_score": np.eye(2),
        "lat": [0.0, 10.0],
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        plot_score_by_latitude(**arguments)


# -- ClassMapDisplay: compute once, draw and export -----------------------------
def _presence(lat, column, n_classes):
    """RecordingClassifier's presence of class ``column`` at latitude ``lat``."""
    return 1 / (1 + np.exp(-(np.sin(np.deg2rad(lat)) + column / n_classes)))


def test_display_computes_without_drawing():
    model = RecordingClassifier(n_classes=4)
    display = ClassMapDisplay.from_estimator(model, "class1", resolution_deg=30.0)
    assert plt.get_fignums() == []  # nothing drawn yet
    assert sum(model.calls) == 6 * 12
    assert display.response_method == "predict_presence"
    assert display.values.shape == (6, 12)
    np.testing.assert_allclose(display.lat, np.arange(-75, 76, 30))
    np.testing.assert_allclose(display.lon, np.arange(-165, 166, 30))
    np.testing.assert_allclose(
        display.values, np.repeat(_presence(display.lat, 1, 4)[:, None], 12, axis=1)
    )
    assert display.extent == (-180.0, 180.0, -90.0, 90.0)


def test_display_exports_a_long_table():
    model = RecordingClassifier(n_classes=3)
    display = ClassMapDisplay.from_estimator(
        model, "class2", resolution_deg=45.0, central_longitude=180.0
    )
    frame = display.to_frame()
    assert list(frame.columns) == ["lon", "lat", "value"]
    assert frame.shape == (4 * 8, 3)
    # longitudes wrapped into [-180, 180), every cell once
    assert frame["lon"].between(-180, 180, inclusive="left").all()
    assert len(frame.drop_duplicates(["lon", "lat"])) == 32
    # each row's value is the model's score at that row's point
    np.testing.assert_allclose(
        frame["value"], model.predict_presence(frame[["lon", "lat"]])[:, 2]
    )
    # the same cells, in the same order, as the grid and as plot_class_map's result
    grid_points = np.vstack(list(GlobalGrid(45.0, 180.0).chunks(1000)))
    np.testing.assert_allclose(frame[["lon", "lat"]], grid_points)
    result = plot_class_map(model, "class2", resolution_deg=45.0, central_longitude=180)
    pd.testing.assert_frame_equal(result.to_frame(), frame)


def test_display_draws_many_ways_from_one_computation():
    model = RecordingClassifier(n_classes=2)
    display = ClassMapDisplay.from_estimator(model, "class0", resolution_deg=20.0)
    calls = list(model.calls)
    fig, axes = plt.subplots(1, 3)
    for ax, kind in zip(axes, ["image", "contourf", "contour"]):
        assert display.plot(ax=ax, kind=kind, cmap="magma") is display
        assert display.ax_ is ax and display.figure_ is fig
        assert ax.get_title() == "presence P(class0 | x)"
    assert model.calls == calls  # the model was not called again
    assert isinstance(display.surface_, ContourSet)
    display.plot(colorbar=False)  # a figure of its own, no colour bar
    assert display.colorbar_ is None and display.figure_ is not fig
    assert len(display.figure_.axes) == 1
    assert display.surface_.get_clim() == (0.0, 1.0)
    _png_bytes(display.figure_)
    # training points, in the map's frame of longitudes
    display = ClassMapDisplay.from_estimator(
        model, "class0", resolution_deg=20.0, central_longitude=180
    ).plot(X_train=[[-170.0, 5.0], [10.0, 0.0]], y_train=["class0", "class1"])
    np.testing.assert_allclose(display.ax_.collections[-1].get_offsets(), [[190, 5]])


def test_display_of_a_scikit_learn_classifier_resolves_its_method():
    X = np.array([[-100.0, 40.0], [-90.0, 30.0], [20.0, 0.0], [30.0, 10.0]])
    y = np.array(["america", "america", "africa", "africa"])
    model = LogisticRegression().fit(X, y)
    display = ClassMapDisplay.from_estimator(model, "america", resolution_deg=30.0)
    assert display.response_method == "predict_proba"
    points = display.to_frame()[["lon", "lat"]].to_numpy()
    np.testing.assert_allclose(
        display.to_frame()["value"], model.predict_proba(points)[:, 1]
    )
    logit = ClassMapDisplay.from_estimator(
        model, "america", resolution_deg=30.0, response_method="decision_function"
    )
    np.testing.assert_allclose(
        logit.to_frame()["value"], model.decision_function(points)
    )
    assert "logit of america" in logit.plot().ax_.get_title()


def test_display_errors():
    model = RecordingClassifier(2)
    display = ClassMapDisplay.from_estimator(model, "class0", resolution_deg=30.0)
    with pytest.raises(ValueError, match="kind='surface' is not supported"):
        display.plot(kind="surface")
    with pytest.raises(ValueError, match="X_train must have shape"):
        display.plot(X_train=[1.0, 2.0])
    with pytest.raises(ValueError, match="label=3 is not a class"):
        ClassMapDisplay.from_estimator(model, 3)
    with pytest.raises(TypeError, match="has no decision_function method"):
        ClassMapDisplay.from_estimator(
            model, "class0", response_method="decision_function"
        )
    with pytest.raises(ValueError, match=r"values has shape \(2, 2\)"):
        grid_frame(np.zeros((2, 2)), display.lon, display.lat)
    wrong = ClassMapDisplay(
        np.zeros((2, 2)), display.lon, display.lat, label=0, response_method="logit"
    )
    with pytest.raises(ValueError, match="response_method='logit' cannot be drawn"):
        wrong.plot()
    wrong.response_method = "predict_proba"
    with pytest.raises(ValueError, match=r"values has shape \(2, 2\)"):
        wrong.plot()


def test_embedding_clusters_export_their_map():
    result = plot_embedding_clusters(
        RecordingEmbedder(), n_clusters=3, resolution_deg=30.0, n_fit_points=100
    )
    frame = result.to_frame()
    assert frame.shape == (72, 3)
    np.testing.assert_array_equal(frame["value"], result.values.ravel())


def test_encoding_maps_export_one_column_per_feature():
    encoder = SphereMPlusEncoder(n_scales=2, min_radius=0.3)
    result = plot_encoding(encoder, [1, "cos(lat*f0)"], resolution_deg=45.0)
    frame = result.to_frame()
    assert list(frame.columns) == ["lon", "lat", *result.features]
    names = list(encoder.get_feature_names_out())
    codes = encoder.transform(frame[["lon", "lat"]].to_numpy())
    for feature in result.features:
        np.testing.assert_allclose(frame[feature], codes[:, names.index(feature)])


def test_display_of_a_fitted_search_maps_the_presence_of_its_classifier():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(-30, 30, 60), rng.uniform(-20, 20, 60)])
    y = np.where(X[:, 0] < 0, "w", "e")
    classifier = SphereLocationClassifier(hidden_units=8, max_epochs=1, random_state=0)
    search = GridSearchCV(classifier, {"lr": [3e-3]}, cv=KFold(2)).fit(X, y)
    display = ClassMapDisplay.from_estimator(search, "w", resolution_deg=30.0)
    assert display.response_method == "predict_presence"
    points = display.to_frame()[["lon", "lat"]].to_numpy()
    column = list(search.classes_).index("w")
    np.testing.assert_allclose(
        display.to_frame()["value"],
        search.best_estimator_.predict_presence(points)[:, column],
        rtol=1e-6,
    )
