"""The real-data benchmark: ranking and calibration on real and uniform locations.

Four tasks, each split into training, validation and test data (issue 16):

``corals``
    Paleobiology Database coral occurrences
    (:func:`skgeo_s2v.datasets.load_pbdb_corals`), genus from present-day
    location, genera with at least 10 records; a 70/10/20 split of the
    publications (``reference_no``), so test records come from studies never
    seen in training. Heavily clustered, long-tailed.
``country``, ``timezone``
    GeoNames cities (classes with at least 10 cities); a 70/10/20 split of
    spatial blocks (HEALPix cells of about 200 km), not of cities.
``tz_uniform``
    The time zone (``timezonefinder``: the ``Etc/GMT`` zones over the oceans)
    of points drawn uniformly on the sphere: 20,000 training, 5,000 validation
    and 10,000 test points, plus a polar test set (``|lat| > 70``) and an
    antimeridian one (``|lon| > 170``) of 3,000 points each.
``landsea``
    Land or sea (``global-land-mask``) of uniform points: 20,000 training,
    5,000 validation, 10,000 test points, plus 5,000 test points at
    ``|lat| > 60``; the balanced accuracy is reported too.

Every model is fitted on the training data only; hyper-parameters are chosen
on the validation data only; metrics are computed on the test data:

``default`` (and any name given to ``--models`` other than the baselines)
    ``SphereLocationClassifier(random_state=seed)`` with its defaults, changed
    by ``--set``; not tuned.
``blend`` (any name starting with ``blend``)
    ``NeighborBlendClassifier(random_state=seed, n_jobs=-1)`` at its defaults,
    or around that classifier when ``--set`` changes it (``blend__*``
    settings are the blend's); it holds out spatial blocks of the training
    data to choose its weights (never the validation data).
``knn``
    great-circle kNN (``metric="haversine"``): ``k`` and the weighting chosen by
    validation top-1, then its probabilities mixed with the class prior,
    ``(1 - a) p_knn + a p_prior``, ``a`` chosen by validation log-loss (so that
    the log-loss is finite and ties among unseen classes are broken by the
    prior).
``forest``
    random forest (200 trees, ``n_jobs=-1``) on unit vectors ``(x, y, z)``:
    ``max_depth`` chosen by validation top-1, then smoothed towards the prior
    like the kNN.
``forest_ll``
    the same forest on the features of the blend's forests
    (``skgeo_s2v.blend.forest_features``: ``(x, y, z, lon, lat)`` and the
    projections onto the cube's diagonals; not a baseline of issue 16: a
    check of what those features alone give).
``prior``
    the training class frequencies, everywhere.

Test records whose class never occurs in the training data are dropped (their
number is printed). Metrics: top-1, top-5, MRR (%), log-loss (nats), balanced
accuracy for ``landsea``, fit and predict seconds and the fit time as a ratio
to the forest's in the same run (after the one-time imports, torch's
compiler included). Prints a markdown table of the mean and
sample standard deviation over seeds and writes every row to ``--csv``.

    python benchmarks/bench_real.py --datasets corals --seeds 0 1 2
    python benchmarks/bench_real.py --models default knn forest --set max_epochs=30
"""

import argparse
import csv
import importlib
import time

import numpy as np
import pandas as pd
import torch
from bench_vmf import add_settings_argument, parse_params
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score, log_loss
from sklearn.neighbors import BallTree

from skgeo_s2v import NeighborBlendClassifier, SphereLocationClassifier, make_encoder
from skgeo_s2v.blend import forest_features, neighbor_vote
from skgeo_s2v.datasets import load_geonames_cities, load_pbdb_corals
from skgeo_s2v.metrics import mean_reciprocal_rank, top_k_accuracy
from skgeo_s2v.model_selection import SphericalBlockKFold

DATASETS = ["corals", "country", "timezone", "tz_uniform", "landsea"]
BASELINES = ["knn", "forest", "forest_ll", "prior"]
KNN_K = [1, 3, 5, 10, 20, 50, 100, 200]
SMOOTHING = [1e-3, 3e-3, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5]
FOREST_DEPTHS = [8, 16, None]


# ---------------------------------------------------------------- data


def group_split(groups, seed, fractions=(0.7, 0.1, 0.2)):
    """Row indices of train/validation/test, whole groups to one side each."""
    unique, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(unique))
    share = np.cumsum(counts[order]) / len(groups)
    side = np.empty(len(unique), dtype=int)
    # test first, then validation, the rest is training
    side[order] = np.where(
        share <= fractions[2],
        2,
        np.where(share <= fractions[2] + fractions[1], 1, 0),
    )
    rows = side[inverse]
    return [np.flatnonzero(rows == s) for s in range(3)]


