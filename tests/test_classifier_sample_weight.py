"""SphereLocationClassifier.fit(X, y, sample_weight): weighted training rows."""

import numpy as np
import pytest
import sklearn
import torch
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.background import TargetGroupBackground
from skgeo_s2v.fusion import GeoPriorFusion
from skgeo_s2v.losses import BaseLoss
from skgeo_s2v.nn import presence_absence_loss

FAST = {"hidden_units": 16, "max_epochs": 20, "batch_size": 64, "random_state": 0}


def _mixed_labels(n=200, seed=0):
    """Locations in a box, labels drawn independently of them."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(-20, 20, n), rng.uniform(-20, 20, n)])
    return X, np.where(rng.random(n) < 0.5, "a", "b")


def _west_east(n=120, seed=0):
    """'a' in the west, 'b' in the east."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(-40, 40, n), rng.uniform(-20, 20, n)])
    return X, np.where(X[:, 0] < 0, "a", "b")


def test_unit_and_constant_weights_give_the_unweighted_model():
    X, y = _mixed_labels()
    plain = SphereLocationClassifier(**FAST).fit(X, y).predict_proba(X)
    for weights in (np.ones(len(y)), np.full(len(y), 3.0)):
        weighted = SphereLocationClassifier(**FAST).fit(X, y, sample_weight=weights)
        np.testing.assert_array_equal(weighted.predict_proba(X), plain)


def test_only_the_ratios_of_the_weights_matter():
    X, y = _mixed_labels()
    weights = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    once = SphereLocationClassifier(**FAST).fit(X, y, sample_weight=weights)
    scaled = SphereLocationClassifier(**FAST).fit(X, y, sample_weight=7 * weights)
    np.testing.assert_allclose(
        scaled.predict_proba(X), once.predict_proba(X), atol=1e-5
    )


def test_a_heavier_class_gets_more_probability():
    # Labels independent of location: the model learns the classes' shares,
    # and weighting the records of 'a' five times raises its share.
    X, y = _mixed_labels()
    plain = SphereLocationClassifier(**FAST).fit(X, y)
    weights = np.where(y == "a", 5.0, 1.0)
    heavy = SphereLocationClassifier(**FAST).fit(X, y, sample_weight=weights)
    share_plain = plain.predict_proba(X)[:, 0].mean()
    share_heavy = heavy.predict_proba(X)[:, 0].mean()
    assert 0.35 < share_plain < 0.6
    assert share_heavy > share_plain + 0.15


def test_rows_of_weight_zero_are_not_learnt():
    # Copies of the western records labelled 'b': unweighted they make the
    # west a toss-up; at weight 0 the west stays 'a'.
    X, y = _west_east()
    west = X[:, 0] < 0
    X_more = np.vstack([X, X[west]])
    y_more = np.concatenate([y, np.full(west.sum(), "b")])
    weights = np.concatenate([np.ones(len(y)), np.zeros(west.sum())])
    params = {**FAST, "max_epochs": 40, "lr": 1e-2}
    confused = SphereLocationClassifier(**params).fit(X_more, y_more)
    weighted = SphereLocationClassifier(**params).fit(
        X_more, y_more, sample_weight=weights
    )
    assert confused.predict_proba(X[west])[:, 0].mean() < 0.65
    assert weighted.predict_proba(X[west])[:, 0].mean() > 0.8
    assert weighted.score(X, y) > 0.9


def test_loss_weighs_each_row_term_and_not_the_background():
    logits = torch.tensor([[0.5, -1.0], [2.0, 0.0]])
    y = torch.tensor([0, 1])
    background = torch.tensor([[0.3, -0.2]])
    weights = torch.tensor([2.0, 0.0])
    weighted = presence_absence_loss(
        logits, y, background, pos_weight=2.0, sample_weight=weights
    )
    # by hand: twice row 0's term, none of row 1's, over 2 rows; all the
    # background term
    row0 = (2.0 * torch.nn.functional.softplus(-logits[0, 0])) + (
        torch.nn.functional.softplus(logits[0, 1])
    )
    labelled = 2.0 * row0 / 2 / 2  # mean over the 2 rows, then over C = 2
    bg = torch.nn.functional.softplus(background).sum() / 2
    assert float(weighted) == pytest.approx(float(labelled + bg), rel=1e-6)


