"""The ``skgeo-s2v`` command line.

``skgeo-s2v demo`` trains location classifiers with two position encoders on
built-in data, prints how well each does and writes maps of what they learnt.
``skgeo-s2v sdm`` fits the species distribution recipe to a virtual survey
region, judges it on the region's survey and writes range maps.
``skgeo-s2v encode`` encodes random points with one encoder and prints a short
report. Run ``skgeo-s2v --help`` for the options. Nothing in the package
imports this module.

The commands live in one module each (``_demo``, ``_sdm``, ``_encode``);
``_parser`` defines the arguments, ``_output`` what their reports share,
and this module dispatches to the command named.
"""

import sys
from collections.abc import Sequence

from ._demo import run_demo
from ._encode import CITIES, run_encode
from ._parser import build_parser
from ._sdm import run_sdm

__all__ = ["CITIES", "build_parser", "main"]

_COMMANDS = {"demo": run_demo, "sdm": run_sdm, "encode": run_encode}


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

    Examples
    --------
    >>> from skgeo_s2v.cli import main
    >>> main(["encode", "--encoder", "xyz", "--n-points", "10"])
    Encoded 10 random points on the sphere.
    ...
    output width  3
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return _COMMANDS[args.command](args, parser)
