"""benchmarks/mqtt.py runs end to end at a tiny size and writes only its own report section."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.mqtt.conftest import MOSQUITTO

pytestmark = pytest.mark.broker


@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto is not installed (scripts/test installs it)")
def test_mqtt_benchmark_writes_its_section(tmp_path: Path) -> None:
    report = tmp_path / "performance.md"
    report.write_text("# Performance\n\nintro\n\n<!-- other:start -->\nkeep me\n<!-- other:end -->\n")
    proc = subprocess.run(
        [sys.executable, "benchmarks/mqtt.py", "--runners", "5", "--seconds", "1", "--quiet-wait", "0",
         "--retries", "0", "--no-capacity", "--keep-going", "--out", str(report)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    text = report.read_text()
    assert "<!-- other:start -->\nkeep me\n<!-- other:end -->" in text
    assert text.index("<!-- mqtt:start -->") > text.index("<!-- other:end -->")
    row = next(line for line in text.splitlines() if line.startswith("| 5 |"))
    assert row.split("|")[4].strip() == "0"  # nothing lost