def spatial_blocks(X):
    """Group id of each (lon, lat): its HEALPix cell of about 200 km."""
    return SphericalBlockKFold(block_size_km=200).get_blocks(X)


def uniform_points(n, rng, lat_min=0.0, lon_min=0.0):
    """``n`` (lon, lat) uniform on the sphere, restricted to |lat| > lat_min and
    |lon| > lon_min (degrees)."""
    s = np.sin(np.deg2rad(lat_min))
    lat = np.rad2deg(np.arcsin(rng.uniform(s, 1, n))) * rng.choice([-1, 1], n)
    lon = rng.uniform(lon_min, 180, n) * rng.choice([-1, 1], n)
    return np.column_stack([lon, lat])


def load_corals(seed):
    corals = load_pbdb_corals(min_samples_per_class=10)
    X, y = corals.data, corals.target
    train, val, test = group_split(corals.groups, seed)
    return X[train], y[train], X[val], y[val], {"test": (X[test], y[test])}


def load_cities(task, seed):
    X, y = load_geonames_cities(label=task, min_samples_per_class=10)
    X, y = np.asarray(X, float), np.asarray(y).astype(str)
    train, val, test = group_split(spatial_blocks(X), seed)
    return X[train], y[train], X[val], y[val], {"test": (X[test], y[test])}


def label_points(task, X):
    if task == "tz_uniform":
        from timezonefinder import TimezoneFinder

        finder = TimezoneFinder(in_memory=True)
        labels = [finder.timezone_at(lng=lon, lat=lat) for lon, lat in X]
        return np.array([z or "none" for z in labels])
    from global_land_mask import globe

    return np.where(globe.is_land(X[:, 1], X[:, 0]), "land", "sea")


def load_uniform(task, seed):
    rng = np.random.default_rng(seed)
    sets = {"train": uniform_points(20_000, rng), "val": uniform_points(5_000, rng)}
    sets["test"] = uniform_points(10_000, rng)
    if task == "tz_uniform":
        sets["polar"] = uniform_points(3_000, rng, lat_min=70)
        sets["antimeridian"] = uniform_points(3_000, rng, lon_min=170)
    else:
        sets["lat>60"] = uniform_points(5_000, rng, lat_min=60)
    data = {name: (X, label_points(task, X)) for name, X in sets.items()}
    X_tr, y_tr = data.pop("train")
    X_val, y_val = data.pop("val")
    return X_tr, y_tr, X_val, y_val, data


def load(task, seed):
    if task == "corals":
        return load_corals(seed)
    if task in ("country", "timezone"):
        return load_cities(task, seed)
    return load_uniform(task, seed)


# -------------------------------------------------------------- models


def radians(X):
    return np.deg2rad(X[:, ::-1])


def smooth(proba, prior, a):
    return (1 - a) * proba + a * prior


def scores(y, proba, classes):
    return {
        "top1": top_k_accuracy(y, proba, k=1, labels=classes),
        "mrr": mean_reciprocal_rank(y, proba, labels=classes),
    }


def choose_smoothing(proba_val, y_val, prior, classes):
    losses = [
        log_loss(y_val, smooth(proba_val, prior, a), labels=classes) for a in SMOOTHING
    ]
    return SMOOTHING[int(np.argmin(losses))]


class KNN:
    """Haversine kNN, k and weights chosen by validation top-1, then smoothing."""

    def fit(self, X, y, X_val, y_val):
        self.classes_, self.codes_ = np.unique(y, return_inverse=True)
        self.prior_ = np.bincount(self.codes_) / len(y)
        self.tree_ = BallTree(radians(X), metric="haversine")
        best = None
        dist, ind = self.tree_.query(radians(X_val), k=min(max(KNN_K), len(y)))
        for k in KNN_K:
            for weights in ("uniform", "distance"):
                proba = self._vote(dist[:, :k], ind[:, :k], weights)
                s = scores(y_val, smooth(proba, self.prior_, 1e-6), self.classes_)
                key = (s["top1"], s["mrr"])
                if best is None or key > best[0]:
                    best = key, k, weights, proba
        _, self.k_, self.weights_, proba = best
        self.a_ = choose_smoothing(proba, y_val, self.prior_, self.classes_)
        return self

    def _vote(self, dist, ind, weights):
        return neighbor_vote(dist, ind, self.codes_, len(self.classes_), weights)

    def predict_proba(self, X):
        dist, ind = self.tree_.query(radians(X), k=self.k_)
        return smooth(self._vote(dist, ind, self.weights_), self.prior_, self.a_)

    def params(self):
        return f"k={self.k_} {self.weights_} a={self.a_}"


