"""Probes of tree models and rank ensembles on the Ariolimax benchmark (issue 17).

``bench_sdm.py``'s folds (five of ``SphericalClusterKFold``, 50 clusters,
stratified), models and scores; every number is a test-fold ROC AUC minus
Maxent's on the same folds, the mean over the folds of each seed.

``trees``
    ``ExtraTreesClassifier`` and ``RandomForestClassifier`` of presence
    against the bundled background sites, on the six covariates and
    :func:`~skgeo_s2v.blend.forest_features` of the location (or ``lon``,
    ``lat``), over leaf sizes, ``max_features``, class weights and
    ``max_samples``, and ``HistGradientBoostingClassifier`` (boosted trees)
    over learning rates, rounds and leaves; each alone, as the mean rank with
    Maxent, and with Maxent, the extra trees and the GAM.
``ensembles``
    the mean rank of several of Maxent, the extra trees of ``bench_sdm.py``
    (with ``forest_features`` or the unit vector), the classifier on the
    covariates (bundled sites or the target group, ``max_epochs=30``), the
    kernel density and the GAM of ``bench_sdm.py``, with weights; and the
    mean of the extra trees' and the classifier's probabilities. Each
    model's test scores are computed once per seed and cached (``--cache``,
    a temporary folder by default).
``weights``
    an upper bound for any weighting (or linear stacking of the ranks) of
    Maxent, the GAM and the extra trees of ``bench_sdm.py``: the weights of
    their mean rank, on a grid of steps of 0.1, that maximise the test AUC,
    chosen on the test folds themselves, once for all folds of a seed and
    once for each fold.
``gam``
    :class:`~skgeo_s2v.sdm.SphereGAMClassifier` of presence against the
    bundled sites on the location and the covariates, over encoders (the
    Sphere2Vec family, spherical harmonics, radial basis functions, random
    Fourier features), ``C`` and ``n_knots``; each alone, as the mean rank
    with the extra trees, and with the extra trees and Maxent.
    ``--presences N`` keeps ``N`` presences of each training fold
    (``bench_sdm.py --presences``).
``maxent``
    ``elapid.MaxentModel`` over its penalty (``beta_multiplier``), hinge
    features and feature classes, and with the location as further
    covariates (the unit vector, or ``lon`` and ``lat``); each alone, in
    place of Maxent at its defaults in the mean rank with the GAM and the
    extra trees, and beside it.
``additive``
    the GAM of ``bench_sdm.py`` beyond its additive form, with further
    covariate columns (each splined as the others): the products of each
    pair of standardised covariates (interactions, as Maxent's product
    features), the unit vector times each standardised covariate (responses
    that change over space), and a neighbourhood term, the log kernel
    density of the training presences at a site (for the training rows
    computed out of fold, over five spatial folds of them, as a held-out
    site sees it); each alone and as the mean rank with the extra trees and
    Maxent.

Usage::

    cd benchmarks
    OMP_NUM_THREADS=1 python probe_sdm.py trees --seeds 100 101
    OMP_NUM_THREADS=1 python probe_sdm.py ensembles --seeds 100 101
    OMP_NUM_THREADS=1 python probe_sdm.py gam --seeds 100 101
    OMP_NUM_THREADS=1 python probe_sdm.py gam --seeds 100 101 --presences 25
    OMP_NUM_THREADS=1 python probe_sdm.py trees --seeds 100 101 --only boosted
    OMP_NUM_THREADS=1 python probe_sdm.py weights --seeds 0 1 2
    OMP_NUM_THREADS=1 python probe_sdm.py maxent --seeds 100 101
    OMP_NUM_THREADS=1 python probe_sdm.py additive --seeds 100 101

``--only`` runs the settings whose names contain one of the given strings.
"""

import argparse
import itertools
import os
import pickle
import tempfile
import time

