"""The throughput benchmark runs end to end on a tiny synthetic outdoor run and writes its report.

Only the report's shape is checked (headings, one numeric cell where a number belongs);
how fast anything is stays the benchmark's business, never a test's.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.conftest import load_benchmark_script

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "throughput.py"
FS_HZ = 100.0
N_ROWS = 3000


def load_benchmark(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The benchmark script as a module."""
    return load_benchmark_script("throughput", monkeypatch)


def _bumps_g(t_s: np.ndarray, period_s: float, width_s: float, height_g: float) -> np.ndarray:
    """A smooth Gaussian bump of ``height_g`` every ``period_s``: one trunk peak per step."""
    phase_s = (t_s % period_s) - 0.5 * period_s
    return height_g * np.exp(-0.5 * (phase_s / width_s) ** 2)


def _impacts_g(t_s: np.ndarray, period_s: float, decay_s: float, height_g: float) -> np.ndarray:
    """A sudden rise to ``height_g`` every ``period_s``, then a decay: one foot impact per stride."""
    return height_g * np.exp(-(t_s % period_s) / decay_s)


def write_fake_run(root: Path) -> Path:
    """A 30 s adept_outdoor_run folder: ankle impacts every 0.78 s, hip bumps every 0.39 s (154 spm)."""
    folder = root / "adept_outdoor_run"
    folder.mkdir(parents=True)
    t_s = np.arange(N_ROWS) / FS_HZ
    swing_g = 0.3 * np.sin(2 * np.pi * t_s / 0.78)
    signals = {
        "left_ankle.csv.gz": (swing_g, 0.1 * swing_g, 1.0 + _impacts_g(t_s, 0.78, 0.04, 4.0)),
        "left_hip.csv.gz": (0.05 * swing_g, np.zeros_like(t_s), 1.0 + _bumps_g(t_s, 0.39, 0.03, 1.2)),
    }
    for name, (ax_g, ay_g, az_g) in signals.items():
        rows = [f"{t:.2f},{x:.4f},{y:.4f},{z:.4f}" for t, x, y, z in zip(t_s, ax_g, ay_g, az_g, strict=True)]
        with gzip.open(folder / name, "wt", encoding="utf-8") as handle:
            handle.write("t_s,ax_g,ay_g,az_g\n" + "\n".join(rows) + "\n")
    return root


def section_rows(report: str, heading: str) -> list[list[str]]:
    """Cells of the data rows of the first table under ``heading`` (header and separator dropped)."""
    lines = report.split(f"{heading}\n", 1)[1].split("\n#", 1)[0].splitlines()
    table = [line for line in lines if line.startswith("|")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    assert all(len(row) == len(header) for row in rows), (header, rows)
    return rows


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_throughput_report_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write_fake_run(tmp_path / "data")
    out = tmp_path / "report" / "performance.md"
    status = load_benchmark(monkeypatch).main(["--data", str(data), "--out", str(out), "--repeats", "2"])
    assert status == 0
    report = out.read_text(encoding="utf-8")
    assert report.startswith("# Performance")
    assert "<!-- throughput:start -->\n## Analyser throughput and latency" in report
    for needle in ("- command: `", "- date: ", "- git commit: ", "- machine: ", "- threads: "):
        assert needle in report
    assert report.count("<!-- throughput:end -->") == 1
    assert "## Analyser throughput and latency" in capsys.readouterr().out

    batch = section_rows(report, "### Batch: whole recording at once")
    detectors = (
        "runsense batch", "runsense batch + Step objects", "runsense streaming, one feed", "naive peaks"
    )
    assert [(row[0], row[1], row[2]) for row in batch] == [
        (detector, sensor, placement)
        for detector in detectors
        for sensor, placement in (("left_ankle", "foot"), ("left_hip", "sacrum"))
    ]
    for row in batch:
        assert row[3] == str(N_ROWS)
        assert row[4] == "2"
        assert all(is_number(cell) for cell in row[5:9])
    assert all(row[9] == "5.0" and row[10] in {"yes", "**NO**"} for row in batch[:2])
    assert all(row[9] == "-" and row[10] == "-" for row in batch[2:])

    sanity = section_rows(report, "### Sanity: steps found")
    assert len(sanity) == 8
    for row in sanity:
        assert int(row[3]) > 0
        assert is_number(row[5])
    assert all(is_number(row[6]) for row in sanity[:6])
    assert [row[7] for row in sanity] == ["yes", "yes"] + ["-"] * 6  # batch steps == streaming steps

    live = section_rows(report, "### Live path: latency of one Analyser.feed call")
    assert [(row[0], int(row[2])) for row in live] == [
        (sensor, chunk) for sensor in ("left_ankle", "left_hip") for chunk in (1, 10, 50)
    ]
    for row in live:
        assert int(row[3]) == -(-N_ROWS // int(row[2]))  # every sample fed, one call per chunk
        assert all(is_number(cell) for cell in row[4:8])
        assert (row[8], row[9] in {"yes", "**NO**"}) == (("200", True) if row[2] == "10" else ("-", False))
        assert row[10] == "5"  # passes
        lowest, highest = (float(x) for x in row[11].split(" - "))
        assert lowest <= float(row[5]) <= highest  # the median pass's p99 lies within the range


def test_throughput_without_data_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.md"
    status = load_benchmark(monkeypatch).main(["--data", str(tmp_path), "--out", str(out)])
    assert status == 2
    err = capsys.readouterr().err
    assert "cannot load the outdoor run" in err
    assert "left_ankle.csv.gz" in err
    assert not out.exists()
