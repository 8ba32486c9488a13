"""``import_fit_file`` on every real device file bundled in tests/fit/data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from garmin_fit_sdk import Decoder, Stream

from runsense.errors import InputFileError, RecordingError
from runsense.fit import FIT_RECORD_PROFILE, import_fit_file, is_fit_file, seconds_from_events
from runsense.recording import RecordingReader
from tests.fit.conftest import DATA

STRYD = {"Form Power", "Leg Spring Stiffness", "Distance", "Speed"}  # developer fields, kept by name
# file -> (sport, records, developer fields, has running dynamics)
IMPORTED = {
    "activity-small-fenix2-run.fit": ("running", 2809, set(), True),
    "compressed-speed-distance.fit": ("running", 755, set(), False),
    "developer-types-sample.fit": ("running", 3424, STRYD, True),
    "garmin-fenix-5-run.fit": ("running", 21, set(), True),
    "garmin-fenix-5-walk.fit": ("walking", 17, set(), True),
}
# Multisport files: one recording is one on-foot session with one time base; mixing in
# cycling rpm or swim strokes would turn them into "steps", so they are refused with the reason.
REFUSED = {
    "activity-large-fenxi2-multisport.fit": r"multisport activity \(7 sessions: generic, transition, running",
    "sample_mulitple_header.fit": r"multisport activity \(5 sessions: swimming, transition, cycling",
}


def test_every_bundled_file_is_covered() -> None:
    assert sorted(p.name for p in DATA.glob("*.fit")) == sorted({*IMPORTED, *REFUSED})
    assert sorted(p.name for p in DATA.glob("LICENSE*")) == [
        "LICENSE.fitdecode.MIT.txt",
        "LICENSE.python-fitparse.MIT.txt",
    ]
    assert all(is_fit_file(p) for p in DATA.glob("*.fit"))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("imported")
    return {name: import_fit_file(DATA / name, directory / f"{name}.rsrec") for name in IMPORTED}


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_activity_files_import(name: str, imported: dict[str, Path]) -> None:
    sport, n_records, developer, has_dynamics = IMPORTED[name]
    with RecordingReader(imported[name]) as reader:
        meta = reader.metadata
        assert meta["source"] == f"fit-import:{name}"
        assert meta["sport"] == sport
        assert isinstance(meta["device"], dict)
        assert meta["device"]["manufacturer"] in {"garmin", "stryd"}
        [sensor] = reader.sensors
        assert (sensor.profile, sensor.channels) == (FIT_RECORD_PROFILE, ("record_json",))
        packets = list(reader.iter_packets())
        seconds = seconds_from_events(reader.iter_events())
        assert not list(reader.iter_steps())  # a 1 Hz record is not a step
    assert len(packets) == len(seconds) == n_records
    assert [p.t_received_s for p in packets] == [s.t_s for s in seconds]
    assert packets[0].t_received_s >= 0
    assert all(json.loads(p.payload)["fields"] for p in packets)
    assert isinstance(meta["fit_developer_fields"], dict)
    assert set(meta["fit_developer_fields"]) == developer
    assert all(set(s.developer) == developer for s in seconds)
    assert any(s.stance_time_ms is not None for s in seconds) == has_dynamics
    moving = [s.cadence_spm for s in seconds if s.cadence_spm is not None and s.cadence_spm > 60]
    low, high = (90, 150) if sport == "walking" else (130, 210)
    assert low <= sum(moving) / len(moving) <= high  # steps/min, not strides/min


@pytest.mark.parametrize(("name", "message"), sorted(REFUSED.items()))
def test_multisport_files_are_refused_with_the_reason(name: str, message: str, tmp_path: Path) -> None:
    source = tmp_path / name
    shutil.copyfile(DATA / name, source)
    with pytest.raises(InputFileError, match=message) as excinfo:
        import_fit_file(source)
    assert "\n" not in str(excinfo.value)
    assert str(excinfo.value).startswith(str(source))
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing half-written


def test_cadence_is_converted_from_strides_to_steps_on_a_garmin_file(imported: dict[str, Path]) -> None:
    """Garmin's own decoder reads strides/min; the recording holds exactly twice that."""
    data = (DATA / "garmin-fenix-5-run.fit").read_bytes()
    records, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    twice_strides = [2 * (r["cadence"] + r.get("fractional_cadence", 0.0)) for r in records["record_mesgs"]]
    with RecordingReader(imported["garmin-fenix-5-run.fit"]) as reader:
        steps = [s.cadence_spm for s in seconds_from_events(reader.iter_events())]
    assert steps == twice_strides
    assert any(s is not None and s % 2 == 1 for s in steps)  # the fractional part is kept (e.g. 181 spm)
    [session] = records["session_mesgs"]
    session_spm = 2 * (session["avg_running_cadence"] + session["avg_fractional_cadence"])
    assert 160 < session_spm < 175
    with RecordingReader(imported["garmin-fenix-5-run.fit"]) as reader:
        summary = reader.metadata["fit_session"]
    assert isinstance(summary, dict)
    assert summary["avg_cadence_spm"] == session_spm