import numpy as np
import torch
from bench_sdm import (
    COVARIATE_BACKGROUNDS,
    _fit_kde,
    _kde_score,
    covariate_classifier_fitter,
    extra_trees_fitter,
    fit_kde,
    fit_maxent,
    gam_fitter,
    load_ariolimax,
    matches_only,
    scores_of,
    spatial_folds,
)
from scipy.stats import rankdata
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)

from skgeo_s2v._geometry import unit_vectors_from_degrees
from skgeo_s2v.blend import forest_features
from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import SphereGAMClassifier

LONLAT, PRESENCE, COVARIATES = load_ariolimax()


def folds_of(seed, presences=None):
    """``bench_sdm.py``'s folds of ``seed``; with ``presences``, each training
    fold keeps that many of its presences, as with its ``--presences``."""
    return spatial_folds(LONLAT, PRESENCE, seed, presences=presences)


def mean_auc(scores, folds):
    """Mean over the folds of the test AUC of each fold's scores."""
    return np.mean(
        [scores_of(s, PRESENCE[test])[0] for s, (_, test) in zip(scores, folds)]
    )


def test_scores(fit, folds, seed):
    """Each fold's test scores of the model ``fit`` trains on its training fold."""
    return [
        fit(LONLAT, PRESENCE, COVARIATES, train, seed)(test) for train, test in folds
    ]


def _trees(model_class, location="forest_features", **params):
    """``model_class(random_state=seed, **params)`` of presence against the
    sites on the covariates and the location; forests get 500 trees."""
    columns = COVARIATES.to_numpy(float)
    extra = forest_features(LONLAT) if location == "forest_features" else LONLAT
    X = np.column_stack([columns, extra])
    if model_class is not HistGradientBoostingClassifier:
        params = {"n_estimators": 500, "n_jobs": 1, **params}

    def fit(lonlat, presence, covariates, train, seed):
        model = model_class(random_state=seed, **params)
        model.fit(X[train], presence[train])
        return lambda test: model.predict_proba(X[test])[:, 1]

    return fit


def _boosted(**params):
    """Boosted trees without early stopping (every fold fits the same rounds)."""
    return _trees(HistGradientBoostingClassifier, early_stopping=False, **params)


TREES = {
    "extra trees, leaf 5 (bench_sdm)": _trees(ExtraTreesClassifier, min_samples_leaf=5),
    "extra trees, leaf 1": _trees(ExtraTreesClassifier, min_samples_leaf=1),
    "extra trees, leaf 2": _trees(ExtraTreesClassifier, min_samples_leaf=2),
    "extra trees, leaf 10": _trees(ExtraTreesClassifier, min_samples_leaf=10),
    "extra trees, leaf 20": _trees(ExtraTreesClassifier, min_samples_leaf=20),
    "extra trees, max_features=0.5": _trees(
        ExtraTreesClassifier, min_samples_leaf=5, max_features=0.5
    ),
    "extra trees, max_features=1.0": _trees(
        ExtraTreesClassifier, min_samples_leaf=5, max_features=1.0
    ),
    "extra trees, balanced": _trees(
        ExtraTreesClassifier, min_samples_leaf=5, class_weight="balanced"
    ),
    "extra trees, lon and lat only": _trees(
        ExtraTreesClassifier, location="lonlat", min_samples_leaf=5
    ),
    "random forest, leaf 5": _trees(RandomForestClassifier, min_samples_leaf=5),
    "random forest, leaf 1": _trees(RandomForestClassifier, min_samples_leaf=1),
    "random forest, max_samples=0.5": _trees(
        RandomForestClassifier, min_samples_leaf=5, max_samples=0.5
    ),
    "boosted, rate 0.1, 100 rounds, 31 leaves": _boosted(),
    "boosted, rate 0.05, 300 rounds, 15 leaves": _boosted(
        learning_rate=0.05, max_iter=300, max_leaf_nodes=15
    ),
    "boosted, rate 0.05, 300, 15, l2 1, leaf 50": _boosted(
        learning_rate=0.05,
        max_iter=300,
        max_leaf_nodes=15,
        l2_regularization=1.0,
        min_samples_leaf=50,
    ),
    "boosted, rate 0.02, 500 rounds, 7 leaves": _boosted(
        learning_rate=0.02, max_iter=500, max_leaf_nodes=7
    ),
    "boosted, rate 0.05, 300, 15, lon and lat": _boosted(
        location="lonlat", learning_rate=0.05, max_iter=300, max_leaf_nodes=15
    ),
}


