"""Every Python block of the user guide's chapter docs/sdm.rst runs, in order.

The chapter's blocks build on one another (the names of its "Data to try it
on" block, its first example's model), so they run in one namespace, as a
reader pasting them one after the other would run them. elapid is no
dependency of the package (nor of the ``tests`` extra), so a logistic
regression of the covariates stands in for its ``MaxentModel``, as in
``test_sdm_rank_average.py``; the blocks that use it ran as written with
elapid 1.0.4 installed too (2026-12-08).
"""

import sys
import types
from pathlib import Path

import matplotlib
import pytest
from sklearn.linear_model import LogisticRegression

from ._doc_code import python_blocks, run_blocks

CHAPTER = Path(__file__).parents[1] / "docs" / "sdm.rst"


class _StandInMaxent(LogisticRegression):
    """elapid's ``MaxentModel()`` stands in as a logistic regression."""


def test_the_chapter_has_its_blocks():
    blocks = python_blocks(CHAPTER)
    assert len(blocks) >= 20
    assert "make_virtual_survey" in blocks[0][1]
    assert all(skip is None for _, _, skip in blocks)  # every block runs


# The examples end plots in Agg, whose show() warns; rioxarray's transform
# arithmetic warns under affine >= 3.
@pytest.mark.filterwarnings("ignore:FigureCanvasAgg is non-interactive:UserWarning")
@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")
def test_every_block_of_the_chapter_runs_in_order(tmp_path, monkeypatch):
    pytest.importorskip("xarray")
    pytest.importorskip("rioxarray")
    pytest.importorskip("global_land_mask")
    pytest.importorskip("pyproj")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setitem(
        sys.modules, "elapid", types.SimpleNamespace(MaxentModel=_StandInMaxent)
    )
    monkeypatch.chdir(tmp_path)  # the chapter writes ranges.tif
    try:
        run_blocks(CHAPTER)
    finally:
        plt.close("all")
    assert (tmp_path / "ranges.tif").exists()
