"""Tests of the ``skgeo-s2v`` command line."""

import runpy
import sys

import numpy as np
import pytest

from skgeo_s2v import make_encoder
from skgeo_s2v.cli import CITIES, main


def _report(text):
    """The ``key  value`` lines of the demo's report as a dict."""
    lines = {}
    for line in text.splitlines():
        key, sep, value = line.partition("  ")
        if sep and key in {"encoder", "output width", "dtype", "points/s"}:
            lines[key] = value.strip()
    return lines


def test_demo_prints_the_report(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    report = _report(out)
    assert report["encoder"] == "sphereM+ (SphereMPlusEncoder)"
    assert report["output width"] == "256"  # 8 features x 32 scales
    assert report["dtype"] == "float32"
    assert float(report["points/s"].replace(",", "")) > 0
    assert "2,000 random points" in out

    # One row per feature, one column per city, values as the encoder gives them.
    header = next(line for line in out.splitlines() if line.startswith("feature"))
    assert header.split() == ["feature", *CITIES]
    encoder = make_encoder("sphereM+")
    names = encoder.get_feature_names_out()[:4]
    codes = encoder.fit_transform(np.array(list(CITIES.values()), dtype=np.float32))
    for j, name in enumerate(names):
        row = next(line for line in out.splitlines() if line.startswith(name + " "))
        values = [float(v) for v in row[len(name) :].split()]
        assert values == pytest.approx(codes[:, j], abs=1e-3)


@pytest.mark.parametrize(
    "argv, encoder, width, dtype",
    [
        (["--encoder", "xyz"], "xyz (XYZEncoder)", "3", "float32"),
        (
            ["--encoder", "grid", "--n-scales", "4"],
            "grid (GridEncoder)",
            "16",
            "float32",
        ),
        (
            ["--encoder", "sphereC", "--n-scales", "2", "--min-radius", "0.1"],
            "sphereC (SphereCEncoder)",
            "6",
            "float32",
        ),
        (["--encoder", "rbf", "--dtype", "float64"], None, None, "float64"),
    ],
)
def test_demo_options(capsys, argv, encoder, width, dtype):
    assert main(["demo", *argv]) == 0
    report = _report(capsys.readouterr().out)
    if encoder is not None:
        assert report["encoder"] == encoder
        assert report["output width"] == width
    assert report["dtype"] == dtype


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "--encoder", "no-such-encoder"], "no-such-encoder"),
        (["demo", "--n-scales", "0"], "n_scales"),
        (["demo", "--encoder", "xyz", "--n-scales", "4"], "--n-scales does not apply"),
        (["demo", "--n-points", "0"], "--n-points"),
        (["demo", "--dtype", "float16"], "float16"),
        ([], "COMMAND"),
    ],
)
def test_bad_arguments_exit_with_a_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"]])
def test_help(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: skgeo-s2v" in out
    assert "demo" in out


def test_python_dash_m(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["skgeo_s2v", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("skgeo_s2v", run_name="__main__", alter_sys=True)
    assert exit_info.value.code == 0
    assert "demo" in capsys.readouterr().out
