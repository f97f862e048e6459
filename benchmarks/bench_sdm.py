"""Species distribution benchmark on elapid's bundled Ariolimax buttoni data.

The data set (shipped in the ``elapid`` wheel, nothing downloaded) holds
1,595 presence records of the slug Ariolimax buttoni in California and 4,990
background sites, each with six covariates (surface temperature, leaf area
index and cloud cover, mean and standard deviation). Both are split by
:class:`~skgeo_s2v.model_selection.SphericalClusterKFold` (50 k-means
clusters of about 130 points, stratified so that every fold holds presences
and background sites; the clusters change with the seed); each model is
trained on the training fold and scored on the test fold's presences against
its background sites: ROC AUC and the continuous Boyce index.

Models, side by side in one run:

- ``elapid.MaxentModel`` (defaults) on the six covariates;
- a haversine kernel density of the presence records, bandwidth chosen by
  3-fold likelihood on the training presences;
- ``SphereLocationClassifier`` on coordinates, once per background: uniform
  on the sphere, a box around the training data, and the data set's own
  background sites (``PointsBackground``). It needs two classes, so the
  training background sites are a second class (``"background"``); the score
  is ``predict_presence`` of the species;
- ``SphereLocationClassifier`` on coordinates and the six covariates (a
  DataFrame, issue 17) with the backgrounds that carry covariates: the
  bundled sites of the training fold (``PointsBackground`` of a DataFrame)
  and all its records (``TargetGroupBackground``). ``--only cov`` runs these
  (and Maxent, the baseline) alone;
- :class:`~skgeo_s2v.sdm.SphereGAMClassifier` (``GAM``, its defaults) of
  presence against the training fold's bundled sites, on the DataFrame of
  ``lon``, ``lat`` and the six covariates (``GAM coords+cov``), the same
  with the location as one smooth tilt (``encoder="xyz"``, ``GAM
  xyz+cov``) and on the coordinates alone (``GAM coords``);
- the documented recipe of ``SphereGAMClassifier`` with its encoder chosen
  from ``"sphereC+"`` (the default) and ``"xyz"`` by 3-fold spatial
  cross-validation on the training fold (``GAM coords+cov, encoder by
  spatial CV``; :func:`gam_encoder_search`), and the GAM at its defaults
  on the training presences thinned to a distance chosen by the same
  cross-validation from none, 2, 5 and 10 km (``GAM coords+cov, thinning
  by spatial CV``; :func:`gam_thinning_search`);
- extra trees (500, at least 5 records a leaf) on the six covariates and
  the blend's location features (``forest_features``): a tree baseline of
  location and covariates; the same on the covariates and the unit vector
  only (``xyz+cov``), and on the covariates alone (``cov``);
- a down-sampled random forest (:func:`fit_downsampled_forest`: 500 trees,
  each of a bootstrap of the presences and as many background sites, as
  Valavi et al. 2021 and 2022 recommend for presence-only data) on the
  covariates and ``forest_features`` (``coords+cov``) and on the covariates
  alone (``cov``).

Every model is scored on the same folds; a seed draws new folds (and seeds
the classifier), and the table gives the mean and standard deviation over
seeds of the mean over folds. Fit times are ratios against Maxent's mean,
measured in the same run.

``--synthetic`` runs the synthetic part instead, where the true ranges are
known: 20 species of a region of western Europe, each a von Mises-Fisher
distribution (SPEC §9) with its centre uniform by area in the region and
``κ = r²``, ``r ~ U(15, 40)`` (a spread of 160-420 km), 60 presence-only
records each, and the true range the cap of radius ``2 / √κ`` around the
centre (86 % of the species' mass). Test sites: 3,000 uniform by area in the
region, present where inside the true range. A seed draws a new data set.
Beside the kernel density and the classifier, one
:class:`~skgeo_s2v.sdm.SphereGAMClassifier` per species, of its records
against 5,000 sites uniform in the region's box (``region box``) or against
the other species' records (``target group``).

``--rank-average`` adds an ensemble of Maxent and each covariate model:
the mean of their ranks of the test sites (``ranks of ...``), and that of
Maxent, the classifier (bundled sites) and the extra trees; and those of
Maxent, the GAM and the extra trees, with and without the classifier; and
the package's :class:`~skgeo_s2v.sdm.RankAverageClassifier` of Maxent, the
GAM and the extra trees, which ranks each site among each model's scores
of the training rows instead of among the test sites
(``rank-average classifier of ...``).

``--presences N`` keeps ``N`` presences of each training fold, drawn at
random (the same for every model), and all its background sites: the few
records of most species in a survey region. The test folds are unchanged.
``--thin KM`` thins the presences of each training fold so that no two lie
closer than ``KM`` km (:func:`~skgeo_s2v.sdm.thin_records`, seeded by the
seed), the field's remedy for crowded records; test folds are unchanged.

``--pairwise-distance`` also scores each test fold without its spatial
sorting bias (Hijmans 2012): on the test presences and background sites
that :func:`~skgeo_s2v.sdm.pairwise_distance_sample` pairs by their
distance to the training fold's presences (seeded by the seed; the same
rows for every model), the column ``AUC pwd``; each presence takes the
matching site nearest to it, or with ``--pairwise-distance random`` one
drawn at random. It prints each fold's
:func:`~skgeo_s2v.sdm.spatial_sorting_bias` and the presences kept.

``--set NAME=VALUE ...`` adds the classifiers again (on the coordinates
and with the covariates), marked ``[set]``, with those parameters
(``max_epochs=60``, ``background__n_per_example=4``,
``encoder__min_radius=1e-3``,
``optimizer__weight_decay=1e-4``, ...), next to the unchanged ones in the
same run; ``--ensemble K`` averages ``K`` such classifiers of different
seeds. The last table gives each model's AUC minus Maxent's, per seed.

Usage::

    python benchmarks/bench_sdm.py --threads 1 --folds 5 --seeds 0 1 2
    python benchmarks/bench_sdm.py --threads 1 --seeds 100 101 --only "[set]" \\
        --set max_epochs=60 background__n_per_example=4
    python benchmarks/bench_sdm.py --threads 1 --synthetic --seeds 0 1 2
    python benchmarks/bench_sdm.py --threads 1 --seeds 0 1 2 --presences 25
    python benchmarks/bench_sdm.py --threads 1 --seeds 0 1 2 --pairwise-distance \
        --only kernel "GAM coords" "extra trees coords+cov" --rank-average
"""

