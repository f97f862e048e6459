"""ContrastivePretraining as its own estimator, and as the classifier's part."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skgeo_s2v import ContrastivePretraining, SphereLocationClassifier

SMALL = {"hidden_units": 16, "epochs": 2, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(-180, 180, 96), rng.uniform(-70, 70, 96)])
    features = np.column_stack([np.sign(X[:, 0]), rng.normal(size=96)])
    return X, features, np.where(X[:, 0] < 0, "west", "east")


def test_fit_transform_and_what_it_hands_over(pairs):
    X, features, _ = pairs
    pretraining = ContrastivePretraining(**SMALL).fit(X, features)
    embedding = pretraining.transform(X)
    assert embedding.shape == (96, 16) and embedding.dtype == np.float32
    weights = pretraining.pretrained_
    assert weights.loss == "mc" and weights.n_samples == 96
    assert len(weights.history) == 2
    assert all(name.startswith(("encoding.", "body.")) for name in weights.state_dict)
    again = ContrastivePretraining(**SMALL).fit(X, features)
    np.testing.assert_array_equal(again.transform(X), embedding)


def test_a_frozen_pretraining_is_shared_by_every_clone(pairs):
    X, features, y = pairs
    frozen = FrozenEstimator(ContrastivePretraining(**SMALL).fit(X, features))
    clf = SphereLocationClassifier(
        hidden_units=16, max_epochs=1, batch_size=32, pretraining=frozen
    )
    assert clone(clf).pretraining is frozen
    fitted = clf.fit(X, y)
    assert fitted.pretrained_ is frozen.pretrained_
    # The class head is new; the encoding starts from the pretrained weights.
    assert fitted.encoder_.get_params() == frozen.encoder_.get_params()


def test_an_unfitted_pretraining_runs_inside_fit_and_is_tunable(pairs):
    X, features, y = pairs
    clf = SphereLocationClassifier(
        hidden_units=8,
        max_epochs=1,
        batch_size=32,
        random_state=0,
        pretraining=ContrastivePretraining(epochs=1, hidden_units=999),
    )
    search = GridSearchCV(clf, {"pretraining__loss": ["mse", "bi"]}, cv=2)
    search.fit(X[:40], y[:40], pretrain_X=X, pretrain_features=features)
    best = search.best_estimator_
    assert best.pretrained_.loss == search.best_params_["pretraining__loss"]
    # Inside fit it takes the classifier's architecture.
    assert best.pretrained_.architecture["hidden_units"] == 8
    assert not hasattr(clf.pretraining, "pretrained_")  # the parameter untouched


def test_an_unfitted_pretraining_without_data_trains_from_scratch(pairs):
    X, _, y = pairs
    clf = SphereLocationClassifier(
        hidden_units=8, max_epochs=1, pretraining=ContrastivePretraining()
    ).fit(X, y)
    assert clf.pretrained_ is None


_TWO_COLUMNS = (
    "the check's synthetic X is not (lon, lat) in degrees (other column counts or "
    "latitudes beyond 90), which the estimator refuses with a ValueError; tested "
    "on real locations in tests/test_scale.py and tests/test_pretrain.py"
)
_ONE_D_FEATURES = (
    "the check passes a 1-D y as the features; fit wants a 2-D "
    "(n_samples, n_features) array and says so (tests/test_pretrain.py)"
)
#: Checks that cannot apply to ContrastivePretraining, with the reason.
EXPECTED_FAILURES = {
    **{
        name: _TWO_COLUMNS
        for name in (
            "check_fit_score_takes_y",
            "check_dont_overwrite_parameters",
            "check_n_features_in_after_fitting",
            "check_positive_only_tag_during_fit",
            "check_estimators_dtypes",
            "check_dtype_object",
            "check_estimators_nan_inf",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_transformer_data_not_an_array",
            "check_transformer_general",
            "check_transformer_preserve_dtypes",
            "check_fit2d_1sample",
            "check_fit2d_1feature",
            "check_dict_unchanged",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
            "check_fit2d_predict1d",
            "check_requires_y_none",
        )
    },
    **{
        name: _ONE_D_FEATURES
        for name in (
            "check_estimators_overwrite_params",
            "check_estimators_fit_returns_self",
            "check_readonly_memmap_input",
        )
    },
}


@parametrize_with_checks(
    [ContrastivePretraining(hidden_units=8, epochs=1, batch_size=16, random_state=0)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_a_batch_of_one_names_the_current_batch_size_parameters():
    X = np.column_stack([np.linspace(-50, 50, 4), np.zeros(4)])
    features = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"pretraining__batch_size") as info:
        ContrastivePretraining(hidden_units=4, batch_size=1).fit(X, features)
    assert "pretrain_batch_size" not in str(info.value)
