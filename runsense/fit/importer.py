"""``runsense import ACTIVITY.fit``: a device's FIT activity becomes a recording runsense can report on.

A FIT file has no raw IMU samples, so nothing can be re-analysed: each ``record`` is kept
as a raw packet of the ``fit-record`` profile (its fields as compact JSON, exactly as
decoded) and as a ``fit_record`` event in runsense units (steps/min, m/s, ms...) that
reports, replay and ``runsense export`` read. Layout and reasons: ``docs/fit.md``.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import statistics
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from runsense.errors import InputFileError, RecordingError
from runsense.fit.decode import FitActivity, FitRecord, has_fit_header, read_fit, utc_text
from runsense.fit.metrics import FIT_RECORD_EVENT, SecondMetrics, json_number
from runsense.fit.units import spm_from_fit_cadence
from runsense.model import Placement, RawPacket
from runsense.recording import FILE_SUFFIX, JsonValue, RecordingWriter, SensorInfo
from runsense.recording.format import FIT_RECORD_PROFILE
from runsense.recording.writer import remove_with_side_files

"""Packet profile of imported FIT records: payload = one record's fields as compact UTF-8 JSON."""
FIT_CHAR_UUID: Final = "72756e73-656e-7365-6669-740000000000"
"""Pseudo characteristic UUID of ``fit-record`` packets: ASCII ``runsensefit`` padded with zeros."""
FIT_SENSOR_ID: Final = "fit"
FIT_CHANNELS: Final = ("record_json",)
ON_FOOT_SPORTS: Final = frozenset({"running", "walking", "hiking", "generic"})
"""Sports whose FIT cadence is strides/min of the feet; cycling rpm or swim strokes are not steps."""
LAP_EVENT: Final = "lap"

# FIT record field -> (SecondMetrics field, factor). A 0 in these means "not measured" (no
# running-dynamics sensor paired), since no runner has a 0 ms ground contact.
_DYNAMICS: Final = {
    "stance_time": ("stance_time_ms", 1.0),
    "stance_time_percent": ("stance_time_pct", 1.0),
    "stance_time_balance": ("stance_time_balance_left_pct", 1.0),
    "vertical_oscillation": ("vertical_oscillation_mm", 1.0),
    "vertical_ratio": ("vertical_ratio_pct", 1.0),
    "step_length": ("step_length_m", 0.001),
}


def is_fit_file(path: str | os.PathLike[str]) -> bool:
    """True when the file starts with a FIT header (size 12/14, ``.FIT`` at bytes 8-11), whatever its name."""
    try:
        with Path(path).open("rb") as file:
            return has_fit_header(file.read(14))
    except OSError:  # missing, a directory, unreadable: the importer reports it
        return False


def metrics_from_record(t_s: float, record: FitRecord) -> SecondMetrics:
    """A FIT record in runsense units; cadence is converted from strides/min to steps/min here."""
    values = record.fields
    cadence = json_number(values.get("cadence"))
    speed = json_number(values.get("enhanced_speed"))
    heart_rate = json_number(values.get("heart_rate"))
    dynamics: dict[str, float] = {}
    for fit_name, (name, factor) in _DYNAMICS.items():
        value = json_number(values.get(fit_name))
        if value is not None and value > 0:
            dynamics[name] = value * factor
    return SecondMetrics(
        t_s=t_s,
        cadence_spm=None
        if cadence is None
        else spm_from_fit_cadence(cadence, json_number(values.get("fractional_cadence"))),
        speed_mps=speed if speed is not None else json_number(values.get("speed")),
        distance_m=json_number(values.get("distance")),
        heart_rate_bpm=heart_rate or None,  # 0 bpm: no strap contact
        power_w=json_number(values.get("power")),
        developer=dict(record.developer),
        **dynamics,  # type: ignore[arg-type]
    )


def _check_supported(path: Path, fit: FitActivity) -> None:
    """Refuse, with the reason, what cannot become one running session."""
    where = str(path)
    kinds = sorted({t for t in fit.file_types if t != "activity"})
    if kinds or not fit.file_types:
        what = f"a FIT {kinds[0]} file" if kinds else "a FIT file without a file_id message"
        raise InputFileError(where, f"is {what}, not an activity; runsense imports activity files only")
    if len(fit.sessions) > 1:
        sports = ", ".join(str(s.get("sport", "?")) for s in fit.sessions)
        raise InputFileError(
            where,
            f"is a multisport activity ({len(fit.sessions)} sessions: {sports}); runsense imports "
            "one on-foot session per recording, so split it into single-sport files first",
        )
    sport = _sport(fit)
    if sport is not None and sport not in ON_FOOT_SPORTS:
        raise InputFileError(
            where, f"is a {sport} activity; runsense imports running, walking and hiking (cadence in strides)"
        )
    if not fit.records:
        raise InputFileError(where, "is an activity without record messages, so it holds nothing to import")


def _sport(fit: FitActivity) -> str | None:
    for source in (*fit.sessions, *fit.sports):
        if isinstance(source.get("sport"), str):
            return str(source["sport"])
    return None


