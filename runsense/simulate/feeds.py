"""What a virtual sensor sends, and when: a recording's data in one profile's packet format.

A recording made with ``--record`` from the same kind of sensor is replayed byte for byte at
its recorded times. Otherwise the recording's acceleration is resampled to the profile's rate
and packed with the profile's encoder, stamped with a sensor clock of its own (as the device
would), and the scalar characteristics (footpod, heart rate, power, treadmill) get readings
built from the recording's steps and treadmill speed. Pure: no I/O beyond reading the file,
no clocks; ``Player`` does the pacing.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from runsense.analysis import Analyser
from runsense.model import FloatArray, Placement, RawPacket, SampleChunk, Side, Step
from runsense.profiles import (
    HeartRateReading,
    PowerReading,
    Profile,
    ProfileEncoder,
    RunningReading,
    TreadmillReading,
)
from runsense.profiles.readings import Reading
from runsense.profiles.schema import SettingValue
from runsense.recording import F32_PROFILE, RecordingReader, SensorInfo, iter_sample_chunks

PACKET_S = 0.04
"""IMU notification period: 25 packets/s, like typical firmware batching."""
SENSOR_START_S = 1000.0
"""The virtual sensor's clock reading at the first sample (it booted a while ago)."""
PREFERRED_FS_HZ = 200.0
DEFAULT_SPEED_MPS = 10.0 / 3.6
READING_RATE_HZ = {"running": 2.0, "heart_rate": 1.0, "power": 1.0, "treadmill": 1.0}
RUNNER_MASS_KG = 70.0
AXES = ("ax_g", "ay_g", "az_g")


@dataclass(frozen=True, slots=True)
class Scheduled:
    """One payload to send ``due_s`` seconds after playback starts; ``imu`` ones need a started stream."""

    due_s: float
    characteristic: str
    payload: bytes
    imu: bool = False


@dataclass(frozen=True, slots=True)
class AccTrack:
    """One recorded sensor's acceleration, ``(n, 3)`` in g, missing axes zero."""

    sensor_id: str
    acc_g: FloatArray
    fs_hz: float
    placement: Placement
    side: Side | None


@dataclass(slots=True)
class RecordingData:
    """What a recording offers a simulation."""

    path: Path
    tracks: list[AccTrack] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    speed_mps: float = DEFAULT_SPEED_MPS
    speed_stored: bool = False
    """True when ``speed_mps`` comes from the recording, not the default."""
    duration_s: float = 0.0
    raw: dict[str, list[tuple[SensorInfo, list[RawPacket]]]] = field(default_factory=dict)
    """Sensors recorded over BLE and their packets, by profile short name."""


def load_recording(path: Path) -> RecordingData:
    """Acceleration tracks, steps (stored, else analysed), speed and raw BLE packets of a recording."""
    with RecordingReader(path) as reader:
        data = RecordingData(path, duration_s=reader.duration_s)
        speed_kmh = reader.metadata.get("speed_kmh")
        if isinstance(speed_kmh, int | float) and speed_kmh > 0:
            data.speed_mps = float(speed_kmh) / 3.6
            data.speed_stored = True
        for sensor in reader.sensors:
            if sensor.profile == F32_PROFILE and sensor.acc_channel_indices:
                chunks = list(iter_sample_chunks(reader, sensor.sensor_id))
                if not chunks:
                    continue
                acc = np.concatenate([c.acc_g for c in chunks])
                names = [sensor.channels[i] for i in sensor.acc_channel_indices]
                xyz = np.zeros((acc.shape[0], 3))
                for column, name in enumerate(names):
                    xyz[:, AXES.index(name) if name in AXES else column % 3] = acc[:, column]
                track = AccTrack(sensor.sensor_id, xyz, sensor.fs_hz, sensor.placement, sensor.side)
                data.tracks.append(track)
            elif sensor.profile != F32_PROFILE:
                packets = list(reader.iter_packets(sensor.sensor_id))
                data.raw.setdefault(sensor.profile, []).append((sensor, packets))
        data.steps = list(reader.iter_steps()) or _analyse(data.tracks, data.speed_mps)
    return data


def _analyse(tracks: list[AccTrack], speed_mps: float) -> list[Step]:
    steps: list[Step] = []
    for track in tracks:
        analyser = Analyser(placement=track.placement, side=track.side, speed_mps=speed_mps)
        steps += analyser.feed(SampleChunk(track.sensor_id, 0.0, track.fs_hz, track.acc_g))
        steps += analyser.finish()
    return sorted(steps, key=lambda s: s.t_s)


def choose_fs_hz(profile: Profile, recorded_fs_hz: float) -> SettingValue:
    """The profile's rate closest to 200 Hz that the recording can fill, typed as the profile lists it."""
    spec = next((s for s in profile.settings if s.name == "fs_hz"), None)
    if spec is None or not spec.choices:
        return profile.default_settings().get("fs_hz", PREFERRED_FS_HZ)
    rates = [c for c in spec.choices if isinstance(c, int | float) and c <= recorded_fs_hz]
    rates = rates or [c for c in spec.choices if isinstance(c, int | float)]
    return min(rates, key=lambda r: abs(float(r) - PREFERRED_FS_HZ))


