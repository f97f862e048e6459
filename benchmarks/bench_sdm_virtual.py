"""Virtual species of several regions: presence-only training, presence-absence tests.

The held-out data of species distribution work are of this kind (several
regions, tens of species each, most with 5 to 100 records, background sites
with their covariates, presence-absence survey sites to test on), while the
real data at hand (elapid's Ariolimax sample, ``bench_sdm.py``) is one
species of one region. Here the species are virtual, so their true
presence is known everywhere, and the regions differ in size as real survey
regions do:

- ``small`` (the Alps, 5-11° E, 45-49° N, about 450 km across),
  ``medium`` (south-east Australia, 141-153° E, 38-28° S) and ``large``
  (South America, 80-40° W, 35° S-0°);
- in each region four covariates, smooth fields over the sphere whose
  detail scales with the region: ``temperature`` (falls with latitude, plus
  a field), ``rain`` and ``relief`` (fields), and ``soil``, a categorical of
  five levels (the Voronoi cells of twelve random centres);
- 15 species a region, each with a niche (a Gaussian response to
  temperature and rain, of optimum drawn from the region's sites and width
  0.3 to 1 standard deviation, times a weight per soil level, zero for one)
  and a range limited by dispersal: its probability of occupancy is the
  suitability times ``exp(-d² / 2R²)``, ``d`` the distance to a suitable
  site where it started and ``R`` 15-50 % of the region's diagonal
  (``--patches N``: the largest of ``N`` such bumps of ``R`` 5-20 %
  instead, disjunct populations; ``--hotspot S``: optima and origins drawn
  with weight ``exp(S·h)`` of a smooth field ``h``, so that the species
  crowd into one centre of richness, as the species of a clade often do,
  a pattern of the ranges that every species shares; ``--hidden N``: N
  unmeasured covariates, fields of fine detail, 60 bumps of widths 3-10 %
  of the diagonal, to which each species has a Gaussian response too,
  width 0.5 to 1 of their spread, and which no model sees, so that the
  location carries habitat at fine scales). So the
  covariates explain much of a range and the location the rest, as in the
  issue's measurements on real data;
- a site is occupied with that probability (drawn once per site); each
  species' presence-only records are 5 to 150 (log-uniform) occupied sites
  of a pool of 40,000, drawn with a sampling bias (weight ``exp(1.5·b)`` of a
  smooth field ``b`` of unit spread: observers near roads and towns;
  ``--bias`` sets the 1.5, and 0 draws without bias);
- 10,000 background sites uniform by area in the region, with their
  covariates; 2,000 presence-absence test sites drawn with the same bias
  from another pool (surveys go where observers go), each occupied or not
  as drawn from its probability. A species with fewer than 5 test presences
  is left out of the mean.

The data are :func:`skgeo_s2v.datasets.make_virtual_survey`'s, of the
region's name there (``"alps"``, ``"south-east australia"``, ``"south
america"``) and 15 species; until 2026-12-08 its code lived in this script
(the same data to the bit).

Per species, side by side, each against the region's background sites
(``sites``) and, where marked, against the other species' records
(``target group``, which share their sampling bias): ``elapid.MaxentModel``
(defaults, ``soil`` categorical) on the covariates; a haversine kernel
density of the records (bandwidth by 3-fold likelihood);
:class:`~skgeo_s2v.sdm.SphereGAMClassifier` (defaults) on ``lon``, ``lat``
and the covariates, on the coordinates alone, and on the covariates with
the location encoded by ``"xyz"`` (one smooth tilt over the region rather
than the default's many scales); the mean of the ranks of Maxent and the
GAM; the GAM with its finest scale set by the extent of the training
rows (``min_radius`` 0.043 times their diameter, the default's ratio on
Ariolimax: 0.004, 0.011 and 0.039 for the three regions); the GAM with
its encoder (``"sphereC+"`` or ``"xyz"``) chosen by 3-fold spatial
cross-validation of the species' training rows (the recipe
of docs/sdm.rst, ``bench_sdm.gam_encoder_search``); the GAM (defaults, and
with ``"xyz"``) and Maxent with an ``effort`` covariate beside the others,
the log kernel density of all the region's records
(:func:`~skgeo_s2v.sdm.sampling_effort`), held at its training mean when
predicting (the GAM's ``bias_covariates``; Maxent's by hand); and Maxent,
the GAM and the xyz GAM against the sites weighted by that density (``sites
weighted by effort``: the bias-file remedy, as
:class:`~skgeo_s2v.background.RasterBackground` draws it, for given sites;
the weights, ``exp(effort)``, scaled to a mean of 1, are the fit's
``sample_weight``, multiplying Maxent's own class weights); a down-sampled
random forest (``bench_sdm.fit_downsampled_forest``) on the covariates with
and without the unit vector of the location. Per region, one
:class:`~skgeo_s2v.SphereLocationClassifier` of all its species
(``max_epochs=30``, or ``--max-epochs``) on the coordinates and
covariates, with the sites as ``PointsBackground`` or with
``TargetGroupBackground``, ``predict_presence`` per species; with the
sites, also with ``batch_size=128`` (several steps an epoch rather than
one), a coarse location (sphereM+ with ``min_radius=0.2``), both, and the
location as a tilt (``"xyz"``) with ``batch_size=128`` and at the default
batch size. The same classifier on the coordinates alone (``SLC coords
joint``: the location-only model of issue 17), with its default uniform
background on the sphere, with the sites (also with ``batch_size=128``)
and with the target group. Per region, one
:class:`~skgeo_s2v.sdm.SharedBiasGAMClassifier` (its defaults) of all its
species against the sites: their habitats fitted with one shared surface of
sampling bias, which the predictions leave out; and the same on the
coordinates alone, with the habitats' location encoded by ``"sphereC+"``
(``encoder="auto"``'s choice there) or by ``"xyz"``. The issue's ensemble of
Maxent and a location model, with the package's location-only recipe (the
rank-average classifier of the joint classifier and the kernel density) as
that model: the mean of the two models' ranks of the test sites, also with
the xyz GAM as a third, and the xyz GAM and the recipe without Maxent; the
three, and the two without Maxent, as one ``RankAverageClassifier``
(Maxent and the GAM per species through ``OneVsBackgroundClassifier``),
which ranks each site among each model's scores of the records. Scores: mean ROC
AUC over the species of each region, then over the regions; a seed draws
new regions' fields, species and records. The row ``true occupancy`` scores
the test sites by the probability their presence was drawn from: no model
ranks them better in expectation, so it is the ceiling of the AUC. Fit
times are ratios against Maxent's (sites), measured in the same run.

``--test records`` scores the models as on Ariolimax instead: five folds
of :class:`~skgeo_s2v.model_selection.SphericalClusterKFold` (25 k-means
clusters of the records and sites together); in each, the models are
fitted on the other folds' records and sites and score the fold's records
of a species against its sites (the other species' records not scored,
nor test rows of a soil no training site holds; a species left with fewer
than 5 training records is not modelled in that fold); the AUC of each species
with at least 5 held-out records in a fold, averaged over the (species,
fold) pairs. The true occupancy is then no ceiling: the records carry the
observers' bias, which the held-out records share.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_sdm_virtual.py --seeds 0 1 2
    OMP_NUM_THREADS=1 python benchmarks/bench_sdm_virtual.py --seeds 0 1 2 \
        --bias 0 --no-target-group
    OMP_NUM_THREADS=1 python benchmarks/bench_sdm_virtual.py --seeds 0 1 2 \
        --patches 3 --only kernel "GAM coords+cov, sites" "GAM coords, sites" \
        "GAM xyz+cov, sites" "joint, sites" --jobs 2
    OMP_NUM_THREADS=1 python benchmarks/bench_sdm_virtual.py --seeds 0 1 2 \
        --hotspot 1.5 --only "GAM xyz+cov, sites" "shared-bias" --jobs 2
    OMP_NUM_THREADS=1 python benchmarks/bench_sdm_virtual.py --seeds 0 1 2 \
        --hidden 1 --only kernel "GAM coords+cov, sites" "GAM coords, sites" \
        "GAM xyz+cov, sites" "joint, sites" "joint [xyz" --jobs 2
    OMP_NUM_THREADS=1 python benchmarks/bench_sdm_virtual.py --seeds 0 1 2 \
        --test records --only "GAM coords+cov, sites" "GAM xyz+cov, sites" \
        "joint, sites" "joint [xyz" kernel "GAM coords, sites" --jobs 2
"""