def selected(settings, only):
    """The entries of ``settings`` whose names contain one of ``only``
    (all of them for None)."""
    return {name: v for name, v in settings.items() if matches_only(name, only)}


def probe_trees(seeds, cache, only=None):
    for seed in seeds:
        folds = folds_of(seed)
        cached = cached_scores(seed, folds, cache, ("maxent", "trees", "gam"))
        maxent = cached["maxent"]
        baseline = mean_auc(maxent, folds)
        for name, fit in selected(TREES, only).items():
            start = time.perf_counter()
            scores = test_scores(fit, folds, seed)
            ranked = [rankdata(s) + rankdata(m) for s, m in zip(scores, maxent)]
            with_three = [
                r + rankdata(t) + rankdata(g)
                for r, t, g in zip(ranked, cached["trees"], cached["gam"])
            ]
            print(
                f"seed {seed} {name:44s} {mean_auc(scores, folds) - baseline:+.4f}"
                f"  ranks with Maxent {mean_auc(ranked, folds) - baseline:+.4f}"
                f"  with Maxent, extra trees, GAM "
                f"{mean_auc(with_three, folds) - baseline:+.4f}"
                f"  ({time.perf_counter() - start:.0f} s)",
                flush=True,
            )


#: The models whose test scores the ensembles combine.
MEMBERS = {
    "maxent": fit_maxent,
    "trees": extra_trees_fitter(),
    "trees_xyz": extra_trees_fitter("xyz"),
    "slc_sites": covariate_classifier_fitter(
        COVARIATE_BACKGROUNDS["bundled sites"], 30
    ),
    "slc_target": covariate_classifier_fitter(
        COVARIATE_BACKGROUNDS["target group"], 30
    ),
    "kde": fit_kde,
    "gam": gam_fitter(),
}

#: Weights of each ensemble's mean rank (named by :func:`_ensemble_name`).
ENSEMBLES = [
    *({name: 1} for name in MEMBERS),
    {"trees": 1, "slc_sites": 1},
    {"trees": 1, "slc_target": 1},
    {"maxent": 1, "trees": 1},
    {"maxent": 1, "trees": 1, "slc_sites": 1},
    {"maxent": 1, "trees": 1, "slc_target": 1},
    {"maxent": 1, "trees": 1, "slc_sites": 1, "slc_target": 1},
    {"maxent": 1, "trees": 2, "slc_sites": 1},
    {"maxent": 1, "trees": 1, "slc_sites": 2},
    {"maxent": 2, "trees": 1, "slc_sites": 1},
    {"maxent": 1, "trees": 1, "slc_sites": 1, "kde": 1},
]


def _ensemble_name(weights):
    """``"maxent + 2 trees"`` for ``{"maxent": 1, "trees": 2}``."""
    return " + ".join(
        name if weight == 1 else f"{weight} {name}" for name, weight in weights.items()
    )


def cached_scores(seed, folds, cache, members=("maxent",), presences=None):
    name = f"probe_sdm_scores_{seed}"
    if presences is not None:
        name += f"_presences_{presences}"
    path = os.path.join(cache, f"{name}.pkl")
    scores = {}
    if os.path.exists(path):
        with open(path, "rb") as file:
            scores = pickle.load(file)
    for name in members:
        if name not in scores:
            scores[name] = test_scores(MEMBERS[name], folds, seed)
            with open(path, "wb") as file:
                pickle.dump(scores, file)
    return scores


