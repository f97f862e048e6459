"""The ``skgeo-s2v`` command line.

``skgeo-s2v demo`` trains location classifiers with two position encoders on
built-in data, prints how well each does and writes maps of what they learnt.
``skgeo-s2v encode`` encodes random points with one encoder and prints a short
report. Run ``skgeo-s2v --help`` for the options. Nothing in the package
imports this module.
"""

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy import sparse

from skgeo_s2v import ENCODER_NAMES, make_encoder
from skgeo_s2v._sampling import lonlat_from_uniform

__all__ = ["main"]

# (lon, lat) in degrees: a European capital, a city on the equator, and a
# research station close to the South Pole.
CITIES = {
    "Paris": (2.3522, 48.8566),
    "Quito": (-78.4678, -0.1807),
    "McMurdo": (166.6683, -77.8419),
}

DATASETS = ("vmf", "geonames")
DEFAULT_ENCODERS = ("sphereM+", "grid")

# Scales of the demo's encoders: 16 scales down to a finest period of about
# 3.6° (2π · 0.01 rad for the sphere encoders, 2π · 0.5° for grid and theory),
# the size of the demo's classes. Other encoders keep their defaults.
_SPHERE_SCALES = {"n_scales": 16, "min_radius": 1e-2}
_PLANE_SCALES = {"n_scales": 16, "min_radius": 0.5}
DEMO_ENCODER_PARAMS = {
    **{name: _SPHERE_SCALES for name in ENCODER_NAMES if name.startswith("sphere")},
    "sphereDFS": {"n_scales": 8, "min_radius": 1e-2},
    "grid": _PLANE_SCALES,
    "theory": _PLANE_SCALES,
}

# The classifier of the demo: small enough to train in seconds on a laptop CPU.
DEMO_CLASSIFIER_PARAMS = {"hidden_units": 256, "lr": 1e-2, "batch_size": 1024}


