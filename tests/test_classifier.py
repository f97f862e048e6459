import math
import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skgeo_s2v import SphereLocationClassifier, make_encoder
from skgeo_s2v._recipe import stratified_split
from skgeo_s2v.metrics import mrr_scorer
from skgeo_s2v.nn import LocationMLP, presence_absence_loss, sample_background
from skgeo_s2v.nn._data import MiniBatches

FAST = {"hidden_units": 16, "max_epochs": 3, "batch_size": 64, "random_state": 0}


def _quadrant_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(-170, 170, n), rng.uniform(-70, 70, n)])
    y = np.where(X[:, 0] < 0, "west", "east")
    y = np.where(X[:, 1] > 0, np.char.add(y, "-north"), y)
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _quadrant_data()
    clf = SphereLocationClassifier(
        "sphereM+",
        hidden_units=32,
        lr=1e-2,
        max_epochs=40,
        batch_size=64,
        random_state=0,
    ).fit(X, y)
    return clf, X, y


def test_learns_and_returns_original_labels(fitted):
    clf, X, y = fitted
    assert set(clf.classes_) == {"west", "east", "west-north", "east-north"}
    assert clf.predict(X).dtype == clf.classes_.dtype
    assert clf.score(X, y) > 0.9


def test_probabilities_presence_and_logits_agree(fitted):
    clf, X, _ = fitted
    logits = clf.decision_function(X)
    presence = clf.predict_presence(X)
    proba = clf.predict_proba(X)
    assert logits.shape == proba.shape == (len(X), 4)
    np.testing.assert_allclose(
        presence, 1 / (1 + np.exp(-logits.astype(float))), rtol=1e-6
    )
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba, presence / presence.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_transform_is_the_embedding(fitted):
    clf, X, _ = fitted
    embedding = clf.transform(X)
    assert embedding.shape == (len(X), 32)
    head = clf.net_.module_.class_embedding.weight.detach().cpu().numpy()
    np.testing.assert_allclose(embedding @ head.T, clf.decision_function(X), atol=1e-4)


def test_predictions_are_chunked_by_batch_size(fitted):
    clf, X, _ = fitted
    small = clone(clf).set_params(batch_size=7)
    small.__dict__.update({k: v for k, v in vars(clf).items() if k.endswith("_")})
    np.testing.assert_allclose(
        small.decision_function(X), clf.decision_function(X), atol=1e-5
    )


def test_binary_decision_function_is_one_column():
    X, y = _quadrant_data()
    y = (X[:, 0] > 0).astype(int)
    clf = SphereLocationClassifier(**FAST).fit(X, y)
    presence = clf.predict_presence(X)
    expected = np.log(presence[:, 1]) - np.log(presence[:, 0])
    np.testing.assert_allclose(clf.decision_function(X), expected, rtol=1e-5, atol=1e-6)
    order = np.argsort(clf.decision_function(X))
    assert np.all(np.diff(clf.predict_proba(X)[order, 1]) >= -1e-12)


def test_reproducible_with_random_state():
    X, y = _quadrant_data()
    a = SphereLocationClassifier(**FAST).fit(X, y).decision_function(X)
    b = SphereLocationClassifier(**FAST).fit(X, y).decision_function(X)
    c = SphereLocationClassifier(**{**FAST, "random_state": 1}).fit(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c.decision_function(X))


