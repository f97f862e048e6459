"""Real presence-only records tested on real surveys: fossil coral collections.

The species-distribution benchmarks of the package are one real species
(``bench_sdm.py``, Ariolimax) and virtual species (``bench_sdm_virtual.py``).
This one is real and of many species: the Paleobiology Database corals
(:func:`skgeo_s2v.datasets.load_pbdb_corals`) read as surveys. A PBDB collection is
one site and horizon whose genera were recorded together, so a collection
of at least ``--min-genera`` (5) genera is a presence-absence survey: a
genus it lists is present, one it does not is taken as absent (an
imperfect absence: a genus can be missed, as in any survey). The
collections' age ranges split the records into periods, the "regions" of
this benchmark (several independent data sets, each of tens of genera):

- ``quaternary`` (2.6 Ma to now), ``neogene`` (23-2.6 Ma),
  ``cretaceous`` (145-66 Ma) and ``jurassic`` (201-145 Ma); a collection
  belongs to a period when its age range lies within it (1 Myr of slack on
  the older end), and its location is its reconstructed palaeo-position
  (``paleolon``, ``paleolat``: where the reef was at the time);
- in each period, the genera recorded in at least 10 collections;
- 5-fold spatial cross-validation of the collections
  (:class:`~skgeo_s2v.model_selection.SphericalClusterKFold`, a seed's
  folds), so that the test surveys lie in regions no training record came
  from; every training collection gives presence-only records (one a genus
  it lists), and the test collections with at least ``--min-genera`` genera
  are the surveys (a genus with no training record in a fold scores lowest
  on that fold's surveys). A model is scored two ways: its scores of the
  five folds' surveys pooled, by the mean ROC AUC over the genera with at
  least 5 presences and at least one absence among them; and each fold's
  surveys alone, by that mean over the fold's genera, averaged over the
  folds (one model a fold, as held-out regions are judged; pooling also
  asks whether one fold's scores line up with another's).

There are no environmental covariates, so every model sees the location
only (Maxent, a covariate model, has nothing to work on):

``kernel density``
    of the genus's training records, haversine, bandwidth 50-1,600 km by
    3-fold likelihood (400 km below 3 records).
``kernel density of all records``
    the same density of every genus's records, the same score for every
    genus: how much of the AUC is that rich collections lie where
    collections are many.
``GAM, sites`` / ``GAM, target group``
    :class:`~skgeo_s2v.sdm.OneVsBackgroundClassifier` of the default
    :class:`~skgeo_s2v.sdm.SphereGAMClassifier`, against 5,000 sites
    uniform by area over the period's latitude band (``sites``) or the
    other genera's records (``target group``).
``classifier`` / ``classifier, target group``
    one :class:`~skgeo_s2v.SphereLocationClassifier` of all genera at its
    defaults (uniform background over the sphere), and with
    :class:`~skgeo_s2v.background.TargetGroupBackground`.
``shared-bias GAM xyz, sites`` / ``shared-bias GAM sphereC+, sites``
    :class:`~skgeo_s2v.sdm.SharedBiasGAMClassifier` of all genera against
    the uniform sites, each genus's location a tilt (``encoder="xyz"``, the
    default with covariates) or multi-scale (``encoder="sphereC+"``, the
    default for coordinates only).
``KernelDensityClassifier``
    the package's kernel density of each genus's records, its automatic
    bandwidths (16 from 1/300 to 1/2 of the records' diameter, by 5-fold
    likelihood).
``ranks of classifier[, target group] + KernelDensityClassifier``
    :class:`~skgeo_s2v.sdm.RankAverageClassifier` of the density and the
    classifier with the target group or at its defaults: each survey's
    mean rank among each model's scores of the training records.

Prints one line per period and seed and, for each scoring, a table of the
mean over seeds of the mean AUC over periods (with the sample standard
deviation over seeds), each period's mean, each seed's difference from the
kernel density, and the fit time as a ratio to the kernel density's (summed
over folds, in the same run)::

    OMP_NUM_THREADS=1 python benchmarks/bench_sdm_collections.py --seeds 0 1 2 --jobs 2
"""

import argparse
import time

import joblib
import numpy as np
import pandas as pd
import torch
from bench_sdm import EARTH_RADIUS_KM, _fit_kde, _kde_score

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v._geometry import haversine_radians
from skgeo_s2v._sampling import lonlat_from_uniform
from skgeo_s2v.background import TargetGroupBackground
from skgeo_s2v.datasets import load_pbdb_corals
from skgeo_s2v.model_selection import SphericalClusterKFold
from skgeo_s2v.sdm import (
    KernelDensityClassifier,
    OneVsBackgroundClassifier,
    RankAverageClassifier,
    SharedBiasGAMClassifier,
    SphereGAMClassifier,
    presence_auc,
)
from skgeo_s2v.sdm._kernel_sum import GaussianKernelSum