import argparse
import os
import time
import warnings

import numpy as np
import torch
from bench_vmf import add_settings_argument, parse_params
from scipy.stats import rankdata
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v._geometry import EARTH_RADIUS_KM, haversine_radians
from skgeo_s2v.background import (
    BoxBackground,
    PointsBackground,
    TargetGroupBackground,
    UniformSphereBackground,
)
from skgeo_s2v.blend import forest_features
from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import (
    RankAverageClassifier,
    SphereGAMClassifier,
    ThinnedClassifier,
    continuous_boyce_index,
    pairwise_distance_sample,
    presence_auc,
    presence_auc_scorer,
    spatial_sorting_bias,
    thin_records,
)
from skgeo_s2v.sdm._kernel_sum import GaussianKernelSum, likeliest_bandwidth_index


def matches_only(name, only):
    """Whether the row (model, setting) ``name`` runs under ``--only``: it
    holds one of the substrings ``only``, or ``only`` is None (every row)."""
    return only is None or any(part in name for part in only)


def load_ariolimax():
    """``(lonlat, presence, covariates)`` of elapid's bundled sample."""
    import elapid
    import geopandas as gpd

    path = os.path.join(os.path.dirname(elapid.__file__), "data", "ariolimax.gpkg")
    frame = gpd.read_file(path).to_crs(4326)
    lonlat = np.column_stack([frame.geometry.x, frame.geometry.y])
    covariates = frame.drop(columns=["presence", "geometry"])
    return lonlat, frame["presence"].to_numpy().astype(bool), covariates


def scores_of(score, presence):
    """AUC and Boyce index of test scores, presences against background sites."""
    auc = presence_auc(presence.astype(int)[:, None], score[:, None])
    boyce = continuous_boyce_index(score[presence], score[~presence])
    return auc, boyce