def test_global_torch_rng_untouched():
    X, y = _quadrant_data(50)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    SphereLocationClassifier(**FAST).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize(
    "params, X, y, match",
    [
        ({"max_epochs": 0}, None, None, "max_epochs"),
        ({"dropout": -0.1}, None, None, "dropout"),
        ({"encoder": "sphereZ"}, None, None, "Unknown encoder name 'sphereZ'"),
        ({}, None, ["a"] * 200, "single class"),
        (
            {},
            None,
            np.array(["a"] * 200, dtype=object),  # as pandas' .to_numpy() gives
            r"single class \('a'\).*OneVsBackgroundClassifier",
        ),
        ({}, None, [0.0, np.nan] * 100, "missing label .*nan.* at row 1"),
        ({}, None, ["a", None] * 100, "missing label"),
        ({}, None, ["a", "b"] * 99, "inconsistent numbers of samples"),
        ({}, [[0.0, np.nan]] * 2, [0, 1], "finite"),
        ({}, [[10.0, 120.0]] * 2, [0, 1], "outside"),
        ({"max_epochs": "many"}, None, None, "max_epochs"),
    ],
)
def test_bad_input(params, X, y, match):
    X0, y0 = _quadrant_data()
    clf = SphereLocationClassifier(**{**FAST, **params})
    with pytest.raises(ValueError, match=match):
        clf.fit(X0 if X is None else X, y0 if y is None else y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_request_without_cuda():
    X, y = _quadrant_data(20)
    with pytest.raises(ValueError, match="CUDA is not available.*device='cpu'"):
        SphereLocationClassifier(device="cuda", **FAST).fit(X, y)


def test_encoder_parameters_are_tunable():
    clf = SphereLocationClassifier(make_encoder("sphereC+", min_radius=0.02), **FAST)
    params = clf.get_params(deep=True)
    assert params["encoder__min_radius"] == 0.02
    X, y = _quadrant_data(100)
    clf.set_params(encoder__n_scales=4).fit(X, y)
    assert clf.encoder_.n_scales == 4
    assert clf.net_.module_.encoding.n_features_out == 24
    assert clf.encoder.n_scales == 4 and not hasattr(clf.encoder, "n_features_in_")
    by_name = SphereLocationClassifier("grid", **FAST).fit(X, y)
    assert type(by_name.encoder_).__name__ == "GridEncoder"
    assert "encoder__n_scales" not in by_name.get_params()


def test_network_shapes_and_wrap_residual():
    mlp = LocationMLP(
        6, hidden_layers=3, hidden_units=8, dropout=0.0, activation="relu"
    )
    assert mlp.skips == [False, True, True]
    out = mlp(torch.randn(5, 6))
    torch.testing.assert_close(out.mean(dim=1), torch.zeros(5), atol=1e-5, rtol=0)
    X, y = _quadrant_data(100)
    clf = SphereLocationClassifier(
        "wrap",
        network="wrap_residual",
        hidden_layers=2,
        activation="leaky_relu",
        **FAST,
    ).fit(X, y)
    assert type(clf.net_.module_.body).__name__ == "WrapResidualNet"
    assert clf.transform(X).shape == (100, 16)


def test_loss_matches_hand_computation():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    background = torch.tensor([[0.0, 1.0, -2.0], [3.0, 0.0, 0.0]])
    beta, w_bg = 3.0, 0.5

    def neg_log_sigmoid(v):
        return -math.log(1 / (1 + math.exp(-v)))

    def neg_log_one_minus_sigmoid(v):
        return -math.log(1 - 1 / (1 + math.exp(-v)))

    positive = beta * neg_log_sigmoid(2.0) + neg_log_one_minus_sigmoid(-1.0)
    positive += neg_log_one_minus_sigmoid(0.5)
    bg = np.mean(
        [sum(neg_log_one_minus_sigmoid(v) for v in row) for row in background.tolist()]
    )
    expected = positive / 3 + w_bg * bg / 3
    loss = presence_absence_loss(
        logits, torch.tensor([0]), background, pos_weight=beta, background_weight=w_bg
    )
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    # Stable for huge logits: finite where the naive form would give inf.
    huge = presence_absence_loss(
        torch.tensor([[-200.0, 200.0]]),
        torch.tensor([0]),
        torch.zeros(0, 2),
        pos_weight=1,
    )
    assert float(huge) == pytest.approx(400.0 / 2, rel=1e-6)


def test_background_is_uniform_on_the_sphere():
    lonlat = sample_background(
        40000, generator=torch.Generator().manual_seed(0)
    ).numpy()
    lon, lat = lonlat.T
    assert lon.min() >= -180 and lon.max() < 180 and np.abs(lat).max() <= 90
    assert abs(np.mean(np.sin(np.deg2rad(lat)))) < 0.01
    for east in (lon >= 0, lon < 0):
        for north in (lat >= 0, lat < 0):
            assert np.mean(east & north) == pytest.approx(0.25, abs=0.01)
    # Uniform by area: a third of the points have |sin lat| > 2/3.
    assert np.mean(np.abs(np.sin(np.deg2rad(lat))) > 2 / 3) == pytest.approx(
        1 / 3, abs=0.01
    )


def test_class_balanced_batches():
    y = torch.tensor([0] * 50 + [1] * 5 + [2] * 20)
    X = torch.arange(75.0)[:, None].repeat(1, 2)
    batches = MiniBatches(
        X,
        y,
        batch_size=8,
        device="cpu",
        generator=torch.Generator().manual_seed(0),
        max_per_class=10,
    )
    epoch = list(batches)
    seen = torch.cat([yb for _, yb in epoch])
    assert torch.bincount(seen).tolist() == [10, 5, 10]
    assert len(batches) == len(epoch) == 4
    rows = torch.cat([xb[:, 0] for xb, _ in epoch]).long()
    torch.testing.assert_close(y[rows], seen)
    # Each epoch draws a new subset of the large class.
    again = torch.cat([xb[:, 0] for xb, _ in batches]).long()
    assert set(again.tolist()) != set(rows.tolist())


def test_lr_decay_and_early_stopping():
    X, y = _quadrant_data()
    clf = SphereLocationClassifier(
        **{**FAST, "max_epochs": 4}, lr=1e-2, lr_decay=0.5, early_stopping=True
    ).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-2 * 0.5**4)
    assert all(np.isfinite(clf.net_.history[:, "valid_loss"]))
    assert len(clf.validation_log_loss_) == 4


