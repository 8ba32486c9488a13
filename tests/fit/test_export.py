"""``export_recording``: the demo recording as a FIT activity Garmin's decoder accepts, and as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import fitdecode  # type: ignore[import-untyped]
import pytest

from runsense.analysis import ANALYSER_VERSION
from runsense.errors import ConfigError, RecordingError
from runsense.fit import export_recording
from runsense.fit.encode import DEV_FIELDS
from runsense.fit.units import quantized_spm
from runsense.model import Cue, CueKind
from runsense.recording import RecordingReader, replace_steps
from runsense.recording.events import cue_event
from runsense.steps_csv import STEP_COLUMNS
from tests.conftest import DEMO
from tests.fit.conftest import copy_demo, dev_names, garmin_read


def _per_second(directory: Path) -> list[dict[str, str]]:
    with (directory / "demo.per_second.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_demo_export_decodes_with_garmins_decoder(demo_export: Path) -> None:
    messages = garmin_read((demo_export / "demo.fit").read_bytes())
    assert [m["type"] for m in messages["file_id_mesgs"]] == ["activity"]
    with RecordingReader(DEMO) as reader:
        n_cues = sum(1 for e in reader.iter_events() if e.kind == "cue")
    assert n_cues > 0  # the demo stores the cues its steps trigger (analyse --save)
    assert [(e["event"], e["event_type"]) for e in messages["event_mesgs"]] == [
        ("timer", "start"),
        *[("user_marker", "marker")] * n_cues,
        ("timer", "stop_all"),
    ]
    for name in ("lap_mesgs", "session_mesgs", "activity_mesgs"):
        assert len(messages[name]) == 1, name
    [session] = messages["session_mesgs"]
    assert (session["sport"], session["sub_sport"]) == ("running", "treadmill")  # the demo stores speed_kmh
    records = messages["record_mesgs"]
    with RecordingReader(DEMO) as reader:
        assert len(records) == int(reader.duration_s) + 1  # one per started second
        assert session["total_elapsed_time"] == pytest.approx(reader.duration_s, abs=0.001)
    times = [r["timestamp"] for r in records]
    assert times == sorted(times)
    assert (times[-1] - times[0]).total_seconds() == len(records) - 1


def test_cadence_round_trips_exactly_per_second(demo_export: Path) -> None:
    """Decode, recompute 2 x (cadence + fractional_cadence), compare with what was written."""
    records = garmin_read((demo_export / "demo.fit").read_bytes())["record_mesgs"]
    rows = _per_second(demo_export)
    assert len(rows) == len(records)
    compared = 0
    for record, row in zip(records, rows, strict=True):
        if not row["cadence_spm"]:
            assert "cadence" not in record
            continue
        decoded_spm = 2 * (record["cadence"] + record.get("fractional_cadence", 0.0))
        assert decoded_spm == float(row["cadence_spm"])  # exact: both are k/64 spm
        compared += 1
    assert compared >= 0.9 * len(records)


def test_written_cadence_is_the_seconds_mean_step_cadence(demo_export: Path) -> None:
    """Independent of the CSV: each record holds its second's mean step cadence, on FIT's grid."""
    records = garmin_read((demo_export / "demo.fit").read_bytes())["record_mesgs"]
    with RecordingReader(DEMO) as reader:
        steps = list(reader.iter_steps())
    for second, record in enumerate(records):
        cadences = [s.cadence_spm for s in steps if int(s.t_s) == second and s.cadence_spm is not None]
        if cadences:
            expected = quantized_spm(sum(cadences) / len(cadences))
            assert 2 * (record["cadence"] + record["fractional_cadence"]) == expected


def test_fitdecode_reads_the_same_cadence(demo_export: Path) -> None:
    """A second, independent reader (with CRC checks raising) agrees with Garmin's."""
    data = (demo_export / "demo.fit").read_bytes()
    garmin = garmin_read(data)["record_mesgs"]
    ours = []
    with fitdecode.FitReader(
        io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE, error_handling=fitdecode.ErrorHandling.RAISE
    ) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                values = {f.name: f.value for f in frame.fields}
                ours.append((values.get("cadence"), values.get("fractional_cadence"), values.get("impact_g")))
    assert [(r.get("cadence"), r.get("fractional_cadence")) for r in garmin] == [o[:2] for o in ours]
    assert sum(1 for o in ours if o[2] is not None) >= 0.9 * len(ours)  # developer field by name


def test_developer_fields_have_names_units_and_values(demo_export: Path) -> None:
    messages = garmin_read((demo_export / "demo.fit").read_bytes())
    names = dev_names(messages)
    assert dict(names.values()) == {f.name: f.units for f in DEV_FIELDS}
    assert names[0] == ("impact_g", "g")
    assert len(messages["developer_data_id_mesgs"]) == 1
    key = {name: k for k, (name, _) in names.items()}
    records = messages["record_mesgs"]
    impacts = [r["developer_fields"][key["impact_g"]] for r in records if "developer_fields" in r]
    assert len(impacts) >= 0.9 * len(messages["record_mesgs"])
    assert all(0 < g < 16 for g in impacts)
    [session] = messages["session_mesgs"]
    assert 0 < session["developer_fields"][key["avg_impact_g"]] < 16


