"""Shared fixtures: small samples of real (lon, lat) points.

Also a guard: the README's test command installs every optional dependency
the suite uses, so a test skipped because one is missing means that command
(or the ``tests`` extra) is broken. Such skips fail the run, unless
``SKGEO_S2V_ALLOW_MISSING_EXTRAS=1`` is set (for a deliberately partial
environment). Skips for missing hardware (a GPU) are not affected.
"""

import os
import re

import numpy as np
import pytest

import skgeo_s2v

# Skip reasons that mean "an optional package is missing": pytest.importorskip
# says "could not import", and the suite's own skip marks name the extra.
_MISSING_DEPENDENCY = re.compile(r"could not import|skgeo_s2v\[|pip install")
_missing_dependency_skips = []


def pytest_runtest_logreport(report):
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2]
        if _MISSING_DEPENDENCY.search(reason):
            _missing_dependency_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    allowed = os.environ.get("SKGEO_S2V_ALLOW_MISSING_EXTRAS") == "1"
    if _missing_dependency_skips and not allowed and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _missing_dependency_skips:
        terminalreporter.section("skipped for a missing optional dependency")
        for line in _missing_dependency_skips:
            terminalreporter.write_line(line)
        terminalreporter.write_line(
            "The README's test command installs every optional dependency the "
            'suite needs: `pip install -e ".[tests]"`. This run fails unless '
            "SKGEO_S2V_ALLOW_MISSING_EXTRAS=1."
        )


def uniform_sphere(n, seed=0):
    """``n`` points drawn uniformly on the sphere, as (lon, lat) degrees."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-180.0, 180.0, n)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    return np.column_stack([lon, lat])


# One small, fast instance of every public encoder.
ENCODER_INSTANCES = [
    skgeo_s2v.SphereCEncoder(n_scales=4),
    skgeo_s2v.SphereCPlusEncoder(n_scales=4),
    skgeo_s2v.SphereMEncoder(n_scales=4),
    skgeo_s2v.SphereMPlusEncoder(n_scales=4),
    skgeo_s2v.SphereDFSEncoder(n_scales=3),
    skgeo_s2v.GridEncoder(n_scales=4),
    skgeo_s2v.TheoryEncoder(n_scales=4),
    skgeo_s2v.WrapEncoder(),
    skgeo_s2v.XYZEncoder(),
    skgeo_s2v.RBFEncoder(n_anchors=8, random_state=0),
    skgeo_s2v.RFFEncoder(n_components=8, random_state=0),
    skgeo_s2v.TileEncoder(resolution=30.0),
    skgeo_s2v.SphericalHarmonicsEncoder(max_degree=4),
]


def encoder_id(encoder):
    return type(encoder).__name__


@pytest.fixture
def lonlat():
    return uniform_sphere(50, seed=1)