import argparse
import time
import warnings

import joblib
import numpy as np
import pandas as pd
import torch
from bench_sdm import (
    _fit_kde,
    _kde_score,
    fit_downsampled_forest,
    gam_encoder_search,
    matches_only,
)
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from skgeo_s2v import SphereLocationClassifier, make_encoder
from skgeo_s2v._bbox import validate_bbox
from skgeo_s2v._geometry import (
    EARTH_RADIUS_KM,
    diameter_radians,
    unit_vectors_from_degrees,
)
from skgeo_s2v.background import PointsBackground, TargetGroupBackground
from skgeo_s2v.datasets import VIRTUAL_SURVEY_REGIONS, make_virtual_survey
from skgeo_s2v.datasets._virtual_survey import _diagonal_radians
from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import (
    KernelDensityClassifier,
    OneVsBackgroundClassifier,
    RankAverageClassifier,
    SharedBiasGAMClassifier,
    SphereGAMClassifier,
    make_sdm_ensemble,
    presence_auc,
    sampling_effort,
    thin_records,
)

#: The benchmark's regions: ``make_virtual_survey``'s named regions.
REGIONS = {
    "small": "alps",
    "medium": "south-east australia",
    "large": "south america",
}
N_SPECIES = 15
#: Strength of the sampling bias: records and survey sites are drawn with
#: weight ``exp(BIAS · b)`` of a smooth field ``b`` (``--bias``; 0: none).
BIAS = 1.5
COVARIATES = ["temperature", "rain", "relief", "soil"]


def unit(lonlat):
    """Unit vectors of ``(lon, lat)`` rows in degrees."""
    return unit_vectors_from_degrees(lonlat[:, 0], lonlat[:, 1])


def diagonal_radians(region):
    """Great-circle length of the named region's diagonal, in radians."""
    return _diagonal_radians(validate_bbox(VIRTUAL_SURVEY_REGIONS[region]))