class Forest:
    """200-tree forest on unit vectors, depth by validation top-1, smoothed.

    ``lonlat=True`` splits the blend's ``forest_features`` instead (the unit
    vectors, longitude and latitude, and the projections onto the cube's
    diagonals).
    """

    def __init__(self, seed, lonlat=False):
        self.seed = seed
        self.lonlat = lonlat

    def _features(self, X):
        return forest_features(X) if self.lonlat else self.xyz_.transform(X)

    def fit(self, X, y, X_val, y_val):
        self.classes_, codes = np.unique(y, return_inverse=True)
        self.prior_ = np.bincount(codes) / len(y)
        self.xyz_, best = make_encoder("xyz").fit(X), None
        features, features_val = self._features(X), self._features(X_val)
        for depth in FOREST_DEPTHS:
            start = time.perf_counter()
            forest = RandomForestClassifier(
                n_estimators=200, max_depth=depth, n_jobs=-1, random_state=self.seed
            ).fit(features, y)
            seconds = time.perf_counter() - start
            proba = forest.predict_proba(features_val)
            s = scores(y_val, smooth(proba, self.prior_, 1e-6), self.classes_)
            if best is None or (s["top1"], s["mrr"]) > best[0]:
                best = (s["top1"], s["mrr"]), forest, proba, seconds, depth
        _, self.forest_, proba, self.fit_seconds_, self.depth_ = best
        self.a_ = choose_smoothing(proba, y_val, self.prior_, self.classes_)
        return self

    def predict_proba(self, X):
        proba = self.forest_.predict_proba(self._features(X))
        return smooth(proba, self.prior_, self.a_)

    def params(self):
        return f"max_depth={self.depth_} a={self.a_}"


class Prior:
    def fit(self, X, y, X_val, y_val):
        self.classes_, codes = np.unique(y, return_inverse=True)
        self.prior_ = np.bincount(codes) / len(y)
        return self

    def predict_proba(self, X):
        return np.tile(self.prior_, (len(X), 1))

    def params(self):
        return ""


class Classifier:
    """The package's classifier (or its blend), fitted on the training data only.

    ``encoder__*`` settings with a named encoder build that encoder with them;
    ``blend__*`` settings are parameters of the blend.
    """

    def __init__(self, seed, settings, blend=False):
        settings = dict(settings)
        blend_params = {
            k.removeprefix("blend__"): settings.pop(k)
            for k in list(settings)
            if k.startswith("blend__")
        }
        encoder_params = {
            k.removeprefix("encoder__"): settings.pop(k)
            for k in list(settings)
            if k.startswith("encoder__")
        }
        if encoder_params:
            name = settings.pop("encoder", "sphereM+")
            settings["encoder"] = make_encoder(name, **encoder_params)
        net = SphereLocationClassifier(random_state=seed).set_params(**settings)
        if blend:
            # No classifier settings: the blend's own default estimator. The
            # default forest uses every core, like the forest baseline.
            blend_params = {"n_jobs": -1, **blend_params}
            estimator = net if settings else None
            net = NeighborBlendClassifier(estimator, random_state=seed, **blend_params)
        self.model = net

    def fit(self, X, y, X_val, y_val):
        self.model.fit(X, y)
        self.classes_ = self.model.classes_
        return self

    def predict_proba(self, X):
        return self.model.predict_proba(X)

    def params(self):
        model = self.model
        if isinstance(model, NeighborBlendClassifier):
            w = model.weights_
            return (
                f"n_epochs_={getattr(model.estimator_, 'n_epochs_', '')} "
                f"k={model.n_neighbors_} {model.vote_weights_} "
                f"pooling={model.pooling_} "
                + " ".join(f"w_{name}={value:.3f}" for name, value in w.items())
            )
        return f"n_epochs_={getattr(model, 'n_epochs_', '')}"


def make_model(name, seed, settings):
    if name == "knn":
        return KNN()
    if name in ("forest", "forest_ll"):
        return Forest(seed, lonlat=name == "forest_ll")
    if name == "prior":
        return Prior()
    return Classifier(seed, settings, blend=name.startswith("blend"))


# ----------------------------------------------------------- protocol


