"""Print a command of the README's quick start, so CI runs exactly what it says.

The README opens with a quick start of two shell commands, each alone in a
``bash`` code block: the first installs the package and runs the demo, the
second installs it and runs the test suite. ``python .ci/quickstart.py demo``
prints the first, ``python .ci/quickstart.py tests`` the second; ``.ci/run``
executes them verbatim, and tests/test_install.py checks the same parse.
"""

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
COMMANDS = ("demo", "tests")


def quick_start_commands(text):
    """The shell commands of the README's "Quick start" section, in order."""
    match = re.search(r"^## Quick start\n(.*?)(?=^## )", text, flags=re.M | re.S)
    if match is None:
        raise ValueError("README.md has no '## Quick start' section")
    blocks = re.findall(r"^```bash\n(.*?)^```", match.group(1), flags=re.M | re.S)
    commands = [block.strip() for block in blocks]
    if len(commands) != len(COMMANDS) or any("\n" in c for c in commands):
        raise ValueError(
            "the README's quick start must hold exactly two one-line bash "
            f"blocks (demo, tests); found {commands!r}"
        )
    return dict(zip(COMMANDS, commands))


def main(argv):
    if len(argv) != 1 or argv[0] not in COMMANDS:
        sys.exit(f"usage: python .ci/quickstart.py {{{','.join(COMMANDS)}}}")
    print(quick_start_commands(README.read_text(encoding="utf-8"))[argv[0]])


if __name__ == "__main__":
    main(sys.argv[1:])