AUTO = {"hidden_units": 16, "batch_size": 64, "n_iter_no_change": 3, "random_state": 0}


def test_auto_epochs_refit_on_all_data_for_the_best_epoch():
    X, y = _quadrant_data()
    auto = SphereLocationClassifier(**AUTO).fit(X, y)
    losses = auto.validation_log_loss_
    assert auto.n_epochs_ == np.argmin(losses) + 1
    # The run stopped n_iter_no_change epochs after its best epoch.
    assert len(losses) == auto.n_epochs_ + 3
    assert len(auto.net_.history) == auto.n_epochs_
    # The final model is the fixed-length fit of that many epochs on all rows.
    fixed = SphereLocationClassifier(**{**AUTO, "max_epochs": auto.n_epochs_})
    np.testing.assert_array_equal(
        fixed.fit(X, y).decision_function(X), auto.decision_function(X)
    )
    assert fixed.validation_log_loss_ is None


def test_auto_epochs_stop_at_the_limit(monkeypatch):
    monkeypatch.setattr("skgeo_s2v._recipe.AUTO_EPOCH_LIMIT", 4)
    X, y = _quadrant_data()
    clf = SphereLocationClassifier(**{**AUTO, "lr": 1e-3}).fit(X, y)
    assert len(clf.validation_log_loss_) == 4
    assert clf.n_epochs_ == np.argmin(clf.validation_log_loss_) + 1


def test_validation_log_loss_is_predict_proba_log_loss():
    from sklearn.metrics import log_loss

    X, y = _quadrant_data()
    clf = SphereLocationClassifier(**AUTO, early_stopping=True).fit(X, y)
    # early_stopping keeps the best epoch's weights, trained without the
    # validation rows: its recorded loss is that of predict_proba on them.
    valid = clf.net_.train_split.keywords["valid_ds"]
    X_valid = np.asarray(valid.X, dtype=np.float64)
    proba = clf.predict_proba(X_valid)
    expected = log_loss(valid.y, proba, labels=np.arange(len(clf.classes_)))
    recorded = clf.validation_log_loss_[clf.n_epochs_ - 1]
    assert recorded == pytest.approx(expected, rel=1e-5)
    assert len(clf.net_.history) > clf.n_epochs_  # it ran past the best epoch


