"""The profile layer stays pure: no BLE, asyncio, UI or clock reads (checked on the source)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "runsense" / "profiles"
FORBIDDEN_MODULES = {
    "asyncio",
    "bleak",
    "bumble",
    "textual",
    "aiomqtt",
    "time",
    "socket",
    "sqlite3",
    "threading",
}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_no_io_and_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            if isinstance(node, ast.Attribute) and node.attr in {"now", "utcnow", "today", "monotonic"}:
                pytest.fail(f"{path.name}:{node.lineno} reads the clock ({node.attr})")
            continue
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name}:{node.lineno} imports {name}"


def test_modules_stay_small() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text().splitlines()) <= 320, f"{path.name} should be split"
