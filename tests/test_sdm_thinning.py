"""Spatial thinning of records (skgeo_s2v.sdm.thin_records)."""

import numpy as np
import pandas as pd
import pytest

from skgeo_s2v.sdm import thin_records

KM_PER_DEGREE = 6371.0088 * np.pi / 180  # on a great circle


def _distances_km(lonlat):
    """All pairwise great-circle distances, by the haversine formula."""
    lon, lat = np.radians(lonlat).T
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = (
        np.sin(dlat / 2) ** 2
        + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    )
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _clustered(n=300, seed=0):
    """Records in a few tight crowds and a scatter, over about 200 km."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([5.0, 45.0], [7.0, 47.0], size=(6, 2))
    crowd = centres[rng.integers(0, 6, n // 2)] + rng.normal(0, 0.02, (n // 2, 2))
    scatter = rng.uniform([5.0, 45.0], [7.0, 47.0], size=(n - n // 2, 2))
    return np.vstack([crowd, scatter])


@pytest.mark.parametrize("distance_km", [2.0, 10.0, 30.0])
def test_kept_records_are_apart_and_every_dropped_one_has_a_kept_neighbour(
    distance_km,
):
    X = _clustered()
    kept = thin_records(X, distance_km, random_state=0)
    distances = _distances_km(X)
    among_kept = distances[np.ix_(kept, kept)]
    np.fill_diagonal(among_kept, np.inf)
    assert among_kept.min() >= distance_km
    nearest_kept = distances[np.ix_(~kept, kept)].min(axis=1)
    assert (nearest_kept < distance_km).all()  # no record was dropped needlessly
    assert 0 < kept.sum() < len(X)


def test_each_class_is_thinned_on_its_own():
    X = _clustered(200)
    y = np.where(np.arange(200) % 2 == 0, "oak", "ash")
    kept = thin_records(X, 10.0, y=y, random_state=0)
    distances = _distances_km(X)
    for species in ("oak", "ash"):
        mine = kept & (y == species)
        within = distances[np.ix_(mine, mine)]
        np.fill_diagonal(within, np.inf)
        assert within.min() >= 10.0
        alone = thin_records(X[y == species], 10.0, random_state=1)
        assert alone.sum() > 0
    # a record of each species at one spot: neither conflicts with the other
    same_spot = np.array([[5.0, 45.0], [5.0, 45.0]])
    np.testing.assert_array_equal(thin_records(same_spot, 1.0, y=["a", "b"]), [1, 1])
    np.testing.assert_array_equal(thin_records(same_spot, 1.0, random_state=0).sum(), 1)


def test_the_most_crowded_record_goes_first():
    # 0.6 km steps along the equator: the middle one of three is near both
    step = 0.6 / KM_PER_DEGREE
    line = np.column_stack([np.arange(3) * step, np.zeros(3)])
    np.testing.assert_array_equal(thin_records(line, 1.0, random_state=0), [1, 0, 1])
    # a star: the centre is near all four points, which are 1.13 km apart
    arm = 0.8 / KM_PER_DEGREE
    star = np.array([[0, 0], [arm, 0], [-arm, 0], [0, arm], [0, -arm]], dtype=float)
    np.testing.assert_array_equal(thin_records(star, 1.0), [0, 1, 1, 1, 1])


def test_same_seed_same_records_and_the_dataframe_form():
    X = _clustered()
    first = thin_records(X, 10.0, random_state=3)
    np.testing.assert_array_equal(first, thin_records(X, 10.0, random_state=3))
    seeds = [thin_records(X, 10.0, random_state=s) for s in range(5)]
    assert any(not np.array_equal(seeds[0], other) for other in seeds[1:])
    frame = pd.DataFrame({"bio1": np.arange(len(X)), "lat": X[:, 1], "lon": X[:, 0]})
    before = frame.copy()
    np.testing.assert_array_equal(thin_records(frame, 10.0, random_state=3), first)
    pd.testing.assert_frame_equal(frame, before)


def test_records_across_the_antimeridian_are_close():
    X = np.array([[179.99, 10.0], [-179.99, 10.0]])  # about 2.2 km apart
    assert thin_records(X, 5.0, random_state=0).sum() == 1
    assert thin_records(X, 1.0, random_state=0).sum() == 2


@pytest.mark.parametrize("distance_km", [0, -1.0, np.inf, np.nan, "10"])
def test_distance_must_be_positive(distance_km):
    with pytest.raises(ValueError, match="distance_km must be a positive number"):
        thin_records(np.array([[0.0, 0.0], [1.0, 1.0]]), distance_km)


def test_bad_records_are_named():
    with pytest.raises(ValueError, match="lat"):
        thin_records(np.array([[0.0, 0.0], [1.0, 95.0]]), 1.0)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        thin_records(np.array([[0.0, 0.0], [1.0, 1.0]]), 1.0, y=["a"])


def test_other_spellings_of_the_coordinate_columns():
    X = _clustered(100)
    frame = pd.DataFrame({"Longitude": X[:, 0], "Latitude": X[:, 1], "bio1": 1.0})
    np.testing.assert_array_equal(
        thin_records(frame, 10.0, random_state=0),
        thin_records(X, 10.0, random_state=0),
    )
    with pytest.raises(ValueError, match="name the coordinate columns 'lon' and"):
        thin_records(frame.rename(columns={"Longitude": "x"}), 10.0)


# ThinnedClassifier: thinning at every fit, so that a search tunes the distance.


def _presences_and_sites(seed=0):
    """A crowded species against sites over its region, with one covariate."""
    rng = np.random.default_rng(seed)
    records = _clustered(200, seed)
    sites = rng.uniform([5.0, 45.0], [7.0, 47.0], size=(300, 2))
    lonlat = np.vstack([records, sites])
    frame = pd.DataFrame(
        {"lon": lonlat[:, 0], "lat": lonlat[:, 1], "bio1": lonlat[:, 1] - 46.0}
    )
    return frame, np.r_[np.ones(200, bool), np.zeros(300, bool)]


def test_thinned_classifier_is_the_model_fitted_on_the_records_thin_records_keeps():
    from skgeo_s2v.sdm import SphereGAMClassifier, ThinnedClassifier

    X, presence = _presences_and_sites()
    before = X.copy()
    gam = SphereGAMClassifier("xyz", n_knots=4)
    model = ThinnedClassifier(gam, 10.0, unthinned_classes=[False], random_state=3).fit(
        X, presence
    )
    pd.testing.assert_frame_equal(X, before)
    # by hand: the presences thinned, every site kept
    kept = np.ones(len(X), dtype=bool)
    kept[:200] = thin_records(X.iloc[:200], 10.0, random_state=3)
    np.testing.assert_array_equal(model.kept_, kept)
    assert 0 < kept[:200].sum() < 200
    by_hand = SphereGAMClassifier("xyz", n_knots=4).fit(X[kept], presence[kept])
    np.testing.assert_allclose(model.predict_proba(X), by_hand.predict_proba(X))
    np.testing.assert_array_equal(model.predict(X), by_hand.predict(X))
    np.testing.assert_allclose(model.decision_function(X), by_hand.decision_function(X))
    np.testing.assert_array_equal(model.classes_, [False, True])
    np.testing.assert_array_equal(model.feature_names_in_, ["lon", "lat", "bio1"])
    assert model.n_features_in_ == 3


def test_thinned_classifier_thins_every_class_without_unthinned_classes():
    from skgeo_s2v.sdm import SphereGAMClassifier, ThinnedClassifier

    X, presence = _presences_and_sites()
    model = ThinnedClassifier(SphereGAMClassifier("xyz"), 10.0, random_state=0)
    kept = model.fit(X, presence).kept_
    np.testing.assert_array_equal(
        kept, thin_records(X, 10.0, y=presence, random_state=0)
    )
    assert not kept[200:].all()  # sites 10 km apart or closer went too


def test_thinned_classifier_without_a_distance_is_the_model_itself():
    from skgeo_s2v.sdm import SphereGAMClassifier, ThinnedClassifier

    X, presence = _presences_and_sites()
    model = ThinnedClassifier(SphereGAMClassifier("xyz"), None).fit(X, presence)
    assert model.kept_.all()
    plain = SphereGAMClassifier("xyz").fit(X, presence)
    np.testing.assert_allclose(model.predict_proba(X), plain.predict_proba(X))
    with pytest.raises(ValueError, match="lat"):
        bad = X.copy()
        bad.loc[3, "lat"] = 95.0
        ThinnedClassifier(SphereGAMClassifier("xyz"), None).fit(bad, presence)


def test_thinned_classifier_passes_the_kept_rows_weights_on():
    from skgeo_s2v.sdm import SphereGAMClassifier, ThinnedClassifier

    X, presence = _presences_and_sites()
    weights = np.linspace(0.5, 2.0, len(X))
    model = ThinnedClassifier(
        SphereGAMClassifier("xyz"), 10.0, unthinned_classes=[False], random_state=0
    ).fit(X, presence, sample_weight=weights)
    kept = model.kept_
    by_hand = SphereGAMClassifier("xyz").fit(
        X[kept], presence[kept], sample_weight=weights[kept]
    )
    np.testing.assert_allclose(model.predict_proba(X), by_hand.predict_proba(X))
    unweighted = ThinnedClassifier(
        SphereGAMClassifier("xyz"), 10.0, unthinned_classes=[False], random_state=0
    ).fit(X, presence)
    assert not np.allclose(unweighted.predict_proba(X), model.predict_proba(X))


class _SizeRecorder:
    """A classifier that records how many rows it was fitted on and scored."""

    fitted, predicted = [], []

    def fit(self, X, y):
        _SizeRecorder.fitted.append(len(X))
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        _SizeRecorder.predicted.append(len(X))
        return np.full((len(X), 2), 0.5)

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


def test_a_search_thins_the_training_folds_and_scores_whole_test_folds():
    from sklearn.model_selection import GridSearchCV, KFold

    from skgeo_s2v.sdm import ThinnedClassifier, presence_auc_scorer

    X, presence = _presences_and_sites()
    _SizeRecorder.fitted, _SizeRecorder.predicted = [], []
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(
        ThinnedClassifier(_SizeRecorder(), unthinned_classes=[False], random_state=0),
        {"distance_km": [None, 20.0]},
        cv=cv,
        scoring=presence_auc_scorer,
        refit=False,
    ).fit(X, presence)
    assert len(search.cv_results_["mean_test_score"]) == 2
    folds = list(cv.split(X))
    # fitted on every training row without a distance, on fewer with one
    # (one job: the candidates in order, the folds within each)
    assert len(_SizeRecorder.fitted) == 6
    none, thinned = np.split(np.array(_SizeRecorder.fitted), 2)
    np.testing.assert_array_equal(none, [len(train) for train, _ in folds])
    assert (thinned < none).all()
    # every training site kept, and some presences
    assert (thinned > [(~presence[train]).sum() for train, _ in folds]).all()
    assert sorted(_SizeRecorder.predicted) == sorted(2 * [len(s) for _, s in folds])


def test_thinned_classifier_passes_predict_presence_on_where_the_model_has_it():
    from skgeo_s2v.sdm import (
        OneVsBackgroundClassifier,
        SphereGAMClassifier,
        ThinnedClassifier,
        presence_auc_scorer,
    )

    X, presence = _presences_and_sites()
    assert not hasattr(ThinnedClassifier(SphereGAMClassifier()), "predict_presence")
    assert not hasattr(ThinnedClassifier(), "predict_presence")  # the GAM by default
    species = np.where(X["lon"] < 6.0, "west", "east")[:200]
    per_species = OneVsBackgroundClassifier(
        SphereGAMClassifier("xyz"), background=X.iloc[200:]
    )
    model = ThinnedClassifier(per_species, 10.0, random_state=0)
    assert hasattr(model, "predict_presence")
    model.fit(X.iloc[:200], species)
    by_hand = OneVsBackgroundClassifier(
        SphereGAMClassifier("xyz"), background=X.iloc[200:]
    ).fit(X.iloc[:200][model.kept_], species[model.kept_])
    np.testing.assert_allclose(model.predict_presence(X), by_hand.predict_presence(X))
    assert 0.5 < presence_auc_scorer(model, X.iloc[:200], species) <= 1.0


def test_thinned_classifier_names_an_unknown_unthinned_class():
    from skgeo_s2v.sdm import SphereGAMClassifier, ThinnedClassifier

    X, presence = _presences_and_sites()
    model = ThinnedClassifier(SphereGAMClassifier(), 10.0, unthinned_classes=["sites"])
    with pytest.raises(ValueError, match=r"unthinned_classes names \['sites'\]"):
        model.fit(X, presence)
    with pytest.raises(ValueError, match=r"unthinned_classes names \['sites'\]"):
        model.set_params(distance_km=None).fit(X, presence)  # a typo shows at once
    with pytest.raises(ValueError, match="distance_km"):
        ThinnedClassifier(SphereGAMClassifier(), -1.0).fit(X, presence)


def test_thinned_classifier_properties_on_real_locations():
    # what the common checks' synthetic matrices cannot test (test_common_extra)
    import pickle

    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    from skgeo_s2v.sdm import SphereGAMClassifier, ThinnedClassifier

    X, presence = _presences_and_sites()
    lonlat = X[["lon", "lat"]].to_numpy()
    model = ThinnedClassifier(
        SphereGAMClassifier("xyz"), 10.0, unthinned_classes=[False], random_state=0
    )
    with pytest.raises(NotFittedError):
        clone(model).predict(lonlat)
    with pytest.raises(NotFittedError):
        _ = clone(model).classes_
    fitted = clone(model).fit(lonlat, presence)
    proba = fitted.predict_proba(lonlat)
    np.testing.assert_allclose(
        fitted.fit(lonlat, presence).predict_proba(lonlat), proba
    )
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(restored.predict_proba(lonlat), proba)
    assert fitted.n_features_in_ == 2
    bad = lonlat.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="row 3"):
        clone(model).fit(bad, presence)
    with pytest.raises(ValueError, match="expects 2"):
        clone(model).fit(lonlat[:, :1], presence)


def test_the_documented_search_over_the_thinning_distance_runs():
    # docs/sdm.rst, "Thinning the records": a GAM with covariates, spatial folds
    from sklearn.model_selection import GridSearchCV

    from skgeo_s2v.model_selection import SphericalClusterKFold
    from skgeo_s2v.sdm import (
        SphereGAMClassifier,
        ThinnedClassifier,
        presence_auc_scorer,
    )

    X, presence = _presences_and_sites()
    search = GridSearchCV(
        ThinnedClassifier(
            SphereGAMClassifier(handle_unknown="ignore", n_knots=4),
            unthinned_classes=[False],
            random_state=0,
        ),
        {"distance_km": [None, 10.0]},
        cv=SphericalClusterKFold(
            n_splits=3,
            n_clusters=10,
            stratify=True,
            columns=("lon", "lat"),
            random_state=0,
        ),
        scoring=presence_auc_scorer,
    ).fit(X, presence)
    assert search.best_params_["distance_km"] in (None, 10.0)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    kept = search.best_estimator_.kept_
    assert kept.shape == (len(X),) and kept[200:].all()
    assert search.predict_proba(X).shape == (len(X), 2)