def probe_ensembles(seeds, cache):
    margins = {_ensemble_name(weights): [] for weights in ENSEMBLES}
    margins.update({f"probabilities, {a} trees + slc_sites": [] for a in (0.5, 0.75)})
    for seed in seeds:
        folds = folds_of(seed)
        scores = cached_scores(seed, folds, cache, MEMBERS)
        baseline = mean_auc(scores["maxent"], folds)
        for weights in ENSEMBLES:
            ranked = [
                sum(w * rankdata(scores[m][i]) for m, w in weights.items())
                for i in range(len(folds))
            ]
            margins[_ensemble_name(weights)].append(mean_auc(ranked, folds) - baseline)
        for a in (0.5, 0.75):
            mixed = [
                a * t + (1 - a) * s
                for t, s in zip(scores["trees"], scores["slc_sites"])
            ]
            name = f"probabilities, {a} trees + slc_sites"
            margins[name].append(mean_auc(mixed, folds) - baseline)
    print(f"AUC minus Maxent's, seeds {seeds}")
    for name, values in margins.items():
        print(
            f"{name:40s} "
            + " ".join(f"{m:+.4f}" for m in values)
            + f"  mean {np.mean(values):+.4f}"
        )


#: The members of ``probe_sdm.py weights``.
WEIGHTED = ("maxent", "gam", "trees")


def probe_weights(seeds, cache):
    grid = [
        w
        for w in itertools.product(np.linspace(0.0, 1.0, 11), repeat=len(WEIGHTED))
        if abs(sum(w) - 1.0) < 1e-9
    ]
    print(f"AUC minus Maxent's of the mean rank of {' + '.join(WEIGHTED)}")
    for seed in seeds:
        folds = folds_of(seed)
        scores = cached_scores(seed, folds, cache, WEIGHTED)
        ranks = [
            np.column_stack([rankdata(scores[m][i]) for m in WEIGHTED])
            for i in range(len(folds))
        ]
        baseline = mean_auc(scores["maxent"], folds)
        equal = mean_auc([r.mean(axis=1) for r in ranks], folds) - baseline
        by_weights = {w: [r @ np.array(w) for r in ranks] for w in grid}
        best = max(grid, key=lambda w: mean_auc(by_weights[w], folds))
        fixed = mean_auc(by_weights[best], folds) - baseline
        per_fold = np.mean(
            [
                max(scores_of(by_weights[w][i], PRESENCE[test])[0] for w in grid)
                for i, (_, test) in enumerate(folds)
            ]
        )
        print(
            f"seed {seed}: equal weights {equal:+.4f}, best weights of the seed "
            f"{fixed:+.4f} ({', '.join(f'{x:.1f}' for x in best)}), "
            f"best weights of each fold {per_fold - baseline:+.4f}",
            flush=True,
        )


def print_margins(margins):
    """One line a setting: its margins per seed and their mean, for each
    column (alone, ranked with others, ...), the columns split by ``|``."""
    for name, rows in margins.items():
        rows = np.array(rows)
        print(
            f"{name:40s} "
            + " | ".join(
                " ".join(f"{m:+.4f}" for m in column) + f" ({column.mean():+.4f})"
                for column in rows.T
            )
        )