def make_data(region, rng, bias_strength=BIAS, patches=1, hotspot=0.0, hidden=0):
    """:func:`~skgeo_s2v.datasets.make_virtual_survey` of the named region
    (``N_SPECIES`` species, its other defaults) as the benchmark's dict:
    records (lonlat, species), background and test (survey) sites with
    covariates, the test sites' observed presence ``(n_test, n_species)`` and
    true occupancy, and the functions of the covariates and the occupancy."""
    data = make_virtual_survey(
        region,
        n_species=N_SPECIES,
        sampling_bias=bias_strength,
        n_ranges=patches,
        richness_centre=hotspot,
        n_hidden_covariates=hidden,
        random_state=rng,
    )
    lonlat = ["lon", "lat"]
    return {
        "records": data.records[lonlat].to_numpy(),
        "labels": data.records["species"].to_numpy(),
        "records_covariates": data.records[COVARIATES],
        "background": data.background[lonlat].to_numpy(),
        "background_covariates": data.background[COVARIATES],
        "test": data.survey[lonlat].to_numpy(),
        "test_covariates": data.survey[COVARIATES],
        "truth": data.survey_presence.to_numpy(),
        "true_occupancy": data.survey_occupancy.to_numpy(),
        "covariates": data.covariates,
        "occupancy": data.occupancy,
    }


def record_folds(data, seed):
    """The test rows of each of 5 folds of
    :class:`~skgeo_s2v.model_selection.SphericalClusterKFold` (25 k-means
    clusters) of the records and background sites stacked, in that order."""
    folds = SphericalClusterKFold(n_splits=5, n_clusters=25, random_state=seed)
    points = np.concatenate([data["records"], data["background"]])
    return [test for _, test in folds.split(points)]


def held_out_records(data, test):
    """``data`` tested on held-out records instead of surveys, as Ariolimax
    is: the records and background sites at the rows ``test`` of the two
    stacked (a fold of :func:`record_folds`) are the test rows, the rest the
    training rows.
    ``truth`` is 1 at a species' held-out records, 0 at the held-out sites
    and -1 (not scored) at the other species' records; a column for every
    species of ``data``, all -1 for a species with fewer than 5 training
    records left (not modelled in this fold; its scores are never read).
    Test rows of a soil level that no training site holds are left out."""
    records, sites, labels = data["records"], data["background"], data["labels"]
    held = np.zeros(len(records) + len(sites), dtype=bool)
    held[test] = True
    held_records, held_sites = held[: len(records)], held[len(records) :]
    species = np.unique(labels)
    # As in the design, a species is modelled from at least 5 records: one
    # left with fewer in the training folds is left out of this fold.
    names, counts = np.unique(labels[~held_records], return_counts=True)
    held_records |= np.isin(labels, names[counts < 5])
    test_points = np.concatenate([records[held_records], sites[held_sites]])
    test_covariates = data["covariates"](test_points)
    truth = np.zeros((len(test_points), len(species)), dtype=int)
    own = labels[held_records][:, None] == species[None, :]
    truth[: held_records.sum()] = np.where(own, 1, -1)
    truth[:, ~np.isin(species, labels[~held_records])] = -1
    # A soil that only the held-out fifth holds has no effect in any model:
    # those test rows are left out, as a spatial CV must (or encode them as
    # none of the known levels).
    known = (
        test_covariates["soil"]
        .isin(data["background_covariates"]["soil"][~held_sites])
        .to_numpy()
    )
    test_points, truth = test_points[known], truth[known]
    test_covariates = _rows(test_covariates, known)
    return {
        **data,
        "records": records[~held_records],
        "labels": labels[~held_records],
        "records_covariates": _rows(data["records_covariates"], ~held_records),
        "background": sites[~held_sites],
        "background_covariates": _rows(data["background_covariates"], ~held_sites),
        "test": test_points,
        "test_covariates": test_covariates,
        "truth": truth,
        "true_occupancy": data["occupancy"](test_points).to_numpy(),
    }


def in_columns(scores, trained, species):
    """``scores`` of the ``trained`` species' columns, placed in the columns of
    ``species`` (zeros where a species was not trained)."""
    placed = np.zeros((len(scores), len(species)))
    placed[:, np.searchsorted(species, trained)] = scores
    return placed


def _rows(frame, mask):
    return frame.iloc[np.flatnonzero(mask)].reset_index(drop=True)


def frame_of(lonlat, covariates):
    return covariates.assign(lon=lonlat[:, 0], lat=lonlat[:, 1])


def fit_maxent(training, presence, seed, sample_weight=None):
    """``elapid.MaxentModel`` (defaults) on the covariates, ``soil`` categorical;
    ``sample_weight`` multiplies its own class weights."""
    import elapid

    if sample_weight is not None:
        sample_weight = np.array(sample_weight, dtype=np.float64)  # elapid scales it
    model = elapid.MaxentModel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(
            _maxent_codes(training),
            presence.astype(int),
            sample_weight=sample_weight,
            categorical=[3],
        )
    return lambda test: model.predict(_maxent_codes(test))


class MaxentOfCovariates(ClassifierMixin, BaseEstimator):
    """``elapid.MaxentModel`` (defaults) on the covariates of a DataFrame,
    ``soil`` categorical, as a scikit-learn classifier of presence (True)
    against background (False): the Maxent member of a
    ``RankAverageClassifier``, one per species through
    ``OneVsBackgroundClassifier``."""

    def fit(self, X, y):
        import elapid

        self.classes_ = np.unique(y)
        self.model_ = elapid.MaxentModel()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model_.fit(
                _maxent_codes(X), np.asarray(y).astype(int), categorical=[3]
            )
        return self

    def predict_proba(self, X):
        presence = self.model_.predict(_maxent_codes(X))
        return np.column_stack([1.0 - presence, presence])


