"""The session model: packets in, steps and cues out, and a snapshot for whoever displays it.

Synchronous and free of I/O, so the dashboard, the headless runner, replay and tests
drive the very same object. The UI reads ``snapshot()`` at its own rate; nothing
here knows about screens, and nothing here waits.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from runsense.analysis import Analyser, AnalyserSettings
from runsense.analysis.cues import CueEngine, CueSettings
from runsense.decoding import PacketDecoder
from runsense.errors import DecodeError
from runsense.model import Cue, RawPacket, Step
from runsense.profiles.readings import HeartRateReading, Reading, RunningReading, TreadmillReading
from runsense.recording import SensorInfo

IMPACT_HISTORY_STEPS = 40
LOST_AFTER_S = 2.0
"""A sensor with no sample for this long (session time) is shown as lost."""
STOPPED_AFTER_S = 2.0
"""No step for this long: the runner stopped; show no cadence rather than a stale one."""
BATTERY_FIELD = "battery_level_pct"
"""The decoded field of a profile's Battery Level characteristic (0x2A19)."""


@dataclass(frozen=True, slots=True)
class SensorStatus:
    """What the dashboard shows per sensor."""

    sensor_id: str
    placement: str
    packets: int
    decode_errors: int
    clipped_steps: int
    last_sample_s: float | None
    lost: bool
    lost_packets: int = 0
    """Packets the sensor's sequence counter says never arrived (packet loss)."""
    battery_pct: int | None = None
    """Battery level (0-100 %) from the Battery Service; None when the sensor has none (or not read yet)."""


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """Everything the screen shows, at one instant of session time."""

    elapsed_s: float
    n_steps: int
    cadence_spm: float | None
    target_spm: tuple[float, float] | None
    preferred_cadence_spm: float | None
    active_cue: Cue | None
    impacts_g: tuple[float, ...]
    step_length_m: float | None
    speed_mps: float | None
    distance_m: float
    heart_rate_bpm: int | None
    sensors: tuple[SensorStatus, ...]
    recent_cues: tuple[Cue, ...]
    laps_s: tuple[float, ...]
    last_step_t_s: float | None


@dataclass(slots=True)
class _SensorState:
    info: SensorInfo
    decoder: PacketDecoder
    analyser: Analyser
    packets: int = 0
    decode_errors: int = 0
    clipped_steps: int = 0
    lost_packets: int = 0
    last_sample_s: float | None = None
    battery_pct: int | None = None


@dataclass(slots=True)
class SessionRecord:
    """What the session produced so far (for the summary screen and for saving)."""

    steps: list[Step] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    laps_s: list[float] = field(default_factory=list)