def test_session_average_cadence_is_plausible(demo_export: Path) -> None:
    """The demo runs at ~185 steps/min on average: ~92 strides/min in FIT's unit."""
    [session] = garmin_read((demo_export / "demo.fit").read_bytes())["session_mesgs"]
    strides_per_min = session["avg_running_cadence"] + session["avg_fractional_cadence"]
    assert 88 <= strides_per_min <= 96
    assert session["total_strides"] == pytest.approx(190 / 2, abs=1)
    assert session["total_distance"] == pytest.approx(12 / 3.6 * session["total_elapsed_time"], abs=0.02)


def test_csv_tables(demo_export: Path) -> None:
    with (demo_export / "demo.csv").open(encoding="utf-8") as file:
        steps = list(csv.reader(file))
    assert tuple(steps[0]) == STEP_COLUMNS
    with RecordingReader(DEMO) as reader:
        assert len(steps) - 1 == len(list(reader.iter_steps()))
    rows = _per_second(demo_export)
    assert [int(r["t_s"]) for r in rows] == list(range(len(rows)))
    assert sum(int(r["n_steps"]) for r in rows) == len(steps) - 1
    assert sorted(p.name for p in demo_export.iterdir()) == [
        "demo.csv",
        "demo.fit",
        "demo.per_second.csv",
        "demo.rsrec",
    ]


def _add_cues(rec: Path, cues: list[tuple[float, str]]) -> None:
    """Replace the recording's stored cues with these, stored as ``analyse --save`` stores them."""
    events = [
        cue_event(
            Cue(
                t_s=t,
                kind=CueKind(kind),
                message="x",
                cadence_spm=None,
                target_low_spm=170.0,
                target_high_spm=180.0,
                reason="test",
            )
        )
        for t, kind in cues
    ]
    with RecordingReader(rec) as reader:
        steps = list(reader.iter_steps())
    replace_steps(rec, steps, ANALYSER_VERSION, events=events)


def test_cues_become_marker_events_with_the_cue_developer_field(tmp_path: Path) -> None:
    rec = copy_demo(tmp_path)
    _add_cues(rec, [(12.4, "raise_cadence"), (40.0, "on_target")])
    export_recording(rec, fit_out=tmp_path / "out.fit", csv_out=tmp_path / "out.csv")
    messages = garmin_read((tmp_path / "out.fit").read_bytes())
    key = {name: k for k, (name, _) in dev_names(messages).items()}["cue"]
    markers = [e for e in messages["event_mesgs"] if e["event"] == "user_marker"]
    assert [m["developer_fields"][key] for m in markers] == ["raise_cadence", "on_target"]
    start = messages["session_mesgs"][0]["start_time"]
    assert [(m["timestamp"] - start).total_seconds() for m in markers] == [12, 40]
    with (tmp_path / "out.per_second.csv").open(encoding="utf-8") as file:
        rows = {int(r["t_s"]): r["cues"] for r in csv.DictReader(file)}
    assert (rows[12], rows[40], rows[13]) == ("raise_cadence", "on_target", "")


def test_without_stored_steps_the_analyser_runs(tmp_path: Path) -> None:
    rec = copy_demo(tmp_path)
    replace_steps(rec, [], ANALYSER_VERSION)
    result = export_recording(rec, fit_out=tmp_path / "out.fit")
    assert result.analysed_now
    assert result.n_steps > 150
    [session] = garmin_read((tmp_path / "out.fit").read_bytes())["session_mesgs"]
    assert 88 <= session["avg_running_cadence"] + session["avg_fractional_cadence"] <= 96


def test_outputs_are_refused_before_any_work(tmp_path: Path) -> None:
    rec = copy_demo(tmp_path)
    with pytest.raises(ConfigError, match="nothing to export"):
        export_recording(rec)
    with pytest.raises(ConfigError, match="does not exist"):
        export_recording(rec, fit_out=tmp_path / "missing" / "out.fit")
    with pytest.raises(ConfigError, match="is the recording being exported"):
        export_recording(rec, fit_out=rec)
    with pytest.raises(ConfigError, match="is a directory"):
        export_recording(rec, csv_out=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.rsrec"]


def test_a_failure_while_writing_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = copy_demo(tmp_path)
    (tmp_path / "out.fit").write_bytes(b"old")
    calls = []

    def failing_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("runsense.fit.export.os.fsync", failing_fsync)
    with pytest.raises(OSError, match="No space left") as excinfo:
        export_recording(rec, fit_out=tmp_path / "out.fit", csv_out=tmp_path / "out.csv")
    assert excinfo.value.filename == str(tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.rsrec", "out.fit"]
    assert (tmp_path / "out.fit").read_bytes() == b"old"  # the previous file is untouched


def test_an_empty_recording_has_nothing_to_export(tmp_path: Path) -> None:
    from runsense.recording import RecordingWriter

    rec = tmp_path / "empty.rsrec"
    RecordingWriter(rec, metadata={}).close()
    with pytest.raises(RecordingError, match="nothing to export"):
        export_recording(rec, fit_out=tmp_path / "out.fit")
    assert not (tmp_path / "out.fit").exists()
