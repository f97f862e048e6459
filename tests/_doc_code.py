"""Run the Python code of the docs as a reader would: every block, in order.

A chapter's blocks build on one another, so they run one after the other in
one namespace, as a reader pasting them would run them. A block that cannot
run in the test suite (it needs a cluster, or minutes) is preceded by the
reST comment ``.. skip-block-test: <why>``, which the rendered page does not
show; the reason is required.
"""

import re

_RST_BLOCK = re.compile(r"^(\s*)\.\. code-block:: python\s*$")
_SKIP = re.compile(r"^\s*\.\. skip-block-test:(.*)$")
_MARKDOWN_FENCE = re.compile(r"^```python\s*$")


def rst_python_blocks(text):
    """``(line, code, skip_reason)`` of each ``.. code-block:: python`` of an
    rst text, its indentation removed; ``skip_reason`` is None unless the
    block is marked ``.. skip-block-test: <why>``."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        match = _RST_BLOCK.match(lines[i])
        if not match:
            i += 1
            continue
        indent, j, body = len(match.group(1)), i + 1, []
        while j < len(lines) and (
            not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
        ):
            body.append(lines[j])
            j += 1
        depth = min(len(b) - len(b.lstrip()) for b in body if b.strip())
        code = "\n".join(b[depth:] for b in body)
        blocks.append((i + 1, code, _skip_reason(lines, i)))
        i = j
    return blocks


def markdown_python_blocks(text):
    """``(line, code, None)`` of each fenced ```` ```python ```` block."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if not _MARKDOWN_FENCE.match(lines[i]):
            i += 1
            continue
        j = i + 1
        while lines[j].strip() != "```":
            j += 1
        blocks.append((i + 1, "\n".join(lines[i + 1 : j]), None))
        i = j + 1
    return blocks


def _skip_reason(lines, i):
    """The reason of a ``.. skip-block-test:`` comment just above line i."""
    k = i - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    match = _SKIP.match(lines[k]) if k >= 0 else None
    if match is None:
        return None
    reason = match.group(1).strip()
    if not reason:
        raise ValueError(f"line {k + 1}: '.. skip-block-test:' needs a reason")
    return reason


def python_blocks(path):
    """The Python blocks of an rst or a Markdown file."""
    text = path.read_text()
    if path.suffix == ".md":
        return markdown_python_blocks(text)
    return rst_python_blocks(text)


def run_blocks(path, namespace=None):
    """Run the blocks of ``path`` not marked to skip, in order, in one
    namespace; a failing block raises an AssertionError naming its line.
    Returns the namespace and the number of blocks run."""
    namespace = {} if namespace is None else namespace
    ran = 0
    for line, code, skip in python_blocks(path):
        if skip is not None:
            continue
        try:
            exec(compile(code, f"{path.name}, line {line}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(
                f"the block at {path.name} line {line} failed: {error!r}"
            ) from error
        ran += 1
    return namespace, ran