PERIODS = {  # Ma, youngest and oldest
    "quaternary": (0.0, 2.6),
    "neogene": (2.6, 23.0),
    "cretaceous": (66.0, 145.0),
    "jurassic": (145.0, 201.0),
}
MIN_COLLECTIONS = 10  # of a genus, to be modelled
N_SITES = 5_000
BANDWIDTHS_KM = (50.0, 100.0, 200.0, 400.0, 800.0, 1600.0)


def load_period(period):
    """One row a (collection, genus) of the period, at its palaeo-position."""
    youngest, oldest = PERIODS[period]
    frame = load_pbdb_corals().frame
    frame = frame[(frame["max_ma"] <= oldest + 1.0) & (frame["min_ma"] >= youngest)]
    frame = frame.drop_duplicates(["collection_no", "genus"])
    counts = frame["genus"].value_counts()
    frame = frame[frame["genus"].isin(counts.index[counts >= MIN_COLLECTIONS])]
    return frame


def uniform_sites(collections, rng):
    """Sites uniform by area over the latitude band of the collections."""
    lat = collections["paleolat"]
    return lonlat_from_uniform(
        rng.random(N_SITES), rng.random(N_SITES), lat.min(), lat.max()
    )


def kde_scores(points, surveys):
    """Log density at the surveys of a kernel density of ``points``: bandwidth
    by 3-fold likelihood, or 400 km below 3 points (too few to split)."""
    if len(points) < 3:
        model = GaussianKernelSum(haversine_radians(points)), 400 / EARTH_RADIUS_KM
    else:
        model = _fit_kde(points, BANDWIDTHS_KM)
    return _kde_score(model, surveys)


MODELS = [
    "kernel density",
    "kernel density of all records",
    "GAM, sites",
    "GAM, target group",
    "classifier",
    "classifier, target group",
    "shared-bias GAM xyz, sites",
    "shared-bias GAM sphereC+, sites",
    "KernelDensityClassifier",
    "ranks of classifier, target group + KernelDensityClassifier",
    "ranks of classifier + KernelDensityClassifier",
]


def _with_density(classifier, seed):
    """The RankAverageClassifier of ``classifier`` and the genera's densities."""
    return RankAverageClassifier(
        [
            ("classifier", classifier),
            ("density", KernelDensityClassifier(random_state=seed)),
        ]
    )


def model_scores(name, records, genera_of_records, sites, surveys, genera, seed):
    """``(n_surveys, n_genera)`` scores; -inf for a genus with no training record."""
    scores = np.full((len(surveys), len(genera)), -np.inf)
    present = np.unique(genera_of_records)
    columns = np.searchsorted(genera, present)
    if name == "kernel density":
        for column, genus in zip(columns, present):
            scores[:, column] = kde_scores(records[genera_of_records == genus], surveys)
        return scores
    if name == "kernel density of all records":
        scores[:, columns] = kde_scores(records, surveys)[:, None]
        return scores
    model = {
        "GAM, sites": lambda: OneVsBackgroundClassifier(
            SphereGAMClassifier(), background=sites
        ),
        "GAM, target group": lambda: OneVsBackgroundClassifier(SphereGAMClassifier()),
        "classifier": lambda: SphereLocationClassifier(random_state=seed),
        "classifier, target group": lambda: SphereLocationClassifier(
            background=TargetGroupBackground(), random_state=seed
        ),
        "shared-bias GAM xyz, sites": lambda: SharedBiasGAMClassifier(
            sites, encoder="xyz", random_state=seed
        ),
        "shared-bias GAM sphereC+, sites": lambda: SharedBiasGAMClassifier(
            sites, encoder="sphereC+", random_state=seed
        ),
        "KernelDensityClassifier": lambda: KernelDensityClassifier(random_state=seed),
        "ranks of classifier, target group + KernelDensityClassifier": lambda: (
            _with_density(
                SphereLocationClassifier(
                    background=TargetGroupBackground(), random_state=seed
                ),
                seed,
            )
        ),
        "ranks of classifier + KernelDensityClassifier": lambda: _with_density(
            SphereLocationClassifier(random_state=seed), seed
        ),
    }[name]()
    model.fit(records, genera_of_records)
    scores[:, np.searchsorted(genera, model.classes_)] = model.predict_presence(surveys)
    return scores


