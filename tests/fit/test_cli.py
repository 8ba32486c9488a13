"""``runsense export`` through its argparse wiring (runsense/cli.py registers it with these two functions)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from runsense.cli import _Parser, main
from runsense.fit import add_export_command, cmd_export
from runsense.recording import RecordingReader
from tests.fit.conftest import DATA, copy_demo, garmin_read


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = _Parser(prog="runsense")
    add_export_command(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_export_fit_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = copy_demo(tmp_path)
    with RecordingReader(rec) as reader:
        n_cues = sum(1 for e in reader.iter_events() if e.kind == "cue")
    out = tmp_path / "run.fit"
    cmd_export(_parse(["export", str(rec), "--fit", str(out), "--csv", str(tmp_path / "run.csv")]))
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"exported {rec} -> {out}: 62 records, 191 stored steps, {n_cues} cues",
        f"wrote 191 steps to {tmp_path / 'run.csv'} and 62 seconds to {tmp_path / 'run.per_second.csv'}",
    ]
    garmin_read(out.read_bytes())


def test_speed_option_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        _parse(["export", "x.rsrec", "--fit", "x.fit", "--speed-kmh", "-3"])
    assert excinfo.value.code == 2
    assert "must be a positive number" in capsys.readouterr().err


def test_a_fit_import_cannot_be_replayed_or_step_analysed_and_says_why(tmp_path: Path) -> None:
    rec = tmp_path / "run.rsrec"
    assert main(["import", str(DATA / "garmin-fenix-5-run.fit"), "--out", str(rec)]) == 0
    for argv in (["replay", str(rec), "--no-ui"], ["analyse", str(rec)]):
        proc = subprocess.run(
            [sys.executable, "-m", "runsense", *argv], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 2
        assert "1 Hz metrics" in proc.stderr
        assert "Traceback" not in proc.stderr
