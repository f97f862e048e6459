"""scikit-learn's common checks: the blend, the SDM models and the background samplers.

As in ``test_common.py``, the checks feed synthetic matrices of 1 to 10
normally distributed columns, or two columns around 100; these estimators take
exactly ``(lon, lat)`` in degrees, latitudes in ``[-90, 90]``, and refuse
anything else with a ``ValueError`` on purpose. Those checks are listed in
:data:`EXPECTED_FAILURES`, each with its reason; the test
``test_expected_failures_still_fail`` runs every listed check and asserts that
it still fails, and fails because of that refusal, so the table cannot go
stale. The properties those checks would have tested (pickling, idempotent
fit, untouched input, ``n_features_in_``, NaN refusal, continuous targets) are
tested on real ``(lon, lat)`` data at the end of this module.
"""

import pickle
import re

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.utils.estimator_checks import parametrize_with_checks

from skgeo_s2v import NeighborBlendClassifier
from skgeo_s2v.background import (
    BoxBackground,
    BufferBackground,
    LandBackground,
    PointsBackground,
    PolygonBackground,
    RasterBackground,
    TargetGroupBackground,
    UniformSphereBackground,
)
from skgeo_s2v.sdm import (
    KernelDensityClassifier,
    OneVsBackgroundClassifier,
    RankAverageClassifier,
    SharedBiasGAMClassifier,
    SphereGAMClassifier,
    ThinnedClassifier,
)

_TRIANGLE = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [0, 10], [0, 0]]]}

#: Small, fast instances. The blend's blocks are small (0.001 rad, about 6 km)
#: so that the checks' two-column blobs, a few degrees across, form several
#: groups to hold out; its estimator is a LogisticRegression.
BLEND = NeighborBlendClassifier(
    LogisticRegression(), n_neighbors=(1, 3), block_size_km=5.0, random_state=0
)
#: Every background sampler once; LandBackground reads its 1 GB land mask on
#: first use (about 10 s), so it is here once only, with a small box.
SAMPLERS = [
    UniformSphereBackground(),
    BoxBackground((-10.0, -10.0, 10.0, 10.0)),
    PolygonBackground(_TRIANGLE),
    LandBackground(bbox=(-10.0, 35.0, 30.0, 60.0)),
    BufferBackground(radius_km=500.0),
    PointsBackground([[0.0, 0.0], [1.0, 1.0]]),
    TargetGroupBackground(),
    RasterBackground(
        np.array([[1.0, 2.0], [0.0, np.nan]]), bbox=(-10.0, -10.0, 10.0, 10.0)
    ),
]
#: The GAM with 4 knots (fewer spline columns than the default 6), for speed.
GAM = SphereGAMClassifier("sphereC+", n_knots=4)
#: One GAM per class against the other classes' records.
ONE_VS_BACKGROUND = OneVsBackgroundClassifier(GAM)
#: Every class's habitat with one shared bias, against a grid of sites
#: over the checks' standardised blobs (within 3 degrees of 0, 0).
SHARED_BIAS = SharedBiasGAMClassifier(
    np.stack(np.meshgrid(np.arange(-3, 3.1, 0.5), np.arange(-3, 3.1, 0.5)), -1).reshape(
        -1, 2
    ),
    n_knots=4,
)
#: The GAM on records thinned to 1 km (the checks' blobs are degrees across).
THINNED = ThinnedClassifier(GAM, 1.0, random_state=0)
#: The kernel density of each class, its automatic bandwidths.
DENSITY = KernelDensityClassifier(random_state=0)
#: The mean rank of two scikit-learn models, which take any columns: it
#: passes every check, none expected to fail.
RANK_AVERAGE = RankAverageClassifier(
    [("lr", LogisticRegression()), ("nb", GaussianNB())]
)
ESTIMATORS = [
    BLEND,
    GAM,
    ONE_VS_BACKGROUND,
    SHARED_BIAS,
    THINNED,
    DENSITY,
    RANK_AVERAGE,
    *SAMPLERS,
]


def _columns(n):
    return (
        f"the check's synthetic X has {n} columns; the estimator takes exactly "
        f"(lon, lat) and raises ValueError 'X has {n} columns, but ... expects 2'"
    )


_LATITUDES = (
    "the check's synthetic X has two columns around 100, latitudes outside "
    "[-90, 90]; the estimator raises ValueError '... outside [-90, 90]'"
)

#: Common checks that cannot apply, with the reason. Each reason quotes the
#: estimator's own refusal, which ``test_expected_failures_still_fail`` finds
#: at the root of the check's failure.
EXPECTED_FAILURES = {
    "check_fit_score_takes_y": _columns(3),
    "check_dont_overwrite_parameters": _columns(3),
    "check_n_features_in_after_fitting": _columns(4),
    "check_positive_only_tag_during_fit": _columns(4) + " (iris)",
    "check_estimators_dtypes": _columns(5),
    "check_dtype_object": _columns(10),
    "check_pipeline_consistency": _columns(3),
    "check_estimators_nan_inf": _columns(3)
    + "; NaN and inf in (lon, lat) are refused too, naming the row",
    "check_estimators_pickle": _columns(3),
    "check_f_contiguous_array_estimator": _columns(3),
    "check_methods_sample_order_invariance": _columns(3),
    "check_methods_subset_invariance": _columns(3),
    "check_fit2d_1sample": _columns(10) + ", before the single sample could be refused",
    "check_fit2d_1feature": _columns(1),
    "check_dict_unchanged": _columns(3),
    "check_fit2d_predict1d": _columns(3),
    "check_fit_idempotent": _LATITUDES,
    "check_fit_check_is_fitted": _LATITUDES,
    "check_n_features_in": _LATITUDES,
    # Run on the classifier only.
    "check_classifiers_one_label": _columns(3),
    "check_classifiers_regression_target": _columns(10)
    + " (diabetes); continuous y is refused too, with 'continuous'",
    "check_supervised_y_2d": _columns(3),
    "check_requires_y_none": _LATITUDES,
}


