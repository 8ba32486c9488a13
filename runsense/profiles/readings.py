"""What a decoded packet gives the rest of runsense: scalar readings, samples, control replies.

Units are in the names and are runsense's own, whatever the wire carries: cadence is ALWAYS
steps per minute (a pod that counts strides is converted, per the profile's ``cadence_unit``
setting), speed is m/s (FTMS sends km/h), RR intervals are seconds. Scalar readings carry
``t_s``, the packet's arrival time: these formats have no sensor clock, and a 1-4 Hz value
does not need one (samples never use arrival time; see ``sample_clock.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from runsense.model import SampleChunk
from runsense.profiles.frame import ControlResponse, FieldValue, FrameError
from runsense.profiles.schema import ReadingKind, SettingValue

KMH_PER_MPS = 3.6


@dataclass(frozen=True, slots=True)
class RunningReading:
    """RSC Measurement: footpod speed and cadence (always steps/min), optional stride and distance."""

    t_s: float
    speed_mps: float
    cadence_spm: float
    stride_length_m: float | None = None
    total_distance_m: float | None = None
    running: bool | None = None
    """True running, False walking, as the pod reports it (many pods never set it)."""


@dataclass(frozen=True, slots=True)
class HeartRateReading:
    """HR Measurement; ``sensor_contact`` is None when the strap does not report contact."""

    t_s: float
    heart_rate_bpm: int
    rr_intervals_s: tuple[float, ...] = ()
    energy_expended_kj: int | None = None
    sensor_contact: bool | None = None


@dataclass(frozen=True, slots=True)
class PowerReading:
    """Cycling Power Measurement as Stryd uses it: instantaneous running power only."""

    t_s: float
    power_w: int


@dataclass(frozen=True, slots=True)
class TreadmillReading:
    """FTMS Treadmill Data: belt speed and incline, each None when the frame omits it."""

    t_s: float
    speed_mps: float | None = None
    incline_pct: float | None = None
    total_distance_m: float | None = None
    ramp_angle_deg: float | None = None
    elapsed_s: int | None = None


Reading: TypeAlias = RunningReading | HeartRateReading | PowerReading | TreadmillReading


@dataclass(frozen=True, slots=True)
class DecodedPacket:
    """Everything one packet said: readings, a chunk of samples, a control reply, raw values.

    ``gap_s`` is set when samples were lost before this chunk (a counter or timestamp jump),
    ``resynced`` when the sample clock had to re-anchor on arrival time (sensor reboot,
    timestamps that went backwards); the analyser must not bridge either.
    ``lost_packets`` counts packets the sequence counter says went missing.
    """

    sensor_id: str
    char_uuid: str
    frame: str
    values: Mapping[str, FieldValue] = field(default_factory=dict)
    readings: tuple[Reading, ...] = ()
    chunk: SampleChunk | None = None
    control: ControlResponse | None = None
    gap_s: float | None = None
    resynced: bool = False
    lost_packets: int = 0

    def flat(self) -> dict[str, object]:
        """One flat mapping of everything, as embedded examples name it (tests, debugging)."""
        out: dict[str, object] = dict(self.values)
        for reading in self.readings:
            out.update({k: getattr(reading, k) for k in reading.__dataclass_fields__})
        if self.chunk is not None:
            out.update(t0_s=self.chunk.t0_s, fs_hz=self.chunk.fs_hz, n_samples=self.chunk.n_samples)
            out["acc_g"] = self.chunk.acc_g.tolist()
            if self.chunk.gyro_dps is not None:
                out["gyro_dps"] = self.chunk.gyro_dps.tolist()
        if self.control is not None:
            out.update(request_opcode=self.control.request_opcode, result_code=self.control.result_code)
            out.update(ok=self.control.ok, **{f"param_{k}": v for k, v in self.control.params.items()})
        out.update(frame=self.frame, gap_s=self.gap_s, resynced=self.resynced, lost_packets=self.lost_packets)
        return out


def _num(values: Mapping[str, FieldValue], name: str) -> float | None:
    value = values.get(name)
    if value is None or isinstance(value, bool | str | tuple):
        return None
    return float(value)


def _need(values: Mapping[str, FieldValue], name: str) -> float:
    value = _num(values, name)
    if value is None:
        raise FrameError(f"the frame has no {name}")
    return value


def _int(value: float | None) -> int | None:
    return None if value is None else round(value)


def build_reading(
    kind: ReadingKind, values: Mapping[str, FieldValue], settings: Mapping[str, SettingValue], t_s: float
) -> Reading | None:
    """The reading of ``kind`` for these decoded values (None for kinds without a scalar reading)."""
    factor = settings.get("speed_factor", 1.0)
    speed_factor = float(factor) if isinstance(factor, int | float) else 1.0
    if kind == "running":
        cadence = _need(values, "cadence_per_min")
        if settings.get("cadence_unit") == "strides":
            cadence *= 2.0
        distance = _num(values, "total_distance_m")
        running = values.get("running")
        return RunningReading(
            t_s=t_s,
            speed_mps=_need(values, "speed_mps") * speed_factor,
            cadence_spm=cadence,
            stride_length_m=_num(values, "stride_length_m"),
            total_distance_m=None if distance is None else distance * speed_factor,
            running=running if isinstance(running, bool) else None,
        )
    if kind == "heart_rate":
        rr = values.get("rr_intervals_s", ())
        contact = values.get("sensor_contact")
        return HeartRateReading(
            t_s=t_s,
            heart_rate_bpm=round(_need(values, "heart_rate_bpm")),
            rr_intervals_s=rr if isinstance(rr, tuple) else (),
            energy_expended_kj=_int(_num(values, "energy_expended_kj")),
            sensor_contact=contact if isinstance(contact, bool) else None,
        )
    if kind == "power":
        return PowerReading(t_s=t_s, power_w=round(_need(values, "power_w")))
    if kind == "treadmill":
        speed_kmh = _num(values, "speed_kmh")
        distance = _num(values, "total_distance_m")
        return TreadmillReading(
            t_s=t_s,
            speed_mps=None if speed_kmh is None else speed_kmh / KMH_PER_MPS * speed_factor,
            incline_pct=_num(values, "incline_pct"),
            total_distance_m=None if distance is None else distance * speed_factor,
            ramp_angle_deg=_num(values, "ramp_angle_deg"),
            elapsed_s=_int(_num(values, "elapsed_time_s")),
        )
    return None


READING_REQUIRES: dict[ReadingKind, frozenset[str]] = {
    "running": frozenset({"speed_mps", "cadence_per_min"}),
    "heart_rate": frozenset({"heart_rate_bpm"}),
    "power": frozenset({"power_w"}),
    "treadmill": frozenset({"speed_kmh"}),
    "imu": frozenset(),
}
"""Field names a declarative frame must define to produce each reading (checked on load)."""
