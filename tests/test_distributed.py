"""Hyper-parameter search on a dask.distributed cluster through joblib."""

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV

from skgeo_s2v import SphereLocationClassifier
from skgeo_s2v.datasets import make_vmf_mixture

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    # Two worker processes of one thread each: the smallest real cluster.
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture
def one_torch_thread():
    # Dask's workers run torch with OMP_NUM_THREADS=1; the sequential search
    # uses the same, so both sum floats in the same order.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_grid_search_on_dask_matches_the_sequential_search(client, one_torch_thread):
    X, y = make_vmf_mixture(
        n_classes=3, n_samples_per_class=40, kappa_max=8, random_state=0
    )
    estimator = SphereLocationClassifier(
        hidden_units=16, max_epochs=4, batch_size=64, device="cpu", random_state=0
    )
    grid = {"encoder__min_radius": [1e-2, 1e-1], "lr": [1e-3, 1e-2]}
    sequential = GridSearchCV(estimator, grid, cv=2, n_jobs=1).fit(X, y)
    with joblib.parallel_config(backend="dask"):
        on_dask = GridSearchCV(estimator, grid, cv=2, n_jobs=-1).fit(X, y)
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(
            on_dask.cv_results_[key], sequential.cv_results_[key]
        )
    assert on_dask.best_params_ == sequential.best_params_
    # Both workers took part.
    assert len(client.scheduler_info()["workers"]) == 2
