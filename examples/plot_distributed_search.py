"""
Grid search on a Dask cluster
=============================

A grid search fits one model per candidate and fold: work that spreads over
the cores of one machine with ``n_jobs``, or over many machines with Dask.
scikit-learn hands its fits to joblib, and joblib's ``"dask"`` backend sends
them to the workers of a ``dask.distributed`` cluster; the search code does
not change.

This example starts a local cluster of two single-threaded worker processes.
On a real cluster only the first lines change: connect the ``Client`` to the
cluster's scheduler instead (see the *Scaling* page of the documentation for
SLURM and Kubernetes). Dask workers run torch with one thread each
(``OMP_NUM_THREADS=1``), so several fits share a machine without fighting
over its cores.
"""

import time

import joblib
from dask.distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.datasets import make_vmf_mixture

X, y = make_vmf_mixture(
    n_classes=5, n_samples_per_class=60, kappa_max=16, random_state=0
)
search = GridSearchCV(
    SphereLocationClassifier(hidden_units=64, max_epochs=10, random_state=0),
    {"encoder__min_radius": [1e-2, 1e-1], "lr": [3e-3, 1e-2]},
    cv=3,
    n_jobs=-1,
)

# %%
# The guard keeps the worker processes, which import this file, from
# starting clusters of their own.
if __name__ == "__main__":
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        start = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            search.fit(X, y)
        seconds = time.perf_counter() - start
        workers = len(client.scheduler_info()["workers"])
    print(
        f"{len(search.cv_results_['params'])} candidates × 3 folds on "
        f"{workers} workers in {seconds:.1f} s"
    )
    print("best parameters:", search.best_params_)
    print(f"best cross-validated accuracy: {search.best_score_:.3f}")
