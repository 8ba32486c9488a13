"""Read what the coach tools need from a recording: who, when, how far, steps, cues, device seconds.

A recording holds stored steps (``analyse --save``, imports), or only raw IMU packets (then
the steps are analysed here, on the fly, and never written back: looking at a session must
not change the evidence), or a FIT import's 1 Hz ``fit_record`` events (nothing to analyse:
the device's own metrics are used). All I/O of the coach tools' inputs is in this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from runsense.analysis import analyse_chunks
from runsense.analysis.cues import cues_for_steps
from runsense.config import RunnerSettings
from runsense.fit.metrics import FIT_RECORD_EVENT, SecondMetrics, seconds_from_events
from runsense.inputs import recording_streams
from runsense.live.build import cue_settings_for
from runsense.model import Cue, SampleChunk, Step
from runsense.recording import F32_PROFILE, Event, JsonValue, RecordingReader, SensorInfo
from runsense.recording.events import CUE_KIND, cue_from_event

StepsSource = Literal["stored", "analysed", "none"]
CuesSource = Literal["stored", "computed", "none"]
ProgressCallback = Callable[[float], None]
"""Called with the fraction done (0..1) while steps are analysed on the fly."""


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """The cheap part of a session (metadata, packet times): all that training load needs.

    ``start`` is naive: UTC when the recording knows it, else the device's local time (FIT files
    without UTC), else None. ``runner`` and ``shoes`` fall back to the runner settings (see
    ``read_info``); empty when unknown.
    """

    path: Path
    start: datetime | None
    runner: str
    shoes: str
    speed_kmh: float | None
    duration_s: float
    distance_km: float | None
    sensors: tuple[SensorInfo, ...]
    metadata: Mapping[str, JsonValue]

    @property
    def is_fit_import(self) -> bool:
        """Made from a device's FIT file: 1 Hz device metrics, no raw samples."""
        return str(self.metadata.get("source", "")).startswith("fit-import:")


@dataclass(frozen=True, slots=True)
class Session:
    """Everything a report is computed from; ``notes`` say where the numbers came from."""

    info: SessionInfo
    steps: tuple[Step, ...]
    steps_source: StepsSource
    seconds: tuple[SecondMetrics, ...]
    cues: tuple[Cue, ...]
    cues_source: CuesSource
    notes: tuple[str, ...]