#: The GAM's settings of ``probe_sdm.py gam`` (the first is its defaults).
GAMS = {
    "defaults (sphereC+, C=0.03, 6 knots)": {},
    "C=0.01": {"C": 0.01},
    "C=0.1": {"C": 0.1},
    "C=1 (scikit-learn's)": {"C": 1.0},
    "C=10": {"C": 10.0},
    "4 knots": {"n_knots": 4},
    "10 knots": {"n_knots": 10},
    "sphereC+, 8 scales": {"encoder": "sphereC+", "n_scales": 8},
    "sphereC+, min_radius=0.003": {"encoder": "sphereC+", "min_radius": 0.003},
    "sphereC+, min_radius=0.03": {"encoder": "sphereC+", "min_radius": 0.03},
    "sphereC+, min_radius=0.1": {"encoder": "sphereC+", "min_radius": 0.1},
    "xyz (one smooth tilt of the location)": {"encoder": "xyz"},
    "sphereM+": {"encoder": "sphereM+"},
    "spherical harmonics, degree 16": {"encoder": "sh"},
    "spherical harmonics, degree 16, C=0.01": {"encoder": "sh", "C": 0.01},
    "balanced class weights": {"class_weight": "balanced"},
    "theory": {"encoder": "theory"},
    "spherical harmonics, degree 32": {"encoder": "sh", "max_degree": 32},
    "sphereC+, 64 scales": {"encoder": "sphereC+", "n_scales": 64},
    "rbf, 200 anchors, 0.5 degrees": {"encoder": "rbf", "bandwidth": 0.5},
    "rbf, 200 anchors, 1 degree": {"encoder": "rbf", "bandwidth": 1.0},
    "rbf, 200 anchors, 2 degrees": {"encoder": "rbf", "bandwidth": 2.0},
    "rbf, 400 anchors, 0.5 degrees": {
        "encoder": "rbf",
        "n_anchors": 400,
        "bandwidth": 0.5,
    },
    "rff, 256 components, 1 degree": {"encoder": "rff", "bandwidth": 1.0},
    "rff, 256 components, 2 degrees": {"encoder": "rff", "bandwidth": 2.0},
    # Maxent's weighting: elapid weighs each background site 100 times a
    # presence (infinitely weighted logistic regression, in the limit a
    # Poisson point process); the labels are booleans (True: presence).
    "background weight 10": {"class_weight": {False: 10.0, True: 1.0}},
    "background weight 10, C=0.003": {
        "class_weight": {False: 10.0, True: 1.0},
        "C": 0.003,
    },
    "background weight 100": {"class_weight": {False: 100.0, True: 1.0}},
    "background weight 100, C=0.003": {
        "class_weight": {False: 100.0, True: 1.0},
        "C": 0.003,
    },
}

#: The encoder parameters among a GAM setting's (the rest are the GAM's).
_ENCODER_PARAMS = ("n_scales", "min_radius", "max_degree", "bandwidth", "n_anchors")


def _gam(settings, seed):
    from skgeo_s2v import make_encoder

    settings = dict(settings)
    encoder = settings.pop("encoder", "sphereC+")
    encoder_params = {
        name: settings.pop(name) for name in _ENCODER_PARAMS if name in settings
    }
    if encoder in ("rbf", "rff"):  # their anchors or frequencies are drawn
        encoder_params["random_state"] = seed
    return gam_fitter(encoder=make_encoder(encoder, **encoder_params), **settings)


def probe_gam(seeds, cache, presences=None, only=None):
    gams = selected(GAMS, only)
    margins = {name: [] for name in gams}
    for seed in seeds:
        folds = folds_of(seed, presences)
        scores = cached_scores(seed, folds, cache, ("maxent", "trees"), presences)
        baseline = mean_auc(scores["maxent"], folds)
        for name, settings in gams.items():
            gam = test_scores(_gam(settings, seed), folds, seed)
            with_trees = [
                rankdata(g) + rankdata(t) for g, t in zip(gam, scores["trees"])
            ]
            with_both = [w + rankdata(m) for w, m in zip(with_trees, scores["maxent"])]
            margins[name].append(
                [mean_auc(s, folds) - baseline for s in (gam, with_trees, with_both)]
            )
    print(
        f"AUC minus Maxent's, seeds {seeds}"
        + ("" if presences is None else f", {presences} presences a fold")
        + ": alone | ranks with the trees | ranks with the trees and Maxent"
    )
    print_margins(margins)


