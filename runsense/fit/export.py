"""``runsense export REC --fit OUT.fit --csv OUT.csv``: a recording in the formats coaches already use.

Per-second values come from the recording's stored steps (or, when none are stored, from
running the analyser over its raw packets exactly as ``runsense analyse`` does) and from
imported FIT records. Every output is built in memory first and then written through a
temporary file renamed into place, so a failure never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from garmin_fit_sdk import Profile

from runsense.analysis import analyse_chunks
from runsense.errors import ConfigError, RecordingError
from runsense.fit.encode import ActivityInfo, encode_activity
from runsense.fit.importer import ON_FOOT_SPORTS
from runsense.fit.metrics import (
    SecondMetrics,
    cue_marks,
    json_number,
    merge_seconds,
    seconds_from_events,
    seconds_from_steps,
)
from runsense.fit.units import quantized_spm
from runsense.model import Step
from runsense.recording import F32_PROFILE, JsonValue, RecordingReader, iter_sample_chunks
from runsense.steps_csv import STEP_COLUMNS, step_row

SECOND_COLUMNS: Final[tuple[str, ...]] = (
    "t_s", "timestamp_utc", "n_steps", "cadence_spm", "impact_g", "impact_balance_left_pct",
    "stance_time_ms", "stance_time_balance_left_pct", "step_length_m", "speed_mps", "distance_m",
    "heart_rate_bpm", "power_w", "vertical_oscillation_mm", "vertical_ratio_pct", "confidence", "cues",
)  # fmt: skip
"""Per-second CSV columns; ``cadence_spm`` is the value the FIT file holds (1/64 spm resolution)."""
PER_SECOND_SUFFIX: Final = ".per_second.csv"


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written, for the command's one-line report."""

    outputs: tuple[Path, ...]
    n_seconds: int
    n_steps: int
    n_cues: int
    analysed_now: bool
    """True when the recording had no stored steps and the analyser ran for this export."""


def per_second_path(csv_out: Path) -> Path:
    """``run.csv`` -> ``run.per_second.csv`` (next to the per-step table)."""
    stem = csv_out.stem if csv_out.suffix.lower() == ".csv" else csv_out.name
    return csv_out.with_name(stem + PER_SECOND_SUFFIX)


def _check_targets(rec: Path, targets: list[Path]) -> None:
    """Refuse unusable outputs before any work, and never overwrite the recording itself."""
    if len({t.resolve() for t in targets}) != len(targets):
        raise ConfigError("the output files must have different names")
    for target in targets:
        if target.resolve() == rec.resolve():
            raise ConfigError(f"{target} is the recording being exported; choose another output name")
        if target.is_dir():
            raise ConfigError(f"{target} is a directory; give a file name")
        if not target.parent.is_dir():
            raise ConfigError(f"{target}: the directory {target.parent} does not exist; create it first")


def _start_utc(reader: RecordingReader) -> datetime:
    """The session start: ``created_utc`` (a time without zone is taken as UTC, as its name says)."""
    text = reader.metadata.get("created_utc")
    try:
        start = datetime.fromisoformat(str(text)).replace(microsecond=0)
    except ValueError:
        raise RecordingError(
            str(reader.path), f"has no valid created_utc ({text!r}), so FIT times cannot be set"
        ) from None
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)


def analyse_recording(reader: RecordingReader, speed_mps: float | None) -> list[Step]:
    """Steps of every acceleration sensor, as ``runsense analyse`` computes them, in time order."""
    steps: list[Step] = []
    for sensor in reader.sensors:
        if sensor.profile != F32_PROFILE or not sensor.acc_channel_indices:
            continue
        chunks = iter_sample_chunks(reader, sensor.sensor_id)
        table = analyse_chunks(chunks, placement=sensor.placement, side=sensor.side, speed_mps=speed_mps)
        steps += table.steps()
    return sorted(steps, key=lambda s: s.t_s)


def _profile_value(kind: str, value: object, default: str) -> str:
    """A sport/sub_sport the FIT profile knows (the encoder rejects other strings)."""
    known = Profile["types"][kind].values()
    return str(value) if isinstance(value, str) and value in known else default


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def seconds_csv(start: datetime, seconds: list[SecondMetrics], cues: list[tuple[float, str]]) -> str:
    """The per-second table, one row per FIT record, with the cues given in that second."""
    cues_at: dict[int, list[str]] = {}
    for t_s, kind in cues:
        cues_at.setdefault(math.floor(t_s), []).append(kind)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SECOND_COLUMNS)
    for m in seconds:
        cadence = None if m.cadence_spm is None else quantized_spm(m.cadence_spm)
        stamp = datetime.fromtimestamp(start.timestamp() + math.floor(m.t_s), tz=start.tzinfo)
        writer.writerow([
            f"{m.t_s:.0f}", stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), "" if m.n_steps is None else m.n_steps,
            _fmt(cadence, 6), _fmt(m.impact_g, 3), _fmt(m.impact_balance_left_pct, 1),
            _fmt(m.stance_time_ms, 1), _fmt(m.stance_time_balance_left_pct, 2), _fmt(m.step_length_m, 3),
            _fmt(m.speed_mps, 3), _fmt(m.distance_m, 2), _fmt(m.heart_rate_bpm, 0), _fmt(m.power_w, 0),
            _fmt(m.vertical_oscillation_mm, 1), _fmt(m.vertical_ratio_pct, 2), _fmt(m.confidence, 2),
            ";".join(cues_at.get(math.floor(m.t_s), [])),
        ])  # fmt: skip
    return buffer.getvalue()


