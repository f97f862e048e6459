"""The code of the README and of the docs runs as written, chapter by chapter.

docs/sdm.rst has its own test (``test_docs_sdm.py``: elapid stands in). Each
file here runs in a fresh namespace and a temporary folder (the blocks write
models, figures and files), with the embedding cache there too; a block
marked ``.. skip-block-test: <why>`` is left out, and the files below say
which (a Dask cluster, an ``accelerate launch`` script, a search of minutes).
"""

import doctest
import re
from pathlib import Path

import matplotlib
import pytest
import torch

from ._doc_code import python_blocks, run_blocks

ROOT = Path(__file__).parents[1]
# file: the blocks it must run (a guard against a block the parser missed).
FILES = {
    "README.md": 2,
    "docs/architecture.rst": 4,
    "docs/index.rst": 1,
    "docs/user_guide.rst": 7,
    "docs/model_selection.rst": 2,
    "docs/pretraining.rst": 4,
    "docs/scaling.rst": 2,
}
# Every skipped block, and why: none may be skipped unnoticed.
SKIPPED = {
    "docs/model_selection.rst": 1,
    "docs/scaling.rst": 2,
}


@pytest.fixture
def reader_folder(tmp_path, monkeypatch):
    """A fresh folder, Agg plots, the cache inside it and torch's thread count
    restored afterwards (a block may set it)."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKGEO_S2V_CACHE", str(tmp_path / "cache"))
    threads = torch.get_num_threads()
    yield tmp_path
    torch.set_num_threads(threads)
    plt.close("all")


def test_every_file_with_python_code_is_listed():
    candidates = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.rst"))]
    with_code = {
        str(path.relative_to(ROOT)) for path in candidates if python_blocks(path)
    }
    assert with_code - {"docs/sdm.rst"} == set(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_blocks_and_the_skipped_ones(name):
    blocks = python_blocks(ROOT / name)
    skipped = [line for line, _, skip in blocks if skip is not None]
    assert len(blocks) - len(skipped) == FILES[name]
    assert len(skipped) == SKIPPED.get(name, 0)


def _check_user_guide(namespace, folder, printed):
    for written in ["sightings.csv", "fox.png", "fox_presence.csv", "fox_prior"]:
        assert (folder / written).exists(), written
    assert namespace["names"].shape == (len(namespace["cities"]), 384)
    # The search held out blocks and chose one of the radii it was given.
    assert namespace["search"].best_params_["encoder__min_radius"] in (1e-3, 1e-2, 1e-1)
    assert namespace["balanced"].classes_.size == 8


def _check_model_selection(namespace, folder, printed):
    assert (folder / "folds.png").exists()
    # The top-1 accuracies that the chapter's text quotes.
    quoted = ["random folds   0.125", "500 km blocks  0.050", "publications   0.070"]
    for line in quoted:
        assert line in printed


def _check_pretraining(namespace, folder, printed):
    assert namespace["embedding"].shape[0] == len(namespace["X"])
    assert set(namespace["search"].best_params_) == {
        "pretraining__loss",
        "hidden_units",
    }


# What a file's blocks leave behind, beyond running.
CHECKS = {
    "docs/user_guide.rst": _check_user_guide,
    "docs/model_selection.rst": _check_model_selection,
    "docs/pretraining.rst": _check_pretraining,
}


# The examples end plots in Agg, whose show() warns.
@pytest.mark.filterwarnings("ignore:FigureCanvasAgg is non-interactive:UserWarning")
@pytest.mark.parametrize("name", sorted(FILES))
def test_every_block_runs_in_order(name, reader_folder, capsys):
    namespace, ran = run_blocks(ROOT / name)
    assert ran == FILES[name]
    if name in CHECKS:
        CHECKS[name](namespace, reader_folder, capsys.readouterr().out)


WITH_DOCTESTS = [
    path.name
    for path in sorted((ROOT / "docs").glob("*.rst"))
    if re.search(r"^\s*>>> ", path.read_text(), re.MULTILINE)
]


def test_some_chapter_has_doctest_examples():
    assert "model_selection.rst" in WITH_DOCTESTS


@pytest.mark.parametrize("name", WITH_DOCTESTS)
def test_the_doctest_examples_of_the_docs(name):
    result = doctest.testfile(
        str(ROOT / "docs" / name),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
    )
    assert result.attempted > 0 and result.failed == 0


# -- the runner itself ------------------------------------------------------------
CHAPTER = """\
Title
=====

.. code-block:: python

   a = 1

.. skip-block-test: needs a cluster

.. code-block:: python

   raise RuntimeError("must not run")

A definition
    .. code-block:: python

       b = a + 1
"""


def test_the_runner_runs_in_order_and_leaves_out_the_marked_block(tmp_path):
    path = tmp_path / "chapter.rst"
    path.write_text(CHAPTER)
    blocks = python_blocks(path)
    assert [(line, skip) for line, _, skip in blocks] == [
        (4, None),
        (10, "needs a cluster"),
        (15, None),
    ]
    namespace, ran = run_blocks(path)
    assert ran == 2 and namespace["b"] == 2


def test_the_runner_names_the_failing_block_and_wants_a_reason(tmp_path):
    path = tmp_path / "chapter.rst"
    path.write_text(CHAPTER.replace(".. skip-block-test: needs a cluster", ""))
    with pytest.raises(AssertionError, match="chapter.rst line 10 failed"):
        run_blocks(path)
    path.write_text(CHAPTER.replace(": needs a cluster", ":"))
    with pytest.raises(ValueError, match="needs a reason"):
        python_blocks(path)


def test_the_runner_reads_markdown_fences(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("# T\n\n```python\nx = 2\n```\n\n```bash\nls\n```\n")
    assert python_blocks(path) == [(3, "x = 2", None)]
