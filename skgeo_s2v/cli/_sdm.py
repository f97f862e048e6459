"""``skgeo-s2v sdm``: model the species of a virtual region, judge them on a survey."""

import argparse
import time

import numpy as np

from ._output import output_folder, say

__all__ = ["run_sdm"]


def _map_label(label, species, records, parser):
    if label is None:
        return records["species"].value_counts().index[0]
    if label not in species:
        parser.error(
            f"--label {label!r} is not a species of the data; they are "
            f"{', '.join(species)}."
        )
    return label


def _aucs(presence, scores, labels):
    """``{species: survey ROC AUC}``, NaN where a species cannot be scored."""
    from skgeo_s2v.sdm import presence_auc

    aucs = presence_auc(presence, scores, labels=labels, average=None)
    return dict(zip(labels, aucs))


def run_sdm(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Fit, judge on the survey, map; return the exit status."""
    try:
        import matplotlib
        import xarray  # noqa: F401
    except ImportError:
        parser.error(
            "the sdm command needs the sdm and plots extras: "
            "pip install 'skgeo_s2v[sdm,plots]'"
        )
    matplotlib.use("Agg")  # files only, never a window
    from skgeo_s2v.datasets import make_virtual_survey
    from skgeo_s2v.plotting import plot_grid_map
    from skgeo_s2v.sdm import (
        KernelDensityClassifier,
        binary_range,
        class_thresholds,
        make_sdm_ensemble,
        predict_grid,
    )

    start = time.perf_counter()
    try:
        data = make_virtual_survey(
            args.region,
            n_species=args.n_species,
            land_only=not args.anywhere,
            random_state=args.seed,
        )
    except ValueError as error:
        parser.error(f"--region: {error}")
    records = data.records
    X, species = records.drop(columns="species"), records["species"]
    label = _map_label(args.label, data.species, records, parser)
    where = "anywhere in" if args.anywhere else "on the land of"
    say(
        f"Data: {args.n_species} virtual species {where} the region {args.region!r}: "
        f"{len(records):,} presence-only records, {len(data.background):,} "
        f"background sites, a survey of {len(data.survey):,} sites."
    )
    folder = output_folder(args.output, "skgeo_s2v_sdm")
    say(f"Output folder: {folder}\n")

    say("Fitting the recipe for many species (make_sdm_ensemble) ...")
    tic = time.perf_counter()
    model = make_sdm_ensemble(data.background, random_state=args.seed).fit(X, species)
    seconds = time.perf_counter() - tic
    say(f"      done in {seconds:.1f} s; the kernel density of the records ...")
    lonlat = ["lon", "lat"]
    density = KernelDensityClassifier(random_state=args.seed).fit(X[lonlat], species)

    presence = data.survey_presence
    recipe = _aucs(presence, model.predict_presence(data.survey), model.classes_)
    baseline = _aucs(
        presence, density.predict_presence(data.survey[lonlat]), density.classes_
    )
    ceiling = _aucs(presence, data.survey_occupancy.to_numpy(), data.species)

    say("\nDrawing the maps ...")
    written = []

    def save(figure, filename):
        figure.savefig(folder / filename, dpi=110)
        matplotlib.pyplot.close(figure)
        written.append(filename)

    thresholds = class_thresholds(
        species,
        model.predict_presence(X),
        labels=model.classes_,
        background_score=model.predict_presence(data.background),
        method="max_tss",
    )
    layers = data.covariate_layers(args.resolution)
    grid = predict_grid(
        model, resolution_deg=args.resolution, bbox=data.bbox, covariates=layers
    )
    ranges = binary_range(grid, thresholds)
    result = plot_grid_map(grid, label)
    result.ax.set_title(f"{label}: the recipe's score")
    save(result.figure, f"score_{label}.png")
    result = plot_grid_map(ranges, label)
    own = records[species == label]
    result.ax.scatter(own["lon"], own["lat"], s=4, color="black")
    result.ax.set_title(f"{label}: range above the threshold (max TSS), records")
    save(result.figure, f"range_{label}.png")
    result = plot_grid_map(data.occupancy_grid(args.resolution), label)
    result.ax.set_title(f"{label}: the true probability of occupancy")
    save(result.figure, f"truth_{label}.png")
    try:
        from skgeo_s2v.sdm import to_geotiff

        to_geotiff(ranges, folder / "ranges.tif")
        written.append("ranges.tif")
    except ImportError:
        say("      (no GeoTIFF: pip install 'skgeo_s2v[geotiff]' to write one)")

    names = list(data.species)
    lines = ["species,records,recipe_auc,kernel_density_auc,true_occupancy_auc"]
    counts = species.value_counts()
    for name in names:
        values = (recipe[name], baseline[name], ceiling[name])
        lines.append(
            f"{name},{counts.get(name, 0)}," + ",".join(f"{v:.4f}" for v in values)
        )
    (folder / "results.csv").write_text("\n".join(lines) + "\n")
    written.append("results.csv")

    say(
        "\nROC AUC on the survey (presences against absences; n/a: no "
        "presence or no absence there)"
    )
    say(f"{'species':<8}  {'records':>7}  {'recipe':>6}  {'density':>7}  {'truth':>6}")

    def shown(value, width):
        return f"{value:>{width}.3f}" if np.isfinite(value) else f"{'n/a':>{width}}"

    for name in names:
        say(
            f"{name:<8}  {counts.get(name, 0):>7}  {shown(recipe[name], 6)}  "
            f"{shown(baseline[name], 7)}  {shown(ceiling[name], 6)}"
        )
    scored = [n for n in names if np.isfinite(ceiling[n])]
    say(
        f"{'mean':<8}  {'':>7}  "
        f"{shown(np.mean([recipe[n] for n in scored]), 6)}  "
        f"{shown(np.mean([baseline[n] for n in scored]), 7)}  "
        f"{shown(np.mean([ceiling[n] for n in scored]), 6)}"
    )
    say(
        "recipe: make_sdm_ensemble (a GAM per species and the location-only "
        "recipe); density: each species' kernel density of its records; truth: "
        "the true occupancy, the best ranking in expectation."
    )
    say(f"\nWrote to {folder}:")
    for filename in written:
        say(f"  {filename}")
    say(f"Total time: {time.perf_counter() - start:.1f} s")
    return 0
