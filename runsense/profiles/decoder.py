"""Profile-driven decoding: ``ProfileDecoder`` for one sensor, ``PacketDecoder`` as a drop-in for the shell.

Pure: bytes and their recorded arrival time in, values out; no I/O, no clock reads. The only
state is per sensor and comes from the packets themselves (the sample clock, a learned PMD
factor, half of a split Movesense packet), so decoding a recording again gives the same
output as the live session did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from runsense.errors import DecodeError, RunsenseError
from runsense.model import RawPacket, SampleChunk
from runsense.profiles.codecs import CODECS
from runsense.profiles.frame import (
    Codec,
    CodecContext,
    ControlResponse,
    FrameError,
    FrameResult,
    setting_float,
)
from runsense.profiles.layout import decode_frame
from runsense.profiles.readings import DecodedPacket, Reading, build_reading
from runsense.profiles.sample_clock import SampleClock, Unwrapper
from runsense.profiles.schema import CharacteristicSpec, Profile, SettingValue
from runsense.profiles.settings import resolve_settings
from runsense.recording import F32_PROFILE, SensorInfo, decode_f32_samples

STANDARD_GRAVITY_MS2 = 9.80665
RANGE_MARGIN = 2.0
"""Samples beyond this many times the configured range are corrupt, not physics."""


class ProfileDecoder:
    """Decodes every characteristic of one sensor according to its profile.

    Args:
        profile: The sensor's profile.
        sensor_id: Carried into chunks and errors.
        fs_hz: Sample rate the sensor was started with (overrides the ``fs_hz`` setting).
        settings: Explicit setting values (validated against the profile).
        device_name: Advertised name, which selects device quirks.
        use_packet_t0: Trust ``RawPacket.t0_s`` when a recording has it, instead of rebuilding it.
    """

    def __init__(  # noqa: PLR0913 - keyword-only, each documented
        self,
        profile: Profile,
        *,
        sensor_id: str,
        fs_hz: float | None = None,
        settings: Mapping[str, SettingValue] | None = None,
        device_name: str | None = None,
        use_packet_t0: bool = False,
    ) -> None:
        """Resolve settings once and create this sensor's codec instances."""
        overrides = dict(settings or {})
        if fs_hz is not None:
            overrides["fs_hz"] = fs_hz
        self.profile = profile
        self.sensor_id = sensor_id
        self.settings = resolve_settings(profile, device_name=device_name, overrides=overrides)
        self.use_packet_t0 = use_packet_t0
        self._chars = {c.uuid: c for c in profile.characteristics}
        self._codecs: dict[str, Codec] = {
            c.uuid: CODECS[c.codec].factory() for c in profile.characteristics if c.codec
        }
        self._learned: dict[str, SettingValue] = {}
        clock = profile.imu.clock if profile.imu else None
        self._time = Unwrapper(clock.bits) if clock and clock.source != "sample_count" else None
        self._seq = Unwrapper(clock.sequence_bits) if clock and clock.sequence_field else None
        self._last_seq: int | None = None
        self._clock: SampleClock | None = None
        self._samples_seen = 0

    def decode(self, packet: RawPacket) -> DecodedPacket:
        """Decode one packet; a payload the profile cannot decode raises DecodeError only."""
        char = self._chars.get(packet.char_uuid.lower())
        if char is None:
            raise DecodeError(
                self.sensor_id,
                f"characteristic {packet.char_uuid} is not part of profile {self.profile.short_name}",
                packet.payload,
            )
        try:
            return self._decode(char, packet)
        except FrameError as exc:
            raise DecodeError(
                self.sensor_id, f"{self.profile.short_name} {char.name}: {exc}", packet.payload
            ) from None

    def _decode(self, char: CharacteristicSpec, packet: RawPacket) -> DecodedPacket:
        settings = {**self.settings, **self._learned}
        codec = self._codecs.get(char.uuid)
        if codec is not None:
            result = codec.decode(packet.payload, CodecContext(char, settings))
        elif char.frames:
            result = decode_frame(char, packet.payload, settings)
        else:
            raise FrameError(f"{char.name} is read for display only; it has no decoding")
        self._learned.update(result.learned)
        readings: tuple[Reading, ...] = ()
        if char.reading is not None and char.reading != "imu":
            reading = build_reading(char.reading, result.values, settings, packet.t_received_s)
            readings = (reading,) if reading is not None else ()
        decoded = DecodedPacket(
            sensor_id=self.sensor_id,
            char_uuid=char.uuid,
            frame=result.frame,
            values=result.values,
            readings=readings,
            control=result.control or _control(char, result),
        )
        if self.profile.imu is None or char.name != self.profile.imu.characteristic or result.samples is None:
            return decoded
        return self._with_chunk(decoded, result, packet, settings)

    def _with_chunk(
        self,
        decoded: DecodedPacket,
        result: FrameResult,
        packet: RawPacket,
        settings: Mapping[str, SettingValue],
    ) -> DecodedPacket:
        assert self.profile.imu is not None  # noqa: S101 - checked by the caller
        assert result.samples is not None  # noqa: S101 - checked by the caller
        samples, n = result.samples, result.samples.shape[0]
        fs_value = result.values.get("fs_hz")
        fs_hz = float(fs_value) if isinstance(fs_value, int | float) else setting_float(settings, "fs_hz")
        acc_cols = [i for i, c in enumerate(result.channels) if c.endswith(("_g", "_ms2"))]
        gyro_cols = [i for i, c in enumerate(result.channels) if c.endswith("_dps")]
        to_g = np.array(
            [1.0 / STANDARD_GRAVITY_MS2 if result.channels[i].endswith("_ms2") else 1.0 for i in acc_cols]
        )
        acc_g = samples[:, acc_cols] * to_g
        range_value = result.values.get("range_g", settings.get("range_g"))
        if isinstance(range_value, int | float) and acc_g.size:
            peak_g = float(np.abs(acc_g).max())
            if peak_g > RANGE_MARGIN * float(range_value):
                raise FrameError(
                    f"acceleration of {peak_g:.1f} g is beyond the +-{range_value} g range: corrupt frame"
                )
        lost = self._lost_packets(result)
        if n == 0:
            return dataclasses.replace(decoded, lost_packets=lost)
        sensor_t0_s = self._sensor_t0_s(result, n, fs_hz)
        if self._clock is None or self._clock.fs_hz != fs_hz:
            clock = self.profile.imu.clock
            self._clock = SampleClock(
                fs_hz=fs_hz, late_resync_s=1.0 if clock.source == "sample_count" else None
            )
        placed = self._clock.place(sensor_t0_s=sensor_t0_s, n_samples=n, t_received_s=packet.t_received_s)
        t0_s = packet.t0_s if self.use_packet_t0 and packet.t0_s is not None else placed.t0_s
        chunk = SampleChunk(
            sensor_id=self.sensor_id,
            t0_s=t0_s,
            fs_hz=fs_hz,
            acc_g=acc_g,
            gyro_dps=samples[:, gyro_cols] if gyro_cols else None,
        )
        return dataclasses.replace(
            decoded, chunk=chunk, gap_s=placed.gap_s, resynced=placed.resynced, lost_packets=lost
        )

    def _sensor_t0_s(self, result: FrameResult, n: int, fs_hz: float) -> float:
        assert self.profile.imu is not None  # noqa: S101 - checked by the caller
        clock = self.profile.imu.clock
        if clock.source == "sample_count" or self._time is None:
            t0_s = self._samples_seen / fs_hz
            self._samples_seen += n
            return t0_s
        raw = result.values.get(clock.field or "")
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise FrameError(f"the frame has no integer {clock.field} for the sample clock")
        ticks = self._time.update(raw)
        if clock.source == "counter":
            return ticks * (n if clock.counts == "packets" else 1) / fs_hz
        t_s = ticks * clock.unit_s
        return t_s - (n - 1) / fs_hz if clock.of_sample == "last" else t_s

    def _lost_packets(self, result: FrameResult) -> int:
        clock = self.profile.imu.clock if self.profile.imu else None
        if self._seq is None or clock is None:
            return 0
        raw = result.values.get(clock.sequence_field or "")
        if not isinstance(raw, int):
            return 0
        seq = self._seq.update(raw)
        lost = 0 if self._last_seq is None else max(0, seq - self._last_seq - 1)
        self._last_seq = seq
        return lost