def _maxent_codes(frame):
    """The covariates Maxent takes, ``soil`` as its level codes."""
    return frame[COVARIATES].assign(soil=frame["soil"].cat.codes)


def fit_maxent_effort(training, presence, seed):
    """Maxent with the ``effort`` covariate too, held at its training mean
    when predicting (the GAM's ``bias_covariates``, by hand)."""
    import elapid

    columns = [*COVARIATES, "effort"]

    def codes(frame):
        return frame[columns].assign(soil=frame["soil"].cat.codes)

    model = elapid.MaxentModel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(codes(training), presence.astype(int), categorical=[3])
    held = float(training["effort"].mean())
    return lambda test: model.predict(codes(test.assign(effort=held)))


def fit_kde(training, presence, seed):
    model = _fit_kde(training.loc[presence, ["lon", "lat"]].to_numpy())
    return lambda test: _kde_score(model, test[["lon", "lat"]].to_numpy())


def gam_fitter(columns, **params):
    """``SphereGAMClassifier(**params)`` on ``columns``, presence probability."""

    def fit(training, presence, seed, sample_weight=None):
        model = SphereGAMClassifier(random_state=seed, **params)
        model.fit(training[columns], presence, sample_weight=sample_weight)
        return lambda test: model.predict_proba(test[columns])[:, 1]

    return fit


#: The default ``min_radius`` (1e-2) over the diameter of elapid's Ariolimax
#: sample, ``diameter_radians(bench_sdm.load_ariolimax()[0])`` = 0.232 rad (all
#: its points): the finest scale relative to the region.
FINEST_SCALE_PER_DIAMETER = 0.043


def fit_gam_scaled(training, presence, seed):
    """The GAM with the finest scale set by the training rows' extent:
    ``min_radius = 0.043 × diameter``, Ariolimax's default ratio."""
    diameter = diameter_radians(training[["lon", "lat"]].to_numpy())
    encoder = make_encoder("sphereC+", min_radius=FINEST_SCALE_PER_DIAMETER * diameter)
    return gam_fitter(ALL_COLUMNS, encoder=encoder)(training, presence, seed)


def fit_gam_search(training, presence, seed):
    """The recipe of docs/sdm.rst: the GAM's encoder chosen by spatial CV."""
    search = gam_encoder_search(seed).fit(training[ALL_COLUMNS], presence)
    return lambda test: search.predict_proba(test[ALL_COLUMNS])[:, 1]


def downsampled_forest_fitter(location=True):
    """``bench_sdm.fit_downsampled_forest`` on the covariates (``soil`` by
    its codes, as Maxent takes it) and, with ``location``, the unit vector."""

    def features(frame):
        columns = [frame[COVARIATES].assign(soil=frame["soil"].cat.codes)]
        if location:
            columns.append(unit(frame[["lon", "lat"]].to_numpy()))
        return np.column_stack(columns).astype(np.float64)

    def fit(training, presence, seed):
        predict = fit_downsampled_forest(features(training), presence, seed)
        return lambda test: predict(features(test))

    return fit


ALL_COLUMNS = ["lon", "lat", *COVARIATES]
#: Per-species models, and the backgrounds each is run with: the region's
#: background sites, and the other species' records (target group).
PER_SPECIES = {
    "Maxent (covariates)": (
        fit_maxent,
        ("sites", "target group", "sites weighted by effort"),
    ),
    "kernel density (coords)": (fit_kde, ("records only",)),
    "GAM coords+cov": (
        gam_fitter(ALL_COLUMNS),
        ("sites", "target group", "sites weighted by effort"),
    ),
    "GAM coords": (gam_fitter(["lon", "lat"]), ("sites",)),
    "GAM coords+cov, encoder by spatial CV": (
        fit_gam_search,
        ("sites", "target group"),
    ),
    "GAM xyz+cov": (
        gam_fitter(ALL_COLUMNS, encoder="xyz"),
        ("sites", "target group", "sites weighted by effort"),
    ),
    "GAM coords+cov, finest scale by extent": (fit_gam_scaled, ("sites",)),
    "GAM coords+cov+effort held": (
        gam_fitter([*ALL_COLUMNS, "effort"], bias_covariates=["effort"]),
        ("sites",),
    ),
    "GAM xyz+cov+effort held": (
        gam_fitter([*ALL_COLUMNS, "effort"], encoder="xyz", bias_covariates=["effort"]),
        ("sites",),
    ),
    "Maxent (covariates)+effort held": (fit_maxent_effort, ("sites",)),
    "down-sampled forest xyz+cov": (downsampled_forest_fitter(), ("sites",)),
    "down-sampled forest cov": (downsampled_forest_fitter(False), ("sites",)),
}


def with_effort(data):
    """The background, record and test frames, each with the ``effort``
    covariate: the log kernel density of all the region's records
    (:func:`~skgeo_s2v.sdm.sampling_effort`, bandwidth by likelihood)."""
    parts = [
        ("background", "background_covariates"),
        ("records", "records_covariates"),
        ("test", "test_covariates"),
    ]
    lonlat = np.concatenate([data[where] for where, _ in parts])
    effort = np.split(
        sampling_effort(data["records"], lonlat),
        np.cumsum([len(data[where]) for where, _ in parts[:-1]]),
    )
    return [
        frame_of(data[where], data[covariates]).assign(effort=values)
        for (where, covariates), values in zip(parts, effort)
    ]