def _encoder_list(text):
    """``--encoder`` values: one name or a comma-separated list."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENCODER_NAMES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown encoder {', '.join(map(repr, unknown or [text]))}; "
            f"choose from {', '.join(ENCODER_NAMES)}"
        )
    return names


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _epochs(text):
    if text == "auto":
        return text
    try:
        return _positive_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a positive integer or 'auto', got {text}"
        ) from None


def _resolution(text):
    value = float(text)
    if not 0 < value <= 90:
        raise argparse.ArgumentTypeError(
            f"must be a number of degrees in (0, 90], got {text}"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``skgeo-s2v``."""
    parser = argparse.ArgumentParser(
        prog="skgeo-s2v",
        description=(
            "Sphere2Vec location encoders for scikit-learn. "
            "Run 'skgeo-s2v COMMAND --help' for the options of a command."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_demo_parser(commands)
    _add_encode_parser(commands)
    return parser


def _add_demo_parser(commands):
    demo = commands.add_parser(
        "demo",
        help="train sphereM+ and grid location classifiers, compare them, draw maps",
        description=(
            "Train a location classifier P(class | location) with each encoder "
            "on built-in data, print a table of top-1 accuracy, mean reciprocal "
            "rank (MRR) and training time on held-out points, and write maps "
            "(PNG) to an output folder: the predicted range of one class, "
            "clusters of the learnt location embeddings, and the MRR per "
            "latitude band. Runs offline in about a minute on a laptop CPU."
        ),
    )
    demo.set_defaults(run=run_demo)
    demo.add_argument(
        "--dataset",
        choices=DATASETS,
        default="vmf",
        help=(
            "vmf: 50 synthetic classes of 100 points, von Mises-Fisher "
            "distributions on the sphere (the paper's synthetic data; the best "
            "possible accuracy is known). geonames: the cities of over 100,000 "
            "people labelled by country (needs: pip install 'skgeo_s2v[data]'; "
            "data by GeoNames, CC BY 4.0). Default: %(default)s"
        ),
    )
    demo.add_argument(
        "--encoder",
        type=_encoder_list,
        action="append",
        metavar="NAME[,NAME...]",
        help=(
            "position encoder(s) to compare; repeat the option or give a comma "
            f"list. Names: {', '.join(ENCODER_NAMES)} "
            f"(default: {','.join(DEFAULT_ENCODERS)})"
        ),
    )
    demo.add_argument(
        "--output",
        type=Path,
        metavar="FOLDER",
        help=(
            "folder for the maps and results.csv, created if needed "
            "(default: a new folder skgeo_s2v_demo_<date>-<time> in the "
            "current directory)"
        ),
    )
    demo.add_argument(
        "--device",
        default="auto",
        help="torch device: auto (CUDA when available), cpu, cuda, cuda:1, ... "
        "(default: %(default)s)",
    )
    demo.add_argument(
        "--max-epochs",
        type=_epochs,
        default=20,
        metavar="N",
        help=(
            "training epochs per model, or 'auto' to choose them on a "
            "validation split (slower; default: %(default)s)"
        ),
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the data, the split and the training (default: %(default)s)",
    )
    demo.add_argument(
        "--label",
        metavar="CLASS",
        help=(
            "class whose predicted range is mapped, e.g. 7 (vmf) or BR (geonames) "
            "(default: the class with the most training points)"
        ),
    )
    demo.add_argument(
        "--resolution",
        type=_resolution,
        default=2.0,
        metavar="DEG",
        help="cell size of the maps in degrees (default: %(default)s)",
    )
    demo.add_argument(
        "--verbose",
        action="store_true",
        help="also print the classifier's per-epoch training table",
    )


def _add_encode_parser(commands):
    encode = commands.add_parser(
        "encode",
        help="encode random points on the sphere and print a short report",
        description=(
            "Encode random points drawn uniformly on the sphere, plus a few "
            "cities, with one position encoder; print its output width, dtype "
            "and speed, and the first features of each city. Runs offline in "
            "seconds."
        ),
    )
    encode.set_defaults(run=run_encode)
    encode.add_argument(
        "--encoder",
        default="sphereM+",
        metavar="NAME",
        help=(
            "encoder name as in the paper, passed to skgeo_s2v.make_encoder: "
            f"{', '.join(ENCODER_NAMES)} (default: %(default)s)"
        ),
    )
    encode.add_argument(
        "--n-scales",
        type=int,
        metavar="S",
        help="number of scales S of a multi-scale encoder (default: the encoder's)",
    )
    encode.add_argument(
        "--min-radius",
        type=float,
        metavar="R",
        help="smallest scale r_min of a multi-scale encoder (default: the encoder's)",
    )
    encode.add_argument(
        "--n-points",
        type=int,
        default=2000,
        metavar="N",
        help="number of random points to encode (default: %(default)s)",
    )
    encode.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        default="float32",
        help="floating-point type of the points and codes (default: %(default)s)",
    )
    encode.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the random points and of random encoders (default: %(default)s)",
    )


# -- demo ---------------------------------------------------------------------
def _say(message):
    print(message, flush=True)


def _load_demo_data(dataset, seed, parser):
    """``(X, y, description, params)``; params are the vMF truth, or None."""
    from skgeo_s2v.datasets import make_vmf_mixture

    if dataset == "vmf":
        X, y, params = make_vmf_mixture(
            n_classes=50, n_samples_per_class=100, random_state=seed, return_params=True
        )
        return X, y, "vMF mixture: 50 synthetic classes of 100 points", params
    from skgeo_s2v.datasets import load_geonames_cities

    try:
        X, y = load_geonames_cities(
            label="country", min_population=100_000, min_samples_per_class=20
        )
    except ImportError as error:
        parser.error(f"--dataset geonames: {error}")
    description = (
        f"GeoNames: {X.shape[0]:,} cities of over 100,000 people in "
        f"{np.unique(y).shape[0]} countries (data: geonames.org, CC BY 4.0)"
    )
    return X, y, description, None


