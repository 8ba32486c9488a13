"""Values and samples to payload bytes, for every profile: what virtual sensors and tests send.

The inverse of ``ProfileDecoder``: ``encode_values`` writes any frame of any characteristic
from physical values, ``encode_reading`` writes the data characteristic of a scalar reading
(converting runsense units back to the wire's: steps to strides, m/s to km/h), and
``encode_imu`` writes one sample packet with the sensor time the decoder will rebuild.
Round trips are exact to the format's resolution (``tests/profiles/test_roundtrip.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from runsense.profiles.codecs import CODECS
from runsense.profiles.commands import encode_command
from runsense.profiles.errors import EncodeError
from runsense.profiles.frame import (
    CodecContext,
    ControlResponse,
    FieldValue,
    FrameError,
    FrameResult,
    setting_float,
)
from runsense.profiles.layout_encode import encode_frame
from runsense.profiles.readings import KMH_PER_MPS, Reading, RunningReading, TreadmillReading
from runsense.profiles.schema import CharacteristicSpec, FrameSpec, Profile, ReadingKind, SettingValue
from runsense.profiles.settings import resolve_settings

STANDARD_GRAVITY_MS2 = 9.80665
_READING_KIND: dict[str, ReadingKind] = {
    "RunningReading": "running",
    "HeartRateReading": "heart_rate",
    "PowerReading": "power",
    "TreadmillReading": "treadmill",
}


class ProfileEncoder:
    """Encodes payloads of one sensor's profile with that sensor's settings."""

    def __init__(
        self,
        profile: Profile,
        *,
        settings: Mapping[str, SettingValue] | None = None,
        device_name: str | None = None,
    ) -> None:
        """Resolve settings as the decoder would, so both sides agree on units and scales."""
        self.profile = profile
        self.settings = resolve_settings(profile, device_name=device_name, overrides=settings)

    def _frame(self, char: CharacteristicSpec, name: str | None) -> FrameSpec:
        frames = [f for f in char.frames if name in (None, f.name)]
        if not frames:
            raise EncodeError(f"{char.name} has no frame {name!r}; frames: {[f.name for f in char.frames]}")
        return frames[0]

    def _codec(self, char: CharacteristicSpec, result: FrameResult) -> bytes:
        assert char.codec is not None  # noqa: S101 - only called for codec characteristics
        try:
            return CODECS[char.codec].factory().encode(result, CodecContext(char, self.settings))
        except FrameError as exc:
            raise EncodeError(str(exc)) from None

    def encode_values(
        self,
        characteristic: str,
        values: Mapping[str, FieldValue],
        *,
        frame: str | None = None,
        samples: npt.ArrayLike | None = None,
    ) -> bytes:
        """One payload of ``characteristic`` (name or UUID) from physical field values."""
        char = self.profile.characteristic(characteristic)
        if char.codec is not None:
            data = None if samples is None else np.asarray(samples, dtype=np.float64)
            return self._codec(char, FrameResult(frame or "", dict(values), data))
        return encode_frame(self._frame(char, frame), values, self.settings, samples)

    def encode_control_reply(
        self, characteristic: str, reply: ControlResponse, **values: FieldValue
    ) -> bytes:
        """A control-point reply (for virtual sensors), e.g. ``ControlResponse(2, 0, ok=True)`` for PMD."""
        char = self.profile.characteristic(characteristic)
        if char.codec is not None:
            return self._codec(char, FrameResult("response", dict(values), control=reply))
        frame = next((f for f in char.frames if f.success_codes is not None), None)
        if frame is None:
            raise EncodeError(f"{char.name} has no reply frame")
        fields = {"request_opcode": reply.request_opcode, "result_code": reply.result_code, **values}
        return encode_frame(frame, fields, self.settings)

    def encode_reading(self, reading: Reading) -> bytes:
        """The data payload carrying ``reading``, in the wire's units."""
        kind = _READING_KIND[type(reading).__name__]
        char = next((c for c in self.profile.characteristics if c.reading == kind), None)
        if char is None:
            raise EncodeError(f"profile {self.profile.short_name!r} has no {kind} characteristic")
        values: dict[str, FieldValue] = {}
        for name in reading.__dataclass_fields__:
            value = getattr(reading, name)
            if name != "t_s" and value is not None and value != ():
                values[name] = tuple(value) if isinstance(value, list) else value
        self._to_wire_units(reading, values)
        known = {f.name for frame in char.frames for f in frame.fields}
        return self.encode_values(char.name, {k: v for k, v in values.items() if k in known})

    def _to_wire_units(self, reading: Reading, values: dict[str, FieldValue]) -> None:
        """Undo what the decoder does to the wire values: speed factor, strides, km/h."""
        factor = setting_float(self.settings, "speed_factor") if "speed_factor" in self.settings else 1.0
        if isinstance(reading, RunningReading | TreadmillReading) and reading.total_distance_m is not None:
            values["total_distance_m"] = reading.total_distance_m / factor
        if isinstance(reading, RunningReading):
            values["speed_mps"] = reading.speed_mps / factor
            strides = self.settings.get("cadence_unit") == "strides"
            values["cadence_per_min"] = reading.cadence_spm / 2.0 if strides else reading.cadence_spm
        if isinstance(reading, TreadmillReading):
            values.pop("speed_mps", None)
            if reading.speed_mps is not None:
                values["speed_kmh"] = reading.speed_mps * KMH_PER_MPS / factor
            if reading.elapsed_s is not None:
                values["elapsed_time_s"] = values.pop("elapsed_s")
            if reading.incline_pct is not None and reading.ramp_angle_deg is None:
                values["ramp_angle_deg"] = 0.0  # FTMS sends incline and ramp angle under one flag

    def encode_imu(
        self,
        acc_g: npt.ArrayLike,
        *,
        sensor_time: int = 0,
        sequence: int = 0,
        gyro_dps: npt.ArrayLike | None = None,
        extra: Mapping[str, FieldValue] | None = None,
    ) -> bytes:
        """One sample packet; ``sensor_time`` is the raw clock value (ticks) the packet carries.

        For formats that stamp the last sample (Polar) pass the last sample's ticks. ``extra``
        sets other header values (``frame_type`` 0x81 for a Verity delta frame).
        """
        imu = self.profile.imu
        if imu is None:
            raise EncodeError(f"profile {self.profile.short_name!r} has no IMU")
        char = self.profile.characteristic(imu.characteristic)
        acc = np.atleast_2d(np.asarray(acc_g, dtype=np.float64))
        frame = None if char.codec else self._frame(char, None)
        channels = frame.samples.channels if frame and frame.samples else _codec_channels(self.settings)
        columns = [acc * (STANDARD_GRAVITY_MS2 if channels[0].endswith("_ms2") else 1.0)]
        if any(c.endswith("_dps") for c in channels):
            if gyro_dps is None:
                raise EncodeError(f"{self.profile.short_name} packets carry gyro samples; pass gyro_dps=")
            columns.append(np.atleast_2d(np.asarray(gyro_dps, dtype=np.float64)))
        samples = np.hstack(columns)
        values: dict[str, FieldValue] = dict(extra or {})
        clock = imu.clock
        if clock.field and clock.source != "sample_count":
            values.setdefault(clock.field, sensor_time)
        if clock.sequence_field:
            values.setdefault(clock.sequence_field, sequence % (1 << clock.sequence_bits))
        if frame is not None:
            for name in ("fs_hz", "range_g"):
                if any(f.name == name for f in frame.fields):
                    values.setdefault(name, self.settings[name])
        return self.encode_values(char.name, values, samples=samples, frame=frame.name if frame else None)

    def encode_command(self, name: str, **params: SettingValue) -> bytes:
        """Bytes of a profile command with this sensor's settings."""
        return encode_command(
            self.profile, name, settings=_user_settings(self.profile, self.settings), **params
        )


def _codec_channels(settings: Mapping[str, SettingValue]) -> tuple[str, ...]:
    if settings.get("resource") == "IMU6":
        return ("ax_ms2", "ay_ms2", "az_ms2", "gx_dps", "gy_dps", "gz_dps")
    if "resource" in settings:
        return ("ax_ms2", "ay_ms2", "az_ms2")
    return ("ax_g", "ay_g", "az_g")


def _user_settings(profile: Profile, settings: Mapping[str, SettingValue]) -> dict[str, SettingValue]:
    derived = {s.name for s in profile.settings if s.template is not None}
    return {k: v for k, v in settings.items() if k not in derived}
