"""Device FIT -> recording -> FIT: cadence survives within FIT's resolution, checked by two decoders."""

from __future__ import annotations

import io
from pathlib import Path

import fitdecode  # type: ignore[import-untyped]
import pytest

from runsense.fit import FIT_RECORD_EVENT, export_recording, import_fit_file
from runsense.fit.units import SPM_RESOLUTION
from runsense.recording import RecordingReader
from tests.fit.conftest import DATA, garmin_read

ROUND_TRIP = ["garmin-fenix-5-run.fit", "garmin-fenix-5-walk.fit", "developer-types-sample.fit",
              "compressed-speed-distance.fit"]  # fmt: skip


def _fitdecode_cadences(data: bytes) -> list[float | None]:
    out = []
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                values = {f.name: f.value for f in frame.fields}
                cadence = values.get("cadence")
                fraction = values.get("fractional_cadence") or 0
                out.append(None if cadence is None else 2 * (cadence + fraction))
    return out


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_import_then_export_keeps_cadence(name: str, tmp_path: Path) -> None:
    rec = import_fit_file(DATA / name, tmp_path / "run.rsrec")
    export_recording(rec, fit_out=tmp_path / "out.fit")
    with RecordingReader(rec) as reader:
        imported = [e.payload for e in reader.iter_events() if e.kind == FIT_RECORD_EVENT]
    original = _fitdecode_cadences((DATA / name).read_bytes())
    data = (tmp_path / "out.fit").read_bytes()
    records = garmin_read(data)["record_mesgs"]
    assert len(records) == len(imported) == len(original)
    for before, record, payload in zip(original, records, imported, strict=True):
        assert isinstance(payload, dict)
        if before is None:
            assert "cadence" not in record
            continue
        assert payload["cadence_spm"] == before
        after = 2 * (record["cadence"] + record["fractional_cadence"])
        assert abs(after - before) <= SPM_RESOLUTION / 2  # in fact exact: both sides are k/64 spm
    assert _fitdecode_cadences(data) == [
        None if "cadence" not in r else 2 * (r["cadence"] + r["fractional_cadence"]) for r in records
    ]


def test_running_dynamics_and_session_totals_survive(tmp_path: Path) -> None:
    rec = import_fit_file(DATA / "garmin-fenix-5-run.fit", tmp_path / "run.rsrec")
    export_recording(rec, fit_out=tmp_path / "out.fit")
    original = garmin_read((DATA / "garmin-fenix-5-run.fit").read_bytes())
    exported = garmin_read((tmp_path / "out.fit").read_bytes())
    fields = ("heart_rate", "stance_time", "stance_time_balance", "vertical_oscillation", "vertical_ratio",
              "step_length")  # fmt: skip
    for before, after in zip(original["record_mesgs"], exported["record_mesgs"], strict=True):
        assert before["timestamp"] == after["timestamp"]
        for field in fields:
            if before.get(field):
                assert after[field] == pytest.approx(before[field], abs=0.011), field
    [before_session], [after_session] = original["session_mesgs"], exported["session_mesgs"]
    assert after_session["start_time"] == before_session["start_time"]
    assert after_session["total_distance"] == pytest.approx(before_session["total_distance"], abs=0.01)
