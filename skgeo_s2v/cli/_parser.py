"""The arguments of ``skgeo-s2v``: the parser, its commands and its value checks."""

import argparse
from pathlib import Path

from skgeo_s2v import ENCODER_NAMES

__all__ = ["DATASETS", "DEFAULT_ENCODERS", "build_parser"]

DATASETS = ("vmf", "geonames")
DEFAULT_ENCODERS = ("sphereM+", "grid")


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
    """The argument parser of ``skgeo-s2v``, one subcommand per job.

    Returns
    -------
    parser : argparse.ArgumentParser
        Parses ``demo``, ``sdm`` and ``encode`` and their options; ``args.command``
        names the command given.

    Examples
    --------
    >>> args = build_parser().parse_args(["demo", "--max-epochs", "auto"])
    >>> args.command, args.max_epochs, args.resolution
    ('demo', 'auto', 2.0)
    """
    parser = argparse.ArgumentParser(
        prog="skgeo-s2v",
        description=(
            "Sphere2Vec location encoders for scikit-learn. "
            "Run 'skgeo-s2v COMMAND --help' for the options of a command."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_demo_parser(commands)
    _add_sdm_parser(commands)
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


def _add_sdm_parser(commands):
    from skgeo_s2v.datasets import VIRTUAL_SURVEY_REGIONS

    sdm = commands.add_parser(
        "sdm",
        help="model the species of a virtual survey region, judge them on its survey",
        description=(
            "Make up a region of virtual species (skgeo_s2v.datasets."
            "make_virtual_survey: presence-only records with the observers' "
            "bias, background sites and a presence-absence survey, with four "
            "covariates), fit the documented recipe for many species "
            "(skgeo_s2v.sdm.make_sdm_ensemble) to the records, print each "
            "species' ROC AUC on the survey beside that of the kernel density "
            "of its records and of the true occupancy, and write to an output "
            "folder the score, the thresholded range and the true occupancy of "
            "one species (PNG, with coastlines), the ranges of every species "
            "(GeoTIFF, with the geotiff extra) and results.csv. Needs the sdm "
            "and plots extras; runs offline in about 20 seconds on two CPU cores."
        ),
    )
    sdm.add_argument(
        "--region",
        default="south-east australia",
        metavar="NAME",
        help=(
            f"the study region: {', '.join(VIRTUAL_SURVEY_REGIONS)} (case, "
            "hyphens and underscores do not matter; default: %(default)s)"
        ),
    )
    sdm.add_argument(
        "--n-species",
        type=_positive_int,
        default=10,
        metavar="N",
        help="virtual species to make (default: %(default)s)",
    )
    sdm.add_argument(
        "--anywhere",
        action="store_true",
        help="place the sites anywhere in the region's box, sea included "
        "(default: on land only)",
    )
    sdm.add_argument(
        "--output",
        type=Path,
        metavar="FOLDER",
        help=(
            "folder for the maps, ranges.tif and results.csv, created if needed "
            "(default: a new folder skgeo_s2v_sdm_<date>-<time> in the current "
            "directory)"
        ),
    )
    sdm.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the data and the models (default: %(default)s)",
    )
    sdm.add_argument(
        "--label",
        metavar="SPECIES",
        help="species whose maps are drawn, e.g. sp03 (default: the species "
        "with the most records)",
    )
    sdm.add_argument(
        "--resolution",
        type=_resolution,
        default=0.05,
        metavar="DEG",
        help="cell size of the maps in degrees (default: %(default)s)",
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