class LiveSession:
    """Feeds packets of every sensor through decoding, analysis and the cue engine."""

    def __init__(
        self,
        sensors: list[SensorInfo],
        *,
        speed_mps: float | None = None,
        cue_settings: CueSettings | None = None,
        analyser_settings: AnalyserSettings | None = None,
    ) -> None:
        """One decoder and analyser per acceleration sensor; one cue engine for the runner."""
        self._sensors = {
            s.sensor_id: _SensorState(
                s,
                PacketDecoder(s),
                Analyser(analyser_settings, placement=s.placement, side=s.side, speed_mps=speed_mps),
            )
            for s in sensors
        }
        self._cue_settings = cue_settings
        self._analyser_settings = analyser_settings
        self.cues = CueEngine(cue_settings)
        self.speed_mps = speed_mps
        self.record = SessionRecord()
        self._elapsed_s = 0.0
        self._distance_m = 0.0
        self._impacts: deque[float] = deque(maxlen=IMPACT_HISTORY_STEPS)
        self._last_step: Step | None = None
        self._heart_rate: HeartRateReading | None = None
        self._footpod: RunningReading | None = None
        self._typed_speed_mps = speed_mps

    @property
    def elapsed_s(self) -> float:
        """Session time: the newest sample time seen."""
        return self._elapsed_s

    def on_packet(self, packet: RawPacket) -> list[Step | Cue]:
        """Decode and analyse one packet; return the steps and cues it completed."""
        state = self._sensors.get(packet.sensor_id)
        if state is None:
            return []
        state.packets += 1
        try:
            decoded = state.decoder.decode_packet(packet)
        except DecodeError:
            state.decode_errors += 1
            return []
        state.lost_packets += decoded.lost_packets
        battery = decoded.values.get(BATTERY_FIELD)
        if isinstance(battery, int | float) and not isinstance(battery, bool):
            state.battery_pct = round(battery)
        for reading in decoded.readings:
            self._take_reading(reading)
        chunk = decoded.chunk
        if chunk is None or chunk.n_samples == 0:
            if decoded.readings:  # a value-only sensor (heart rate, footpod, treadmill) is alive
                state.last_sample_s = packet.t_received_s
                self._advance_to(packet.t_received_s)
            return []
        self._advance_to(chunk.end_s)
        state.last_sample_s = chunk.end_s
        return self._handle_steps(state, state.analyser.feed(chunk))

    def finish(self) -> list[Step | Cue]:
        """End of input: flush every analyser."""
        events: list[Step | Cue] = []
        for state in self._sensors.values():
            events += self._handle_steps(state, state.analyser.finish())
        return events

    def set_speed(self, speed_mps: float | None) -> None:
        """Treadmill speed typed in (a sensor that reports speed overrides it while it does)."""
        self._typed_speed_mps = speed_mps
        self._use_speed(speed_mps)

    def _use_speed(self, speed_mps: float | None) -> None:
        self.speed_mps = speed_mps
        for state in self._sensors.values():
            state.analyser.set_speed(speed_mps)

    def _take_reading(self, reading: Reading) -> None:
        """Heart rate for the screen; belt or footpod speed for step length and distance."""
        if isinstance(reading, HeartRateReading):
            self._heart_rate = reading
        elif isinstance(reading, TreadmillReading) and reading.speed_mps is not None:
            self._use_speed(reading.speed_mps)
        elif isinstance(reading, RunningReading):
            self._footpod = reading
            if self._typed_speed_mps is None:
                self._use_speed(reading.speed_mps)

    def mark_lap(self) -> float:
        """Mark a lap at the current session time and return it."""
        self.record.laps_s.append(self._elapsed_s)
        return self._elapsed_s

    def _advance_to(self, t_s: float) -> None:
        """Session time is the newest sample (or, for value-only sensors, arrival) time."""
        if t_s > self._elapsed_s:
            if self.speed_mps is not None:
                self._distance_m += self.speed_mps * (t_s - self._elapsed_s)
            self._elapsed_s = t_s

    def _handle_steps(self, state: _SensorState, steps: list[Step]) -> list[Step | Cue]:
        events: list[Step | Cue] = []
        for step in steps:
            self.record.steps.append(step)
            events.append(step)
            if step.clipped:
                state.clipped_steps += 1
            self._impacts.append(step.impact_g)
            self._last_step = step
            cues = self.cues.feed(step, speed_mps=self.speed_mps)
            self.record.cues.extend(cues)
            events.extend(cues)
        return events

    def snapshot(self) -> MetricsSnapshot:
        """The current state for display; cheap enough to call at the UI's refresh rate."""
        last = self._last_step
        stopped = last is None or self._elapsed_s - last.t_s > STOPPED_AFTER_S
        cadence = None if stopped or last is None else last.cadence_spm
        pod = self._footpod
        if cadence is None and pod is not None and self._elapsed_s - pod.t_s <= STOPPED_AFTER_S:
            cadence = pod.cadence_spm  # no IMU steps: the footpod's own cadence (steps/min)
        heart = self._heart_rate
        fresh_heart = heart is not None and self._elapsed_s - heart.t_s <= STOPPED_AFTER_S
        sensors = tuple(
            SensorStatus(
                sensor_id=s.info.sensor_id,
                placement=s.info.placement.value,
                packets=s.packets,
                decode_errors=s.decode_errors,
                clipped_steps=s.clipped_steps,
                last_sample_s=s.last_sample_s,
                lost=s.last_sample_s is None or self._elapsed_s - s.last_sample_s > LOST_AFTER_S,
                lost_packets=s.lost_packets,
                battery_pct=s.battery_pct,
            )
            for s in self._sensors.values()
        )
        return MetricsSnapshot(
            elapsed_s=self._elapsed_s,
            n_steps=len(self.record.steps),
            cadence_spm=cadence,
            target_spm=self.cues.target_spm,
            preferred_cadence_spm=self.cues.preferred_cadence_spm,
            active_cue=self.cues.active,
            impacts_g=tuple(self._impacts),
            step_length_m=None if last is None else last.step_length_m,
            speed_mps=self.speed_mps,
            distance_m=self._distance_m,
            heart_rate_bpm=heart.heart_rate_bpm if heart is not None and fresh_heart else None,
            sensors=sensors,
            recent_cues=tuple(self.record.cues[-20:]),
            laps_s=tuple(self.record.laps_s),
            last_step_t_s=None if last is None else last.t_s,
        )
