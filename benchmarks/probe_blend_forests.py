"""Probes of the blend's forests on the real-data tasks (docs/real_data.rst).

Each probe fits ``NeighborBlendClassifier(random_state=seed, n_jobs=-1)`` on
the training data of a ``bench_real.py`` task (the same splits and seeds)
and reports test top-1 in %:

``components``
    the blend, each of its forests and its network alone, and
    scikit-learn forests of 50 and 200 trees on ``forest_features`` of all
    the training records; every test record counted (``bench_real.py``
    drops those of classes unseen in training, so its numbers differ a little).
``refit-forests``
    the blend with ``refit=False`` (the default before commit ``4ce4626``),
    and the same blend with its forests fitted again on all the training
    records, the weights kept (as ``bench_real.py`` scores it).
``forest-seeds``
    the blend at its defaults, and the same blend (its weights) with the
    forests it keeps grown again from another seed: how much the forests'
    seeds alone move it.
``split-trees``
    with ``refit=False``, 25 trees per forest on the records left after the
    hold-out (the weights chosen with them), then each forest averaged with
    25 trees on all the records (as ``bench_real.py`` scores it).
``bench``
    ``bench_real.py`` itself with the blend's ``FOREST_PARAMS`` updated by
    ``--forest-params`` (e.g. ``max_features=5`` or ``n_estimators=100``)
    and its ``HOLDOUT_FOREST_TREES`` set by ``--holdout-trees``; the
    arguments after ``--`` go to ``bench_real.py``.

Usage::

    cd benchmarks
    OMP_NUM_THREADS=1 python probe_blend_forests.py components --task timezone
    OMP_NUM_THREADS=1 python probe_blend_forests.py refit-forests --task corals
    OMP_NUM_THREADS=1 python probe_blend_forests.py bench --forest-params \\
        max_features=5 -- --datasets timezone --seeds 0 1 2 --models knn blend
    OMP_NUM_THREADS=1 python probe_blend_forests.py bench --holdout-trees 50 \\
        -- --datasets timezone country --seeds 0 1 2 --models knn blend
"""

import argparse
import copy
import runpy
import sys

import numpy as np
from bench_real import DATASETS, evaluate, load
from sklearn.ensemble import RandomForestClassifier
from sklearn.utils import check_random_state

import skgeo_s2v.blend as blend
from skgeo_s2v import NeighborBlendClassifier
from skgeo_s2v.blend import forest_features


def _top1(proba, classes, y):
    return 100 * np.mean(classes[proba.argmax(axis=1)] == y)


class _MeanForest:
    """The mean of two forests' probabilities over the blend's classes."""

    def __init__(self, first, second, owner):
        self.first, self.second, self.owner = first, second, owner
        self.classes_, self.max_depth = owner.classes_, first.max_depth

    def predict_proba(self, features):
        return 0.5 * (
            self.owner._proba_of(self.first, features)
            + self.owner._proba_of(self.second, features)
        )


def components(task, seed, X, y, X_test, y_test):
    fitted = NeighborBlendClassifier(random_state=seed, n_jobs=-1).fit(X, y)
    features, features_test = forest_features(X), forest_features(X_test)
    row = {"blend": _top1(fitted.predict_proba(X_test), fitted.classes_, y_test)}
    for forest in fitted.forests_:
        proba = forest.predict_proba(features_test)
        row[f"forest{forest.max_depth}"] = _top1(proba, forest.classes_, y_test)
    network = fitted.estimator_
    row["net"] = _top1(network.predict_proba(X_test), network.classes_, y_test)
    for n_trees in (50, 200):
        forest = RandomForestClassifier(n_trees, n_jobs=-1, random_state=seed)
        forest.fit(features, y)
        proba = forest.predict_proba(features_test)
        row[f"rf{n_trees} all"] = _top1(proba, forest.classes_, y_test)
    return row


def _with_forests_reseeded(refit, seed, X, y):
    """A blend fitted with ``refit``, and a copy (its weights) whose forests
    are grown again on all the training records from another seed."""
    fitted = NeighborBlendClassifier(random_state=seed, n_jobs=-1, refit=refit)
    fitted.fit(X, y)
    reseeded = copy.copy(fitted)
    reseeded.forests_ = fitted._fit_forests(X, y, check_random_state(seed + 100))
    return fitted, reseeded


def _top1_of(task, models, X_test, y_test):
    return {
        name: evaluate(task, y_test, model.predict_proba(X_test), model.classes_)[
            "top1"
        ]
        for name, model in models.items()
    }


def refit_forests(task, seed, X, y, X_test, y_test):
    fitted, refitted = _with_forests_reseeded(False, seed, X, y)
    models = {"blend": fitted, "refit forests": refitted}
    return _top1_of(task, models, X_test, y_test)


def forest_seeds(task, seed, X, y, X_test, y_test):
    fitted, reseeded = _with_forests_reseeded("forests", seed, X, y)
    models = {"blend": fitted, "forests of another seed": reseeded}
    return _top1_of(task, models, X_test, y_test)


def split_trees(task, seed, X, y, X_test, y_test):
    blend.FOREST_PARAMS["n_estimators"] = 25
    fitted = NeighborBlendClassifier(random_state=seed, n_jobs=-1, refit=False)
    fitted.fit(X, y)
    extra = fitted._fit_forests(X, y, check_random_state(seed + 100))
    mixed = copy.copy(fitted)
    mixed.forests_ = [_MeanForest(f, e, fitted) for f, e in zip(fitted.forests_, extra)]
    models = {"25 trees": fitted, "25 + 25 on all": mixed}
    return _top1_of(task, models, X_test, y_test)


PROBES = {
    "components": components,
    "refit-forests": refit_forests,
    "forest-seeds": forest_seeds,
    "split-trees": split_trees,
}


def _value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main():
    argv = sys.argv[1:]
    rest = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe", choices=[*PROBES, "bench"])
    parser.add_argument("--task", default="timezone", choices=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--forest-params", nargs="*", default=[], metavar="K=V")
    parser.add_argument(
        "--holdout-trees", type=int, help="the blend's HOLDOUT_FOREST_TREES"
    )
    args = parser.parse_args(argv)
    if args.probe == "bench":
        for item in args.forest_params:
            key, value = item.split("=", 1)
            blend.FOREST_PARAMS[key] = _value(value)
        if args.holdout_trees:
            blend.HOLDOUT_FOREST_TREES = args.holdout_trees
        sys.argv = ["bench_real.py", *rest]
        runpy.run_path("bench_real.py", run_name="__main__")
        return
    for seed in args.seeds:
        X, y, _, _, tests = load(args.task, seed)
        X_test, y_test = tests["test"]
        row = PROBES[args.probe](args.task, seed, X, y, X_test, y_test)
        print(args.task, seed, " ".join(f"{k}={v:.2f}" for k, v in row.items()))


if __name__ == "__main__":
    main()