MAXENT = "Maxent (covariates), sites"  # the baseline, always run
CEILING = "true occupancy (the ceiling; no fit)"  # always scored


def effort_weights(effort):
    """The "bias file" for given sites: each weighted by the records' density
    there (``exp`` of the log density ``effort``), scaled to a mean of 1."""
    density = np.exp(effort - effort.max())
    return density / density.mean()


def wanted(name, only):
    """Whether the row ``name`` runs under ``--only`` (None: every row)."""
    return name == MAXENT or matches_only(name, only)


def add_mean_rank(scores, seconds, name, members, only):
    """Add the row ``name``, the mean over ``members`` of their ranks of the
    test sites (per species), where it is wanted and every member ran."""
    if wanted(name, only) and all(member in scores for member in members):
        scores[name] = np.mean([rankdata(scores[n], axis=0) for n in members], axis=0)
        seconds[name] = sum(seconds[n] for n in members)


def per_species_scores(data, frames, seed, target_group=True, only=None):
    """Each per-species model's test scores ``(n_test, n_species)`` and fit
    time; ``frames`` are :func:`with_effort`'s; ``target_group=False`` leaves
    out the target-group backgrounds, ``only`` (substrings) the rows whose
    name holds none of them."""
    sites, records, test = frames
    weights_of_sites = effort_weights(sites["effort"].to_numpy())
    scores, seconds = {}, {}
    for label in np.unique(data["labels"]):
        own = data["labels"] == label
        backgrounds = {
            "sites": sites,
            "target group": records[~own],
            "records only": records.iloc[:0],
            "sites weighted by effort": sites,
        }
        for model, (fit, names) in PER_SPECIES.items():
            for background in names:
                if background == "target group" and not target_group:
                    continue
                name = (
                    model if background == "records only" else f"{model}, {background}"
                )
                if not wanted(name, only):
                    continue
                training = pd.concat(
                    [records[own], backgrounds[background]], ignore_index=True
                )
                presence = np.arange(len(training)) < own.sum()
                weights = {}
                if background == "sites weighted by effort":
                    weights["sample_weight"] = np.concatenate(
                        [np.ones(own.sum()), weights_of_sites]
                    )
                start = time.perf_counter()
                predict = fit(training, presence, seed, **weights)
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start
                scores.setdefault(name, []).append(predict(test))
    scores = {name: np.column_stack(columns) for name, columns in scores.items()}
    for background in ("sites", "sites weighted by effort", "target group")[
        : 3 if target_group else 2
    ]:
        pair = [f"Maxent (covariates), {background}", f"GAM coords+cov, {background}"]
        name = f"ranks of Maxent + GAM coords+cov, {background}"
        add_mean_rank(scores, seconds, name, pair, only)
    return scores, seconds


#: Settings of the joint classifier tried beside the benchmark's (sites only):
#: with a few hundred records an epoch is one step at the default batch size.
JOINT_VARIANTS = {
    " [batch_size=128]": {"batch_size": 128},
    " [min_radius=0.2]": {"encoder": make_encoder("sphereM+", min_radius=0.2)},
    " [min_radius=0.2, batch_size=128]": {
        "encoder": make_encoder("sphereM+", min_radius=0.2),
        "batch_size": 128,
    },
    " [xyz, batch_size=128]": {"encoder": "xyz", "batch_size": 128},
    " [xyz]": {"encoder": "xyz"},
}


def joint_classifier_scores(
    data, frames, seed, max_epochs, target_group=True, only=None
):
    """One SphereLocationClassifier of all the region's species, once per
    background: the sites (with covariates), the sites drawn in proportion
    to the records' density and the records (target group)."""
    weights = effort_weights(frames[0]["effort"].to_numpy())
    sites, records, test = (frame.drop(columns="effort") for frame in frames)
    scores, seconds = {}, {}
    runs = [
        ("", "sites", PointsBackground(sites)),
        ("", "sites weighted by effort", PointsBackground(sites, weights=weights)),
    ]
    if target_group:
        runs.append(("", "target group", TargetGroupBackground()))
    runs += [(variant, "sites", PointsBackground(sites)) for variant in JOINT_VARIANTS]
    columns = list(records.columns)
    for variant, name, background in runs:
        row = f"SLC coords+cov joint{variant}, {name}"
        if wanted(row, only):
            scores[row], seconds[row] = _joint_fit(
                records,
                data["labels"],
                test,
                columns,
                background,
                seed,
                max_epochs=max_epochs,
                **JOINT_VARIANTS.get(variant, {}),
            )
    # The same on the coordinates alone (the location-only target of issue 17)
    location_runs = [
        ("", "uniform sphere", None),
        ("", "sites", PointsBackground(sites[["lon", "lat"]].to_numpy())),
        (
            " [batch_size=128]",
            "sites",
            PointsBackground(sites[["lon", "lat"]].to_numpy()),
        ),
    ]
    if target_group:
        location_runs.append(("", "target group", TargetGroupBackground()))
    for variant, name, background in location_runs:
        row = f"SLC coords joint{variant}, {name}"
        if wanted(row, only):
            scores[row], seconds[row] = _joint_fit(
                records,
                data["labels"],
                test,
                ["lon", "lat"],
                background,
                seed,
                max_epochs=max_epochs,
                **JOINT_VARIANTS.get(variant, {}),
            )
    return scores, seconds


