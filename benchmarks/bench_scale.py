"""How training and prediction costs grow with the number of points.

Each measurement runs in a fresh child process, so that sizes do not share
allocations, and reports the process's peak resident memory (``VmHWM``):

- training: seconds of a one-epoch ``SphereLocationClassifier.fit`` (default
  model: sphereM+, S = 32, k = 512, batch 1024, one background point per
  example; validation, encoder fit and data transfer included) for
  ``--train-sizes`` points and ``--classes`` classes (8,142 classes only up
  to ``--max-points-8142`` points);
- prediction: seconds of ``predict`` with 1,000 classes (chunks of
  ``--predict-batch-size`` rows) for ``--predict-sizes`` points, and the
  memory it needed: the peak is reset just before ``predict`` (Linux
  ``/proc/self/clear_refs``), and the increase over the resident memory at
  that moment is reported next to the size of the returned labels.

Writes a table and a log-log plot of time and peak memory against size.

    python benchmarks/bench_scale.py --threads 1 --plot docs/images/bench_scale.png \\
        --json bench_scale.json
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np


def uniform_points(n, seed=0):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180.0, 180.0, n).astype(np.float32)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n))).astype(np.float32)
    return np.column_stack([lon, lat])


def _status_mb(field):
    """A memory field of /proc/self/status (Linux), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{field} not found in /proc/self/status")


def peak_rss_mb():
    return _status_mb("VmHWM")


def reset_peak_rss():
    """Make the current resident memory the new peak (Linux 4.0 and later)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def measure_training(n_points, n_classes):
    from skgeo_s2v import SphereLocationClassifier

    X = uniform_points(n_points)
    y = np.arange(n_points) % n_classes
    clf = SphereLocationClassifier(max_epochs=1, device="cpu", random_state=0)
    start = time.perf_counter()
    clf.fit(X, y)
    return {"seconds": time.perf_counter() - start}


def measure_prediction(n_points, n_classes, batch_size, fit_points=20_000):
    from skgeo_s2v import SphereLocationClassifier

    X_fit = uniform_points(fit_points, seed=1)
    clf = SphereLocationClassifier(
        max_epochs=1, device="cpu", random_state=0, predict_batch_size=batch_size
    )
    clf.fit(X_fit, np.arange(fit_points) % n_classes)
    X = uniform_points(n_points)
    reset_peak_rss()
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    labels = clf.predict(X)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "predict_extra_mb": peak_rss_mb() - before,
        "labels_mb": labels.nbytes / 2**20,
    }


def child(mode, n_points, n_classes, threads, batch_size):
    import torch

    torch.set_num_threads(threads)
    result = (
        measure_training(n_points, n_classes)
        if mode == "train"
        else measure_prediction(n_points, n_classes, batch_size)
    )
    result.update(mode=mode, n_points=n_points, n_classes=n_classes)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def run_child(mode, n_points, n_classes, threads, batch_size):
    command = [sys.executable, __file__, "--child", mode, str(n_points)]
    command += [str(n_classes), str(threads), str(batch_size)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
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
    predictions = [r for r in results if r["mode"] == "predict"]
    if predictions:
        n = [r["n_points"] for r in predictions]
        ax_mem.loglog(
            n,
            [r["predict_extra_mb"] for r in predictions],
            "s--",
            label="memory predict needs",
        )
        ax_mem.loglog(
            n, [r["labels_mb"] for r in predictions], "k:", label="returned labels"
        )
    lo = min(r["n_points"] for r in results)
    hi = max(r["n_points"] for r in results)
    ref = min(r["seconds"] for r in results if r["n_points"] == lo)
    ax_time.loglog([lo, hi], [ref, ref * hi / lo], "k:", label="linear")
    ax_time.set(xlabel="points", ylabel="seconds", title="Time")
    ax_mem.set(xlabel="points", ylabel="MB", title="Peak resident memory")
    ax_time.legend(fontsize=8)
    ax_mem.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], *map(int, sys.argv[3:7]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--train-sizes",
        nargs="*",
        type=int,
        default=[10_000, 100_000, 1_000_000, 10_000_000],
    )
    parser.add_argument("--classes", nargs="*", type=int, default=[100, 8142])
    parser.add_argument("--max-points-8142", type=int, default=100_000)
    parser.add_argument(
        "--predict-sizes",
        nargs="*",
        type=int,
        default=[100_000, 1_000_000, 10_000_000],
    )
    parser.add_argument("--predict-batch-size", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--plot", default=None, help="write the log-log plot here")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument(
        "--replot", default=None, help="plot the results of an earlier --json"
    )
    args = parser.parse_args()
    if args.replot:
        with open(args.replot) as file:
            plot(json.load(file), args.plot)
        return
    results = []
    print(
        "| mode | classes | points | seconds | points/s | peak RSS (MB) "
        "| predict extra (MB) | labels (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    jobs = [
        ("train", n, c)
        for c in args.classes
        for n in args.train_sizes
        if c < 8142 or n <= args.max_points_8142
    ] + [("predict", n, 1000) for n in args.predict_sizes]
    for mode, n, c in jobs:
        r = run_child(mode, n, c, args.threads, args.predict_batch_size)
        results.append(r)
        extra = (
            f"{r['predict_extra_mb']:,.0f} | {r['labels_mb']:,.0f}"
            if mode == "predict"
            else " | "
        )
        print(
            f"| {mode} | {c} | {n:,} | {r['seconds']:.2f} | "
            f"{n / r['seconds']:,.0f} | {r['peak_rss_mb']:,.0f} | {extra} |",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=1)
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
