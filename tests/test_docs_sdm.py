"""Every Python block of the user guide's chapter docs/sdm.rst runs, in order.

The chapter's blocks build on one another (the names of its "Data to try it
on" block, its first example's model), so they run in one namespace, as a
reader pasting them one after the other would run them. elapid is no
dependency of the package (nor of the ``tests`` extra), so a logistic
regression of the covariates stands in for its ``MaxentModel``, as in
``test_sdm_rank_average.py``; the blocks that use it ran as written with
elapid 1.0.4 installed too (2026-12-08).
"""

import re
import sys
import types
from pathlib import Path

import matplotlib
import pytest
from sklearn.linear_model import LogisticRegression

CHAPTER = Path(__file__).parents[1] / "docs" / "sdm.rst"


def python_blocks(text):
    """``(line, code)`` of each ``.. code-block:: python`` of an rst text,
    its indentation removed."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        match = re.match(r"^(\s*)\.\. code-block:: python\s*$", lines[i])
        if not match:
            i += 1
            continue
        indent, j, body = len(match.group(1)), i + 1, []
        while j < len(lines) and (
            not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
        ):
            body.append(lines[j])
            j += 1
        depth = min(len(b) - len(b.lstrip()) for b in body if b.strip())
        blocks.append((i + 1, "\n".join(b[depth:] for b in body)))
        i = j
    return blocks


class _StandInMaxent(LogisticRegression):
    """elapid's ``MaxentModel()`` stands in as a logistic regression."""


def test_the_chapter_has_its_blocks():
    blocks = python_blocks(CHAPTER.read_text())
    assert len(blocks) >= 20
    assert "make_virtual_survey" in blocks[0][1]


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
    namespace = {}
    try:
        for line, code in python_blocks(CHAPTER.read_text()):
            try:
                exec(compile(code, f"{CHAPTER.name}, line {line}", "exec"), namespace)
            except Exception as error:
                raise AssertionError(
                    f"the block at docs/sdm.rst line {line} failed: {error!r}"
                ) from error
    finally:
        plt.close("all")
    assert (tmp_path / "ranges.tif").exists()