def test_running_dynamics_and_times(imported: dict[str, Path]) -> None:
    with RecordingReader(imported["garmin-fenix-5-run.fit"]) as reader:
        meta = reader.metadata
        seconds = seconds_from_events(reader.iter_events())
        laps = [e for e in reader.iter_events() if e.kind == "lap"]
    assert meta["start_utc"] == meta["created_utc"] == "2017-06-11T14:34:09Z"
    assert meta["device"] == {"manufacturer": "garmin", "product": "fenix5", "serial_number": 3945849289}
    dynamics = [s for s in seconds if s.stance_time_ms is not None]
    assert len(dynamics) == 18
    for second in dynamics:
        assert second.stance_time_ms is not None
        assert second.step_length_m is not None
        assert 0.5 < second.step_length_m < 2.0  # stored in m, FIT has mm
        assert second.stance_time_balance_left_pct is not None
        assert 40 < second.stance_time_balance_left_pct < 60
        assert 150 < second.stance_time_ms < 700  # 609 ms while slowing down at the end
    assert [lap.t_s for lap in laps] == [0.0]


def test_files_without_a_clock_keep_device_relative_times(imported: dict[str, Path]) -> None:
    with RecordingReader(imported["compressed-speed-distance.fit"]) as reader:
        meta = reader.metadata
        times = [s.t_s for s in seconds_from_events(reader.iter_events())]
    assert meta["start_utc"] is None
    assert meta["fit_time_base"] == "device-relative"
    assert meta["start_local"] == "2012-02-13T11:16:16"
    assert times[0] == 0.0
    assert times[-1] == pytest.approx(3880, abs=5)


def test_default_output_is_next_to_the_input_and_never_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "run.fit"
    shutil.copyfile(DATA / "garmin-fenix-5-run.fit", source)
    assert import_fit_file(source, runner="Ana") == tmp_path / "run.rsrec"
    with RecordingReader(tmp_path / "run.rsrec") as reader:
        assert reader.metadata["runner"] == "Ana"
    with pytest.raises(RecordingError, match="is the FIT file being imported"):
        import_fit_file(source, source, overwrite=True)
    with pytest.raises(RecordingError, match="already exists"):
        import_fit_file(source)
    assert import_fit_file(source, overwrite=True) == tmp_path / "run.rsrec"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.fit", "run.rsrec"]


def test_a_failure_while_writing_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_: object) -> None:
        raise RecordingError("x", "could not be written (disk full)")

    monkeypatch.setattr("runsense.recording.RecordingWriter.write_event", failing)
    with pytest.raises(RecordingError, match="disk full"):
        import_fit_file(DATA / "garmin-fenix-5-run.fit", tmp_path / "run.rsrec")
    assert list(tmp_path.iterdir()) == []
