"""``runsense import`` creates an analysed recording; ``analyse --save`` replaces stored steps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runsense.analysis import ANALYSER_VERSION
from runsense.cli import main
from runsense.model import Placement, Side
from runsense.recording import RecordingReader, replace_steps
from tests.cli.helpers import (
    copy_demo,
    demo_samples,
    read_steps_csv,
    run_cli,
    summary_step_count,
    write_imu_csv,
)


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_imu_csv(tmp_path_factory.mktemp("csv") / "sacrum.csv", demo_samples())


def test_import_creates_a_recording_with_steps_that_analyse_reproduces(
    demo_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rec.rsrec"
    result = run_cli(
        "import", demo_csv, "--placement", "sacrum", "--runner", "Ana", "--speed-kmh", "12", "--out", out
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    match = re.fullmatch(r"imported (.+) -> (.+): (\d+) steps\n", result.stdout)
    assert match, result.stdout
    assert match.group(2) == str(out)
    reported = int(match.group(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.rsrec"]  # no temporary or side files

    with RecordingReader(out) as reader:
        stored = list(reader.iter_steps())
        assert reader.analyser_versions == (ANALYSER_VERSION,)
        assert (reader.metadata["runner"], reader.metadata["speed_kmh"]) == ("Ana", 12.0)
        [sensor] = reader.sensors
        assert (sensor.placement, sensor.side) == (Placement.SACRUM, None)
    assert len(stored) == reported > 100
    assert all(step.step_length_m is not None for step in stored if step.cadence_spm is not None)

    again = run_cli("analyse", out, "--summary-only")
    assert again.returncode == 0, again.stderr
    assert summary_step_count(again.stdout) == reported


def test_import_stores_placement_and_side_used_by_analyse(
    demo_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shank.rsrec"
    assert main(["import", str(demo_csv), "--placement", "shank", "--side", "right", "--out", str(out)]) == 0
    with RecordingReader(out) as reader:
        [sensor] = reader.sensors
        assert (sensor.placement, sensor.side) == (Placement.SHANK, Side.RIGHT)
        assert {step.side for step in reader.iter_steps()} == {Side.RIGHT}
    capsys.readouterr()
    assert main(["analyse", str(out), "--summary-only"]) == 0
    assert "== sensor imu (shank, R): " in capsys.readouterr().out


def test_recording_imported_without_rsrec_suffix_is_still_analysed_as_a_recording(
    demo_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "session.db"
    assert main(["import", str(demo_csv), "--placement", "sacrum", "--out", str(out)]) == 0
    imported = int(capsys.readouterr().out.rsplit(": ", 1)[1].split()[0])
    # No --placement: it must come from the recording, not be demanded as for a CSV.
    assert main(["analyse", str(out), "--summary-only"]) == 0
    assert summary_step_count(capsys.readouterr().out) == imported


def test_save_replaces_the_stored_steps_with_a_fresh_analysis(tmp_path: Path) -> None:
    recording = copy_demo(tmp_path)
    with RecordingReader(recording) as reader:
        old = list(reader.iter_steps())
    assert old
    replace_steps(recording, old[:3], "old-analyser")  # stale output that --save must replace

    out_csv = tmp_path / "steps.csv"
    result = run_cli("analyse", recording, "--save", "--summary-only", "--steps-csv", out_csv)
    assert result.returncode == 0, result.stderr
    n_steps = summary_step_count(result.stdout)
    assert f"stored {n_steps} steps in {recording}" in result.stdout

    with RecordingReader(recording) as reader:
        stored = list(reader.iter_steps())
        assert reader.analyser_versions == (ANALYSER_VERSION,)
    assert len(stored) == n_steps == len(old)
    # The stored steps are the ones written to the steps CSV, cell for cell where it matters.
    _, rows = read_steps_csv(out_csv)
    assert [row["t_s"] for row in rows] == [f"{step.t_s:.3f}" for step in stored]
    assert [row["contact_ms"] == "" for row in rows] == [step.contact_ms is None for step in stored]
    assert [row["side"] for row in rows] == ["" if s.side is None else s.side.value for s in stored]


def test_save_twice_does_not_duplicate_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recording = copy_demo(tmp_path)
    for _ in range(2):
        assert main(["analyse", str(recording), "--save", "--summary-only"]) == 0
    stored_counts = re.findall(r"^stored (\d+) steps in ", capsys.readouterr().out, flags=re.MULTILINE)
    assert len(stored_counts) == 2
    assert stored_counts[0] == stored_counts[1]
    with RecordingReader(recording) as reader:
        assert len(list(reader.iter_steps())) == int(stored_counts[1])
