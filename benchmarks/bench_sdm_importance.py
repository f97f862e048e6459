"""What the location adds beside the covariates, by permutation, on Ariolimax.

On the folds of ``bench_sdm.py`` (elapid's Ariolimax buttoni data, five
:class:`~skgeo_s2v.model_selection.SphericalClusterKFold` folds of 50
clusters a seed), each model is fitted on the training fold and
:func:`~skgeo_s2v.sdm.grouped_permutation_importance` shuffles, on the test
fold, ``lon`` and ``lat`` together (``location``), each covariate alone, and
the six covariates together (``covariates``, a second call). The importance
of a group is the test fold's ROC AUC (its presences against its background
sites) minus the AUC with that group shuffled, ``--repeats`` permutations a
group. The table gives the mean over folds, then the mean and standard
deviation over seeds.

Models: :class:`~skgeo_s2v.sdm.SphereGAMClassifier` at its defaults, of
presence against the training fold's bundled sites (``GAM``; the same with
``encoder="xyz"``, ``GAM xyz``), and ``SphereLocationClassifier`` on the
coordinates and covariates with the bundled sites as background and
``max_epochs=30``, as in ``bench_sdm.py`` (``SLC``; ``--models GAM "GAM
xyz"`` leaves it out, it takes most of the time).

    OMP_NUM_THREADS=1 python benchmarks/bench_sdm_importance.py --seeds 0 1 2
"""

import argparse
import time

import numpy as np
import torch
from bench_sdm import load_ariolimax, spatial_folds
from sklearn.metrics import roc_auc_score

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.background import PointsBackground
from skgeo_s2v.sdm import (
    SphereGAMClassifier,
    grouped_permutation_importance,
    presence_scores,
)


def species_auc(estimator, X, presence):
    """ROC AUC of the species' presence score, presences against sites."""
    classes = list(estimator.classes_)  # [False, True] or [background, species]
    column = classes.index("species" if "species" in classes else True)
    return roc_auc_score(presence, presence_scores(estimator, X)[:, column])


def fit_gam(frame, presence, train, seed, encoder="sphereC+"):
    model = SphereGAMClassifier(encoder, random_state=seed)
    return model.fit(frame.iloc[train], presence[train])


def fit_classifier(frame, presence, train, seed):
    rows = frame.iloc[train].reset_index(drop=True)
    model = SphereLocationClassifier(
        background=PointsBackground(rows[~presence[train]]),
        max_epochs=30,
        random_state=seed,
    )
    return model.fit(rows, np.where(presence[train], "species", "background"))


MODELS = {
    "GAM": fit_gam,
    "GAM xyz": lambda *args: fit_gam(*args, encoder="xyz"),
    "SLC": fit_classifier,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    lonlat, presence, covariates = load_ariolimax()
    frame = covariates.assign(lon=lonlat[:, 0], lat=lonlat[:, 1])
    names = list(covariates.columns)
    together = {"location": ["lon", "lat"], "covariates": names}
    rows = ["baseline AUC", "location", *names, "covariates"]
    results = {m: {r: [] for r in rows} for m in args.models}  # per seed
    seconds = {m: 0.0 for m in args.models}
    for seed in args.seeds:
        folds = spatial_folds(lonlat, presence, seed, args.folds)
        for name in args.models:
            per_fold = {r: [] for r in rows}
            for fold, (train, test) in enumerate(folds):
                start = time.perf_counter()
                model = MODELS[name](frame, presence, train, seed)
                X, truth = frame.iloc[test], presence[test]
                kwargs = {
                    "scoring": species_auc,
                    "n_repeats": args.repeats,
                    "random_state": 1000 * seed + fold,
                }
                alone = grouped_permutation_importance(model, X, truth, **kwargs)
                both = grouped_permutation_importance(
                    model, X, truth, groups=together, **kwargs
                )
                seconds[name] += time.perf_counter() - start
                per_fold["baseline AUC"].append(alone.baseline_score)
                for group, mean in zip(alone.groups, alone.importances_mean):
                    per_fold[group].append(mean)
                per_fold["covariates"].append(both.importances_mean[1])
            for r in rows:
                results[name][r].append(np.mean(per_fold[r]))
            print(
                f"seed {seed} {name}: "
                + ", ".join(f"{r} {results[name][r][-1]:.4f}" for r in rows),
                flush=True,
            )

    print(
        f"\nAUC drop when shuffled (mean over {args.folds} spatial folds, then "
        f"mean ± sd over seeds {args.seeds}; {args.repeats} permutations a group)"
    )
    print(f"{'group':18s}" + "".join(f"{m:>20s}" for m in args.models))
    for r in rows:
        cells = [
            f"{np.mean(results[m][r]):.4f} ± {np.std(results[m][r]):.4f}"
            for m in args.models
        ]
        print(f"{r:18s}" + "".join(f"{c:>20s}" for c in cells))
    print(
        "seconds (fit and importance, all seeds):",
        {m: round(s) for m, s in seconds.items()},
    )


if __name__ == "__main__":
    main()
