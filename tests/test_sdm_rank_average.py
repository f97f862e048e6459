"""The mean rank of several classifiers (skgeo_s2v.sdm.RankAverageClassifier)."""

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata, spearmanr
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import (
    OneVsBackgroundClassifier,
    RankAverageClassifier,
    SphereGAMClassifier,
    class_thresholds,
    predict_grid,
    presence_auc,
    presence_auc_scorer,
)


def _presences_and_sites(n_records=120, n_sites=400, seed=0):
    """Presences crowded in the south-west of a box, sites over all of it,
    with a covariate that rises to the south-west."""
    rng = np.random.default_rng(seed)
    records = np.column_stack(
        [rng.uniform(0, 4, n_records), rng.uniform(40, 44, n_records)]
    )
    sites = np.column_stack([rng.uniform(0, 10, n_sites), rng.uniform(40, 50, n_sites)])
    lonlat = np.vstack([records, sites])
    frame = pd.DataFrame(lonlat, columns=["lon", "lat"])
    frame["warmth"] = -frame["lon"] - frame["lat"] + rng.normal(0, 2, len(frame))
    presence = np.r_[np.ones(n_records, bool), np.zeros(n_sites, bool)]
    return frame, presence


def _members():
    return [
        ("gam", SphereGAMClassifier("xyz")),
        ("knn", KNeighborsClassifier(15)),
    ]


def test_training_rows_score_the_mean_of_the_models_mid_ranks_among_them():
    X, y = _presences_and_sites(n_records=60, n_sites=240)
    # the neighbours' votes tie, many at 0: a tie shares its mid-rank
    model = RankAverageClassifier(_members(), weights=[3, 1]).fit(X, y)
    n = len(X)  # fewer distinct scores than n_quantiles: every one is kept
    expected = sum(
        weight * (rankdata(estimator.predict_proba(X)[:, 1]) - 0.5) / n
        for weight, estimator in zip([0.75, 0.25], model.estimators_, strict=True)
    )
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], expected, atol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.weights_, [0.75, 0.25])
    labels = model.classes_[(proba[:, 1] > 0.5).astype(int)]
    np.testing.assert_array_equal(model.predict(X), labels)


def _weighted_and_repeated(members):
    """The sites' probabilities of the ensemble fitted with every third row
    of weight 2, and of it fitted with those rows repeated."""
    X, y = _presences_and_sites(n_records=40, n_sites=120)
    weight = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)
    weighted = RankAverageClassifier(members).fit(X, y, sample_weight=weight)
    rows = np.repeat(np.arange(len(y)), weight.astype(int))
    repeated = RankAverageClassifier(members).fit(X.iloc[rows], y[rows])
    return weighted.predict_proba(X), repeated.predict_proba(X)


def test_a_weight_of_two_counts_a_row_twice():
    members = [("lr", LogisticRegression(C=1e6, max_iter=1000))]
    np.testing.assert_allclose(*_weighted_and_repeated(members), atol=1e-4)


class _BatchRoundingClassifier(ClassifierMixin, BaseEstimator):
    """A fixed score of the covariate whose last bits depend on the row's
    place in the batch, as a matrix product's blocking makes them."""

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        score = 1 / (1 + np.exp(-np.asarray(X["warmth"]) / 5))
        score = score * (1 + 1e-14 * (np.arange(len(score)) % 7 - 3))
        return np.column_stack([1 - score, score])


def test_a_repeated_row_is_one_tie_whatever_its_last_bits():
    members = [("fixed", _BatchRoundingClassifier())]
    np.testing.assert_allclose(*_weighted_and_repeated(members), atol=1e-9)


def test_few_reference_scores_still_rank_in_order():
    X, y = _presences_and_sites()
    coarse = RankAverageClassifier(_members()[:1], n_quantiles=20).fit(X, y)
    fine = RankAverageClassifier(_members()[:1]).fit(X, y)
    score = fine.predict_proba(X)[:, 1]
    assert all(len(values) <= 20 for values, _ in coarse.proba_references_[0])
    assert spearmanr(score, coarse.predict_proba(X)[:, 1]).statistic > 0.99
    np.testing.assert_allclose(coarse.predict_proba(X)[:, 1], score, atol=0.05)