def _number(value: JsonValue | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _text(value: JsonValue | None) -> str:
    return value.strip() if isinstance(value, str) else ""


def start_time(metadata: Mapping[str, JsonValue]) -> datetime | None:
    """When the run started: a FIT file's start, else when the recording was created.

    A FIT import from a device without a clock has ``created_utc`` = the import time, which
    says nothing about when the run was; only its ``start_local`` (if any) is used then.
    """
    keys = ["start_utc", "start_local", "created_utc"]
    if metadata.get("fit_time_base") == "device-relative":
        keys = ["start_local"]
    for key in keys:
        raw = metadata.get(key)
        if not isinstance(raw, str):
            continue
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            continue
        return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    return None


def _distance_km(
    metadata: Mapping[str, JsonValue], speed_kmh: float | None, duration_s: float, events: Iterable[Event]
) -> float | None:
    """Stated distance first, then treadmill speed x duration, then the device's last distance."""
    if (km := _number(metadata.get("distance_km"))) is not None:
        return km
    if (m := _number(metadata.get("distance_m"))) is not None:
        return m / 1000
    fit_session = metadata.get("fit_session")
    if isinstance(fit_session, dict) and (m := _number(fit_session.get("distance_m"))) is not None:
        return m / 1000
    if speed_kmh is not None and duration_s > 0:
        return speed_kmh * duration_s / 3600
    device = [s.distance_m for s in seconds_from_events(events) if s.distance_m is not None]
    return max(device) / 1000 if device else None


def read_info(reader: RecordingReader, settings: RunnerSettings) -> SessionInfo:
    """Who, when, how long and how far.

    A recording without a runner is taken to be the configured runner's (FIT imports carry no
    name, and they are the user's own watch files). Shoes come from the metadata, else from
    the settings when the session is that runner's.
    """
    metadata = reader.metadata
    runner = _text(metadata.get("runner")) or settings.name.strip()
    shoes = _text(metadata.get("shoes"))
    if not shoes and (not settings.name.strip() or runner == settings.name.strip()):
        shoes = settings.shoes.strip()
    speed_kmh = _number(metadata.get("speed_kmh"))
    duration_s = reader.duration_s
    fit_session = metadata.get("fit_session")
    if duration_s <= 0 and isinstance(fit_session, dict):
        duration_s = _number(fit_session.get("elapsed_s")) or 0.0
    events = (e for e in reader.iter_events() if e.kind == FIT_RECORD_EVENT)
    return SessionInfo(
        path=reader.path,
        start=start_time(metadata),
        runner=runner,
        shoes=shoes,
        speed_kmh=speed_kmh,
        duration_s=duration_s,
        distance_km=_distance_km(metadata, speed_kmh, duration_s, events),
        sensors=reader.sensors,
        metadata=dict(metadata),
    )


def open_info(path: Path, settings: RunnerSettings) -> SessionInfo:
    """``read_info`` of the recording at ``path`` (a ``RecordingError`` when it is not one)."""
    with RecordingReader(path) as reader:
        return read_info(reader, settings)


def _analysable(sensors: Iterable[SensorInfo]) -> bool:
    return any(s.profile == F32_PROFILE and s.acc_channel_indices for s in sensors)


def _reporting(
    chunks: Iterable[SampleChunk], index: int, n_streams: int, duration_s: float, progress: ProgressCallback
) -> Iterator[SampleChunk]:
    """The chunks, reporting progress as they are read (reading a long recording is what takes time)."""
    for chunk in chunks:
        yield chunk
        progress((index + min(1.0, chunk.end_s / duration_s)) / n_streams)


def analyse_steps(
    reader: RecordingReader, speed_kmh: float | None, progress: ProgressCallback | None = None
) -> list[Step]:
    """Run the analyser over every decodable sensor, as ``runsense analyse`` does; writes nothing."""
    streams = recording_streams(reader, placement=None, side=None)
    duration_s = max(reader.duration_s, 1e-9)
    speed_mps = None if speed_kmh is None else speed_kmh / 3.6
    steps: list[Step] = []
    for index, stream in enumerate(streams):
        chunks = stream.chunks
        if progress is not None:
            chunks = _reporting(stream.chunks, index, len(streams), duration_s, progress)
        table = analyse_chunks(chunks, placement=stream.placement, side=stream.side, speed_mps=speed_mps)
        steps += table.steps()
    return sorted(steps, key=lambda step: step.t_s)


def _stored_cues(events: Iterable[Event]) -> tuple[list[Cue], int]:
    """Stored cue events as cues, and how many were unreadable (skipped, and said so)."""
    cues, bad = [], 0
    for event in events:
        if event.kind != CUE_KIND:
            continue
        try:
            cues.append(cue_from_event(event))
        except ValueError:
            bad += 1
    return cues, bad


def load_session(path: Path, settings: RunnerSettings, progress: ProgressCallback | None = None) -> Session:
    """Open a recording and gather its steps, cues and device seconds.

    Cues: the stored ones when there are any (what the runner was told); else, when there are
    steps, those the cue engine gives for them with the runner's current target settings
    (imports store no cues), labelled as computed.
    """
    notes: list[str] = []
    with RecordingReader(path) as reader:
        info = read_info(reader, settings)
        steps = list(reader.iter_steps())
        steps_source: StepsSource = "stored" if steps else "none"
        if not steps and _analysable(reader.sensors):
            steps = analyse_steps(reader, info.speed_kmh, progress)
            steps_source = "analysed"
            notes.append(
                "Steps were analysed now from the raw sensor data; they are not stored in the recording "
                "(runsense analyse --save stores them)."
            )
        events = list(reader.iter_events())
    cues, bad = _stored_cues(events)
    cues_source: CuesSource = "stored" if cues or bad else "none"
    if bad:
        notes.append(f"{bad} stored cue event(s) could not be read and are left out.")
    if not cues and not bad and steps:
        speed_mps = None if info.speed_kmh is None else info.speed_kmh / 3.6
        cues = cues_for_steps(steps, settings=cue_settings_for(settings), speed_mps=speed_mps)
        cues_source = "computed"
        notes.append(
            "The recording stores no cues; the cues shown are those the cue engine gives for these "
            "steps with the runner's current target settings."
        )
    return Session(
        info=info,
        steps=tuple(steps),
        steps_source=steps_source,
        seconds=tuple(seconds_from_events(events)),
        cues=tuple(cues),
        cues_source=cues_source,
        notes=tuple(notes),
    )
