"""``runsense analyse`` on the bundled demo recording and on a standing-still CSV."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from runsense.cli import main
from runsense.model import Placement
from tests.cli.helpers import (
    CONTRACT_COLUMNS,
    SUMMARY_KEYS,
    TABLE_HEADER,
    read_steps_csv,
    run_cli,
    summary_of,
    summary_step_count,
    table_rows,
)
from tests.conftest import DEMO

DEMO_ARG = "recordings/demo.rsrec"  # relative: the command runs with the repository as cwd


def test_analyse_demo_prints_one_table_row_per_step_and_a_full_summary() -> None:
    result = run_cli("analyse", DEMO_ARG)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert any(TABLE_HEADER.match(line) for line in result.stdout.splitlines())
    summary = summary_of(result.stdout)
    assert set(summary) == set(SUMMARY_KEYS), result.stdout
    n_steps = summary_step_count(result.stdout)
    # 61 s of treadmill running at 150-210 spm: well over 100 steps.
    assert n_steps > 100
    assert len(table_rows(result.stdout)) == n_steps
    assert f"== sensor sacrum (sacrum): {n_steps} steps" in result.stdout.splitlines()
    cadence = float(summary["mean cadence"].removesuffix(" spm"))
    assert 150 <= cadence <= 210
    in_band = float(summary["time in 170-180 spm"].split(" s")[0])
    duration = float(summary["steps"].split(" over ")[1].removesuffix(" s"))
    assert 0 < in_band <= duration
    assert summary["mean impact"].endswith("g above 1 g")
    assert float(summary["mean impact"].split(" g")[0]) > 0


def test_summary_only_prints_the_summary_without_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyse", str(DEMO), "--summary-only"]) == 0
    out = capsys.readouterr().out
    assert not any(TABLE_HEADER.match(line) for line in out.splitlines())
    assert set(summary_of(out)) == set(SUMMARY_KEYS)
    assert len(out.splitlines()) == 1 + len(SUMMARY_KEYS)


def test_steps_csv_keeps_the_column_contract_and_one_parsable_row_per_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv = tmp_path / "steps.csv"
    assert main(["analyse", str(DEMO), "--steps-csv", str(out_csv)]) == 0
    stdout = capsys.readouterr().out
    n_steps = summary_step_count(stdout)
    assert f"wrote {n_steps} steps to {out_csv}" in stdout

    first_line = out_csv.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith(",".join(CONTRACT_COLUMNS) + ",")
    header, rows = read_steps_csv(out_csv)
    assert tuple(header[:6]) == CONTRACT_COLUMNS
    assert len(rows) == n_steps == len(table_rows(stdout))

    for row in rows:
        for column in ("t_s", "impact_g", "confidence"):
            assert math.isfinite(float(row[column])), row
        assert 0.0 <= float(row["confidence"]) <= 1.0, row
        for column in ("cadence_spm", "contact_ms"):  # empty where not estimated, else a number
            assert row[column] == "" or math.isfinite(float(row[column])), row
        assert row["side"] in {"", "L", "R"}, row
        assert "None" not in row.values(), row
        assert "nan" not in row.values(), row
    # A sacrum sensor sees both feet and cannot tell them apart; contact time is not estimated for it.
    assert all(row["side"] == "" for row in rows)
    assert all(row["contact_ms"] == "" for row in rows)
    # Cadence needs a previous step, so at least the first one has none; later ones do.
    assert rows[0]["cadence_spm"] == ""
    assert sum(row["cadence_spm"] != "" for row in rows) > n_steps // 2

    t_s = np.array([float(row["t_s"]) for row in rows])
    assert np.all(np.diff(t_s) > 0)
    assert list(tmp_path.iterdir()) == [out_csv]  # no temporary file left behind


def test_steps_csv_fills_side_for_a_single_leg_sensor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv = tmp_path / "steps.csv"
    args = ["analyse", str(DEMO), "--placement", "shank", "--side", "left", "--steps-csv", str(out_csv)]
    assert main(args) == 0
    assert "(shank, L)" in capsys.readouterr().out
    _, rows = read_steps_csv(out_csv)
    assert rows
    assert {row["side"] for row in rows} == {"L"}


def test_speed_gives_a_step_length_per_step(tmp_path: Path) -> None:
    out_csv = tmp_path / "steps.csv"
    args = ["analyse", str(DEMO), "--speed-kmh", "12", "--summary-only", "--steps-csv", str(out_csv)]
    assert main(args) == 0
    _, rows = read_steps_csv(out_csv)
    lengths = [float(row["step_length_m"]) for row in rows if row["step_length_m"]]
    assert len(lengths) > len(rows) // 2
    # 12 km/h at 150-210 spm: 0.95 to 1.33 m per step.
    assert 0.9 < float(np.median(lengths)) < 1.4


def write_standing_csv(path: Path, *, seconds: float = 20.0, fs_hz: float = 100.0) -> Path:
    """Standing still: 1 g on the z axis, small sensor noise on all three."""
    rng = np.random.default_rng(20)
    n = round(seconds * fs_hz)
    acc = rng.normal(0.0, 0.01, size=(n, 3)) + np.array([0.0, 0.0, 1.0])
    lines = ["t_s,ax_g,ay_g,az_g"]
    lines += [f"{i / fs_hz:.4f},{x:.5f},{y:.5f},{z:.5f}" for i, (x, y, z) in enumerate(acc)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("placement", [p.value for p in Placement])
def test_standing_still_gives_zero_steps_and_a_summary_that_says_so(
    placement: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standing = write_standing_csv(tmp_path / "standing.csv")
    out_csv = tmp_path / "steps.csv"
    assert main(["analyse", str(standing), "--placement", placement, "--steps-csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    summary = summary_of(out)
    assert summary["steps"] == "0 over 0.0 s"
    assert summary["mean cadence"] == "-"
    assert summary["mean impact"] == "-"
    assert summary["time in 170-180 spm"] == "0.0 s"
    assert table_rows(out) == []
    header, rows = read_steps_csv(out_csv)
    assert tuple(header[:6]) == CONTRACT_COLUMNS
    assert rows == []