def _joint_fit(records, labels, test, columns, background, seed, **params):
    """``(predict_presence of test, fit seconds)`` of one
    SphereLocationClassifier of every species on ``columns`` of the records."""
    start = time.perf_counter()
    model = SphereLocationClassifier(
        background=background, random_state=seed
    ).set_params(**params)
    model.fit(records[columns], labels)
    seconds = time.perf_counter() - start
    return model.predict_presence(test[columns]), seconds


LOCATION_RECIPE = (
    "rank-average classifier of SLC coords joint + KernelDensityClassifier"
)

#: Rows of the mean rank of the location-only recipe with Maxent (sites),
#: the xyz GAM (sites), or both: their members.
LOCATION_RECIPE_ENSEMBLES = {
    "ranks of Maxent + location-only recipe": [MAXENT, LOCATION_RECIPE],
    "ranks of GAM xyz+cov + location-only recipe": [
        "GAM xyz+cov, sites",
        LOCATION_RECIPE,
    ],
    "ranks of Maxent + GAM xyz+cov + location-only recipe": [
        MAXENT,
        "GAM xyz+cov, sites",
        LOCATION_RECIPE,
    ],
}


ONE_ESTIMATOR = "RankAverageClassifier of Maxent + GAM xyz+cov + location recipe"
#: The same without Maxent, as a user without elapid fits it.
ONE_ESTIMATOR_WITHOUT_MAXENT = "RankAverageClassifier of GAM xyz+cov + location recipe"


def one_estimator_scores(data, frames, seed, max_epochs, only=None):
    """The ensembles of ``LOCATION_RECIPE_ENSEMBLES`` with the xyz GAM as
    one estimator each, as a user fits them: a ``RankAverageClassifier`` of
    Maxent (``ONE_ESTIMATOR`` only) and the xyz GAM (one of each per species
    against the sites, ``OneVsBackgroundClassifier``) and the location-only
    recipe (on ``lon`` and ``lat``), fitted on the records of all species;
    each site ranked among each model's scores of those records rather than
    among the test sites. Without Maxent it is ``make_sdm_ensemble`` itself."""
    sites, records, test = (frame.drop(columns="effort") for frame in frames)
    lonlat = ColumnTransformer([("lonlat", "passthrough", ["lon", "lat"])])
    location = RankAverageClassifier(
        [
            (
                "classifier",
                SphereLocationClassifier(max_epochs=max_epochs, random_state=seed),
            ),
            ("density", KernelDensityClassifier(random_state=seed)),
        ]
    )
    gam = OneVsBackgroundClassifier(
        SphereGAMClassifier("xyz", random_state=seed), background=sites
    )
    maxent = OneVsBackgroundClassifier(MaxentOfCovariates(), background=sites)
    ensembles = {
        ONE_ESTIMATOR: RankAverageClassifier(
            [
                ("maxent", maxent),
                ("gam", gam),
                ("location", make_pipeline(lonlat, location)),
            ]
        ),
        # the package's function (Maxent here takes the soil's codes, which
        # the function's plain column selection does not give it)
        ONE_ESTIMATOR_WITHOUT_MAXENT: make_sdm_ensemble(
            sites, random_state=seed
        ).set_params(
            location__rankaverageclassifier__classifier__max_epochs=max_epochs
        ),
    }
    scores, seconds = {}, {}
    for row, ensemble in ensembles.items():
        if not wanted(row, only):
            continue
        start = time.perf_counter()
        ensemble.fit(records[ALL_COLUMNS], data["labels"])
        seconds[row] = time.perf_counter() - start
        scores[row] = ensemble.predict_presence(test[ALL_COLUMNS])
    return scores, seconds


def location_model_scores(data, seed, max_epochs, only=None):
    """The package's location-only models of all the region's species on
    the coordinates of their records: the kernel density of each species
    (``KernelDensityClassifier``, its automatic bandwidths) and its
    ``RankAverageClassifier`` with the joint classifier (uniform sphere)."""
    records, test = data["records"], data["test"]
    models = {
        "KernelDensityClassifier (coords)": lambda: KernelDensityClassifier(
            random_state=seed
        ),
        LOCATION_RECIPE: (
            lambda: RankAverageClassifier(
                [
                    (
                        "slc",
                        SphereLocationClassifier(
                            max_epochs=max_epochs, random_state=seed
                        ),
                    ),
                    ("kde", KernelDensityClassifier(random_state=seed)),
                ]
            )
        ),
    }
    scores, seconds = {}, {}
    for row, make in models.items():
        if wanted(row, only):
            start = time.perf_counter()
            model = make().fit(records, data["labels"])
            seconds[row] = time.perf_counter() - start
            scores[row] = model.predict_presence(test)
    return scores, seconds


SHARED_BIAS = "shared-bias GAM, all species, sites"
#: The shared-bias GAM on the coordinates alone, with each habitat encoder
#: (``"sphereC+"`` is ``encoder="auto"``'s choice there).
SHARED_BIAS_COORDS = {
    "shared-bias GAM coords, sphereC+ (auto), sites": "sphereC+",
    "shared-bias GAM coords, xyz, sites": "xyz",
}