def test_one_model_ranks_new_sites_as_that_model_does():
    X, y = _presences_and_sites()
    new, _ = _presences_and_sites(n_records=50, n_sites=200, seed=1)
    model = RankAverageClassifier([("gam", SphereGAMClassifier("xyz"))]).fit(X, y)
    alone = SphereGAMClassifier("xyz").fit(X, y).predict_proba(new)[:, 1]
    ranked = model.predict_proba(new)[:, 1]
    inside = (alone > alone.min()) & (alone < alone.max())
    assert spearmanr(alone[inside], ranked[inside]).statistic > 0.999
    assert ranked.min() >= 0 and ranked.max() <= 1


def test_a_site_is_scored_the_same_whichever_sites_are_scored_with_it():
    X, y = _presences_and_sites()
    model = RankAverageClassifier(_members()).fit(X, y)
    together = model.predict_proba(X)
    apart = np.vstack([model.predict_proba(X.iloc[[i]]) for i in range(0, len(X), 37)])
    np.testing.assert_allclose(apart, together[::37])


def test_a_model_of_weight_zero_is_left_out():
    X, y = _presences_and_sites()
    both = RankAverageClassifier(_members(), weights=[1, 0]).fit(X, y)
    gam = RankAverageClassifier(_members()[:1]).fit(X, y)
    np.testing.assert_allclose(both.predict_proba(X), gam.predict_proba(X))


def test_the_ensemble_beats_its_worse_model_on_new_sites():
    # the true presence is a box; one model sees only the covariate, which
    # is noisy, the other only the location
    X, y = _presences_and_sites(seed=2)
    test, truth = _presences_and_sites(seed=3)
    only_warmth = make_pipeline(
        ColumnTransformer([("warmth", "passthrough", ["warmth"])]), GaussianNB()
    )
    only_place = make_pipeline(
        ColumnTransformer([("place", "passthrough", ["lon", "lat"])]),
        KNeighborsClassifier(15),
    )
    members = [("warmth", only_warmth), ("place", only_place)]
    ensemble = RankAverageClassifier(members).fit(X, y)
    aucs = {
        name: presence_auc(
            truth[:, None], clone(member).fit(X, y).predict_proba(test)[:, 1:]
        )
        for name, member in members
    }
    together = presence_auc(truth[:, None], ensemble.predict_proba(test)[:, 1:])
    assert together > min(aucs.values())


def test_parameters_of_the_models_are_tuned_by_a_search():
    X, y = _presences_and_sites()
    search = GridSearchCV(
        RankAverageClassifier(_members()),
        {"knn__n_neighbors": [5, 30], "weights": [[1, 1], [1, 3]]},
        cv=SphericalClusterKFold(
            3, n_clusters=6, columns=("lon", "lat"), random_state=0
        ),
        scoring=presence_auc_scorer,
    ).fit(X, y)
    assert set(search.cv_results_["param_knn__n_neighbors"]) == {5, 30}
    assert search.best_estimator_.named_estimators_.knn.n_neighbors in (5, 30)
    params = RankAverageClassifier(_members()).get_params()
    assert params["gam__encoder"] == "xyz" and "knn" in params


def test_predict_presence_of_a_multi_species_ensemble():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(0, 10, 300), rng.uniform(40, 50, 300)])
    y = np.where(X[:, 0] < 5, "oak", np.where(X[:, 1] < 45, "ash", "elm"))
    slc = SphereLocationClassifier(max_epochs=2, random_state=0)
    per_species = OneVsBackgroundClassifier(SphereGAMClassifier("xyz"))
    model = RankAverageClassifier([("slc", slc), ("gam", per_species)]).fit(X, y)
    presence = model.predict_presence(X)
    assert presence.shape == (300, 3) and presence.min() >= 0 and presence.max() <= 1
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # the scorer reads predict_presence
    assert 0 <= presence_auc_scorer(model, X, y) <= 1
    without = RankAverageClassifier(_members()[1:])
    assert not hasattr(without, "predict_presence")


