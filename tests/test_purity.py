"""The functional core stays pure: no BLE, asyncio, UI, storage or clock reads (checked on the source).

Covers the analyser (runsense/analysis) and the sensor decoding layer (runsense/profiles).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "runsense"
PURE_PACKAGES = (ROOT / "analysis", ROOT / "profiles")
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
CLOCK_ATTRIBUTES = {"now", "utcnow", "today", "monotonic"}
MODULES = sorted(path for package in PURE_PACKAGES for path in package.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_no_io_and_reads_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            if isinstance(node, ast.Attribute) and node.attr in CLOCK_ATTRIBUTES:
                pytest.fail(f"{path.name}:{node.lineno} reads the clock ({node.attr})")
            continue
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name}:{node.lineno} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 320, f"{path.name} should be split"