def _control(char: CharacteristicSpec, result: FrameResult) -> ControlResponse | None:
    frame = next((f for f in char.frames if f.name == result.frame), None)
    if frame is None or frame.success_codes is None:
        return None
    opcode, code = result.values.get("request_opcode"), result.values.get("result_code")
    if not isinstance(opcode, int) or not isinstance(code, int):
        return None
    params = {
        k: v for k, v in result.values.items() if k not in ("request_opcode", "result_code", "response_code")
    }
    return ControlResponse(opcode, code, code in frame.success_codes, params)


class PacketDecoder:
    """Drop-in for ``runsense.decoding.PacketDecoder``: any profile, same constructor and ``decode``.

    ``runsense-f32`` (imported and synthetic data) is decoded as before; any other
    ``SensorInfo.profile`` is a profile short name. ``SensorInfo.extra`` may hold
    ``"profile_settings"`` (a table of settings) and ``"device_name"`` (for device quirks).
    ``decode`` returns only the samples, as the shell expects today; ``decode_packet`` returns
    everything (readings, control replies, gaps).
    """

    def __init__(self, sensor: SensorInfo, *, profiles: Mapping[str, Profile] | None = None) -> None:
        """Find the sensor's profile (loading the bundled ones when none are given)."""
        self.sensor = sensor
        self._profile_decoder: ProfileDecoder | None = None
        if sensor.profile == F32_PROFILE:
            return
        if profiles is None:
            from runsense.profiles.loader import load_default_profiles  # noqa: PLC0415 - file I/O only when needed

            profiles = load_default_profiles()
        profile = profiles.get(sensor.profile)
        if profile is None:
            raise RunsenseError(
                f"sensor {sensor.sensor_id!r} uses profile {sensor.profile!r}, "
                "which this version of runsense "
                f"does not know; known profiles: {', '.join(sorted(profiles))}"
            )
        extra = sensor.extra.get("profile_settings")
        extra_settings = (
            {k: v for k, v in extra.items() if isinstance(v, str | int | float | bool)}
            if isinstance(extra, dict)
            else None
        )
        device_name = sensor.extra.get("device_name")
        self._profile_decoder = ProfileDecoder(
            profile,
            sensor_id=sensor.sensor_id,
            # value-only profiles (footpod, heart rate, power, treadmill) have no sample rate
            fs_hz=sensor.fs_hz if any(spec.name == "fs_hz" for spec in profile.settings) else None,
            settings=extra_settings,
            device_name=device_name if isinstance(device_name, str) else None,
        )

    def decode(self, packet: RawPacket) -> SampleChunk | None:
        """Samples of the packet, or None for a packet without samples (another characteristic)."""
        if self._profile_decoder is None:
            return self._decode_f32(packet)
        return self._profile_decoder.decode(packet).chunk

    def decode_packet(self, packet: RawPacket) -> DecodedPacket:
        """Everything the packet carries (for ``runsense-f32``, just the chunk)."""
        if self._profile_decoder is None:
            chunk = self._decode_f32(packet)
            return DecodedPacket(self.sensor.sensor_id, packet.char_uuid, F32_PROFILE, chunk=chunk)
        return self._profile_decoder.decode(packet)

    def _decode_f32(self, packet: RawPacket) -> SampleChunk | None:
        if packet.char_uuid != self.sensor.char_uuid or packet.t0_s is None:
            return None
        try:
            samples = decode_f32_samples(packet.payload, len(self.sensor.channels))
        except ValueError as exc:
            raise DecodeError(self.sensor.sensor_id, str(exc), packet.payload) from None
        acc, gyro = list(self.sensor.acc_channel_indices), list(self.sensor.gyro_channel_indices)
        return SampleChunk(
            sensor_id=self.sensor.sensor_id,
            t0_s=packet.t0_s,
            fs_hz=self.sensor.fs_hz,
            acc_g=samples[:, acc],
            gyro_dps=samples[:, gyro] if gyro else None,
        )
