"""plot_folds: the map of which records and blocks each fold tests."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skgeo_s2v.model_selection import (  # noqa: E402
    SphericalBlockKFold,
    SphericalClusterKFold,
)
from skgeo_s2v.plotting import plot_folds  # noqa: E402


@pytest.fixture
def records():
    rng = np.random.default_rng(0)
    return np.column_stack([rng.uniform(-180, 180, 300), rng.uniform(-80, 80, 300)])


def test_fold_and_buffer_match_the_split(records):
    cv = SphericalBlockKFold(3, block_size_km=2500, buffer_km=400, random_state=0)
    result = plot_folds(cv, records, fold=1)
    folds = list(cv.split(records))
    for k, (_, test) in enumerate(folds):
        np.testing.assert_array_equal(np.flatnonzero(result.fold == k), test)
    train, test = folds[1]
    expected = np.ones(len(records), dtype=bool)
    expected[train] = expected[test] = False
    np.testing.assert_array_equal(result.dropped, expected)
    assert result.dropped.any()
    labels = [t.get_text() for t in result.ax.get_legend().get_texts()]
    assert labels[-1].startswith("dropped by the buffer from fold 1")
    # One shaded polygon per non-empty block, plus copies across the edge.
    n_blocks = np.unique(cv.get_blocks(records)).size
    assert len(result.ax.collections[0].get_paths()) >= n_blocks
    plt.close(result.figure)


def test_cluster_folds_without_buffer_drop_nothing(records):
    cv = SphericalClusterKFold(3, n_clusters=6, random_state=0)
    _, ax = plt.subplots()
    result = plot_folds(cv, records, ax=ax)
    assert result.ax is ax
    assert not result.dropped.any()
    assert np.bincount(result.fold).sum() == len(records)
    assert "fold=" not in repr(result)  # the repr leaves out the arrays
    plt.close(result.figure)


@pytest.mark.parametrize("fold", [-1, 3, 1.0])
def test_fold_out_of_range_is_refused(records, fold):
    with pytest.raises(ValueError, match=r"fold=.* must be an integer in \[0, 3\)"):
        plot_folds(SphericalBlockKFold(3), records, fold=fold)