def period_rows(period, seed, min_genera, models, threads=1):
    """``{model: (mean AUC, fit seconds)}`` and the sizes, of one period and seed."""
    torch.set_num_threads(threads)
    frame = load_period(period)
    collections = frame.groupby("collection_no").agg(
        paleolon=("paleolon", "first"),
        paleolat=("paleolat", "first"),
        n=("genus", "size"),
    )
    genera = np.sort(frame["genus"].unique())
    rng = np.random.default_rng(seed)
    sites = uniform_sites(collections, rng)
    lonlat = collections[["paleolon", "paleolat"]].to_numpy()
    folds = SphericalClusterKFold(n_splits=5, random_state=seed).split(lonlat)
    truths, scores = [], {name: [] for name in models}
    seconds = dict.fromkeys(models, 0.0)
    for train, test in folds:
        training = frame[frame["collection_no"].isin(collections.index[train])]
        surveyed = collections.iloc[test]
        surveyed = surveyed[surveyed["n"] >= min_genera]
        listed = frame[frame["collection_no"].isin(surveyed.index)]
        truths.append(
            pd.crosstab(listed["collection_no"], listed["genus"])
            .reindex(index=surveyed.index, columns=genera, fill_value=0)
            .to_numpy()
            > 0
        )
        records = training[["paleolon", "paleolat"]].to_numpy()
        labels = training["genus"].to_numpy(str)
        surveys = surveyed[["paleolon", "paleolat"]].to_numpy()
        for name in models:
            start = time.perf_counter()
            scores[name].append(
                model_scores(name, records, labels, sites, surveys, genera, seed)
            )
            seconds[name] += time.perf_counter() - start
    # A genus absent from a training fold (or a density that underflows)
    # ranks last there.
    scores = {
        name: [np.where(np.isfinite(s), s, np.finfo(float).min) for s in folds]
        for name, folds in scores.items()
    }
    truth = np.concatenate(truths).astype(int)
    kept = _scorable(truth)
    rows = {}
    for name in models:
        pooled = presence_auc(truth[:, kept], np.concatenate(scores[name])[:, kept])
        by_fold = [
            presence_auc(t[:, _scorable(t)], s[:, _scorable(t)])
            for t, s in zip(truths, scores[name])
            if _scorable(t).any()
        ]
        rows[name] = (pooled, np.mean(by_fold), seconds[name])
    return rows, len(truth), int(kept.sum()), len(frame)


def _scorable(truth):
    """The genera of a 0/1 survey table with at least 5 presences and one
    absence."""
    n_presences = truth.sum(axis=0)
    return (n_presences >= 5) & (n_presences < len(truth))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--periods", nargs="+", default=list(PERIODS))
    parser.add_argument("--min-genera", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="(period, seed) runs at once, in separate processes (fit times "
        "are then measured side by side)",
    )
    args = parser.parse_args(argv)
    models = list(dict.fromkeys(["kernel density", *args.models]))
    tasks = [(seed, period) for seed in args.seeds for period in args.periods]
    outcomes = dict(
        zip(
            tasks,
            joblib.Parallel(n_jobs=args.jobs)(
                joblib.delayed(period_rows)(
                    period, seed, args.min_genera, models, args.threads
                )
                for seed, period in tasks
            ),
        )
    )
    for seed in args.seeds:
        for period in args.periods:
            rows, n_surveys, n_genera, n_records = outcomes[seed, period]
            for name, (pooled, by_fold, seconds) in rows.items():
                print(
                    f"seed {seed} {period:10s} {name:32s} AUC pooled {pooled:.3f}, "
                    f"by fold {by_fold:.3f} ({n_genera} genera, {n_surveys} "
                    f"surveys, {n_records} records) fit {seconds:.1f} s",
                    flush=True,
                )
    print(
        f"\nperiods {', '.join(args.periods)}, seeds {args.seeds}, "
        f"surveys of at least {args.min_genera} genera, threads={args.threads}"
    )
    for column, scoring in enumerate(SCORINGS):
        print(f"\n{scoring}\n")
        print_table(outcomes, models, args.seeds, args.periods, column)


#: The two scores of a model, the columns of a row of :func:`period_rows`.
SCORINGS = (
    "AUC of the five folds' surveys pooled (each fold scored by its own model)",
    "mean over the folds of each fold's AUC (one model a fold, as one a region)",
)


def print_table(outcomes, models, seeds, periods, column):
    """The Markdown table of one scoring: mean over seeds of the mean over
    periods, each period's mean, each seed's gain over the kernel density and
    the fit time as a ratio to the density's."""
    auc = {  # name: (n_seeds, n_periods)
        name: np.array(
            [[outcomes[s, p][0][name][column] for p in periods] for s in seeds]
        )
        for name in models
    }
    seconds = {
        name: np.array(
            [sum(outcomes[s, p][0][name][2] for p in periods) for s in seeds]
        )
        for name in models
    }
    baseline = auc["kernel density"].mean(axis=1)
    header = " / ".join(periods)
    print(
        f"| model | mean AUC | {header} | AUC − kernel density, seeds "
        f"{'/'.join(map(str, seeds))} | fit time / kernel density |"
    )
    print("|---|---|---|---|---|")
    for name in models:
        means = auc[name].mean(axis=1)
        gains = " ".join(f"{gain:+.3f}" for gain in means - baseline)
        spread = means.std(ddof=1) if len(means) > 1 else 0.0
        ratio = seconds[name].mean() / seconds["kernel density"].mean()
        print(
            f"| {name} | {means.mean():.3f} ± {spread:.3f} | "
            f"{' / '.join(f'{a:.3f}' for a in auc[name].mean(axis=0))} | {gains} | "
            f"{ratio:.2f} |"
        )


if __name__ == "__main__":
    main()