def test_weights_reach_every_model_that_takes_them():
    X, y = _presences_and_sites()
    weight = np.where(y, 1.0, 0.25)
    members = [
        ("gam", SphereGAMClassifier("xyz")),
        ("tree", DecisionTreeClassifier(max_depth=3, random_state=0)),
    ]
    model = RankAverageClassifier(members).fit(X, y, sample_weight=weight)
    by_hand = SphereGAMClassifier("xyz").fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(
        model.estimators_[0].predict_proba(X), by_hand.predict_proba(X)
    )
    with pytest.raises(ValueError, match=r"\['knn'\] do not take it"):
        RankAverageClassifier(_members()).fit(X, y, sample_weight=weight)


def test_cv_ranks_among_the_out_of_fold_scores_of_the_training_rows():
    X, y = _presences_and_sites(n_records=60, n_sites=240)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    model = RankAverageClassifier(_members(), cv=folds).fit(X, y)
    for (name, member), reference in zip(
        _members(), model.proba_references_, strict=True
    ):
        out_of_fold = np.empty(len(y))
        for train, test in folds:
            fold_model = clone(member).fit(X.iloc[train], y[train])
            out_of_fold[test] = fold_model.predict_proba(X.iloc[test])[:, 1]
        ((values, shares),) = reference  # two classes: the second class's only
        np.testing.assert_allclose(values, np.unique(out_of_fold), err_msg=name)
        expected = (rankdata(out_of_fold) - 0.5) / len(y)
        np.testing.assert_allclose(
            np.interp(out_of_fold, values, shares), expected, err_msg=name
        )
    # the models predicting are still those fitted on every row
    whole = SphereGAMClassifier("xyz").fit(X, y)
    np.testing.assert_allclose(
        model.named_estimators_.gam.predict_proba(X), whole.predict_proba(X)
    )


def test_cv_takes_the_spatial_splitters():
    X, y = _presences_and_sites()
    spatial = SphericalClusterKFold(
        3, n_clusters=9, stratify=True, columns=("lon", "lat"), random_state=0
    )
    model = RankAverageClassifier(_members(), cv=spatial).fit(X, y)
    assert model.predict_proba(X).shape == (len(X), 2)


def test_groups_reach_the_splitter_and_not_the_models():
    X, y = _presences_and_sites(n_records=40, n_sites=160)
    lonlat = X[["lon", "lat"]]
    # sites of one survey: blocks of 20 rows, presences and sites mixed
    order = np.random.default_rng(0).permutation(len(y))
    groups = np.empty(len(y), dtype=int)
    groups[order] = np.arange(len(y)) // 20
    # the classifier, given groups, would refuse its stratified validation
    classifier = SphereLocationClassifier(
        "xyz", hidden_units=8, max_epochs="auto", n_iter_no_change=2, random_state=0
    )
    members = [("classifier", classifier), ("bayes", GaussianNB())]
    model = RankAverageClassifier(members, cv=GroupKFold(4))
    model.fit(lonlat, y, groups=groups)
    # the same as the splitter's folds given by hand
    folds = list(GroupKFold(4).split(lonlat, y, groups))
    by_folds = RankAverageClassifier(members, cv=folds).fit(lonlat, y)
    for got, expected in zip(
        model.proba_references_, by_folds.proba_references_, strict=True
    ):
        np.testing.assert_allclose(got[0][0], expected[0][0])
        np.testing.assert_allclose(got[0][1], expected[0][1])
    bayes = [("bayes", GaussianNB())]
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        RankAverageClassifier(bayes).fit(lonlat, y, groups=groups[:-1])
    with pytest.raises(ValueError, match="groups"):
        RankAverageClassifier(bayes, cv=GroupKFold(4)).fit(lonlat, y)


def test_cv_must_hold_every_class_and_test_each_row_once():
    X, y = _presences_and_sites(n_records=20, n_sites=40)
    presences, sites = np.flatnonzero(y), np.flatnonzero(~y)
    no_presence = [(sites, presences), (presences, sites)]
    # the neighbours fit one class; the ensemble refuses the fold
    knn = [("knn", KNeighborsClassifier(3))]
    with pytest.raises(ValueError, match="training fold of cv holds the classes"):
        RankAverageClassifier(knn, cv=no_presence).fit(X, y)
    rows = np.arange(len(y))
    overlapping = [(rows[::2], rows), (rows[1::2], rows)]
    with pytest.raises(ValueError, match="in more than one"):
        RankAverageClassifier(_members(), cv=overlapping).fit(X, y)