def _output_folder(requested):
    if requested is not None:
        requested.mkdir(parents=True, exist_ok=True)
        return requested
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ["", *(f"-{k}" for k in range(2, 100))]:
        folder = Path.cwd() / f"skgeo_s2v_demo_{stamp}{suffix}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"could not create a new folder skgeo_s2v_demo_{stamp}")


def _map_label(label, classes, y_train, parser):
    if label is None:
        values, counts = np.unique(y_train, return_counts=True)
        return values[np.argmax(counts)]
    for candidate in classes:
        if str(candidate) == label:
            return candidate
    shown = ", ".join(str(c) for c in classes[:8])
    parser.error(f"--label {label!r} is not a class of the data; e.g. {shown}, ...")


def run_demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Train, compare, draw; return the exit status."""
    encoders = list(dict.fromkeys(sum(args.encoder or [list(DEFAULT_ENCODERS)], [])))
    try:
        import matplotlib
    except ImportError:
        parser.error("the demo draws maps with matplotlib: pip install matplotlib")
    matplotlib.use("Agg")  # files only, never a window
    from sklearn.model_selection import train_test_split

    from skgeo_s2v import SphereLocationClassifier
    from skgeo_s2v.datasets import bayes_optimal_accuracy
    from skgeo_s2v.metrics import mean_reciprocal_rank, top_k_accuracy
    from skgeo_s2v.plotting import (
        plot_class_map,
        plot_embedding_clusters,
        plot_score_by_latitude,
    )

    start = time.perf_counter()
    X, y, description, truth = _load_demo_data(args.dataset, args.seed, parser)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=args.seed
    )
    _say(f"Data: {description}.")
    _say(f"      {X_train.shape[0]:,} training and {X_test.shape[0]:,} test points.")
    folder = _output_folder(args.output)
    _say(f"Output folder: {folder}\n")

    rows, scores, models = [], {}, {}
    for k, name in enumerate(encoders, 1):
        encoder = make_encoder(name, **DEMO_ENCODER_PARAMS.get(name, {}))
        model = SphereLocationClassifier(
            encoder,
            max_epochs=args.max_epochs,
            device=args.device,
            random_state=args.seed,
            verbose=int(args.verbose),
            **DEMO_CLASSIFIER_PARAMS,
        )
        epochs = (
            "epochs chosen on a validation split"
            if args.max_epochs == "auto"
            else f"for {args.max_epochs} epochs"
        )
        _say(f"[{k}/{len(encoders)}] training {name} {epochs} ...")
        tic = time.perf_counter()
        try:
            model.fit(X_train, y_train)
        except (ValueError, RuntimeError) as error:
            parser.error(f"training {name} failed: {error}")
        seconds = time.perf_counter() - tic
        score = model.predict_proba(X_test)
        top1 = top_k_accuracy(y_test, score, k=1, labels=model.classes_)
        mrr = mean_reciprocal_rank(y_test, score, labels=model.classes_)
        _say(f"      done in {seconds:.1f} s: top-1 {top1:.3f}, MRR {mrr:.3f}")
        rows.append((name, top1, mrr, seconds))
        scores[name] = score
        models[name] = model

    _say("\nDrawing maps ...")
    label = _map_label(args.label, models[encoders[0]].classes_, y_train, parser)
    written = []

    def save(figure, filename):
        figure.savefig(folder / filename, dpi=110)
        matplotlib.pyplot.close(figure)
        written.append(filename)

    for name, model in models.items():
        result = plot_class_map(
            model,
            label,
            resolution_deg=args.resolution,
            X_train=X_train,
            y_train=y_train,
        )
        result.ax.set_title(f"{name}: presence of class {label}")
        save(result.figure, f"map_{name}_class_{label}.png")
        result = plot_embedding_clusters(
            model, n_clusters=12, resolution_deg=args.resolution, random_state=args.seed
        )
        result.ax.set_title(f"{name}: 12 clusters of the location embeddings")
        save(result.figure, f"clusters_{name}.png")
    result = plot_score_by_latitude(
        y_test, scores, X_test[:, 1], labels=models[encoders[0]].classes_
    )
    save(result.figure, "mrr_by_latitude.png")

    lines = ["encoder,top1,mrr,fit_seconds"]
    lines += [f"{n},{t:.4f},{m:.4f},{s:.2f}" for n, t, m, s in rows]
    (folder / "results.csv").write_text("\n".join(lines) + "\n")
    written.append("results.csv")

    width = max(len("encoder"), *(len(name) for name in encoders))
    _say(f"\n{'encoder':<{width}}  {'top-1':>6}  {'MRR':>6}  {'fit time':>9}")
    for name, top1, mrr, seconds in rows:
        _say(f"{name:<{width}}  {top1:>6.3f}  {mrr:>6.3f}  {seconds:>7.1f} s")
    if truth is not None:
        ceiling = bayes_optimal_accuracy(X_test, y_test, truth)
        _say(f"Best possible top-1 (Bayes-optimal, true densities): {ceiling:.3f}")
    _say(f"\nWrote to {folder}:")
    for filename in written:
        _say(f"  {filename}")
    _say(f"Total time: {time.perf_counter() - start:.1f} s")
    return 0


# -- encode -------------------------------------------------------------------
def run_encode(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Encode the points and print the report; return the exit status."""
    if args.n_points < 1:
        parser.error(f"--n-points must be at least 1, got {args.n_points}.")
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(args.seed)
    # Uniform by area: lon ~ U[-180, 180), lat = degrees(arcsin(U[-1, 1])).
    points = lonlat_from_uniform(rng.random(args.n_points), rng.random(args.n_points))
    points = points.astype(dtype)
    cities = np.array(list(CITIES.values()), dtype=dtype)

    try:
        encoder = make_encoder(args.encoder)
    except ValueError as error:
        parser.error(str(error))
    accepted = encoder.get_params()
    params = {"random_state": args.seed} if "random_state" in accepted else {}
    for option, param, value in [
        ("--n-scales", "n_scales", args.n_scales),
        ("--min-radius", "min_radius", args.min_radius),
    ]:
        if value is None:
            continue
        if param not in accepted:
            parser.error(
                f"{option} does not apply to encoder {args.encoder!r}, "
                f"which has no {param} parameter; leave it out."
            )
        params[param] = value
    encoder.set_params(**params)
    try:
        encoder.fit(points)
    except ValueError as error:
        parser.error(f"encoder {args.encoder!r}: {error}")

    # Best of three runs: the first one also pays for warming up.
    seconds = np.inf
    for _ in range(3):
        start = time.perf_counter()
        codes = encoder.transform(points)
        seconds = min(seconds, time.perf_counter() - start)
    city_codes = encoder.transform(cities)
    if sparse.issparse(city_codes):
        city_codes = city_codes.toarray()
    names = encoder.get_feature_names_out()

    print(f"Encoded {args.n_points:,} random points on the sphere.\n")
    report = {
        "encoder": f"{args.encoder} ({type(encoder).__name__})",
        "output width": str(codes.shape[1]),
        "dtype": str(codes.dtype),
        "points/s": f"{args.n_points / max(seconds, 1e-9):,.0f}",
    }
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")

    n_shown = min(4, len(names))
    print(f"\nFirst {n_shown} features of {len(CITIES)} cities:\n")
    name_width = max(len("feature"), *(len(name) for name in names[:n_shown]))
    print(f"{'feature':<{name_width}}" + "".join(f"  {c:>9}" for c in CITIES))
    for j in range(n_shown):
        values = "".join(f"  {value:>9.4f}" for value in city_codes[:, j])
        print(f"{names[j]:<{name_width}}{values}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``skgeo-s2v`` command.

    Parameters
    ----------
    argv : sequence of str or None, default=None
        The arguments after the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        The exit status, 0 on success. Bad arguments and ``--help`` raise
        ``SystemExit`` as :mod:`argparse` does.
    """
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return args.run(args, parser)