def _maxent(location=None, **params):
    """``elapid.MaxentModel(**params)`` of presence against the sites on the
    covariates, and with ``location`` ``"xyz"`` (the unit vector) or
    ``"lonlat"`` as further covariates."""
    columns = COVARIATES.copy()
    if location == "xyz":
        columns[["x", "y", "z"]] = unit_vectors_from_degrees(*LONLAT.T)
    elif location == "lonlat":
        columns["lon"], columns["lat"] = LONLAT.T

    def fit(lonlat, presence, covariates, train, seed):
        return fit_maxent(lonlat, presence, columns, train, seed, **params)

    return fit


#: Maxent's settings of ``probe_sdm.py maxent`` (elapid 1.0's defaults:
#: linear, hinge and product features, ``beta_multiplier=1.5``, 10 hinges).
MAXENTS = {
    "beta_multiplier=0.5": {"beta_multiplier": 0.5},
    "beta_multiplier=1.0": {"beta_multiplier": 1.0},
    "beta_multiplier=3.0": {"beta_multiplier": 3.0},
    "50 hinge features": {"n_hinge_features": 50},
    "linear, quadratic, hinge, product": {
        "feature_types": ["linear", "quadratic", "hinge", "product"]
    },
    "+ xyz as covariates": {"location": "xyz"},
    "+ lon, lat as covariates": {"location": "lonlat"},
    "+ xyz, beta_multiplier=1.0": {"location": "xyz", "beta_multiplier": 1.0},
}


def probe_maxent(seeds, cache, only=None):
    maxents = selected(MAXENTS, only)
    margins = {name: [] for name in maxents}
    for seed in seeds:
        folds = folds_of(seed)
        scores = cached_scores(seed, folds, cache, ("maxent", "gam", "trees"))
        baseline = mean_auc(scores["maxent"], folds)
        others = [
            rankdata(g) + rankdata(t) for g, t in zip(scores["gam"], scores["trees"])
        ]
        for name, settings in maxents.items():
            variant = test_scores(_maxent(**settings), folds, seed)
            instead = [o + rankdata(v) for o, v in zip(others, variant)]
            beside = [i + rankdata(m) for i, m in zip(instead, scores["maxent"])]
            margins[name].append(
                [mean_auc(s, folds) - baseline for s in (variant, instead, beside)]
            )
            print(f"seed {seed} {name}: {margins[name][-1]}", flush=True)
    print(
        f"AUC minus Maxent's (its defaults), seeds {seeds}: alone | ranks with "
        "the GAM and the trees | and with Maxent at its defaults too"
    )
    print_margins(margins)


def _pairwise_products(train):
    """The product of each pair of the covariates, standardised on ``train``."""
    z = COVARIATES - COVARIATES.iloc[train].mean()
    z = z / COVARIATES.iloc[train].std()
    return {f"{a}*{b}": z[a] * z[b] for a, b in itertools.combinations(COVARIATES, 2)}


def _vector_products(train):
    """Each component of the unit vector times each covariate, both
    standardised on ``train``."""
    z = COVARIATES - COVARIATES.iloc[train].mean()
    z = z / COVARIATES.iloc[train].std()
    xyz = unit_vectors_from_degrees(*LONLAT.T)
    xyz = (xyz - xyz[train].mean(axis=0)) / xyz[train].std(axis=0)
    return {
        f"{axis}*{name}": xyz[:, i] * z[name]
        for i, axis in enumerate("xyz")
        for name in COVARIATES
    }


def _neighbourhood(train, seed):
    """The log kernel density of the training presences (``bench_sdm.py``'s
    kernel density, its bandwidth by likelihood) at every row; for the
    training rows out of fold, over five spatial folds of them (20 k-means
    clusters, stratified), so that they see it as a held-out site does."""
    train = np.asarray(train)
    values = _kde_score(_fit_kde(LONLAT[train][PRESENCE[train]]), LONLAT)
    inner = SphericalClusterKFold(
        n_splits=5, n_clusters=20, stratify=True, random_state=seed
    )
    for fitted, held_out in inner.split(LONLAT[train], PRESENCE[train]):
        rows = train[fitted]
        model = _fit_kde(LONLAT[rows][PRESENCE[rows]])
        values[train[held_out]] = _kde_score(model, LONLAT[train[held_out]])
    return {"neighbourhood": values}


