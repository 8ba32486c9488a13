"""docs/performance.md is written by several benchmarks; each owns one marked section.

A benchmark replaces only the text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``
(appending the section when it is missing), so re-running one never erases another's numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

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