def test_a_grid_is_predicted_in_chunks_as_a_whole():
    X, y = _presences_and_sites()
    model = RankAverageClassifier(
        [("gam", SphereGAMClassifier("xyz")), ("lr", LogisticRegression())]
    ).fit(X[["lon", "lat"]], y)
    bbox = (0.0, 40.0, 10.0, 50.0)
    whole = predict_grid(model, resolution_deg=1.0, bbox=bbox, method="predict_proba")
    chunked = predict_grid(
        model, resolution_deg=1.0, bbox=bbox, method="predict_proba", chunk_size=7
    )
    np.testing.assert_allclose(chunked.values, whole.values)


@pytest.mark.parametrize(
    ("estimators", "weights", "message"),
    [
        ([], None, "estimators is empty"),
        ([SphereGAMClassifier()], None, r"\(name, classifier\) tuple"),
        ([("a", LogisticRegression()), ("a", GaussianNB())], None, "unique"),
        ([("svm", object())], None, "'svm' .* has no fit or predict_proba"),
        ([("a", LogisticRegression())], [1, 2], "2 values for 1 models"),
        ([("a", LogisticRegression())], [-1], "non-negative"),
        ([("a", LogisticRegression())], [np.nan], "finite"),
        ([("a", LogisticRegression()), ("b", GaussianNB())], [0, 0], "all zero"),
    ],
)
def test_bad_ensembles_are_refused_with_what_to_fix(estimators, weights, message):
    X, y = _presences_and_sites(n_records=20, n_sites=40)
    with pytest.raises(ValueError, match=message):
        RankAverageClassifier(estimators, weights=weights).fit(X[["lon", "lat"]], y)


def test_a_model_of_other_classes_is_named():
    class Relabelled(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            super().fit(X, np.asarray(y).astype(int) + 1, sample_weight)
            return self

    X, y = _presences_and_sites(n_records=20, n_sites=40)
    members = [("lr", LogisticRegression()), ("odd", Relabelled())]
    with pytest.raises(ValueError, match="'odd' has the classes"):
        RankAverageClassifier(members).fit(X[["lon", "lat"]], y)


def test_properties_pickle_reproducible_and_input_untouched():
    X, y = _presences_and_sites()
    before = X.copy()
    model = RankAverageClassifier(_members()).fit(X, y)
    pd.testing.assert_frame_equal(X, before)
    again = RankAverageClassifier(_members()).fit(X, y)
    np.testing.assert_array_equal(model.predict_proba(X), again.predict_proba(X))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert list(model.feature_names_in_) == ["lon", "lat", "warmth"]
    with pytest.raises(ValueError, match="warmth.* holds nan"):
        model.predict_proba(X.assign(warmth=np.r_[np.nan, X["warmth"].iloc[1:]]))


def test_the_documented_ensemble_of_three_models_runs():
    # docs/sdm.rst, with a logistic regression of the covariates standing in
    # for Maxent (elapid is not among the test requirements)
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.preprocessing import FunctionTransformer

    from skgeo_s2v.blend import forest_features

    sites, presence = _presences_and_sites()
    covariates = [c for c in sites.columns if c not in ("lon", "lat")]
    only_covariates = ColumnTransformer([("covariates", "passthrough", covariates)])
    maxent = make_pipeline(only_covariates, LogisticRegression())
    trees = make_pipeline(
        ColumnTransformer(
            [
                ("covariates", "passthrough", covariates),
                ("location", FunctionTransformer(forest_features), ["lon", "lat"]),
            ]
        ),
        ExtraTreesClassifier(n_estimators=20, min_samples_leaf=5, random_state=0),
    )
    ensemble = RankAverageClassifier(
        [("maxent", maxent), ("gam", SphereGAMClassifier()), ("trees", trees)],
        cv=SphericalClusterKFold(
            5, n_clusters=20, stratify=True, columns=("lon", "lat"), random_state=0
        ),
    ).fit(sites, presence)
    test, truth = _presences_and_sites(seed=5)
    assert ensemble.predict_proba(test).shape == (len(test), 2)
    assert presence_auc_scorer(ensemble, test, truth) > 0.8


def test_scores_between_reference_values_closer_than_the_float_range_interpolate():
    # densities far from a species' records underflow towards 0: subnormal
    # neighbours, between which np.interp's slope would overflow
    from skgeo_s2v.sdm._rank_average import _interpolated_share

    values = np.array([0.0, 1e-320, 1e-300, 0.5])
    shares = np.array([0.1, 0.3, 0.6, 0.9])
    scores = np.array([-1.0, 0.0, 5e-321, 1e-320, 0.25, 0.5, 2.0])
    got = _interpolated_share(scores, values, shares)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got[[0, 1, 3, 5, 6]], [0.1, 0.1, 0.3, 0.9, 0.9])
    assert 0.1 < got[2] < 0.3
    np.testing.assert_allclose(got[4], np.interp(0.25, values[2:], shares[2:]))
    np.testing.assert_array_equal(
        _interpolated_share(scores, values[:1], shares[:1]), np.full(7, 0.1)
    )


