"""Self-supervised pretraining of SphereLocationClassifier (SPEC §6, issue 4)."""

import math
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skgeo_s2v import ContrastivePretraining, SphereLocationClassifier, make_encoder
from skgeo_s2v.nn import (
    PRETRAINING_DEFAULTS,
    bi_term,
    build_location_module,
    build_pretraining_module,
    contrastive_loss,
    mc_term,
)

FAST = {"hidden_units": 16, "batch_size": 32, "max_epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def pairs():
    """Locations with 3-D features that say in which hemisphere they are."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(-180, 180, 96), rng.uniform(-70, 70, 96)])
    features = np.column_stack(
        [np.sign(X[:, 0]), np.sign(X[:, 1]), rng.normal(size=96)]
    ).astype(np.float32)
    y = np.where(X[:, 0] < 0, "west", "east")
    return X, features, y


@pytest.fixture(scope="module")
def pretrained(pairs):
    X, features, _ = pairs
    return SphereLocationClassifier(
        **FAST, pretraining=ContrastivePretraining(epochs=2)
    ).pretrain(X, features)


def _body_weights(module):
    return {k: v.detach().clone() for k, v in module.body.state_dict().items()}


# -- the losses, against hand computation ----------------------------------------
def test_mc_term_by_hand():
    loss = mc_term(torch.tensor([0.5]), torch.tensor([[0.0, -0.5]]), temperature=0.5)
    expected = math.log(math.e + 1 + math.exp(-1)) - 1
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    # no negatives: the positive is the only candidate, the loss is 0
    assert float(mc_term(torch.tensor([0.3]), torch.zeros(1, 0), 1.0)) == 0.0


def test_bi_term_by_hand():
    loss = bi_term(torch.tensor([0.5, -0.5]), torch.tensor([[0.2]]))
    softplus = lambda v: math.log1p(math.exp(v))  # noqa: E731
    expected = (softplus(-0.5) + softplus(0.5)) / 2 + softplus(0.2)
    assert float(loss) == pytest.approx(expected, rel=1e-6)
    assert float(bi_term(torch.tensor([0.0]), torch.zeros(1, 0))) == pytest.approx(
        math.log(2)
    )


def _hand_terms(e, e_drop, e_neg, target):
    """Positive and negative cosines of the three components, by loops."""

    def cos(a, b):
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    n = len(e)
    terms = []
    for anchors, others in ((e, target), (e, e_drop)):
        pos = [cos(anchors[i], others[i]) for i in range(n)]
        neg = [
            [cos(anchors[i], others[j]) for j in range(n) if j != i] for i in range(n)
        ]
        terms.append((pos, neg))
    pos = [cos(e[i], target[i]) for i in range(n)]
    neg = [
        [cos(e_neg[i, k], target[i]) for k in range(e_neg.shape[1])] for i in range(n)
    ]
    in_batch, dropout = terms
    return in_batch, (pos, neg), dropout


def _tiny_batch():
    g = torch.Generator().manual_seed(0)
    return [
        torch.randn(*shape, generator=g)
        for shape in ((3, 4), (3, 4), (3, 2, 4), (3, 4))
    ]


def test_mc_loss_by_hand():
    e, e_drop, e_neg, target = _tiny_batch()
    temps, weights = (0.5, 2.0, 4.0), (1.0, 0.3, 0.7)
    loss = contrastive_loss(
        e,
        e_drop,
        e_neg,
        target,
        kind="mc",
        temperatures=temps,
        location_weight=weights[1],
        dropout_weight=weights[2],
    )
    expected = 0.0
    terms = _hand_terms(*(t.numpy() for t in (e, e_drop, e_neg, target)))
    for weight, tau, (pos, neg) in zip(weights, temps, terms):
        rows = [
            -p / tau + math.log(math.exp(p / tau) + sum(math.exp(v / tau) for v in ns))
            for p, ns in zip(pos, neg)
        ]
        expected += weight * np.mean(rows)
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_bi_loss_by_hand_and_defaults():
    e, e_drop, e_neg, target = _tiny_batch()
    softplus = lambda v: math.log1p(math.exp(v))  # noqa: E731
    terms = _hand_terms(*(t.numpy() for t in (e, e_drop, e_neg, target)))
    defaults = PRETRAINING_DEFAULTS["bi"]
    weights = (1.0, defaults["location_weight"], defaults["dropout_weight"])
    expected = sum(
        w
        * (
            np.mean([softplus(-p) for p in pos])
            + np.mean([softplus(v) for v in np.ravel(neg)])
        )
        for w, (pos, neg) in zip(weights, terms)
    )
    loss = contrastive_loss(e, e_drop, e_neg, target, kind="bi")
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_loss_without_negative_locations_and_unknown_kind():
    e, e_drop, _, target = _tiny_batch()
    no_locations = torch.zeros(3, 0, 4)
    full = contrastive_loss(e, e_drop, no_locations, target, location_weight=0.0)
    assert math.isfinite(float(full))
    with pytest.raises(ValueError, match="'mc' or 'bi'"):
        contrastive_loss(e, e_drop, no_locations, target, kind="mse")


def test_pretraining_module_shares_the_classifier_keys():
    args = dict(
        encoder=make_encoder("xyz"),
        network="mlp",
        hidden_layers=2,
        hidden_units=8,
        dropout=0.5,
        activation="relu",
    )
    pretraining = build_pretraining_module(**args, n_features=5, loss="bi")
    classifier = build_location_module(**args, n_classes=3)
    shared = {k for k in pretraining.state_dict() if not k.startswith("projection")}
    assert shared == {
        k for k in classifier.state_dict() if not k.startswith("class_embedding")
    }


# -- the estimator ---------------------------------------------------------------
def test_pretrain_sets_pretrained_and_transform_works_without_labels(pairs, pretrained):
    X, features, _ = pairs
    assert pretrained.pretraining.pretrained_.loss == "mc"
    assert len(pretrained.pretraining.pretrained_.history) == 2
    embedding = pretrained.transform(X)
    assert embedding.shape == (len(X), 16) and embedding.dtype == np.float32
    with pytest.raises(NotFittedError):
        pretrained.predict(X)
    model = LogisticRegression().fit(embedding, np.sign(X[:, 0]))
    assert model.score(embedding, np.sign(X[:, 0])) > 0.5


@pytest.mark.parametrize("loss", ["mc", "bi", "mse"])
def test_each_loss_lowers_its_objective(pairs, loss):
    X, features, _ = pairs
    clf = SphereLocationClassifier(**FAST, pretraining=ContrastivePretraining(lr=1e-2))
    clf.pretrain(X, features, loss=loss, epochs=8)
    history = clf.pretraining.pretrained_.history
    assert all(map(math.isfinite, history))
    assert history[-1] < history[0]


def test_fit_starts_from_the_pretrained_weights(pairs, pretrained):
    X, _, y = pairs
    start = _body_weights(pretrained.pretrain_net_.module_)
    clf = clone(pretrained).set_params(lr=1e-12, max_epochs=1)
    clf.fit(X, y)
    assert clf.pretrained_ is pretrained.pretraining.pretrained_
    for name, value in _body_weights(clf.net_.module_).items():
        torch.testing.assert_close(value, start[name], atol=1e-6, rtol=0)
    scratch = SphereLocationClassifier(**FAST).fit(X, y)
    assert scratch.pretrained_ is None


def test_auto_epochs_fine_tune_from_the_pretraining_both_times(pairs, pretrained):
    X, _, y = pairs
    auto = clone(pretrained).set_params(max_epochs="auto", n_iter_no_change=2)
    auto.fit(X, y)
    # The final run fine-tunes from the pretrained weights again, for the
    # chosen count: the same model as a fixed-length fine-tuning.
    fixed = clone(pretrained).set_params(max_epochs=auto.n_epochs_).fit(X, y)
    np.testing.assert_array_equal(auto.decision_function(X), fixed.decision_function(X))


def test_transform_follows_fine_tuning(pairs):
    X, features, y = pairs
    clf = SphereLocationClassifier(**FAST).pretrain(X, features, epochs=1)
    before = clf.transform(X)
    after = clf.fit(X, y).transform(X)
    assert not np.allclose(before, after)


def test_clone_and_grid_search_share_one_pretraining(pairs, pretrained):
    X, _, y = pairs
    assert clone(pretrained).pretraining is pretrained.pretraining
    search = GridSearchCV(clone(pretrained), {"lr": [1e-3, 1e-2]}, cv=2)
    search.fit(X, y)
    assert search.best_estimator_.pretrained_ is pretrained.pretraining.pretrained_
    # pretrained vs not, in one search
    search = GridSearchCV(
        pretrained, {"pretraining": [None, pretrained.pretraining]}, cv=2
    ).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 2


@pytest.mark.parametrize(
    "params, name",
    [
        ({"hidden_units": 8}, "hidden_units"),
        ({"hidden_layers": 2}, "hidden_layers"),
        ({"encoder": "sphereC"}, "encoder"),
        ({"encoder__min_radius": 0.5}, "encoder"),
        ({"network": "wrap_residual"}, "network"),
    ],
)
def test_changed_architecture_fails_clearly(pairs, pretrained, params, name):
    X, _, y = pairs
    clf = clone(pretrained).set_params(**params)
    with pytest.raises(ValueError, match=f"{name}=.*pretrained with.*pretrain_X"):
        clf.fit(X, y)


def test_dropout_and_training_params_may_change(pairs, pretrained):
    X, _, y = pairs
    clone(pretrained).set_params(dropout=0.1, lr=1e-2, max_epochs=1).fit(X, y)


def test_pretraining_inside_fit_is_tunable(pairs):
    X, features, y = pairs
    clf = SphereLocationClassifier(**FAST, pretraining=ContrastivePretraining(epochs=1))
    clf.fit(X[:40], y[:40], pretrain_X=X, pretrain_features=features)
    assert not hasattr(clf.pretraining, "pretrained_")
    assert clf.pretrained_.n_samples == len(X)
    assert hasattr(clf, "pretrain_net_")
    search = GridSearchCV(
        SphereLocationClassifier(**FAST, pretraining=ContrastivePretraining(epochs=1)),
        {"pretraining__loss": ["mse", "bi"], "hidden_units": [8, 16]},
        cv=2,
    ).fit(X[:40], y[:40], pretrain_X=X, pretrain_features=features)
    assert search.best_estimator_.pretrained_.loss in {"mse", "bi"}
    assert not hasattr(search.best_estimator_.pretraining, "pretrained_")


def test_fit_pretraining_arguments_conflict(pairs, pretrained):
    X, features, y = pairs
    with pytest.raises(ValueError, match="already holds pretrained"):
        clone(pretrained).fit(X, y, pretrain_X=X, pretrain_features=features)
    with pytest.raises(ValueError, match="go together"):
        SphereLocationClassifier(**FAST).fit(X, y, pretrain_X=X)


def test_reproducible_and_input_untouched(pairs):
    X, features, _ = pairs
    X_copy, features_copy = X.copy(), features.copy()
    first = SphereLocationClassifier(**FAST).pretrain(X, features, epochs=1)
    second = SphereLocationClassifier(**FAST).pretrain(X, features, epochs=1)
    first_state = first.pretraining.pretrained_.state_dict
    for name, value in first_state.items():
        torch.testing.assert_close(
            value, second.pretraining.pretrained_.state_dict[name]
        )
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(features, features_copy)


def test_pretrain_discards_an_earlier_fit(pairs):
    X, features, y = pairs
    clf = SphereLocationClassifier(**FAST).fit(X, y)
    clf.pretrain(X, features, epochs=1)
    assert not hasattr(clf, "classes_")
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_verbose_prints_each_epoch(pairs, capsys):
    X, features, _ = pairs
    SphereLocationClassifier(**FAST, verbose=1).pretrain(X, features, epochs=2)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 4


def test_pickle_and_save_after_fine_tuning(pairs, pretrained, tmp_path):
    X, _, y = pairs
    restored = pickle.loads(pickle.dumps(pretrained))
    np.testing.assert_allclose(restored.transform(X), pretrained.transform(X))
    clf = clone(pretrained).fit(X, y)
    clf.save(tmp_path / "model")
    loaded = SphereLocationClassifier.load(tmp_path / "model")
    assert loaded.pretraining is None
    np.testing.assert_allclose(loaded.decision_function(X), clf.decision_function(X))


@pytest.mark.parametrize(
    "features, kwargs, match",
    [
        ("nan", {}, "features contains NaN"),
        ("short", {}, "features has 95 rows but X_unlabeled has 96"),
        ("1d", {}, "2-D array"),
        ("ok", {"loss": "triplet"}, "loss='triplet' is not a pretraining loss"),
        ("ok", {"epochs": 0}, "epochs must be"),
        ("ok", {"lr": -1.0}, "lr must be"),
    ],
)
def test_bad_input(pairs, features, kwargs, match):
    X, good, _ = pairs
    bad = {
        "nan": np.where(np.arange(96)[:, None] == 5, np.nan, good),
        "short": good[:-1],
        "1d": good[:, 0],
        "ok": good,
    }[features]
    with pytest.raises(ValueError, match=match):
        SphereLocationClassifier(**FAST).pretrain(X, bad, **kwargs)


def test_in_batch_losses_need_two_per_batch(pairs):
    X, features, _ = pairs
    clf = SphereLocationClassifier(
        **FAST, pretraining=ContrastivePretraining(batch_size=1)
    )
    for loss in ("mc", "bi"):
        with pytest.raises(ValueError, match="at least 2 per batch"):
            clf.pretrain(X, features, loss=loss)
    clf.pretrain(X[:4], features[:4], loss="mse", epochs=1)  # no in-batch term
    with pytest.raises(InvalidParameterError, match="loss"):
        SphereLocationClassifier(
            pretraining=ContrastivePretraining(loss="triplet")
        ).pretrain(X, features)