#: The further covariates of ``probe_sdm.py additive``: each makes the
#: columns of every row from the training rows (and the seed).
ADDITIVE = {
    "pairwise products of the covariates": lambda train, seed: _pairwise_products(
        train
    ),
    "unit vector times each covariate": lambda train, seed: _vector_products(train),
    "neighbourhood (out-of-fold density)": _neighbourhood,
    "products and unit vector times covariates": lambda train, seed: {
        **_pairwise_products(train),
        **_vector_products(train),
    },
}


def _augmented_gam(columns_of):
    """``bench_sdm.py``'s GAM with the further covariates ``columns_of``."""

    def fit(lonlat, presence, covariates, train, seed):
        frame = covariates.assign(
            lon=lonlat[:, 0], lat=lonlat[:, 1], **columns_of(train, seed)
        )
        model = SphereGAMClassifier(random_state=seed).fit(
            frame.iloc[train], presence[train]
        )
        return lambda test: model.predict_proba(frame.iloc[test])[:, 1]

    return fit


def probe_additive(seeds, cache, only=None):
    variants = selected(ADDITIVE, only)
    margins = {name: [] for name in variants}
    for seed in seeds:
        folds = folds_of(seed)
        scores = cached_scores(seed, folds, cache, ("maxent", "gam", "trees"))
        baseline = mean_auc(scores["maxent"], folds)
        others = [
            rankdata(m) + rankdata(t) for m, t in zip(scores["maxent"], scores["trees"])
        ]
        defaults = [o + rankdata(g) for o, g in zip(others, scores["gam"])]
        alone, ranked = (
            mean_auc(s, folds) - baseline for s in (scores["gam"], defaults)
        )
        print(f"seed {seed} the GAM's defaults: {alone:+.4f}, ranked {ranked:+.4f}")
        for name, columns_of in variants.items():
            variant = test_scores(_augmented_gam(columns_of), folds, seed)
            ranked = [o + rankdata(v) for o, v in zip(others, variant)]
            margins[name].append(
                [mean_auc(s, folds) - baseline for s in (variant, ranked)]
            )
    print(
        f"AUC minus Maxent's, seeds {seeds}: the GAM with these covariates too, "
        "alone | ranked with Maxent and the extra trees"
    )
    print_margins(margins)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "probe",
        choices=["trees", "ensembles", "gam", "weights", "maxent", "additive"],
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[100, 101])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument(
        "--cache",
        default=os.path.join(tempfile.gettempdir(), "skgeo_s2v_probe_sdm"),
        help="folder of the cached test scores",
    )
    parser.add_argument(
        "--presences",
        type=int,
        help="gam only: keep this many presences of each training fold",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        help="trees, gam, maxent and additive: run the settings whose names "
        "contain one of these",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.cache, exist_ok=True)
    if args.presences is not None and args.probe != "gam":
        parser.error("--presences is for the gam probe")
    if args.only is not None and args.probe in ("ensembles", "weights"):
        parser.error("--only is for the trees, gam, maxent and additive probes")
    if args.probe == "gam":
        return probe_gam(args.seeds, args.cache, args.presences, args.only)
    if args.probe == "trees":
        return probe_trees(args.seeds, args.cache, args.only)
    if args.probe == "weights":
        return probe_weights(args.seeds, args.cache)
    if args.probe == "maxent":
        return probe_maxent(args.seeds, args.cache, args.only)
    if args.probe == "additive":
        return probe_additive(args.seeds, args.cache, args.only)
    probe_ensembles(args.seeds, args.cache)


if __name__ == "__main__":
    main()
