"""Helpers every benchmark report shares: marked sections, table rows, the git commit.

docs/performance.md is written by several benchmarks; each owns one marked section: a
benchmark replaces only the text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``
(appending the section when it is missing), so re-running one never erases another's numbers.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def table_row(cells: Sequence[object]) -> str:
    """One markdown table row."""
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def git_commit() -> str:
    """Short commit, marked when the work tree has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head} (with uncommitted changes)" if dirty else head

TITLE = (
    "# Performance\n\nEach section is written by the benchmark it names; re-run that benchmark to "
    "update it.\n"
)


def replace_section(path: Path, name: str, text: str) -> None:
    """Write ``text`` as section ``name`` of the report at ``path``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    current = path.read_text(encoding="utf-8") if path.exists() else TITLE
    if not current.lstrip().startswith("# Performance"):
        current = TITLE  # an old single-report file: start the sectioned layout
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), flags=re.DOTALL)
    updated = (
        pattern.sub(lambda _: block, current)
        if pattern.search(current)
        else f"{current.rstrip()}\n\n{block}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated if updated.endswith("\n") else updated + "\n", encoding="utf-8")
