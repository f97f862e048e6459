"""Does bfloat16 mixed precision cost accuracy? float32 against ``bf16``.

For each vMF dataset (Table 8 design) and seed: an 80/20 stratified split,
then ``SphereLocationClassifier`` (sphereM+, default settings) trained once in
float32 and once with ``mixed_precision="bf16"`` (the network under bfloat16
autocast, the position encoding in float32), from the same seed. Prints the
top-1 accuracy of both and the training time. On a CPU without bfloat16 units
the bf16 run is slower; the speed-up belongs to GPUs (A100, H100).

    python benchmarks/bench_precision.py                      # the recorded run
    python benchmarks/bench_precision.py --device cuda --datasets U1 S2.3
"""

import argparse
import time

import numpy as np
from sklearn.model_selection import train_test_split

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.datasets import load_vmf_benchmark

PRECISIONS = {"float32": None, "bf16": "bf16"}


def run(datasets, seeds, device):
    print(
        f"{'dataset':<8}{'float32':>9}{'bf16':>9}{'diff':>7}{'s f32':>8}{'s bf16':>8}"
    )
    differences = []
    for name in datasets:
        accuracy = {key: [] for key in PRECISIONS}
        seconds = {key: 0.0 for key in PRECISIONS}
        for seed in seeds:
            X, y = load_vmf_benchmark(name, random_state=seed)
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.2, stratify=y, random_state=seed
            )
            for key, precision in PRECISIONS.items():
                clf = SphereLocationClassifier(
                    max_epochs=30,  # the fixed count of the recorded results
                    mixed_precision=precision,
                    device=device,
                    random_state=seed,
                )
                start = time.perf_counter()
                clf.fit(X_tr, y_tr)
                seconds[key] += time.perf_counter() - start
                accuracy[key].append(100 * clf.score(X_te, y_te))
        mean = {key: np.mean(values) for key, values in accuracy.items()}
        differences.append(np.subtract(accuracy["bf16"], accuracy["float32"]))
        print(
            f"{name:<8}{mean['float32']:9.2f}{mean['bf16']:9.2f}"
            f"{mean['bf16'] - mean['float32']:9.2f}"
            f"{seconds['float32']:9.0f}{seconds['bf16']:9.0f}",
            flush=True,
        )
    differences = np.concatenate(differences)
    print(
        f"bf16 - float32 over {differences.size} fits: mean "
        f"{differences.mean():+.2f}, std {differences.std():.2f}, "
        f"min {differences.min():+.2f}, max {differences.max():+.2f} points"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["U1", "U4", "S1.1", "S2.3", "S3.2", "S4.4"]
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    run(args.datasets, args.seeds, args.device)


if __name__ == "__main__":
    main()
