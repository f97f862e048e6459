"""Top-1 accuracy on the paper's synthetic vMF datasets (Table 8 design).

For each dataset and seed: an 80/20 stratified split, then
``SphereLocationClassifier`` with default settings for each encoder, the
Bayes-optimal classifier (the ceiling) and a great-circle kNN tuned by
cross-validation. Prints one row per dataset, averaged over the seeds.

    python benchmarks/bench_vmf.py                      # all 20 datasets, 3 seeds
    python benchmarks/bench_vmf.py --datasets U1 S2.3 --seeds 1 --models sphereM+ grid
    python benchmarks/bench_vmf.py --models sphereM+ --set encoder__n_scales=16

``--set`` changes classifier parameters of every model from their defaults,
for sweeps.
"""

import argparse
import ast
import time

import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.datasets import (
    VMF_BENCHMARKS,
    bayes_optimal_accuracy,
    load_vmf_benchmark,
)

MODELS = ["sphereM+", "sphereC+", "grid", "theory", "wrap", "xyz", "rbf"]


def knn_accuracy(X_train, y_train, X_test, y_test):
    """Great-circle kNN on radians (lat, lon), tuned by 3-fold CV."""
    search = GridSearchCV(
        KNeighborsClassifier(metric="haversine", algorithm="ball_tree"),
        {"n_neighbors": [1, 5, 10, 20, 40], "weights": ["uniform", "distance"]},
        cv=3,
    )
    search.fit(np.deg2rad(X_train[:, ::-1]), y_train)
    return search.score(np.deg2rad(X_test[:, ::-1]), y_test)


def add_settings_argument(parser):
    """``--set NAME=VALUE ...``: classifier parameters for every model."""
    parser.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="classifier parameters for every model, e.g. encoder__n_scales=16 "
        "or max_epochs=100",
    )


def parse_params(values, parser):
    """``{name: value}`` from ``["encoder__n_scales=16", "lr=1e-3"]``."""
    params = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set: expected NAME=VALUE, got {item!r}")
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value  # a string, e.g. activation=leaky_relu
    return params


def run(datasets, seeds, models, settings=None):
    columns = ["bayes", *models, "knn"]
    print("dataset " + " ".join(f"{c:>9}" for c in columns) + "  seconds")
    totals = {c: [] for c in columns}
    for name in datasets:
        start = time.perf_counter()
        scores = {c: [] for c in columns}
        for seed in seeds:
            X, y, params = load_vmf_benchmark(
                name, random_state=seed, return_params=True
            )
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.2, stratify=y, random_state=seed
            )
            scores["bayes"].append(bayes_optimal_accuracy(X_te, y_te, params))
            for model in models:
                network = "wrap_residual" if model == "wrap" else "mlp"
                clf = SphereLocationClassifier(
                    model, network=network, random_state=seed
                ).set_params(**(settings or {}))
                scores[model].append(clf.fit(X_tr, y_tr).score(X_te, y_te))
            scores["knn"].append(knn_accuracy(X_tr, y_tr, X_te, y_te))
        row = {c: 100 * np.mean(v) for c, v in scores.items()}
        for c in columns:
            totals[c].append(row[c])
        seconds = time.perf_counter() - start
        print(
            f"{name:<7} "
            + " ".join(f"{row[c]:9.1f}" for c in columns)
            + f"  {seconds:7.0f}"
        )
    print("mean    " + " ".join(f"{np.mean(totals[c]):9.1f}" for c in columns))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(VMF_BENCHMARKS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=MODELS)
    add_settings_argument(parser)
    args = parser.parse_args()
    run(args.datasets, args.seeds, args.models, parse_params(args.set, parser))


if __name__ == "__main__":
    main()