def shared_bias_scores(data, frames, seed, only=None):
    """One SharedBiasGAMClassifier of all the region's species against the
    sites: at its defaults on the coordinates and covariates, and on the
    coordinates alone with each of ``SHARED_BIAS_COORDS``' encoders; each
    species' habitat with the shared sampling bias left out."""
    sites, records, test = (frame.drop(columns="effort") for frame in frames)
    fits = {SHARED_BIAS: (ALL_COLUMNS, "auto")}
    fits.update(
        (row, (["lon", "lat"], encoder)) for row, encoder in SHARED_BIAS_COORDS.items()
    )
    scores, seconds = {}, {}
    for row, (columns, encoder) in fits.items():
        if not wanted(row, only):
            continue
        start = time.perf_counter()
        model = SharedBiasGAMClassifier(
            sites[columns], encoder=encoder, random_state=seed
        )
        model.fit(records[columns], data["labels"])
        seconds[row] = time.perf_counter() - start
        scores[row] = model.predict_presence(test[columns])
    return scores, seconds


def mean_auc(truth, scores):
    """Mean ROC AUC over the species with at least 5 test presences."""
    kept = truth.sum(axis=0) >= 5
    return presence_auc(truth[:, kept], scores[:, kept]), int(kept.sum())


def species_aucs(truth, scores):
    """The ROC AUC of each species with at least 5 test presences, its rows of
    ``truth`` -1 not scored (``held_out_records``)."""
    return [
        roc_auc_score(truth[scored, k], scores[scored, k])
        for k in np.flatnonzero((truth == 1).sum(axis=0) >= 5)
        for scored in [truth[:, k] >= 0]
    ]


#: A species that thinning would leave with fewer records keeps them all.
MIN_THINNED = 5


def thinned(data, region, fraction, seed):
    """``data`` with each species' records thinned (:func:`thin_records`) so
    that no two lie closer than ``fraction`` of the region's diagonal (a
    species left with fewer than ``MIN_THINNED`` keeps all its records, so
    that every species is modelled, as without thinning)."""
    distance_km = fraction * diagonal_radians(region) * EARTH_RADIUS_KM
    kept = thin_records(
        data["records"], distance_km, y=data["labels"], random_state=seed
    )
    for species in np.unique(data["labels"]):
        own = data["labels"] == species
        if kept[own].sum() < MIN_THINNED:  # too few to model: keep them all
            kept[own] = True
    return {
        **data,
        "records": data["records"][kept],
        "labels": data["labels"][kept],
        "records_covariates": _rows(data["records_covariates"], kept),
    }


def region_rows(seed, k, region, args):
    """``{row: (AUC, species kept, records, fit seconds)}`` of one region and seed."""
    torch.set_num_threads(args.threads)
    data = make_data(
        REGIONS[region],
        np.random.default_rng([seed, k]),
        args.bias,
        args.patches,
        args.hotspot,
        args.hidden,
    )
    if args.thin:
        data = thinned(data, REGIONS[region], args.thin, seed)
    if args.test == "surveys":
        scores, seconds = model_scores(data, seed, args)
        rows = {}
        for name, score in scores.items():
            auc, n_kept = mean_auc(data["truth"], score)
            rows[name] = (auc, n_kept, len(data["labels"]), seconds[name])
        return rows
    # Held-out records, as on Ariolimax: the AUC of each species in each fold
    # (of those with at least 5 held-out records there), averaged over the
    # (species, fold) pairs; within a fold, so ranks stay comparable.
    aucs, seconds = {}, {}
    species = np.unique(data["labels"])
    for test in record_folds(data, seed):
        held_out = held_out_records(data, test)
        fold_scores, fold_seconds = model_scores(held_out, seed, args)
        trained = np.unique(held_out["labels"])
        for name, score in fold_scores.items():
            if name != CEILING:
                score = in_columns(score, trained, species)
            aucs.setdefault(name, []).extend(species_aucs(held_out["truth"], score))
            seconds[name] = seconds.get(name, 0.0) + fold_seconds[name]
    return {
        name: (float(np.mean(values)), len(values), len(data["labels"]), seconds[name])
        for name, values in aucs.items()
    }


