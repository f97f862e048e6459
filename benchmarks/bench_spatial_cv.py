"""Spatial against random cross-validation on real, clustered records.

For each data set and seed, a held-out test set of whole groups never seen in
training (coral occurrences: 25 % of the publications, ``reference_no``;
GeoNames cities labelled by continent: 25 % of the countries), then a random
subsample of ``--n-train`` training records. Each model's top-1 accuracy is
estimated on the training records by 5-fold cross-validation with

``random``
    :class:`~sklearn.model_selection.StratifiedKFold` (shuffled);
``block``
    :class:`~skgeo_s2v.model_selection.SphericalBlockKFold`, blocks of
    ``--block-size-km``;
``cluster``
    :class:`~skgeo_s2v.model_selection.SphericalClusterKFold`, 20 clusters;

and compared with the model's accuracy on the held-out groups once fitted on
all the training records. Models: a great-circle kNN (``n_neighbors`` and
``weights`` tuned once per seed by random 3-fold CV), a random forest (100
trees, ``min_samples_leaf=2``) on unit vectors, and ``SphereLocationClassifier``
with ``max_epochs=20`` fixed and 256 hidden units (to keep the run affordable).

``search`` runs ``GridSearchCV`` of the classifier over ``encoder__min_radius``
and ``encoder__n_scales`` with 3 random and 3 block folds on the corals, and
scores each pick on the held-out publications. ``scale`` times splitting 10
million records (and the peak memory, by ``tracemalloc``) against scikit-learn's
``KFold`` in the same run. ``epochs`` compares the epoch counts that
``max_epochs="auto"`` picks with a random stratified validation split (0.1),
the first of 10 block folds, and 10 % of the publications, by held-out
accuracy. ``picture`` saves the fold
map of the user guide.

    OMP_NUM_THREADS=1 python benchmarks/bench_spatial_cv.py            # all
    python benchmarks/bench_spatial_cv.py --sections scale --n-points 1000000
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import (
    GridSearchCV,
    GroupShuffleSplit,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skgeo_s2v import SphereLocationClassifier, make_encoder
from skgeo_s2v.datasets import load_geonames_cities, load_pbdb_corals
from skgeo_s2v.model_selection import SphericalBlockKFold, SphericalClusterKFold

SPLITTERS = ["random", "block", "cluster"]
MODELS = ["knn", "forest", "classifier"]


def load(name):
    """``(X, y, groups)`` of a data set: classes with at least 10 records."""
    if name == "corals":
        corals = load_pbdb_corals(min_samples_per_class=10)
        return corals.data, corals.target, corals.groups
    frame = load_geonames_cities(
        label="continent", min_samples_per_class=10, as_frame=True
    )
    return (
        frame[["lon", "lat"]].to_numpy(),
        frame["label"].to_numpy(),
        frame["country"].to_numpy(),
    )


def held_out_rows(X, y, groups, n_train, seed):
    """Rows of a training subsample and of a test set of whole unseen groups."""
    split = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed)
    train, test = next(split.split(X, y, groups))
    rng = np.random.default_rng(seed)
    train = rng.choice(train, min(n_train, train.size), replace=False)
    return train, test[np.isin(y[test], y[train])]


def held_out_split(X, y, groups, n_train, seed):
    """``X_train, y_train, X_test, y_test`` of :func:`held_out_rows`."""
    train, test = held_out_rows(X, y, groups, n_train, seed)
    return X[train], y[train], X[test], y[test]


def _radians_lat_lon(X):
    return np.deg2rad(X[:, ::-1])


def make_models(X, y, seed):
    """The three models, the kNN tuned by random 3-fold CV on ``(X, y)``."""
    knn = make_pipeline(
        FunctionTransformer(_radians_lat_lon),
        KNeighborsClassifier(metric="haversine", algorithm="ball_tree"),
    )
    grid = {
        "kneighborsclassifier__n_neighbors": [1, 5, 10, 20, 40],
        "kneighborsclassifier__weights": ["uniform", "distance"],
    }
    knn = GridSearchCV(knn, grid, cv=3).fit(X, y).best_estimator_
    forest = make_pipeline(
        make_encoder("xyz"),
        RandomForestClassifier(100, min_samples_leaf=2, random_state=seed),
    )
    return {"knn": knn, "forest": forest, "classifier": make_classifier(seed)}


def make_classifier(seed):
    return SphereLocationClassifier(
        max_epochs=20, hidden_units=256, device="cpu", random_state=seed
    )


def make_splitter(name, n_splits, seed, block_size_km):
    if name == "random":
        return StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    if name == "block":
        return SphericalBlockKFold(
            n_splits, block_size_km=block_size_km, random_state=seed
        )
    return SphericalClusterKFold(n_splits, n_clusters=20, random_state=seed)


def estimate(dataset, seeds, n_train, block_size_km, models):
    X, y, groups = load(dataset)
    rows = []
    for seed in seeds:
        X_tr, y_tr, X_te, y_te = held_out_split(X, y, groups, n_train, seed)
        for name, model in make_models(X_tr, y_tr, seed).items():
            if name not in models:
                continue
            row = {"seed": seed, "model": name}
            row["held_out"] = model.fit(X_tr, y_tr).score(X_te, y_te)
            for splitter in SPLITTERS:
                cv = make_splitter(splitter, 5, seed, block_size_km)
                row[splitter] = cross_val_score(model, X_tr, y_tr, cv=cv).mean()
            rows.append(row)
            print(
                dataset,
                {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()},
                flush=True,
            )
    frame = pd.DataFrame(rows)
    print(
        f"\n{dataset}: {len(X_tr)} training records, {len(X_te)} held-out "
        f"records of unseen groups, {len(np.unique(y))} classes, seeds {seeds}"
    )
    print("top-1 accuracy in %, mean ± sd over seeds; gap = estimate - held-out")
    for name, part in frame.groupby("model", sort=False):
        cells = []
        for column in [*SPLITTERS, "held_out"]:
            values = 100 * part[column].to_numpy()
            cells.append(f"{column} {values.mean():5.1f} ± {values.std(ddof=1):3.1f}")
        gaps = {s: 100 * (part[s] - part["held_out"]).to_numpy() for s in SPLITTERS}
        closer = all(
            (np.abs(gaps[s]) < np.abs(gaps["random"])).all() for s in SPLITTERS[1:]
        )
        print(f"  {name:<10} " + " | ".join(cells))
        print(
            "  "
            + " " * 10
            + " gaps: "
            + ", ".join(
                f"{s} {g.mean():+5.1f} ± {g.std(ddof=1):3.1f}" for s, g in gaps.items()
            )
            + f"; spatial closer than random at every seed: {closer}"
        )
    return frame


def search(seeds, n_train, block_size_km):
    X, y, groups = load("corals")
    grid = {"encoder__min_radius": [1e-4, 1e-2], "encoder__n_scales": [8, 32]}
    print("\ncorals: GridSearchCV of the classifier, 3 folds, top-1 % on held-out")
    for seed in seeds:
        X_tr, y_tr, X_te, y_te = held_out_split(X, y, groups, n_train, seed)
        for splitter in ["random", "block"]:
            cv = make_splitter(splitter, 3, seed, block_size_km)
            found = GridSearchCV(make_classifier(seed), grid, cv=cv).fit(X_tr, y_tr)
            print(
                f"  seed {seed} {splitter:<6} picks {found.best_params_}: "
                f"cv {100 * found.best_score_:5.1f}, held-out "
                f"{100 * found.score(X_te, y_te):5.1f}",
                flush=True,
            )


def epochs(seeds, n_train, block_size_km):
    """Epoch counts chosen by max_epochs="auto" on random or spatial rows."""
    X, y, groups = load("corals")
    print("\ncorals: max_epochs='auto', validation rows from each split")
    rows = []
    for seed in seeds:
        train, test = held_out_rows(X, y, groups, n_train, seed)
        splits = {
            "random 0.1": 0.1,
            "block": SphericalBlockKFold(
                10, block_size_km=block_size_km, random_state=seed
            ),
            "publication": GroupShuffleSplit(1, test_size=0.1, random_state=seed),
        }
        for name, split in splits.items():
            clf = make_classifier(seed).set_params(
                max_epochs="auto", validation_split=split
            )
            fit_groups = groups[train] if name == "publication" else None
            clf.fit(X[train], y[train], groups=fit_groups)
            rows.append(
                {
                    "seed": seed,
                    "split": name,
                    "n_epochs": clf.n_epochs_,
                    "held_out": clf.score(X[test], y[test]),
                }
            )
            print("  ", rows[-1], flush=True)
    frame = pd.DataFrame(rows)
    for name, part in frame.groupby("split", sort=False):
        acc = 100 * part["held_out"]
        print(
            f"  {name:<12} epochs {part['n_epochs'].tolist()}, held-out top-1 "
            f"{acc.mean():5.2f} ± {acc.std(ddof=1):4.2f}"
        )


def _timed(split, X):
    tracemalloc.start()
    start = time.perf_counter()
    folds = list(split(X))
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, folds


def scale(n_points, seed):
    rng = np.random.default_rng(seed)
    # Clustered records: 10,000 sites, records scattered ~50 km around each.
    sites = np.column_stack(
        [
            rng.uniform(-180, 180, 10_000),
            np.rad2deg(np.arcsin(rng.uniform(-1, 1, 10_000))),
        ]
    )
    X = sites[rng.integers(0, 10_000, n_points)] + rng.normal(0, 0.5, (n_points, 2))
    X[:, 1] = np.clip(X[:, 1], -90, 90)
    print(f"\nsplitting {n_points:,} records into 5 folds ({X.nbytes / 2**20:.0f} MiB)")
    cases = {
        "KFold(shuffle=True)": KFold(5, shuffle=True, random_state=seed),
        "SphericalBlockKFold(500 km)": SphericalBlockKFold(5, random_state=seed),
        "SphericalClusterKFold": SphericalClusterKFold(5, random_state=seed),
    }
    baseline = None
    for name, cv in cases.items():
        seconds, peak, _ = _timed(cv.split, X)
        baseline = baseline or seconds
        print(
            f"  {name:<28} {seconds:6.1f} s ({seconds / baseline:4.1f} x KFold), "
            f"peak {peak / 2**20:6.0f} MiB"
        )
    small = X[: n_points // 10]
    cv = SphericalBlockKFold(5, buffer_km=100, random_state=seed)
    seconds, peak, _ = _timed(cv.split, small)
    print(
        f"  {len(small):,} records, buffer_km=100: {seconds:.1f} s, "
        f"peak {peak / 2**20:.0f} MiB"
    )


def picture(path, seed, block_size_km):
    from skgeo_s2v.plotting import plot_folds

    X, y, groups = load("corals")
    cv = SphericalBlockKFold(
        5, block_size_km=block_size_km, buffer_km=300, random_state=seed
    )
    result = plot_folds(cv, X, fold=0)
    result.ax.figure.savefig(path, dpi=110, bbox_inches="tight")
    print(f"\nsaved {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sections",
        nargs="+",
        default=["estimate", "search", "epochs", "scale", "picture"],
        choices=["estimate", "search", "epochs", "scale", "picture"],
    )
    parser.add_argument("--datasets", nargs="+", default=["corals", "geonames"])
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--search-seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--block-size-km", type=float, default=500.0)
    parser.add_argument("--n-points", type=int, default=10_000_000)
    parser.add_argument("--picture", default="docs/images/spatial_folds.png")
    args = parser.parse_args()
    torch.set_num_threads(1)
    # Small training subsamples leave rare classes with fewer records than
    # folds; scikit-learn warns and goes on, and so does this benchmark.
    warnings.filterwarnings("ignore", message="The least populated class")
    warnings.filterwarnings("ignore", message=".*have all their records")
    if "estimate" in args.sections:
        for dataset in args.datasets:
            estimate(dataset, args.seeds, args.n_train, args.block_size_km, args.models)
    if "search" in args.sections:
        search(args.search_seeds, args.n_train, args.block_size_km)
    if "epochs" in args.sections:
        epochs(args.seeds, args.n_train, args.block_size_km)
    if "scale" in args.sections:
        scale(args.n_points, args.seeds[0])
    if "picture" in args.sections:
        picture(args.picture, args.seeds[0], args.block_size_km)


if __name__ == "__main__":
    main()