def _session_summary(session: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """The session totals a session list wants, in runsense units."""
    cadence = json_number(session.get("avg_running_cadence", session.get("avg_cadence")))
    out: dict[str, JsonValue] = {
        "elapsed_s": json_number(session.get("total_elapsed_time")),
        "timer_s": json_number(session.get("total_timer_time")),
        "distance_m": json_number(session.get("total_distance")),
        "avg_heart_rate_bpm": json_number(session.get("avg_heart_rate")),
        "avg_cadence_spm": None
        if cadence is None
        else spm_from_fit_cadence(cadence, json_number(session.get("avg_fractional_cadence"))),
    }
    return {k: v for k, v in out.items() if v is not None}


def _metadata(path: Path, fit: FitActivity, start_s: int, runner: str | None) -> dict[str, JsonValue]:
    wanted = ("manufacturer", "garmin_product", "product", "serial_number")
    device: dict[str, JsonValue] = {k: fit.file_id[k] for k in wanted if k in fit.file_id}
    if "garmin_product" in device:
        device["product"] = device.pop("garmin_product")
    sub_sport = next((s.get("sub_sport") for s in (*fit.sessions, *fit.sports) if "sub_sport" in s), None)
    metadata: dict[str, JsonValue] = {
        "source": f"fit-import:{path.name}",
        "sport": _sport(fit),
        "sub_sport": sub_sport,
        "device": device,
        "start_utc": utc_text(start_s) if fit.utc_times else None,
        "fit_time_base": "utc" if fit.utc_times else "device-relative",
        "fit_developer_fields": dict(fit.developer_units),
    }
    if fit.utc_times:
        metadata["created_utc"] = metadata["start_utc"]
    else:
        metadata["start_local"] = _start_local(fit, start_s)
    if fit.sessions:
        metadata["fit_session"] = _session_summary(fit.sessions[0])
    if runner is not None:
        metadata["runner"] = runner
    return metadata


def _nominal_rate_hz(records: list[FitRecord]) -> float:
    """1 / median record interval: 1 Hz for every-second recording, less for "smart" recording."""
    intervals = [b.fit_time_s - a.fit_time_s for a, b in itertools.pairwise(records)]
    median_s = statistics.median([i for i in intervals if i > 0] or [1])
    return 1.0 / median_s


def activity_start_s(fit: FitActivity) -> int:
    """The session's start (or the first record, if earlier): time zero of the recording."""
    starts = [s.get("start_fit_s") for s in fit.sessions]
    return min([r.fit_time_s for r in fit.records] + [s for s in starts if isinstance(s, int)])


def _start_local(fit: FitActivity, start_s: int) -> str | None:
    """Local wall-clock start for files without UTC times, from the activity's local end time."""
    end_s, local_end = fit.activity.get("end_fit_s"), fit.activity.get("local_timestamp")
    if not isinstance(end_s, int) or not isinstance(local_end, str):
        return None
    local_end_dt = datetime.strptime(local_end, "%Y-%m-%dT%H:%M:%SZ")  # noqa: DTZ007 -- local, no zone
    return (local_end_dt - timedelta(seconds=end_s - start_s)).strftime("%Y-%m-%dT%H:%M:%S")


def _write(tmp: Path, path: Path, fit: FitActivity, runner: str | None) -> None:
    start_s = activity_start_s(fit)
    with RecordingWriter(tmp, metadata=_metadata(path, fit, start_s, runner)) as writer:
        writer.add_sensor(
            SensorInfo(
                FIT_SENSOR_ID, FIT_RECORD_PROFILE, Placement.WRIST, None, _nominal_rate_hz(fit.records),
                FIT_CHANNELS, FIT_CHAR_UUID,
                {"units": dict(fit.units), "developer_units": dict(fit.developer_units),
                 "decoder": "fitdecode", "placement_note": "the recording device; FIT does not say where "
                 "its running-dynamics sensor was worn"},
            )
        )  # fmt: skip
        for record in fit.records:
            t_s = float(record.fit_time_s - start_s)
            payload = {"fields": record.fields, "developer": record.developer}
            data = json.dumps(payload, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
            writer.write_packet(RawPacket(FIT_SENSOR_ID, FIT_CHAR_UUID, t_s, data.encode()))
            writer.write_event(t_s, FIT_RECORD_EVENT, metrics_from_record(t_s, record).to_payload())
        for lap in fit.laps:
            lap_payload: dict[str, JsonValue] = {
                "duration_s": json_number(lap.get("total_elapsed_time")),
                "distance_m": json_number(lap.get("total_distance")),
            }
            lap_start_s = lap["start_fit_s"]
            if isinstance(lap_start_s, int):
                writer.write_event(float(lap_start_s - start_s), LAP_EVENT, lap_payload)


def default_out(path: Path) -> Path:
    """Next to the input, with the recording suffix: ``run.fit`` -> ``run.rsrec``."""
    return path.with_suffix(FILE_SUFFIX)


def import_fit_file(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    runner: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Convert a FIT activity into a recording at ``out`` (default: next to it, ``.rsrec``), atomically.

    ``runner`` is stored like ``runsense import --runner`` does for CSV (FIT files do not name one).

    The whole file is decoded and checked first; the recording is then written under a
    temporary name and renamed into place, so a failure never leaves a partial file.
    """
    source = Path(path)
    target = default_out(source) if out is None else Path(out)
    if target.resolve() == source.resolve():
        raise RecordingError(str(target), "is the FIT file being imported; choose another output file")
    if target.exists() and not overwrite:
        raise RecordingError(str(target), "already exists; choose another output file with --out")
    if not target.parent.is_dir():
        raise RecordingError(str(target), "cannot be created because its directory does not exist")
    fit = read_fit(source)
    _check_supported(source, fit)
    tmp = target.with_name(f"{target.name}.tmp-{secrets.token_hex(4)}")
    done = False
    try:
        _write(tmp, source, fit, runner)
        try:
            tmp.replace(target)
        except OSError as exc:
            raise RecordingError(
                str(target), f"cannot be written ({exc.strerror}); choose another file"
            ) from None
        done = True
    finally:
        if not done:
            remove_with_side_files(tmp)
    return target
