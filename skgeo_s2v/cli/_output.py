"""What the commands share: printing their report and choosing their output folder."""

from datetime import datetime
from pathlib import Path

__all__ = ["output_folder", "say"]


def say(message):
    """Print a line of a command's report at once."""
    print(message, flush=True)


def output_folder(requested, prefix="skgeo_s2v_demo"):
    """The folder given (created if needed), or a new ``<prefix>_<date>-<time>``
    folder in the current directory."""
    if requested is not None:
        requested.mkdir(parents=True, exist_ok=True)
        return requested
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for suffix in ["", *(f"-{k}" for k in range(2, 100))]:
        folder = Path.cwd() / f"{prefix}_{stamp}{suffix}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"could not create a new folder {prefix}_{stamp}")