def test_validation_split_is_stratified_and_keeps_every_class():
    codes = np.repeat(np.arange(4), [400, 40, 2, 1])
    train, valid = stratified_split(0.25, codes, seed=0)
    np.testing.assert_array_equal(np.sort(np.r_[train, valid]), np.arange(443))
    held = np.bincount(codes[valid], minlength=4)
    assert held[0] == 100 and held[1] == 10
    assert held[2] <= 1 and held[3] == 0  # one example always stays in training
    np.testing.assert_array_equal(np.unique(codes[train]), np.arange(4))
    again = stratified_split(0.25, codes, seed=0)
    np.testing.assert_array_equal(again[1], valid)
    assert not np.array_equal(stratified_split(0.25, codes, seed=1)[1], valid)


def test_validation_split_fraction_holds_on_average():
    # 300 classes of 5: 0.1 of a class is half an example, rounded at random.
    codes = np.repeat(np.arange(300), 5)
    _, valid = stratified_split(0.1, codes, seed=0)
    assert 110 <= len(valid) <= 190  # 150 expected, binomial sd 8.7


def test_auto_epochs_need_a_class_with_two_examples():
    X = [[0.0, 0.0], [90.0, 0.0], [-90.0, 0.0]]
    with pytest.raises(ValueError, match="every class has a single example"):
        SphereLocationClassifier(**AUTO).fit(X, ["a", "b", "c"])
    # One class with two examples is enough.
    X4, y4 = [*X, [1.0, 1.0]], ["a", "b", "c", "a"]
    clf = SphereLocationClassifier(**AUTO).fit(X4, y4)
    assert clf.n_epochs_ >= 1