def test_validation_log_loss_is_weighted():
    X, y = _west_east(200)
    weights = np.random.default_rng(2).uniform(0.2, 3.0, len(y))
    clf = SphereLocationClassifier(
        hidden_units=16,
        batch_size=64,
        n_iter_no_change=3,
        random_state=0,
        early_stopping=True,
    ).fit(X, y, sample_weight=weights)
    valid = clf.net_.train_split.keywords["valid_ds"]
    X_valid = np.asarray(valid.X["rows"], dtype=np.float64)
    valid_weights = valid.X["sample_weight"].numpy()
    # the weights of the validation rows, scaled as the fit scales them all
    as_float32 = X.astype(np.float32)
    rows = [np.flatnonzero((row == as_float32).all(axis=1))[0] for row in X_valid]
    np.testing.assert_allclose(valid_weights, weights[rows] / weights.mean(), rtol=1e-6)
    expected = log_loss(
        valid.y,
        clf.predict_proba(X_valid),
        sample_weight=valid_weights,
        labels=np.arange(len(clf.classes_)),
    )
    recorded = clf.validation_log_loss_[clf.n_epochs_ - 1]
    assert recorded == pytest.approx(expected, rel=1e-5)


def test_auto_epochs_and_class_balanced_batches_take_weights():
    X, y = _west_east()
    weights = np.where(y == "a", 2.0, 1.0)
    for params in (
        {"max_epochs": "auto", "n_iter_no_change": 2},
        {"max_per_class": 20},
    ):
        clf = SphereLocationClassifier(**{**FAST, **params}).fit(
            X, y, sample_weight=weights
        )
        assert clf.predict_proba(X).shape == (len(X), 2)


def test_fit_from_memmap_with_weights_matches_in_memory(tmp_path):
    X, y = _west_east()
    weights = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    np.save(tmp_path / "X.npy", X)
    streamed_X = np.load(tmp_path / "X.npy", mmap_mode="r")
    in_memory = SphereLocationClassifier(**FAST).fit(X, y, sample_weight=weights)
    streamed = SphereLocationClassifier(**FAST).fit(
        streamed_X, y, sample_weight=weights
    )
    # the same batches and background; only the order of the float sums
    # inside a batch differs
    np.testing.assert_allclose(
        streamed.decision_function(X), in_memory.decision_function(X), atol=1e-4
    )


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        (-np.ones(120), "Negative values in data passed to `sample_weight`"),
        (np.full(120, np.nan), "sample_weight.*NaN"),
        (np.ones(5), r"sample_weight.shape == \(5,\), expected \(120,\)"),
        ("y == 'a'", r"class \['b'\] a total weight of 0"),
    ],
)
def test_bad_weights_are_refused(weights, match):
    X, y = _west_east()
    if isinstance(weights, str):
        weights = (y == "a").astype(float)
    with pytest.raises(ValueError, match=match):
        SphereLocationClassifier(**FAST).fit(X, y, sample_weight=weights)


def test_weights_are_not_modified():
    X, y = _west_east()
    weights = np.linspace(0.5, 2.0, len(y))
    before = weights.copy()
    SphereLocationClassifier(**{**FAST, "max_epochs": 2}).fit(
        X, y, sample_weight=weights
    )
    np.testing.assert_array_equal(weights, before)


class _UnweightedCriterion(torch.nn.Module):
    def forward(self, logits, y, background_logits):
        return torch.nn.functional.cross_entropy(logits, y)


class _UnweightedLoss(BaseLoss):
    needs_background = False

    def criterion(self, n_classes):
        return _UnweightedCriterion()


