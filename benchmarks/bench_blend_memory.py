"""Memory of the blend's forests on the coral records, by depth.

A ``RandomForestClassifier`` stores ``n_classes`` float64 values per node, so
the forests of :class:`~skgeo_s2v.NeighborBlendClassifier` grow with the
number of classes and, for full trees, with the number of distinct sites.
This fits the blend's forest (``FOREST_PARAMS``, on unit vectors) of each
depth on the coral training records of ``bench_real.py`` (seed 0) and prints
its node count and pickled size::

    python benchmarks/bench_blend_memory.py --depths 8 None
"""

import argparse
import pickle

from bench_real import load
from sklearn.ensemble import RandomForestClassifier

from skgeo_s2v._geometry import unit_vectors_from_degrees
from skgeo_s2v.blend import FOREST_PARAMS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", nargs="+", default=["8", "None"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    X, y, *_ = load("corals", args.seed)
    xyz = unit_vectors_from_degrees(X[:, 0], X[:, 1])
    print(f"corals seed {args.seed}: {len(y)} records, {len(set(y))} classes")
    for text in args.depths:
        depth = None if text == "None" else int(text)
        forest = RandomForestClassifier(
            max_depth=depth, n_jobs=-1, random_state=args.seed, **FOREST_PARAMS
        ).fit(xyz, y)
        nodes = sum(tree.tree_.node_count for tree in forest.estimators_)
        size = len(pickle.dumps(forest)) / 1e6
        print(f"  max_depth={depth}: {nodes} nodes, pickled {size:.0f} MB")


if __name__ == "__main__":
    main()
