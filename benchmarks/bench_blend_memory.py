"""Memory of the blend's forests, as scikit-learn stores them and as the blend does.

A ``RandomForestClassifier`` stores ``n_classes`` float64 values per node, so
its size grows with the number of classes and, for full trees, with the
number of distinct sites. :class:`~skgeo_s2v.NeighborBlendClassifier` keeps
each forest as a ``CompactForest`` (the splits and a sparse table of the
leaves' class fractions), with the same probabilities. This fits the blend's
forest (``FOREST_PARAMS`` on ``forest_features``) of each depth on the
training data of a ``bench_real.py`` task and prints the node count, the
pickled size of the scikit-learn forest and of its compact form, the
largest difference of their probabilities on the training points and the
compact form's ``predict_proba`` time as a ratio to the forest's (both on
one core)::

    python benchmarks/bench_blend_memory.py --tasks corals tz_uniform --depths 8 None

``--forest-type extra_trees`` measures the blend's extra trees instead
(``NeighborBlendClassifier(forest_type="extra_trees")``).
"""

import argparse
import pickle
import time

import numpy as np
from bench_real import load

from skgeo_s2v._compact_forest import CompactForest
from skgeo_s2v.blend import FOREST_PARAMS, FOREST_TYPES, forest_features


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["corals", "tz_uniform"])
    parser.add_argument("--depths", nargs="+", default=["8", "None"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--forest-type", choices=sorted(FOREST_TYPES), default="random_forest"
    )
    args = parser.parse_args()
    forest_class = FOREST_TYPES[args.forest_type]
    for task in args.tasks:
        X, y, *_ = load(task, args.seed)
        features = forest_features(X)
        print(
            f"{task} seed {args.seed}: {len(y)} records, {len(set(y))} classes, "
            f"{args.forest_type}"
        )
        for text in args.depths:
            depth = None if text == "None" else int(text)
            forest = forest_class(
                max_depth=depth, n_jobs=-1, random_state=args.seed, **FOREST_PARAMS
            ).fit(features, y)
            compact = CompactForest.from_forest(forest)
            nodes = sum(tree.tree_.node_count for tree in forest.estimators_)
            full = len(pickle.dumps(forest)) / 1e6
            small = len(pickle.dumps(compact)) / 1e6
            forest.set_params(n_jobs=1)  # the compact form predicts on one core
            start = time.perf_counter()
            reference = forest.predict_proba(features)
            forest_seconds = time.perf_counter() - start
            start = time.perf_counter()
            gap = np.abs(compact.predict_proba(features) - reference).max()
            ratio = (time.perf_counter() - start) / forest_seconds
            print(
                f"  max_depth={depth}: {nodes} nodes, pickled {full:.0f} MB, "
                f"compact {small:.1f} MB, largest probability difference {gap:.1e}, "
                f"predict_proba time {ratio:.2f} x the forest's"
            )


if __name__ == "__main__":
    main()
