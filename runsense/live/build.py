"""Wire a replayed session: recording -> transport -> source, and a factory for fresh sessions.

Kept out of cli.py so the dashboard tests, the headless runner and benchmarks build the
exact same pipeline the command does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runsense.analysis.cues import CueSettings
from runsense.clock import Clock
from runsense.config import RunnerSettings
from runsense.decoding import PacketDecoder
from runsense.errors import RecordingError
from runsense.live.replay import ReplaySource, ReplayTransport
from runsense.live.session import LiveSession
from runsense.recording import RecordingReader, SensorInfo
from runsense.recording.format import FIT_RECORD_PROFILE


@dataclass(frozen=True, slots=True)
class Replay:
    """An open recording ready to play."""

    source: ReplaySource
    sensors: list[SensorInfo]
    duration_s: float
    speed_kmh: float | None


def cue_settings_for(runner: RunnerSettings) -> CueSettings:
    """The runner's target settings as the cue engine wants them."""
    return CueSettings(
        target_mode="personal" if runner.target_mode == "personal" else "band",
        band_low_spm=runner.band_low_spm,
        band_high_spm=runner.band_high_spm,
        personal_increase_pct=runner.personal_increase_pct,
        preferred_cadence_spm=runner.preferred_cadence_spm,
    )


def open_replay(reader: RecordingReader, *, clock: Clock, speed: float) -> Replay:
    """A paced source over the recording's decodable sensors (others are skipped, and said so)."""
    sensors = []
    for sensor in reader.sensors:
        if sensor.profile == FIT_RECORD_PROFILE:
            continue  # 1 Hz device metrics: nothing to analyse step by step
        PacketDecoder(sensor)  # raises a clear error for a profile this version cannot decode
        if sensor.acc_channel_indices:
            sensors.append(sensor)
    if not sensors:
        raise RecordingError(
            str(reader.path),
            "holds no raw sensor data to replay (a FIT import keeps the device's 1 Hz metrics only); "
            "use runsense report or runsense export on it instead",
        )
    ids = {s.sensor_id for s in sensors}
    stored_speed = reader.metadata.get("speed_kmh")
    source = ReplaySource(
        lambda: (p for p in reader.iter_packets() if p.sensor_id in ids),
        ReplayTransport(clock, speed=speed),
    )
    return Replay(
        source=source,
        sensors=sensors,
        duration_s=reader.duration_s,
        speed_kmh=float(stored_speed) if isinstance(stored_speed, int | float) else None,
    )


def session_factory(
    sensors: list[SensorInfo], *, speed_kmh: float | None, cue_settings: CueSettings
) -> Callable[[], LiveSession]:
    """Fresh sessions with the same settings (start, and after every seek)."""
    speed_mps = None if speed_kmh is None else speed_kmh / 3.6

    def make() -> LiveSession:
        return LiveSession(sensors, speed_mps=speed_mps, cue_settings=cue_settings)

    return make