def test_auto_epochs_verbose_says_what_it_chose(capsys):
    X, y = _quadrant_data(60)
    clf = SphereLocationClassifier(**AUTO, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert f"max_epochs='auto': {clf.n_epochs_} epochs" in out
    assert "valid_log_loss" in out


def test_verbose_prints_and_silent(capsys):
    X, y = _quadrant_data(60)
    SphereLocationClassifier(**FAST).fit(X, y)
    assert capsys.readouterr().out == ""
    SphereLocationClassifier(**FAST, verbose=1).fit(X, y)
    assert "train_loss" in capsys.readouterr().out


def test_pickle_and_joblib_round_trip(fitted, tmp_path):
    clf, X, _ = fitted
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.decision_function(X), clf.decision_function(X))
    joblib.dump(clf, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    loaded.fit(X[:50], clf.predict(X[:50]))  # a loaded model can be refitted


@pytest.mark.parametrize("encoder", ["sphereM+", make_encoder("rbf", n_anchors=10)])
def test_save_load_round_trip(encoder, tmp_path):
    X, y = _quadrant_data()
    clf = SphereLocationClassifier(encoder, **FAST).fit(X, y)
    clf.save(tmp_path / "model")
    weights = torch.load(tmp_path / "model" / "weights.pt", weights_only=True)
    assert "module" in weights
    loaded = SphereLocationClassifier.load(tmp_path / "model")
    assert loaded.get_params(deep=False).keys() == clf.get_params(deep=False).keys()
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    np.testing.assert_allclose(loaded.decision_function(X), clf.decision_function(X))
    assert loaded.predict(X).dtype == clf.predict(X).dtype
    assert loaded.n_epochs_ == clf.n_epochs_ == FAST["max_epochs"]
    assert loaded.validation_log_loss_ is None


def test_save_load_keeps_the_epoch_choice(tmp_path):
    X, y = _quadrant_data()
    clf = SphereLocationClassifier(**AUTO).fit(X, y)
    clf.save(tmp_path / "model")
    loaded = SphereLocationClassifier.load(tmp_path / "model")
    assert loaded.n_epochs_ == clf.n_epochs_
    np.testing.assert_allclose(loaded.validation_log_loss_, clf.validation_log_loss_)


def test_save_refuses_unserialisable_random_state(tmp_path):
    X, y = _quadrant_data(50)
    clf = SphereLocationClassifier(**{**FAST, "random_state": np.random.RandomState(0)})
    with pytest.raises(ValueError, match="random_state=.*int or None"):
        clf.fit(X, y).save(tmp_path)


def test_grid_and_randomized_search():
    X, y = _quadrant_data(120)
    base = SphereLocationClassifier(
        make_encoder("sphereM+"), **{**FAST, "max_epochs": 2}
    )
    grid = {
        "encoder__min_radius": [1e-2, 1e-1],
        "encoder__n_scales": [4],
        "lr": [1e-2],
        "hidden_units": [8, 16],
    }
    search = GridSearchCV(base, grid, cv=2, scoring=mrr_scorer).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.encoder_.n_scales == 4
    random = RandomizedSearchCV(base, grid, n_iter=2, cv=2, random_state=0).fit(X, y)
    assert random.best_estimator_.predict(X).shape == (120,)


def test_pipeline_uses_the_embedding():
    X, y = _quadrant_data()
    pipe = Pipeline(
        [
            ("embed", SphereLocationClassifier(**{**FAST, "max_epochs": 10}, lr=1e-2)),
            ("logistic", LogisticRegression(max_iter=500)),
        ]
    ).fit(X, y)
    assert pipe.score(X, y) > 0.5
    assert clone(pipe).get_params()["embed__hidden_units"] == 16


_TWO_COLUMNS = (
    "feeds arbitrary features, but the input must be two columns, longitude and "
    "latitude in degrees, with latitudes in [-90, 90]"
)
_ARBITRARY_FEATURE_CHECKS = [
    "check_fit_score_takes_y",  # 3 columns
    "check_dont_overwrite_parameters",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_classifiers_one_label",
    "check_classifiers_regression_target",
    "check_supervised_y_2d",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",  # latitudes of 100
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
    "check_requires_y_none",
    # sample_weight: tested on (lon, lat) in test_classifier_sample_weight.py
    "check_sample_weights_list",
    "check_all_zero_sample_weights_error",
    "check_sample_weight_equivalence_on_dense_data",
    "check_classifiers_one_label_sample_weights",
]


def _expected_failed_checks(estimator):
    failures = {name: _TWO_COLUMNS for name in _ARBITRARY_FEATURE_CHECKS}
    failures["check_classifiers_train"] = (
        "its blobs span a few degrees: the 2-epoch test instance cannot reach "
        "the required accuracy at that scale, and its 3-column case is refused"
    )
    failures["check_do_not_raise_errors_in_init_or_set_params"] = (
        "the constructor takes optimizer__<name> keywords (**optimizer_params, "
        "as skorch's nets do); the check passes the name of that catch-all "
        "itself, optimizer_params=..., which set_params refuses as unknown"
    )
    return failures


@parametrize_with_checks(
    [
        SphereLocationClassifier(hidden_units=8, max_epochs=2, random_state=0, lr=1e-2),
        SphereLocationClassifier(
            hidden_units=8, n_iter_no_change=2, random_state=0, lr=1e-2
        ),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_encoder_parameters_are_tunable_with_the_default_encoder_name():
    from skgeo_s2v import SphereMPlusEncoder

    tuned = clone(SphereLocationClassifier()).set_params(
        encoder__min_radius=0.05, encoder__n_scales=4
    )
    assert isinstance(tuned.encoder, SphereMPlusEncoder)
    assert (tuned.encoder.min_radius, tuned.encoder.n_scales) == (0.05, 4)
    grid = clone(SphereLocationClassifier("grid")).set_params(encoder__n_scales=3)
    assert type(grid.encoder).__name__ == "GridEncoder"
    # Setting the name and its parameters together builds the named encoder.
    both = SphereLocationClassifier().set_params(encoder="theory", encoder__n_scales=2)
    assert (type(both.encoder).__name__, both.encoder.n_scales) == ("TheoryEncoder", 2)
    # Without nested parameters the name stays a name.
    assert SphereLocationClassifier().set_params(lr=0.1).encoder == "sphereM+"


def test_predictions_are_computed_chunk_by_chunk():
    X, y = _quadrant_data(100)
    clf = SphereLocationClassifier(**{**FAST, "batch_size": 7}).fit(X, y)
    rows_seen = []
    forward = clf.net_.module_.forward

    def recording_forward(lonlat):
        rows_seen.append(lonlat.shape[0])
        return forward(lonlat)

    clf.net_.module_.forward = recording_forward
    logits = torch.as_tensor(clf.decision_function(X), dtype=torch.float64)
    predicted = clf.predict(X)
    presence = clf.predict_presence(X)
    proba = clf.predict_proba(X)
    # Every call saw at most batch_size rows, and the chunks cover X each time.
    assert max(rows_seen) == 7
    assert sum(rows_seen) == 4 * len(X)
    # The per-chunk reductions agree with the logits across chunk boundaries.
    np.testing.assert_array_equal(predicted, clf.classes_[logits.argmax(1).numpy()])
    np.testing.assert_allclose(presence, torch.sigmoid(logits).numpy(), rtol=1e-6)
    expected = torch.softmax(torch.nn.functional.logsigmoid(logits), 1).numpy()
    np.testing.assert_allclose(proba, expected, rtol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert predicted.shape == (100,) and proba.dtype == np.float64


def test_training_data_reach_the_device_once_per_fit(monkeypatch):
    from skgeo_s2v.nn import _data

    storages = []
    original = _data.MiniBatches.__init__

    def spy(self, X, y, **kwargs):
        original(self, X, y, **kwargs)
        storages.append((self.X.data_ptr(), self.X.device.type))

    monkeypatch.setattr(_data.MiniBatches, "__init__", spy)
    X, y = _quadrant_data(100)
    clf = SphereLocationClassifier(**FAST).fit(X, y)
    # skorch makes one iterator per fit: the training data are copied to the
    # device once, and every epoch slices them there.
    assert len(storages) == 1
    assert storages[0][1] == torch.device(clf.net_.device).type


def _history_without_times(net):
    return [
        {key: value for key, value in epoch.items() if key != "dur"}
        for epoch in net.history.to_list()
    ]


def test_losses_read_once_per_epoch_give_the_same_history(monkeypatch):
    # On CUDA the batch losses are read back once per epoch rather than per
    # batch; forcing that path on the CPU must record the same history (train
    # and validation losses per batch, batch sizes and counts, epoch scores).
    from skgeo_s2v.nn._training import _DeviceMixin

    X, y = _quadrant_data(150)
    params = {**FAST, "max_epochs": "auto", "n_iter_no_change": 2, "device": "cpu"}
    plain = SphereLocationClassifier(**params).fit(X, y)
    prefixes = []
    loop = _DeviceMixin.run_single_epoch

    def spy(self, iterator, training, prefix, step_fn, **fit_params):
        prefixes.append(prefix)
        return loop(self, iterator, training, prefix, step_fn, **fit_params)

    monkeypatch.setattr(_DeviceMixin, "_reads_losses_per_epoch", lambda self: True)
    monkeypatch.setattr(_DeviceMixin, "run_single_epoch", spy)
    deferred = SphereLocationClassifier(**params).fit(X, y)
    # Both the early-stopping run (train and valid) and the refit ran on it;
    # a wrong validation loss would change the epoch count, so the model.
    assert {"train", "valid"} <= set(prefixes)
    history = _history_without_times(deferred.net_)
    assert history == _history_without_times(plain.net_)
    assert all(
        isinstance(batch["train_loss"], float)
        for epoch in history
        for batch in epoch["batches"]
    )
    np.testing.assert_array_equal(
        deferred.decision_function(X), plain.decision_function(X)
    )
