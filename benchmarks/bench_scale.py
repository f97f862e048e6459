"""How training and prediction costs grow with the number of points.

Each measurement runs in a fresh child process, which reports its own peak
resident memory (``ru_maxrss``), so that sizes do not share allocations:

- training: seconds per epoch of ``SphereLocationClassifier.fit`` (default
  model: sphereM+, S = 32, k = 512; one epoch after a one-epoch warm-up on
  the same data) for ``--train-sizes`` points and ``--classes`` classes;
- prediction: points per second of ``predict`` (1,000 classes, chunks of
  ``batch_size`` rows) for ``--predict-sizes`` points.

Writes a table and a log-log plot of time and peak memory against size.

    python benchmarks/bench_scale.py                        # the recorded run
    python benchmarks/bench_scale.py --train-sizes 10000 100000 --classes 100 \\
        --predict-sizes 100000 1000000 --plot docs/images/bench_scale.png
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def uniform_points(n, seed=0):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180.0, 180.0, n).astype(np.float32)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n))).astype(np.float32)
    return np.column_stack([lon, lat])


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_training(n_points, n_classes):
    from skgeo_s2v import SphereLocationClassifier

    X = uniform_points(n_points)
    y = np.arange(n_points) % n_classes
    clf = SphereLocationClassifier(max_epochs=1, device="cpu", random_state=0)
    clf.fit(X, y)  # warm-up, and the model whose epoch is timed next
    start = time.perf_counter()
    clf.net_.partial_fit(X, y.astype(np.int64))
    return {"seconds": time.perf_counter() - start}


def measure_prediction(n_points, n_classes=1000, fit_points=20_000):
    from skgeo_s2v import SphereLocationClassifier

    X_fit = uniform_points(fit_points, seed=1)
    clf = SphereLocationClassifier(max_epochs=1, device="cpu", random_state=0)
    clf.fit(X_fit, np.arange(fit_points) % n_classes)
    X = uniform_points(n_points)
    before = peak_rss_mb()
    start = time.perf_counter()
    clf.predict(X)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_before_mb": before}


def child(mode, n_points, n_classes):
    result = (
        measure_training(n_points, n_classes)
        if mode == "train"
        else measure_prediction(n_points, n_classes)
    )
    result.update(mode=mode, n_points=n_points, n_classes=n_classes)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def run_child(mode, n_points, n_classes):
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(n_points), str(n_classes)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(10, 4))
    groups = {}
    for r in results:
        label = (
            f"train, {r['n_classes']} classes (s/epoch)"
            if r["mode"] == "train"
            else f"predict, {r['n_classes']} classes (s)"
        )
        groups.setdefault(label, []).append(r)
    for label, rows in groups.items():
        n = [r["n_points"] for r in rows]
        ax_time.loglog(n, [r["seconds"] for r in rows], "o-", label=label)
        ax_mem.loglog(n, [r["peak_rss_mb"] for r in rows], "o-", label=label)
    lo = min(r["n_points"] for r in results)
    hi = max(r["n_points"] for r in results)
    ref = min(r["seconds"] for r in results if r["n_points"] == lo)
    ax_time.loglog([lo, hi], [ref, ref * hi / lo], "k:", label="linear")
    ax_time.set(xlabel="points", ylabel="seconds", title="Time")
    ax_mem.set(xlabel="points", ylabel="peak resident memory (MB)", title="Memory")
    ax_time.legend(fontsize=8)
    ax_mem.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--train-sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000]
    )
    parser.add_argument("--classes", nargs="*", type=int, default=[100, 8142])
    parser.add_argument("--max-points-8142", type=int, default=100_000)
    parser.add_argument(
        "--predict-sizes",
        nargs="*",
        type=int,
        default=[100_000, 1_000_000, 10_000_000],
    )
    parser.add_argument("--plot", default=None, help="write the log-log plot here")
    args = parser.parse_args()
    results = []
    print("| mode | classes | points | seconds | points/s | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    jobs = [
        ("train", n, c)
        for c in args.classes
        for n in args.train_sizes
        if c < 8142 or n <= args.max_points_8142
    ] + [("predict", n, 1000) for n in args.predict_sizes]
    for mode, n, c in jobs:
        r = run_child(mode, n, c)
        results.append(r)
        print(
            f"| {mode} | {c} | {n:,} | {r['seconds']:.2f} | "
            f"{n / r['seconds']:,.0f} | {r['peak_rss_mb']:,.0f} |",
            flush=True,
        )
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