def resample(acc_g: FloatArray, fs_in_hz: float, fs_out_hz: float) -> FloatArray:
    """Linear interpolation onto the new rate (enough for a simulation; no anti-alias filter)."""
    if fs_in_hz == fs_out_hz:
        return acc_g
    duration_s = acc_g.shape[0] / fs_in_hz
    t_in = np.arange(acc_g.shape[0]) / fs_in_hz
    t_out = np.arange(int(duration_s * fs_out_hz)) / fs_out_hz
    return np.column_stack([np.interp(t_out, t_in, acc_g[:, axis]) for axis in range(acc_g.shape[1])])


def max_samples_per_packet(profile: Profile) -> int | None:
    """The most samples one notification of the profile's IMU characteristic may carry (None: no limit)."""
    if profile.imu is None:
        return None
    char = profile.characteristic(profile.imu.characteristic)
    limits = [f.samples.max_samples for f in char.frames if f.samples is not None]
    return min(limits) if limits else None


def imu_schedule(encoder: ProfileEncoder, acc_g: FloatArray, fs_hz: float) -> Iterator[Scheduled]:
    """Packets of ``acc_g`` (already at ``fs_hz``), each due when its last sample is complete."""
    imu = encoder.profile.imu
    if imu is None:
        return
    range_value = encoder.settings.get("range_g")
    if isinstance(range_value, int | float):
        acc_g = np.clip(acc_g, -0.999 * range_value, 0.999 * range_value)
    per_packet = max(1, round(fs_hz * PACKET_S))
    per_packet = min(per_packet, max_samples_per_packet(encoder.profile) or per_packet)
    clock = imu.clock
    gyro = np.zeros((per_packet, 3)) if encoder.settings.get("resource") == "IMU6" else None
    for packet, first in enumerate(range(0, acc_g.shape[0], per_packet)):
        block = acc_g[first : first + per_packet]
        last = first + block.shape[0] - 1
        if clock.source == "timestamp":
            stamped = last if clock.of_sample == "last" else first
            ticks = round((SENSOR_START_S + stamped / fs_hz) / clock.unit_s)
        else:
            ticks = packet if clock.counts == "packets" else first
        payload = encoder.encode_imu(
            block,
            sensor_time=ticks % (1 << clock.bits),
            sequence=packet,
            gyro_dps=None if gyro is None else gyro[: block.shape[0]],
        )
        yield Scheduled((last + 1) / fs_hz, imu.characteristic, payload, imu=True)


def _cadence_at(steps: list[Step], t_s: float) -> float:
    cadence = 0.0
    for step in steps:
        if step.t_s > t_s:
            break
        if step.cadence_spm is not None:
            cadence = step.cadence_spm
    return cadence


def readings(kind: str, data: RecordingData) -> Iterator[Reading]:
    """Scalar readings of ``kind`` over the recording: cadence from its steps, its treadmill speed."""
    period_s = 1.0 / READING_RATE_HZ.get(kind, 1.0)
    speed = data.speed_mps
    for n in range(1, int(data.duration_s / period_s) + 1):
        t_s = n * period_s
        if kind == "running":
            cadence = _cadence_at(data.steps, t_s)
            stride = speed * 120.0 / cadence if cadence > 0 else None
            yield RunningReading(t_s, speed, cadence, stride, speed * t_s, running=cadence > 0)
        elif kind == "heart_rate":
            bpm = round(120 + 40 * (1 - math.exp(-t_s / 60.0)))  # warming up over the first minutes
            yield HeartRateReading(t_s, bpm, rr_intervals_s=(round(60.0 / bpm * 1024) / 1024,))
        elif kind == "power":
            yield PowerReading(t_s, round(1.04 * RUNNER_MASS_KG * speed))
        elif kind == "treadmill":
            yield TreadmillReading(
                t_s, speed, incline_pct=1.0, total_distance_m=speed * t_s, elapsed_s=int(t_s)
            )


def reading_schedule(encoder: ProfileEncoder, kind: str, data: RecordingData) -> Iterator[Scheduled]:
    """Readings of ``kind`` encoded for the profile's characteristic that carries them."""
    char = next(c for c in encoder.profile.characteristics if c.reading == kind)
    for reading in readings(kind, data):
        yield Scheduled(reading.t_s, char.name, encoder.encode_reading(reading))


def raw_schedule(profile: Profile, packets: list[RawPacket]) -> Iterator[Scheduled]:
    """A BLE recording's own packets, byte for byte, at their recorded arrival times."""
    if not packets:
        return
    imu_uuid = profile.characteristic(profile.imu.characteristic).uuid if profile.imu else None
    names = {c.uuid: c.name for c in profile.characteristics}
    start_s = packets[0].t_received_s
    for packet in packets:
        name = names.get(packet.char_uuid.lower())
        if name is not None and profile.characteristic(name).role == "data":
            imu = packet.char_uuid.lower() == imu_uuid
            yield Scheduled(packet.t_received_s - start_s, name, packet.payload, imu=imu)


def profile_schedule(
    encoder: ProfileEncoder, data: RecordingData, track: AccTrack | None
) -> Iterator[Scheduled]:
    """Every data characteristic of the profile, merged in time order."""
    parts: list[Iterator[Scheduled]] = []
    for char in encoder.profile.characteristics:
        if char.role != "data" or char.reading is None:
            continue
        if char.reading == "imu" and track is not None:
            setting = encoder.settings.get("fs_hz")
            fs_hz = float(setting) if isinstance(setting, int | float) else track.fs_hz
            parts.append(imu_schedule(encoder, resample(track.acc_g, track.fs_hz, fs_hz), fs_hz))
        elif char.reading != "imu":
            parts.append(reading_schedule(encoder, char.reading, data))
    yield from heapq.merge(*parts, key=lambda s: s.due_s)
