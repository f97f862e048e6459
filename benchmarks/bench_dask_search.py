"""A 16-candidate grid search on a local Dask cluster against ``n_jobs=1``.

Both searches fit ``SphereLocationClassifier`` on the same synthetic data with
one torch thread per fit (Dask's workers run with ``OMP_NUM_THREADS=1``; the
sequential search sets the same), check that every cross-validation score is
identical, and report the wall-clock speed-up. On a machine with ``c`` cores
the best possible speed-up is about ``c``.

    python benchmarks/bench_dask_search.py                 # 2 workers
    python benchmarks/bench_dask_search.py --workers 4 --epochs 20
"""

import argparse
import os
import time

import joblib
import numpy as np
import torch
from dask.distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.datasets import load_vmf_benchmark


def make_search(epochs, n_jobs):
    grid = {
        "encoder__min_radius": [3e-3, 1e-2, 3e-2, 1e-1],
        "lr": [1e-3, 2e-3, 3e-3, 5e-3],
    }
    estimator = SphereLocationClassifier(
        hidden_units=256, max_epochs=epochs, device="cpu", random_state=0
    )
    return GridSearchCV(estimator, grid, cv=3, n_jobs=n_jobs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--dataset", default="S2.3")
    args = parser.parse_args()
    X, y = load_vmf_benchmark(args.dataset, random_state=0)
    torch.set_num_threads(1)

    start = time.perf_counter()
    sequential = make_search(args.epochs, n_jobs=1).fit(X, y)
    t_sequential = time.perf_counter() - start

    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        start = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            on_dask = make_search(args.epochs, n_jobs=-1).fit(X, y)
        t_dask = time.perf_counter() - start

    keys = [k for k in sequential.cv_results_ if k.endswith("_test_score")]
    identical = all(
        np.array_equal(sequential.cv_results_[k], on_dask.cv_results_[k]) for k in keys
    )
    n_fits = len(sequential.cv_results_["params"]) * 3
    print(
        f"{args.dataset}: {X.shape[0]} points, {n_fits} fits of {args.epochs} epochs, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"n_jobs=1          {t_sequential:7.1f} s")
    print(
        f"dask, {args.workers} workers  {t_dask:7.1f} s   speed-up "
        f"{t_sequential / t_dask:.2f}x"
    )
    print(
        f"identical cross-validation scores: {identical}; best "
        f"{sequential.best_params_} (dask: {on_dask.best_params_})"
    )


if __name__ == "__main__":
    main()
