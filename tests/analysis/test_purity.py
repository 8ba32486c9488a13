"""The analysis core stays pure: no I/O frameworks and no clock reads (checked on the source)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "runsense" / "analysis"
FORBIDDEN_MODULES = {"asyncio", "bleak", "textual", "aiomqtt", "time", "socket", "sqlite3"}


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_module_imports_no_io_and_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "today"}:
                pytest.fail(f"{path.name}:{node.lineno} reads the clock ({node.attr})")
            continue
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name}:{node.lineno} imports {name}"