def evaluate(task, y, proba, classes):
    known = np.isin(y, classes)
    y, proba = y[known], proba[known]
    proba = np.clip(proba, 1e-15, None)
    proba = proba / proba.sum(axis=1, keepdims=True)
    row = {
        "n_test": int(known.sum()),
        "dropped": int((~known).sum()),
        "top1": 100 * top_k_accuracy(y, proba, k=1, labels=classes),
        "top5": 100 * top_k_accuracy(y, proba, k=5, labels=classes),
        "mrr": 100 * mean_reciprocal_rank(y, proba, labels=classes),
        "log_loss": log_loss(y, proba, labels=classes),
    }
    if task == "landsea":
        predicted = classes[proba.argmax(axis=1)]
        row["balanced_acc"] = 100 * balanced_accuracy_score(y, predicted)
    return row


def run(tasks, seeds, models, settings, csv_path):
    rows = []
    for task in tasks:
        for seed in seeds:
            X_tr, y_tr, X_val, y_val, tests = load(task, seed)
            known = np.isin(y_val, np.unique(y_tr))
            X_val, y_val = X_val[known], y_val[known]
            print(
                f"{task} seed {seed}: {len(y_tr)} train, {len(y_val)} validation, "
                f"{len(np.unique(y_tr))} classes; test "
                + ", ".join(f"{k} {len(v[1])}" for k, v in tests.items()),
                flush=True,
            )
            forest_seconds = None
            for name in models:
                model = make_model(name, seed, settings)
                start = time.perf_counter()
                model.fit(X_tr, y_tr, X_val, y_val)
                fit_seconds = getattr(model, "fit_seconds_", None)
                fit_seconds = fit_seconds or time.perf_counter() - start
                if name == "forest":
                    forest_seconds = fit_seconds
                for subset, (X_te, y_te) in tests.items():
                    start = time.perf_counter()
                    proba = model.predict_proba(X_te)
                    predict_seconds = time.perf_counter() - start
                    row = {"task": task, "subset": subset, "seed": seed, "model": name}
                    row.update(evaluate(task, y_te, proba, model.classes_))
                    row["fit_s"] = fit_seconds
                    row["predict_s"] = predict_seconds
                    row["params"] = model.params()
                    rows.append(row)
                    print(
                        f"  {name:<10} {subset:<12} "
                        + " ".join(
                            f"{k}={row[k]:.2f}"
                            for k in ("top1", "top5", "mrr", "log_loss", "fit_s")
                        )
                        + (
                            f" bacc={row['balanced_acc']:.2f}"
                            if task == "landsea"
                            else ""
                        )
                        + f" {row['params']}",
                        flush=True,
                    )
            for row in rows:
                if row["task"] == task and row["seed"] == seed and forest_seconds:
                    row["fit_vs_forest"] = row["fit_s"] / forest_seconds
    if csv_path:
        with open(csv_path, "w", newline="") as file:
            writer = csv.DictWriter(
                file, fieldnames=list(dict.fromkeys(k for row in rows for k in row))
            )
            writer.writeheader()
            writer.writerows(rows)
    print_table(rows)


def print_table(rows):
    frame = pd.DataFrame(rows)
    metrics = [
        "top1",
        "top5",
        "mrr",
        "log_loss",
        "balanced_acc",
        "fit_s",
        "fit_vs_forest",
        "predict_s",
    ]
    metrics = [m for m in metrics if m in frame]
    print("\n| task | subset | model | seeds | " + " | ".join(metrics) + " |")
    print("|---" * (4 + len(metrics)) + "|")
    for (task, subset, model), group in frame.groupby(
        ["task", "subset", "model"], sort=False
    ):
        cells = []
        for m in metrics:
            values = group[m].dropna().to_numpy(float)
            if not len(values):
                cells.append("")
                continue
            spread = values.std(ddof=1) if len(values) > 1 else 0.0
            digits = 3 if m == "log_loss" else 2
            cells.append(f"{values.mean():.{digits}f} ± {spread:.{digits}f}")
        print(
            f"| {task} | {subset} | {model} | {len(group)} | "
            + " | ".join(cells)
            + " |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--models",
        nargs="+",
        default=["default", *BASELINES],
        help="baselines (knn, forest, prior) or any other name for the classifier",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--csv", default="bench_real.csv", help="'' writes none")
    add_settings_argument(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # Torch imports its compiler, torch._dynamo (about 800 modules, 1-2 s on
    # these machines), the first time a process builds an optimiser: import it
    # here, so that the first network's fit time is its training, not the
    # process's one-time import (as the forest's is measured after
    # scikit-learn's imports).
    importlib.import_module("torch._dynamo")

    run(
        args.datasets, args.seeds, args.models, parse_params(args.set, parser), args.csv
    )


if __name__ == "__main__":
    main()