def steps_csv(steps: list[Step]) -> str:
    """The per-step table, byte-for-byte the layout of ``runsense analyse --steps-csv``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STEP_COLUMNS)
    writer.writerows(step_row(s) for s in steps)
    return buffer.getvalue()


def write_atomically(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary name first and rename only when all are complete."""
    temps: dict[Path, Path] = {}
    current = next(iter(files))
    try:
        for current, data in files.items():
            tmp = current.with_name(f"{current.name}.tmp-{secrets.token_hex(4)}")
            temps[current] = tmp
            with tmp.open("wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        for current, tmp in temps.items():
            tmp.replace(current)
    except OSError as exc:  # name the file the user asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(current)) from None
    finally:
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class _Session:
    """Everything read from the recording (it is closed before any output is written)."""

    start: datetime
    steps: list[Step]
    seconds: list[SecondMetrics]
    cues: list[tuple[float, str]]
    info: ActivityInfo
    analysed_now: bool


def _speed_mps(metadata: dict[str, JsonValue], speed_kmh: float | None) -> float | None:
    """The treadmill speed: the command line's, else the recording's ``speed_kmh``; None when unknown."""
    kmh = speed_kmh if speed_kmh is not None else json_number(metadata.get("speed_kmh"))
    return None if kmh is None or kmh <= 0 else kmh / 3.6


def _read_session(rec_path: Path, speed_kmh: float | None) -> _Session:
    """Steps (stored, else analysed now), per-second values, cues and totals of one recording."""
    with RecordingReader(rec_path) as reader:
        meta = reader.metadata
        speed_mps = _speed_mps(meta, speed_kmh)
        start = _start_utc(reader)
        steps = list(reader.iter_steps())
        has_imu = any(s.profile == F32_PROFILE and s.acc_channel_indices for s in reader.sensors)
        analysed_now = not steps and has_imu
        if analysed_now:
            steps = analyse_recording(reader, speed_mps)
        events = list(reader.iter_events())
        duration_s = reader.duration_s
    device = seconds_from_events(events)
    measured = (
        seconds_from_steps(steps, duration_s=duration_s, speed_mps=speed_mps) if has_imu or steps else []
    )
    seconds = merge_seconds(device, measured)
    if not seconds:
        raise RecordingError(
            str(rec_path), "holds no steps, sensor data or FIT records, so there is nothing to export"
        )
    fit_session = meta.get("fit_session")
    fit_session = fit_session if isinstance(fit_session, dict) else {}
    imported_elapsed_s = json_number(fit_session.get("elapsed_s"))
    imported_distance_m = json_number(fit_session.get("distance_m"))
    elapsed_s = max(imported_elapsed_s or 0.0, duration_s, 1.0)
    sport = meta.get("sport") if meta.get("sport") in ON_FOOT_SPORTS else None
    info = ActivityInfo(
        start_utc=start,
        elapsed_s=elapsed_s,
        sport=_profile_value("sport", sport, "running"),
        sub_sport=_profile_value("sub_sport", meta.get("sub_sport"), "treadmill" if speed_mps else "generic"),
        total_distance_m=imported_distance_m if device or speed_mps is None else speed_mps * elapsed_s,
        total_steps=len(steps) if steps else None,
        avg_impact_g=sum(s.impact_g for s in steps) / len(steps) if steps else None,
    )
    return _Session(start, steps, seconds, cue_marks(events), info, analysed_now)


def export_recording(
    rec: str | os.PathLike[str],
    *,
    fit_out: str | os.PathLike[str] | None = None,
    csv_out: str | os.PathLike[str] | None = None,
    speed_kmh: float | None = None,
) -> ExportResult:
    """Export ``rec`` as an activity FIT file and/or per-step + per-second CSV tables.

    ``speed_kmh`` overrides the recording's treadmill speed (for speed and distance, and for
    step length when the steps are computed for this export). The recording is only read.
    """
    rec_path = Path(rec)
    targets = [Path(p) for p in (fit_out,) if p is not None]
    if csv_out is not None:
        targets += [Path(csv_out), per_second_path(Path(csv_out))]
    if not targets:
        raise ConfigError("nothing to export; give --fit OUT.fit and/or --csv OUT.csv")
    _check_targets(rec_path, targets)
    session = _read_session(rec_path, speed_kmh)
    files: dict[Path, bytes] = {}
    if fit_out is not None:
        files[Path(fit_out)] = encode_activity(session.info, session.seconds, session.cues)
    if csv_out is not None:
        files[Path(csv_out)] = steps_csv(session.steps).encode()
        files[per_second_path(Path(csv_out))] = seconds_csv(
            session.start, session.seconds, session.cues
        ).encode()
    write_atomically(files)
    return ExportResult(
        tuple(files), len(session.seconds), len(session.steps), len(session.cues), session.analysed_now
    )