def fit_maxent(lonlat, presence, covariates, train, seed, **params):
    """``elapid.MaxentModel(**params)`` (its defaults without) of presence
    against the sites on ``covariates``; returns the test-score function."""
    import elapid

    model = elapid.MaxentModel(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(covariates.iloc[train], presence[train])
    return lambda test: model.predict(covariates.iloc[test])


def _fit_kde(points, bandwidths_km=(5.0, 10.0, 20.0, 40.0, 80.0)):
    """Kernel density of ``(lon, lat)`` points: Gaussian kernels of the
    great-circle distance, the bandwidth by the likelihood of three folds of
    the points as given (``KFold(3)``, as ``GridSearchCV(KernelDensity(),
    cv=3)`` takes them). The log densities are the package's exact sums
    (``skgeo_s2v.sdm._kernel_sum``); until 2026-12-07 this was that search of
    scikit-learn's ``KernelDensity`` itself, whose log density is too high
    far from every point (its issue #25799). Returns
    ``(kernels, bandwidth)`` for :func:`_kde_score`."""
    radians = haversine_radians(points)
    candidates = np.asarray(bandwidths_km, dtype=float) / EARTH_RADIUS_KM
    splits = KFold(3).split(radians)
    best = likeliest_bandwidth_index(
        radians, np.ones(len(radians)), splits, candidates, max_held_out=len(radians)
    )
    return GaussianKernelSum(radians), candidates[best]


def _kde_score(model, lonlat):
    """Log density at ``lonlat`` of a :func:`_fit_kde` model."""
    kernels, bandwidth = model
    return kernels.log_density(haversine_radians(lonlat), [bandwidth])[:, 0]


def fit_kde(lonlat, presence, covariates, train, seed):
    model = _fit_kde(lonlat[train][presence[train]])
    return lambda test: _kde_score(model, lonlat[test])


def classifier_fitter(background, max_epochs, settings=None):
    """SLC on the coordinates, of the species against the training fold's
    background sites as a second class; ``settings`` (``--set``) are set
    after the benchmark's own parameters."""

    def fit(lonlat, presence, covariates, train, seed):
        sampler = background(lonlat[train], presence[train])
        labels = np.where(presence[train], "species", "background")
        model = SphereLocationClassifier(
            background=sampler, max_epochs=max_epochs, random_state=seed
        ).set_params(**(settings or {}))
        model.fit(lonlat[train], labels)
        column = list(model.classes_).index("species")
        return lambda test: model.predict_presence(lonlat[test])[:, column]

    return fit


def with_few_presences(train, presence, n_presences, rng):
    """The rows of ``train``, only ``n_presences`` of its presences among them
    (drawn without replacement), in their order."""
    presences = train[presence[train]]
    if not 1 <= n_presences <= len(presences):
        raise ValueError(
            f"--presences must be from 1 to the {len(presences)} presences of a "
            f"training fold; got {n_presences}."
        )
    kept = rng.choice(presences, n_presences, replace=False)
    return np.sort(np.concatenate([kept, train[~presence[train]]]))


def with_thinned_presences(train, presence, lonlat, distance_km, seed):
    """The rows of ``train`` with its presences thinned to ``distance_km``
    (:func:`~skgeo_s2v.sdm.thin_records`) and all its background sites."""
    presences = train[presence[train]]
    kept = thin_records(lonlat[presences], distance_km, random_state=seed)
    return np.sort(np.concatenate([presences[kept], train[~presence[train]]]))


def spatial_folds(lonlat, presence, seed, n_splits=5, presences=None):
    """The benchmark's folds of ``seed``: ``SphericalClusterKFold`` of 50
    clusters, stratified; with ``presences``, each training fold keeps that
    many of its presences (:func:`with_few_presences`)."""
    cv = SphericalClusterKFold(
        n_splits=n_splits, n_clusters=50, stratify=True, random_state=seed
    )
    folds = list(cv.split(lonlat, presence))
    if presences is not None:
        rng = np.random.default_rng(seed)
        folds = [
            (with_few_presences(train, presence, presences, rng), test)
            for train, test in folds
        ]
    return folds


def unbiased_test_rows(lonlat, presence, train, test, seed, nearest=True):
    """The positions in ``test`` of its presences and background sites that
    :func:`~skgeo_s2v.sdm.pairwise_distance_sample` pairs by their distance
    to the training presences (seeded by ``seed``; ``nearest`` as there), in
    increasing order, and the fold's
    :func:`~skgeo_s2v.sdm.spatial_sorting_bias`."""
    presences, sites = np.flatnonzero(presence[test]), np.flatnonzero(~presence[test])
    reference = lonlat[train][presence[train]]
    kept, taken = pairwise_distance_sample(
        reference,
        lonlat[test][presences],
        lonlat[test][sites],
        nearest=nearest,
        random_state=seed,
    )
    ratio = spatial_sorting_bias(
        reference, lonlat[test][presences], lonlat[test][sites]
    )
    return np.sort(np.concatenate([presences[kept], sites[taken]])), ratio


def _box(lonlat, presence):
    low, high = lonlat.min(axis=0) - 0.5, lonlat.max(axis=0) + 0.5
    return BoxBackground((low[0], max(low[1], -90.0), high[0], min(high[1], 90.0)))


BACKGROUNDS = {
    "uniform sphere": lambda lonlat, presence: UniformSphereBackground(),
    "box around data": _box,
    "bundled sites": lambda lonlat, presence: PointsBackground(lonlat[~presence]),
}


def covariate_classifier_fitter(background, max_epochs, settings=None, ensemble=1):
    """SLC on a DataFrame of lon, lat and the six covariates (issue 17).

    ``settings`` (``--set``) are classifier parameters set after the
    benchmark's own; ``ensemble`` fits that many classifiers (seeds
    ``1000 * seed + k``) and averages their ``predict_presence``.
    """

    def fit(lonlat, presence, covariates, train, seed):
        frame = covariates.assign(lon=lonlat[:, 0], lat=lonlat[:, 1])
        train_frame = frame.iloc[train].reset_index(drop=True)
        labels = np.where(presence[train], "species", "background")
        models = []
        for k in range(ensemble):
            model = SphereLocationClassifier(
                background=background(train_frame, presence[train]),
                max_epochs=max_epochs,
                random_state=seed if ensemble == 1 else 1000 * seed + k,
            ).set_params(**(settings or {}))
            models.append(model.fit(train_frame, labels))
        column = list(models[0].classes_).index("species")

        def predict(test):
            rows = frame.iloc[test]
            return np.mean(
                [model.predict_presence(rows)[:, column] for model in models], axis=0
            )

        return predict

    return fit


def tree_columns(lonlat, covariates, location):
    """The six covariates beside the location, as the tree models take them:
    ``location`` ``"forest_features"`` (:func:`skgeo_s2v.blend.forest_features`:
    unit vector, longitude and latitude, projections onto the cube's
    diagonals), ``"xyz"`` (the unit vector only) or None (covariates only)."""
    columns = [covariates.to_numpy(float)]
    if location is not None:
        features = forest_features(lonlat)
        columns.append(features[:, :3] if location == "xyz" else features)
    return np.column_stack(columns)


def extra_trees_fitter(location="forest_features"):
    """Extra trees on the six covariates and the location.

    ``ExtraTreesClassifier(n_estimators=500, min_samples_leaf=5)`` of presence
    against the training fold's background sites, on :func:`tree_columns`
    of ``location``; the score is the probability of presence.
    """

    def fit(lonlat, presence, covariates, train, seed):
        X = tree_columns(lonlat, covariates, location)
        model = ExtraTreesClassifier(
            n_estimators=500, min_samples_leaf=5, n_jobs=1, random_state=seed
        ).fit(X[train], presence[train])
        return lambda test: model.predict_proba(X[test])[:, 1]

    return fit


def fit_downsampled_forest(X, presence, seed, n_trees=500):
    """A down-sampled random forest of presence against background rows.

    Each of ``n_trees`` trees (scikit-learn's ``DecisionTreeClassifier``,
    grown fully, ``max_features="sqrt"``) is fitted on a bootstrap sample of
    the presences and as many background rows, drawn with replacement, so
    that every tree sees the classes balanced; the score is the mean of the
    trees' presence probabilities: R's ``randomForest(sampsize = c(n, n))``,
    the remedy for presence-background data of Valavi et al. (2021, Ecography,
    doi:10.1111/ecog.05615), among the best-performing models of their
    benchmark of the NCEAS presence-only data (Valavi et al. 2022, Ecological
    Monographs 92: e01486). Returns the scoring function of rows of the same
    columns as ``X``.
    """
    rng = np.random.default_rng(seed)
    presence = np.asarray(presence, dtype=bool)
    presences, background = np.flatnonzero(presence), np.flatnonzero(~presence)
    n = len(presences)
    trees = []
    for _ in range(n_trees):
        rows = np.concatenate([rng.choice(presences, n), rng.choice(background, n)])
        tree = DecisionTreeClassifier(
            max_features="sqrt", random_state=int(rng.integers(2**31 - 1))
        )
        trees.append(tree.fit(X[rows], presence[rows]))
    return lambda rows: np.mean([tree.predict_proba(rows)[:, 1] for tree in trees], 0)


def downsampled_forest_fitter(location="forest_features"):
    """:func:`fit_downsampled_forest` on the six covariates and the location
    (:func:`tree_columns` of ``location``), of presence against
    the training fold's background sites."""

    def fit(lonlat, presence, covariates, train, seed):
        X = tree_columns(lonlat, covariates, location)
        predict = fit_downsampled_forest(X[train], presence[train], seed)
        return lambda test: predict(X[test])

    return fit


def gam_fitter(covariates_too=True, **params):
    """``SphereGAMClassifier(**params)`` of presence against the bundled sites,
    on ``lon``, ``lat`` and the covariates (or the coordinates alone); the
    score is the probability of presence."""

    def fit(lonlat, presence, covariates, train, seed):
        frame = covariates.assign(lon=lonlat[:, 0], lat=lonlat[:, 1])
        if not covariates_too:
            frame = frame[["lon", "lat"]]
        model = SphereGAMClassifier(random_state=seed, **params)
        model.fit(frame.iloc[train], presence[train])
        return lambda test: model.predict_proba(frame.iloc[test])[:, 1]

    return fit


def inner_spatial_folds(seed, n_splits=3):
    """The spatial folds of a training fold that the searches and the
    rank-average classifier's references use: ``SphericalClusterKFold`` of
    20 k-means clusters, stratified, on the ``lon`` and ``lat`` columns."""
    return SphericalClusterKFold(
        n_splits=n_splits,
        n_clusters=20,
        stratify=True,
        columns=("lon", "lat"),
        random_state=seed,
    )


#: The location encodings ``gam_encoder_search`` chooses from.
GAM_ENCODERS = ["sphereC+", "xyz"]


def gam_encoder_search(seed):
    """The documented recipe (docs/sdm.rst): ``SphereGAMClassifier`` with its
    encoder, the default ``"sphereC+"`` or ``"xyz"``, chosen by the mean ROC
    AUC of 3-fold spatial cross-validation (20 k-means clusters, stratified)
    on the training rows; ``handle_unknown="ignore"``, since a spatial test
    fold can hold a categorical level that its training folds lack."""
    return GridSearchCV(
        SphereGAMClassifier(handle_unknown="ignore", random_state=seed),
        {"encoder": GAM_ENCODERS},
        cv=inner_spatial_folds(seed),
        scoring=presence_auc_scorer,
    )


#: The thinning distances ``gam_thinning_search`` chooses from, in km (None
#: keeps every record).
THINNING_DISTANCES_KM = [None, 2.0, 5.0, 10.0]


def gam_thinning_search(seed):
    """``SphereGAMClassifier`` at its defaults on the training presences
    thinned to a distance chosen from :data:`THINNING_DISTANCES_KM`
    (:class:`~skgeo_s2v.sdm.ThinnedClassifier`, the sites never thinned) by
    the mean ROC AUC of the 3-fold spatial cross-validation of
    :func:`gam_encoder_search`, whose test folds are not thinned."""
    return GridSearchCV(
        ThinnedClassifier(
            SphereGAMClassifier(handle_unknown="ignore", random_state=seed),
            unthinned_classes=[False],
            random_state=seed,
        ),
        {"distance_km": THINNING_DISTANCES_KM},
        cv=inner_spatial_folds(seed),
        scoring=presence_auc_scorer,
    )


def gam_search_fitter(search=gam_encoder_search, parameter="encoder"):
    """``search(seed)`` (:func:`gam_encoder_search` or
    :func:`gam_thinning_search`) of presence against the bundled sites, on
    ``lon``, ``lat`` and the covariates; the score is the probability of
    presence of the refitted best model, whose ``parameter`` is printed."""

    def fit(lonlat, presence, covariates, train, seed):
        frame = covariates.assign(lon=lonlat[:, 0], lat=lonlat[:, 1])
        fitted = search(seed).fit(frame.iloc[train], presence[train])
        print(f"    {parameter} chosen: {fitted.best_params_[parameter]}", flush=True)
        return lambda test: fitted.predict_proba(frame.iloc[test])[:, 1]

    return fit


def rank_average_fitter(*fitters):
    """The mean of the models' ranks of the test sites (an ensemble of scores
    on different scales, which a ROC AUC compares by rank only)."""

    def fit(lonlat, presence, covariates, train, seed):
        predicts = [f(lonlat, presence, covariates, train, seed) for f in fitters]

        def predict(test):
            return np.mean([rankdata(p(test)) for p in predicts], axis=0) / len(test)

        return predict

    return fit


def rank_average_classifier_fitter(cv=None):
    """:class:`~skgeo_s2v.sdm.RankAverageClassifier` of Maxent (the
    covariates), the GAM (location and covariates) and the extra trees (the
    covariates beside :func:`forest_features` of the location), built as
    docs/sdm.rst builds it, of presence against the bundled sites; each
    site is ranked among each model's scores of the training rows, its own
    (``cv=None``), out of 5 stratified folds (``"5"``) or out of 5 spatial
    folds (``"spatial"``: 20 k-means clusters, stratified)."""

    def fit(lonlat, presence, covariates, train, seed):
        import elapid

        frame = covariates.assign(lon=lonlat[:, 0], lat=lonlat[:, 1])
        names = list(covariates.columns)
        maxent = make_pipeline(
            ColumnTransformer([("covariates", "passthrough", names)]),
            elapid.MaxentModel(),
        )
        trees = make_pipeline(
            ColumnTransformer(
                [
                    ("covariates", "passthrough", names),
                    ("location", FunctionTransformer(forest_features), ["lon", "lat"]),
                ]
            ),
            ExtraTreesClassifier(
                n_estimators=500, min_samples_leaf=5, n_jobs=1, random_state=seed
            ),
        )
        folds = {None: None, "5": 5}.get(cv)
        if cv == "spatial":
            folds = inner_spatial_folds(seed, n_splits=5)
        model = RankAverageClassifier(
            [
                ("maxent", maxent),
                ("gam", SphereGAMClassifier(random_state=seed)),
                ("trees", trees),
            ],
            cv=folds,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # elapid's
            model.fit(frame.iloc[train], presence[train])
        return lambda test: model.predict_proba(frame.iloc[test])[:, 1]

    return fit


# The backgrounds that carry covariates: the training fold's bundled sites
# (with their covariates) and all its records (presences and sites).
COVARIATE_BACKGROUNDS = {
    "bundled sites": lambda frame, presence: PointsBackground(frame[~presence]),
    "target group": lambda frame, presence: TargetGroupBackground(),
}


REGION = (-12.0, 34.0, 22.0, 62.0)
CENTRES = (-5.0, 40.0, 15.0, 56.0)


def make_regional_species(seed, n_species=20, n_records=60, n_sites=3000):
    """Presence-only records, test sites and their true presence (see above)."""
    from skgeo_s2v.datasets._vmf import _lonlat_to_xyz, _sample_vmf, _xyz_to_lonlat

    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    centres = (
        BoxBackground(CENTRES).fit([[0.0, 45.0]]).sample(n_species, generator=generator)
    )
    centres = centres.numpy().astype(np.float64)
    kappas = rng.uniform(15.0, 40.0, n_species) ** 2
    region = BoxBackground(REGION).fit([[0.0, 45.0]])
    records, labels = [], []
    for c in range(n_species):
        xyz = _sample_vmf(
            _lonlat_to_xyz(centres[c : c + 1])[0], kappas[c], 4 * n_records, rng
        )
        lonlat = _xyz_to_lonlat(xyz)
        lon, lat = lonlat[:, 0], lonlat[:, 1]
        inside = (
            (lon >= REGION[0])
            & (lon <= REGION[2])
            & (lat >= REGION[1])
            & (lat <= REGION[3])
        )
        records.append(lonlat[inside][:n_records])
        labels.append(np.full(len(records[-1]), f"sp{c:02d}"))
    sites = region.sample(n_sites, generator=generator).numpy().astype(np.float64)
    # Present inside the cap of radius 2/sqrt(kappa) around the centre.
    cosines = _lonlat_to_xyz(sites) @ _lonlat_to_xyz(centres).T
    truth = (cosines >= np.cos(2.0 / np.sqrt(kappas))).astype(int)
    return np.concatenate(records), np.concatenate(labels), sites, truth


#: Background sites of the synthetic GAM, uniform by area in the region.
GAM_BACKGROUND_SITES = 5000


def region_sites(seed, n_sites):
    """``n_sites`` points uniform by area in the synthetic region."""
    region = BoxBackground(REGION).fit([[0.0, 45.0]])
    generator = torch.Generator().manual_seed(seed)
    return region.sample(n_sites, generator=generator).numpy().astype(np.float64)


def gam_scores(X, y, sites, background, seed):
    """Each species' GAM (its records against ``background`` sites, or against
    the other species' records when None): presence scores of ``sites``."""
    columns = []
    for label in np.unique(y):
        own = X[y == label]
        others = X[y != label] if background is None else background
        model = SphereGAMClassifier(random_state=seed).fit(
            np.vstack([own, others]),
            np.r_[np.ones(len(own), bool), np.zeros(len(others), bool)],
        )
        columns.append(model.predict_proba(sites)[:, 1])
    return np.column_stack(columns)


def run_synthetic(args, max_epochs):
    backgrounds = {
        "uniform sphere": UniformSphereBackground(),
        "region box": BoxBackground(REGION),
        "target group": TargetGroupBackground(),
    }
    results = {"kernel density (coords)": []}
    results.update({f"SLC coords, {name}": [] for name in backgrounds})
    results.update({"GAM coords, region box": [], "GAM coords, target group": []})
    for seed in args.seeds:
        X, y, sites, truth = make_regional_species(seed)
        labels = np.unique(y)
        start = time.perf_counter()
        kdes = [_fit_kde(X[y == label]) for label in labels]
        kde_scores = np.column_stack([_kde_score(kde, sites) for kde in kdes])
        kde_seconds = time.perf_counter() - start
        results["kernel density (coords)"].append(
            (presence_auc(truth, kde_scores), kde_seconds)
        )
        for name, background in backgrounds.items():
            start = time.perf_counter()
            model = SphereLocationClassifier(
                background=background, max_epochs=max_epochs, random_state=seed
            ).fit(X, y)
            seconds = time.perf_counter() - start
            auc = presence_auc(truth, model.predict_presence(sites))
            results[f"SLC coords, {name}"].append((auc, seconds))
        box_sites = region_sites(seed + 10_000, GAM_BACKGROUND_SITES)
        for name, background in (("region box", box_sites), ("target group", None)):
            start = time.perf_counter()
            auc = presence_auc(truth, gam_scores(X, y, sites, background, seed))
            results[f"GAM coords, {name}"].append((auc, time.perf_counter() - start))
        for name, rows in results.items():
            print(
                f"seed {seed} {name:34s} AUC {rows[-1][0]:.3f} fit {rows[-1][1]:.1f} s",
                flush=True,
            )
    kde_seconds = np.mean([row[1] for row in results["kernel density (coords)"]])
    print(
        f"\nsynthetic: 20 vMF species, 60 records each, 3000 test sites, "
        f"seeds {args.seeds}, max_epochs={max_epochs}, threads={args.threads}"
    )
    print(f"{'model':34s} {'AUC (true ranges)':>18s} {'fit time / KDE':>15s}")
    for name, rows in results.items():
        auc, seconds = np.array(rows).T
        print(
            f"{name:34s} {auc.mean():9.3f} ± {auc.std():.3f} "
            f"{seconds.mean() / kde_seconds:15.2f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--max-epochs", default="30")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument(
        "--presences",
        type=int,
        help="keep this many presences of each training fold (and all its "
        "background sites)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        help="run only the models whose name holds one of these words, e.g. "
        "'[set]' (Maxent, the time baseline, always runs)",
    )
    parser.add_argument(
        "--thin",
        type=float,
        metavar="KM",
        help="thin the presences of each training fold so that no two lie "
        "closer than KM km (thin_records; test folds are left as they are)",
    )
    add_settings_argument(parser)
    parser.add_argument(
        "--ensemble",
        type=int,
        default=1,
        help="with --set: average the presence scores of this many classifiers "
        "(seeds 1000 * seed + k)",
    )
    parser.add_argument(
        "--pairwise-distance",
        nargs="?",
        const="nearest",
        choices=["nearest", "random"],
        help="also score each test fold without its spatial sorting bias: on the "
        "test presences and background sites that pairwise_distance_sample "
        "pairs by their distance to the training presences (column 'AUC pwd'), "
        "each presence with the matching site nearest to it (nearest, the "
        "default) or a random one",
    )
    parser.add_argument(
        "--rank-average",
        action="store_true",
        help="add the mean of the ranks of Maxent and of each covariate model "
        "(an ensemble of the two; rows 'ranks of ...')",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    max_epochs = args.max_epochs if args.max_epochs == "auto" else int(args.max_epochs)

    if args.synthetic:
        return run_synthetic(args, max_epochs)
    lonlat, presence, covariates = load_ariolimax()
    models = {
        "Maxent (covariates)": fit_maxent,
        "kernel density (coords)": fit_kde,
    }
    settings = parse_params(args.set, parser)
    for name, background in BACKGROUNDS.items():
        models[f"SLC coords, {name}"] = classifier_fitter(background, max_epochs)
        if settings:
            fitter = classifier_fitter(background, max_epochs, settings)
            models[f"SLC coords [set], {name}"] = fitter
    for name, background in COVARIATE_BACKGROUNDS.items():
        fitter = covariate_classifier_fitter(background, max_epochs)
        models[f"SLC coords+cov, {name}"] = fitter
        if settings or args.ensemble > 1:
            fitter = covariate_classifier_fitter(
                background, max_epochs, settings, args.ensemble
            )
            models[f"SLC coords+cov [set], {name}"] = fitter
    models["GAM coords+cov"] = gam_fitter()
    models["GAM xyz+cov"] = gam_fitter(encoder="xyz")
    models["GAM coords"] = gam_fitter(covariates_too=False)
    models["GAM coords+cov, encoder by spatial CV"] = gam_search_fitter()
    models["GAM coords+cov, thinning by spatial CV"] = gam_search_fitter(
        gam_thinning_search, "distance_km"
    )
    models["extra trees coords+cov"] = extra_trees_fitter()
    models["extra trees xyz+cov"] = extra_trees_fitter("xyz")
    models["extra trees cov"] = extra_trees_fitter(None)
    models["down-sampled forest coords+cov"] = downsampled_forest_fitter()
    models["down-sampled forest cov"] = downsampled_forest_fitter(None)
    if args.rank_average:
        for name, background in COVARIATE_BACKGROUNDS.items():
            fitter = covariate_classifier_fitter(background, max_epochs)
            models[f"ranks of Maxent + SLC coords+cov, {name}"] = rank_average_fitter(
                fit_maxent, fitter
            )
        fitter = covariate_classifier_fitter(
            COVARIATE_BACKGROUNDS["bundled sites"], max_epochs
        )
        models["ranks of Maxent + SLC + extra trees"] = rank_average_fitter(
            fit_maxent, fitter, extra_trees_fitter()
        )
        models["ranks of Maxent + GAM + extra trees"] = rank_average_fitter(
            fit_maxent, gam_fitter(), extra_trees_fitter()
        )
        models["ranks of Maxent + GAM + SLC + extra trees"] = rank_average_fitter(
            fit_maxent, gam_fitter(), fitter, extra_trees_fitter()
        )
        models["rank-average classifier of Maxent + GAM + extra trees"] = (
            rank_average_classifier_fitter()
        )
        for cv in ("5", "spatial"):
            name = f"rank-average classifier of Maxent + GAM + extra trees, cv={cv}"
            models[name] = rank_average_classifier_fitter(cv)
    models = {
        name: fit
        for name, fit in models.items()
        if name.startswith("Maxent") or matches_only(name, args.only)
    }
    # per seed: (auc, boyce, seconds), and the AUC without sorting bias
    results = {name: [] for name in models}
    for seed in args.seeds:
        folds = spatial_folds(lonlat, presence, seed, args.folds, args.presences)
        if args.thin is not None:
            folds = [
                (with_thinned_presences(train, presence, lonlat, args.thin, seed), test)
                for train, test in folds
            ]
        if args.pairwise_distance:
            nearest = args.pairwise_distance == "nearest"
            unbiased = [
                unbiased_test_rows(lonlat, presence, train, test, seed, nearest)
                for train, test in folds
            ]
            print(
                f"seed {seed} spatial sorting bias of the folds "
                + " ".join(f"{ratio:.3f}" for _, ratio in unbiased)
                + "; presences kept "
                + " ".join(
                    f"{presence[test][rows].sum()}/{presence[test].sum()}"
                    for (_, test), (rows, _) in zip(folds, unbiased, strict=True)
                )
            )
        for name, fit in models.items():
            per_fold = []
            for k, (train, test) in enumerate(folds):
                start = time.perf_counter()
                predict = fit(lonlat, presence, covariates, train, seed)
                seconds = time.perf_counter() - start
                score = predict(test)
                row = (*scores_of(score, presence[test]), seconds)
                if args.pairwise_distance:
                    rows = unbiased[k][0]
                    row += (scores_of(score[rows], presence[test][rows])[0],)
                per_fold.append(row)
            results[name].append(np.mean(per_fold, axis=0))
            auc, boyce, seconds = results[name][-1][:3]
            print(
                f"seed {seed} {name:38s} AUC {auc:.3f} Boyce {boyce:.3f} "
                f"fit {seconds:.1f} s"
                + (
                    f" AUC pwd {results[name][-1][3]:.3f}"
                    if args.pairwise_distance
                    else ""
                ),
                flush=True,
            )

    maxent_seconds = np.mean([row[2] for row in results["Maxent (covariates)"]])
    print(
        f"\n{len(lonlat)} points ({presence.sum()} presences), "
        f"{args.folds} spatial folds, seeds {args.seeds}, "
        f"max_epochs={max_epochs}, threads={args.threads}"
        + ("" if args.presences is None else f", {args.presences} presences a fold")
        + ("" if args.thin is None else f", presences thinned to {args.thin} km")
    )
    if settings or args.ensemble > 1:
        print(f"[set]: {settings}, ensemble={args.ensemble}")
    print(
        f"{'model':38s} {'AUC':>15s} {'Boyce':>15s} {'fit time / Maxent':>18s}"
        + (f" {'AUC pwd':>15s}" if args.pairwise_distance else "")
    )
    for name, rows in results.items():
        rows = np.array(rows)
        mean, spread = rows.mean(axis=0), rows.std(axis=0)
        print(
            f"{name:38s} {mean[0]:7.3f} ± {spread[0]:.3f} "
            f"{mean[1]:7.3f} ± {spread[1]:.3f} {mean[2] / maxent_seconds:18.2f}"
            + (f" {mean[3]:7.3f} ± {spread[3]:.3f}" if args.pairwise_distance else "")
        )
    columns = {"AUC": 0, **({"AUC pwd": 3} if args.pairwise_distance else {})}
    for label, column in columns.items():
        maxent_auc = np.array(results["Maxent (covariates)"])[:, column]
        print(f"\n{label} minus Maxent's, per seed:")
        for name, rows in results.items():
            margins = np.array(rows)[:, column] - maxent_auc
            print(f"{name:38s} " + " ".join(f"{m:+.4f}" for m in margins))


if __name__ == "__main__":
    main()
