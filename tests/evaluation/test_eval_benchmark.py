"""The accuracy benchmark runs end to end on a tiny synthetic folder and writes its report.

Only the report's shape is checked here; what the numbers say is the benchmark's job.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import load_benchmark_script
from tests.evaluation.synthetic_eval_data import make_synthetic_data

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "accuracy.py"


def load_benchmark(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The benchmark script as a module."""
    return load_benchmark_script("accuracy", monkeypatch)


def test_benchmark_writes_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_synthetic_data(tmp_path / "data")
    out = tmp_path / "report" / "accuracy.md"
    status = load_benchmark(monkeypatch).main(["--data", str(data), "--out", str(out)])
    assert status == 0
    report = out.read_text(encoding="utf-8")
    assert report.startswith("# Contact-detection accuracy")
    for needle in ("- command: `", "- date: ", "- git commit: ", "- machine: ", "## Summary", "*goal*"):
        assert needle in report
    assert "| naive peaks | alcantara2022_sacrum | sacrum | running | 1 |" in report
    assert "## Per trial, worst first: naive peaks" in report
    assert report in capsys.readouterr().out


def test_benchmark_without_data_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status = load_benchmark(monkeypatch).main(["--data", str(tmp_path), "--out", str(tmp_path / "out.md")])
    assert status == 2
    assert "cannot load the labelled data" in capsys.readouterr().err
    assert not (tmp_path / "out.md").exists()