def model_scores(data, seed, args):
    """Every model's test scores ``{row: (n_test, n_species)}`` and fit seconds."""
    target_group = not args.no_target_group
    frames = with_effort(data)  # the effort's bandwidth search, once a region
    scores, seconds = per_species_scores(data, frames, seed, target_group, args.only)
    joint_scores, joint_seconds = joint_classifier_scores(
        data, frames, seed, args.max_epochs, target_group, args.only
    )
    scores.update(joint_scores)
    seconds.update(joint_seconds)
    # A location-only ensemble: the mean rank of the density and the classifier
    add_mean_rank(
        scores,
        seconds,
        "ranks of kernel density + SLC coords joint, uniform sphere",
        ["kernel density (coords)", "SLC coords joint, uniform sphere"],
        args.only,
    )
    location_scores, location_seconds = location_model_scores(
        data, seed, args.max_epochs, args.only
    )
    scores.update(location_scores)
    seconds.update(location_seconds)
    # The ensemble (the mean rank of Maxent and a location model) with
    # the package's location-only recipe as the location model
    for name, members in LOCATION_RECIPE_ENSEMBLES.items():
        add_mean_rank(scores, seconds, name, members, args.only)
    one_scores, one_seconds = one_estimator_scores(
        data, frames, seed, args.max_epochs, args.only
    )
    scores.update(one_scores)
    seconds.update(one_seconds)
    shared_scores, shared_seconds = shared_bias_scores(data, frames, seed, args.only)
    scores.update(shared_scores)
    seconds.update(shared_seconds)
    # No model can rank the surveys better in expectation than by the
    # occupancy the presences were drawn from: the ceiling of the AUC.
    scores[CEILING], seconds[CEILING] = data["true_occupancy"], 0.0
    return scores, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--regions", nargs="+", choices=list(REGIONS), default=list(REGIONS)
    )
    parser.add_argument(
        "--max-epochs",
        type=lambda value: value if value == "auto" else int(value),
        default=30,
        help="the joint classifier's max_epochs: an integer (30, the issue's "
        'setting) or "auto" (the package default)',
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--bias",
        type=float,
        default=BIAS,
        help="strength of the sampling bias of records and survey sites (0: none)",
    )
    parser.add_argument(
        "--no-target-group",
        action="store_true",
        help="leave out the target-group backgrounds (whose few records can "
        "miss a soil level of the test sites, which the models refuse)",
    )
    parser.add_argument(
        "--patches",
        type=int,
        default=1,
        help="ranges of each species: 1 (the design: one broad dispersal bump, "
        "R 15-50%% of the diagonal) or more smaller ones (R 5-20%%), "
        "disjunct populations whose spatial part a tilt cannot draw",
    )
    parser.add_argument(
        "--hotspot",
        type=float,
        default=0.0,
        help="strength of a centre of richness shared by all species: their "
        "optima and ranges drawn with weight exp(hotspot · h) of a smooth "
        "field h (0, the design: none)",
    )
    parser.add_argument(
        "--hidden",
        type=int,
        default=0,
        help="unmeasured covariates: fields of fine detail (widths 3-10%% of "
        "the diagonal) that every species responds to and no model sees, so "
        "that the location carries habitat at fine scales (0, the design: none)",
    )
    parser.add_argument(
        "--test",
        choices=["surveys", "records"],
        default="surveys",
        help="what the models are scored on: the survey sites (the design) or, "
        "as on Ariolimax, held-out records against held-out background sites "
        "(one fold of 5 spatial k-means folds; the true occupancy is then "
        "no ceiling, since the records carry the observers' bias)",
    )
    parser.add_argument(
        "--thin",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="thin each species' records (thin_records) so that no two lie "
        "closer than this fraction of the region's diagonal (0, the design: "
        "no thinning); with --test surveys only",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        help="run only the rows whose name holds one of these substrings "
        "(and Maxent with the sites, the baseline)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="regions run at once, in separate processes (fit times are "
        "then measured side by side)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.thin < 1:
        parser.error(f"--thin must be a fraction in [0, 1), got {args.thin}")
    if args.thin and args.test != "surveys":
        parser.error("--thin thins the training records of --test surveys only")
    if args.hidden < 0:
        parser.error(
            f"--hidden must be 0 or more unmeasured covariates, got {args.hidden}"
        )
    tasks = [
        (seed, k, region)
        for seed in args.seeds
        for k, region in enumerate(args.regions)
    ]
    outcomes = joblib.Parallel(n_jobs=args.jobs)(
        joblib.delayed(region_rows)(seed, k, region, args) for seed, k, region in tasks
    )
    results = {}  # model -> list over seeds of (mean AUC over regions, seconds)
    for seed in args.seeds:
        per_region = {}
        for (task_seed, _, region), rows in zip(tasks, outcomes):
            if task_seed != seed:
                continue
            for name, (auc, n_kept, n_records, seconds) in rows.items():
                per_region.setdefault(name, []).append((auc, seconds))
                print(
                    f"seed {seed} {region:6s} {name:48s} AUC {auc:.3f} "
                    f"({n_kept} species, {n_records} records) fit {seconds:.1f} s",
                    flush=True,
                )
        for name, rows in per_region.items():
            auc, seconds = np.array(rows).T
            results.setdefault(name, []).append((auc.mean(), seconds.sum(), auc))
    maxent = MAXENT
    maxent_seconds = np.mean([row[1] for row in results[maxent]])
    maxent_auc = np.array([row[0] for row in results[maxent]])
    print(
        f"\n{len(args.regions)} regions ({', '.join(args.regions)}), "
        f"{N_SPECIES} species each, seeds {args.seeds}, "
        f"max_epochs={args.max_epochs}, threads={args.threads}, bias={args.bias}, "
        f"patches={args.patches}, hotspot={args.hotspot}, hidden={args.hidden}, "
        f"test={args.test}, thin={args.thin}"
    )
    print(
        f"{'model':48s} {'AUC (mean of regions)':>22s} {'fit time / Maxent':>18s}"
        "  per region (mean over seeds)  AUC - Maxent per seed"
    )
    for name, rows in results.items():
        auc = np.array([row[0] for row in rows])
        seconds = np.mean([row[1] for row in rows])
        regions = np.mean([row[2] for row in rows], axis=0)
        print(
            f"{name:48s} {auc.mean():14.3f} ± {auc.std():.3f} "
            f"{seconds / maxent_seconds:18.2f}  "
            + " ".join(f"{value:.3f}" for value in regions)
            + "  "
            + " ".join(f"{margin:+.4f}" for margin in auc - maxent_auc)
        )


if __name__ == "__main__":
    main()