def test_a_loss_that_cannot_weigh_rows_is_refused_with_weights():
    X, y = _west_east()
    params = {**FAST, "max_epochs": 2, "loss": _UnweightedLoss()}
    SphereLocationClassifier(**params).fit(X, y)  # fine without weights
    with pytest.raises(ValueError, match="takes no sample_weight argument"):
        SphereLocationClassifier(**params).fit(X, y, sample_weight=np.ones(len(y)))


def test_weights_reach_the_classifier_in_a_search_and_a_pipeline():
    X, y = _mixed_labels()
    weights = np.where(y == "a", 5.0, 1.0)
    search = GridSearchCV(
        SphereLocationClassifier(**FAST), {"hidden_units": [16]}, cv=2
    ).fit(X, y, sample_weight=weights)
    assert search.best_estimator_.predict_proba(X)[:, 0].mean() > 0.6
    pipe = Pipeline([("location", SphereLocationClassifier(**FAST))])
    pipe.fit(X, y, location__sample_weight=weights)
    direct = SphereLocationClassifier(**FAST).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(pipe.predict_proba(X), direct.predict_proba(X))


def test_fusion_routes_weights_to_the_location_model():
    X, y = _mixed_labels()
    image = np.random.default_rng(4).normal(size=(len(y), 1))  # uninformative
    X_fused = np.column_stack([X, image])
    weights = np.where(y == "a", 5.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        fusion = GeoPriorFusion(
            KNeighborsClassifier(5),  # takes no sample_weight
            SphereLocationClassifier(**FAST).set_fit_request(sample_weight=True),
            location_columns=(0, 1),
        ).fit(X_fused, y, sample_weight=weights)
    direct = SphereLocationClassifier(**FAST).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(
        fusion.location_estimator_.predict_proba(X), direct.predict_proba(X)
    )


def test_the_sdm_wrappers_pass_the_weights_on():
    from skgeo_s2v.sdm import (
        KernelDensityClassifier,
        RankAverageClassifier,
        ThinnedClassifier,
    )

    X, y = _mixed_labels()
    weights = np.where(y == "a", 5.0, 1.0)
    thinned = ThinnedClassifier(
        SphereLocationClassifier(**FAST), 100.0, random_state=0
    ).fit(X, y, sample_weight=weights)
    kept = thinned.kept_
    direct = SphereLocationClassifier(**FAST).fit(
        X[kept], y[kept], sample_weight=weights[kept]
    )
    np.testing.assert_array_equal(thinned.predict_proba(X), direct.predict_proba(X))
    ranked = RankAverageClassifier(
        [
            ("classifier", SphereLocationClassifier(**FAST)),
            ("density", KernelDensityClassifier(random_state=0)),
        ]
    ).fit(X, y, sample_weight=weights)
    whole = SphereLocationClassifier(**FAST).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(
        ranked.named_estimators_["classifier"].predict_proba(X),
        whole.predict_proba(X),
    )


def test_covariates_and_groups_take_weights_too():
    import pandas as pd
    from sklearn.model_selection import GroupShuffleSplit

    X, y = _west_east()
    frame = pd.DataFrame({"lon": X[:, 0], "lat": X[:, 1], "rain": X[:, 0] / 40})
    weights = np.where(y == "a", 3.0, 1.0)
    params = {**FAST, "background": TargetGroupBackground()}
    plain = SphereLocationClassifier(**params).fit(frame, y)
    weighted = SphereLocationClassifier(**params).fit(frame, y, sample_weight=weights)
    assert (
        weighted.predict_proba(frame)[:, 0].mean()
        > plain.predict_proba(frame)[:, 0].mean()
    )
    sites = np.arange(len(y)) // 4
    SphereLocationClassifier(
        **{**FAST, "max_epochs": "auto", "n_iter_no_change": 2},
        validation_split=GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=0),
    ).fit(X, y, sample_weight=weights, groups=sites)
