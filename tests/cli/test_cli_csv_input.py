"""``runsense analyse`` on IMU CSV files gives the same steps as on the recording they came from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from runsense.cli import main
from tests.cli.helpers import Samples, demo_samples, read_steps_csv, step_times, write_imu_csv
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def samples() -> Samples:
    return demo_samples()


@pytest.fixture(scope="module")
def recording_step_times(tmp_path_factory: pytest.TempPathFactory) -> list[float]:
    """Steps of the demo recording itself, the reference every CSV form must reproduce."""
    out_csv = tmp_path_factory.mktemp("reference") / "steps.csv"
    assert main(["analyse", str(DEMO), "--summary-only", "--steps-csv", str(out_csv)]) == 0
    times = step_times(out_csv)
    assert len(times) > 100
    return times


def analyse_csv(input_csv: Path, *extra: str) -> list[float]:
    out_csv = input_csv.with_name("steps.csv")
    args = ["analyse", str(input_csv), "--placement", "sacrum", "--summary-only", "--steps-csv", str(out_csv)]
    assert main([*args, *extra]) == 0
    return step_times(out_csv)


def assert_same_steps(got: list[float], expected: list[float]) -> None:
    assert len(got) == len(expected)
    np.testing.assert_allclose(got, expected, rtol=0, atol=0.001)


def test_demo_samples_cover_the_whole_recording_without_gaps(samples: Samples) -> None:
    # The CSV forms below rely on it (--rate-hz has no other time base).
    assert samples.fs_hz == 500.0
    assert samples.t_s[0] == 0.0
    np.testing.assert_allclose(np.diff(samples.t_s), 1 / samples.fs_hz, atol=1e-9)


def test_csv_in_g_gives_the_same_steps_as_the_recording(
    samples: Samples, recording_step_times: list[float], tmp_path: Path
) -> None:
    input_csv = write_imu_csv(tmp_path / "sacrum.csv", samples)
    assert input_csv.read_text().startswith("t_s,ax_g,az_g\n0.000000,")
    assert_same_steps(analyse_csv(input_csv), recording_step_times)


def test_csv_in_ms2_gives_the_same_steps_as_in_g(
    samples: Samples, recording_step_times: list[float], tmp_path: Path
) -> None:
    input_csv = write_imu_csv(tmp_path / "sacrum_ms2.csv", samples, unit="ms2")
    assert input_csv.read_text().startswith("t_s,ax_ms2,az_ms2\n")
    assert_same_steps(analyse_csv(input_csv), recording_step_times)


def test_gzipped_csv_gives_the_same_steps(
    samples: Samples, recording_step_times: list[float], tmp_path: Path
) -> None:
    input_csv = write_imu_csv(tmp_path / "sacrum.csv.gz", samples)
    assert input_csv.read_bytes()[:2] == b"\x1f\x8b"
    assert_same_steps(analyse_csv(input_csv), recording_step_times)


def test_csv_without_time_column_uses_rate_hz(
    samples: Samples, recording_step_times: list[float], tmp_path: Path
) -> None:
    input_csv = write_imu_csv(tmp_path / "no_time.csv", samples, with_time=False)
    assert input_csv.read_text().startswith("ax_g,az_g\n")
    assert_same_steps(analyse_csv(input_csv, "--rate-hz", "500"), recording_step_times)


def test_csv_steps_are_labelled_with_the_csv_sensor(
    samples: Samples, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    input_csv = write_imu_csv(tmp_path / "sacrum.csv", samples)
    analyse_csv(input_csv)
    assert "== sensor imu (sacrum): " in capsys.readouterr().out
    _, rows = read_steps_csv(tmp_path / "steps.csv")
    assert {row["sensor_id"] for row in rows} == {"imu"}