#: Checks that only the GAMs run (they have ``max_iter`` and ``sample_weight``;
#: the weights are tested in their own test files instead), and of them the
#: ``sample_weight`` checks for the other models that take it.
GAM_EXPECTED_FAILURES = {
    "check_non_transformer_estimators_n_iter": _columns(4) + " (iris)",
    "check_sample_weights_list": _columns(3),
    "check_all_zero_sample_weights_error": _columns(20),
    "check_sample_weight_equivalence_on_dense_data": _columns(30),
    "check_classifiers_one_label_sample_weights": _columns(10),
}


def _expected_failures(estimator):
    if isinstance(estimator, RankAverageClassifier):
        return {}
    if isinstance(
        estimator,
        (ThinnedClassifier, KernelDensityClassifier, OneVsBackgroundClassifier),
    ):
        return {
            **EXPECTED_FAILURES,
            **{
                name: reason
                for name, reason in GAM_EXPECTED_FAILURES.items()
                if "sample_weight" in name
            },
        }
    if isinstance(estimator, (SphereGAMClassifier, SharedBiasGAMClassifier)):
        return {**EXPECTED_FAILURES, **GAM_EXPECTED_FAILURES}
    return EXPECTED_FAILURES


def _check_name(check):
    return getattr(check, "func", check).__name__


def _root_cause(error):
    while (error.__cause__ or error.__context__) is not None:
        error = error.__cause__ or error.__context__
    return error


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    # The listed checks are run, once, by test_expected_failures_still_fail.
    reason = _expected_failures(estimator).get(_check_name(check))
    if reason is not None:
        pytest.skip(reason)
    check(estimator)


@parametrize_with_checks(ESTIMATORS)
def test_expected_failures_still_fail(estimator, check):
    name = _check_name(check)
    expected = _expected_failures(estimator)
    if name not in expected:
        pytest.skip("not an expected failure")
    refusal = re.search(
        r"X has \d+ columns|outside \[-90, 90\]", expected[name]
    ).group()
    with pytest.raises((ValueError, AssertionError)) as info:
        check(estimator)
    root = _root_cause(info.value)
    assert isinstance(root, ValueError)
    assert refusal in str(root), str(root)


def test_every_listed_check_is_run():
    # A check renamed or dropped by scikit-learn would otherwise sit in the
    # table unnoticed, skipped forever.
    from sklearn.utils.estimator_checks import _yield_all_checks

    names = {
        _check_name(check)
        for estimator in (BLEND, SAMPLERS[0])
        for check in _yield_all_checks(estimator, legacy=True)
    }
    assert set(EXPECTED_FAILURES) <= names
    gam_names = {_check_name(c) for c in _yield_all_checks(GAM, legacy=True)}
    assert set(GAM_EXPECTED_FAILURES) <= gam_names


# The properties of the listed checks, on real (lon, lat) data.


def _lonlat(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(0.0, 3.0, n), rng.uniform(0.0, 3.0, n)])


def _draw(sampler):
    return sampler.sample(64, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("sampler", SAMPLERS, ids=lambda s: type(s).__name__)
def test_sampler_properties_on_real_locations(sampler):
    X = _lonlat()
    if isinstance(sampler, LandBackground):
        X = X + [5.0, 45.0]  # in its box, on land and sea around the Alps
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        _draw(clone(sampler))
    before = X.copy()
    fitted = clone(sampler).fit(X, np.arange(len(X)) % 3)
    np.testing.assert_array_equal(X, before)
    assert fitted.n_features_in_ == 2
    draw = _draw(fitted)
    torch.testing.assert_close(_draw(fitted.fit(X)), draw)  # idempotent fit
    torch.testing.assert_close(_draw(pickle.loads(pickle.dumps(fitted))), draw)
    assert type(clone(fitted).get_params()) is dict
    float32 = clone(sampler).fit(X.astype(np.float32))
    torch.testing.assert_close(_draw(float32), draw)
    with pytest.raises(ValueError, match="expects 2"):
        clone(sampler).fit(X[:, :1])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 3"):
        clone(sampler).fit(bad)


def test_blend_properties_on_real_locations():
    X = _lonlat()
    y = np.where(X[:, 0] < 1.5, "west", "east")
    before = X.copy()
    blend = clone(BLEND).fit(X, y)
    np.testing.assert_array_equal(X, before)
    assert blend.n_features_in_ == 2
    proba = blend.predict_proba(X)
    np.testing.assert_allclose(clone(BLEND).fit(X, y).predict_proba(X), proba)
    restored = pickle.loads(pickle.dumps(blend))
    np.testing.assert_allclose(restored.predict_proba(X), proba)
    np.testing.assert_array_equal(restored.predict(X[::-1]), blend.predict(X)[::-1])
    with pytest.raises(ValueError, match="Unknown label type|continuous"):
        clone(BLEND).fit(X, X[:, 0])
    bad = X.copy()
    bad[3, 0] = np.inf
    with pytest.raises(ValueError, match="row 3"):
        clone(BLEND).fit(bad, y)


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_blend_refuses_to_predict_before_fit(method):
    # check_estimators_unfitted found predict raising AttributeError (classes_).
    with pytest.raises(NotFittedError):
        getattr(clone(BLEND), method)([[0.0, 0.0]])
