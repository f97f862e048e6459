"""Run the ``skgeo-s2v`` command as ``python -m skgeo_s2v``."""

import sys

from skgeo_s2v.cli import main

if __name__ == "__main__":
    sys.exit(main())