def test_the_documented_ensemble_of_many_species_runs():
    # docs/sdm.rst, "Many species tested on surveys": Maxent (a logistic
    # regression of the covariates standing in) and the xyz GAM per species
    # against the sites, and the location-only recipe on lon and lat
    from skgeo_s2v.sdm import KernelDensityClassifier

    rng = np.random.default_rng(0)
    centres = {"west": (-6.0, 44.0), "east": (6.0, 44.0), "north": (0.0, 54.0)}
    records = pd.concat(
        [
            pd.DataFrame(
                {"lon": rng.normal(lon, 2, 50), "lat": rng.normal(lat, 1.5, 50)}
            )
            for lon, lat in centres.values()
        ],
        ignore_index=True,
    )
    species = np.repeat(list(centres), 50)
    sites = pd.DataFrame(
        {"lon": rng.uniform(-10, 10, 300), "lat": rng.uniform(40, 58, 300)}
    )
    for frame in (records, sites):
        frame["temperature"] = 20 - 0.5 * frame["lat"] + rng.normal(size=len(frame))
    only_covariates = ColumnTransformer(
        [("covariates", "passthrough", ["temperature"])]
    )
    maxent = make_pipeline(only_covariates, LogisticRegression())
    lonlat = ColumnTransformer([("lonlat", "passthrough", ["lon", "lat"])])
    location = RankAverageClassifier(
        [
            (
                "classifier",
                SphereLocationClassifier(hidden_units=16, max_epochs=5, random_state=0),
            ),
            ("density", KernelDensityClassifier(random_state=0)),
        ]
    )
    ensemble = RankAverageClassifier(
        [
            ("maxent", OneVsBackgroundClassifier(maxent, background=sites)),
            (
                "gam",
                OneVsBackgroundClassifier(SphereGAMClassifier("xyz"), background=sites),
            ),
            ("location", make_pipeline(lonlat, location)),
        ]
    ).fit(records, species)
    presence = ensemble.predict_presence(sites)
    assert presence.shape == (len(sites), 3)
    assert ensemble.presence_references_ is not None  # through the pipeline
    # each species' column is highest near its own records
    for column, label in enumerate(ensemble.classes_):
        lon, lat = centres[label]
        near = np.hypot(sites["lon"] - lon, sites["lat"] - lat) < 4
        assert presence[near, column].mean() > presence[~near, column].mean() + 0.2
    # it maps (covariates from a raster, in chunks) and thresholds like the others
    xr = pytest.importorskip("xarray")
    lon, lat = np.arange(-9.5, 10, 1.0), np.arange(40.5, 58, 1.0)
    raster = xr.Dataset(
        {"temperature": (("lat", "lon"), 20 - 0.5 * np.repeat(lat[:, None], 20, 1))},
        coords={"lat": lat, "lon": lon},
    )
    grid = predict_grid(
        ensemble,
        resolution_deg=1.0,
        bbox=(-10, 40, 10, 58),
        covariates=raster,
        chunk_size=50,
    )
    assert grid.shape == (3, 18, 20) and np.isfinite(grid.values).all()
    thresholds = class_thresholds(
        species,
        ensemble.predict_presence(records),
        labels=ensemble.classes_,
        background_score=presence,
    )
    assert thresholds.shape == (3,)
