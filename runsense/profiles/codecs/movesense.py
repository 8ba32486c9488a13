"""Movesense GATT SensorData Protocol (gatt_sensordata_app): command replies and measurement data.

Why hand-written: the layout of a data notification depends on which resource the reference
byte was subscribed to (``/Meas/Acc`` is x/y/z float32 per sample; ``/Meas/IMU6`` is every
acceleration sample, then every gyro sample), and a notification too long for the MTU comes
in two parts (code 0x03 continues the previous code 0x02), which needs memory.

Notification ``[code u8, reference u8, ...]``: code 0x01 is a reply with a u16 HTTP-like status
(or ASCII ``Hello`` for HELLO); code 0x02 is data: u32 timestamp in ms (of the FIRST sample,
Movesense API "local timestamp of first measurement"), then float32 samples, acceleration in
m/s^2 and angular rate in deg/s (gatt_sensordata_app ``GATTSensorDataClient.cpp``, SBEM).
"""

from __future__ import annotations

import numpy as np

from runsense.model import FloatArray
from runsense.profiles.errors import EncodeError
from runsense.profiles.frame import (
    CodecContext,
    ControlResponse,
    FieldValue,
    FrameError,
    FrameResult,
    int_value,
)

RESPONSE, DATA, DATA_PART2 = 0x01, 0x02, 0x03
MAX_SAMPLES = 4096
CHANNELS = {
    "Acc": ("ax_ms2", "ay_ms2", "az_ms2"),
    "IMU6": ("ax_ms2", "ay_ms2", "az_ms2", "gx_dps", "gy_dps", "gz_dps"),
}


class MovesenseGspCodec:
    """Notifications of the GSP data characteristic (``34800002-...``) for one subscription."""

    def __init__(self) -> None:
        """Start with no half-received packet."""
        self._pending: bytes | None = None

    def decode(self, payload: bytes, ctx: CodecContext) -> FrameResult:
        """A command reply, a complete data packet, or (first half of a split packet) no samples."""
        if len(payload) < 2:
            raise FrameError(f"GSP notification of {len(payload)} bytes has no code and reference")
        if payload[0] == RESPONSE:
            return _reply(payload)
        channels = _data_channels(payload, ctx)
        code, reference = payload[0], payload[1]
        payload, dropped = self._assemble(code, payload)
        if len(payload) < 6:
            raise FrameError(f"GSP data packet of {len(payload)} bytes has no timestamp")
        values: dict[str, FieldValue] = {
            "reference": reference,
            "timestamp_ms": int.from_bytes(payload[2:6], "little"),
        }
        if dropped:
            values["dropped_partial_bytes"] = dropped
        stride = 4 * len(channels)
        if (len(payload) - 6) % stride:
            if code == DATA_PART2:
                raise FrameError(f"reassembled GSP packet is not a whole number of {stride}-byte samples")
            self._pending = payload
            return FrameResult("data_part1", values)
        return FrameResult("data", values, _samples(payload, channels), channels)

    def _assemble(self, code: int, payload: bytes) -> tuple[bytes, int]:
        """The whole packet (joining a continuation to its first part), and bytes of a dropped first part."""
        if code == DATA_PART2:
            if self._pending is None:
                raise FrameError("GSP continuation (code 0x03) without a first part")
            whole, self._pending = self._pending + payload[2:], None
            return whole, 0
        dropped = len(self._pending) if self._pending is not None else 0
        self._pending = None
        return payload, dropped

    def encode(self, result: FrameResult, ctx: CodecContext) -> bytes:
        """One GSP notification: a reply (``control``) or a data packet (``samples``)."""
        default_ref = ctx.settings.get("reference", 0)
        reference = int_value(result.values, "reference", default_ref if isinstance(default_ref, int) else 0)
        if result.control is not None:
            status = result.control.result_code
            return bytes([RESPONSE, reference]) + status.to_bytes(2, "little")
        channels = CHANNELS.get(str(ctx.settings.get("resource")))
        if result.samples is None or channels is None or result.samples.shape[1:] != (len(channels),):
            raise EncodeError(f"a GSP data packet needs samples of shape (n, {len(channels or ())})")
        timestamp_ms = int_value(result.values, "timestamp_ms", 0)
        if not 0 <= timestamp_ms < 2**32:
            raise EncodeError(f"timestamp_ms {timestamp_ms} does not fit in 32 bits")
        n = result.samples.shape[0]
        planar = result.samples.reshape(n, len(channels) // 3, 3).transpose(1, 0, 2)
        return bytes([DATA, reference]) + timestamp_ms.to_bytes(4, "little") + planar.astype("<f4").tobytes()


def _data_channels(payload: bytes, ctx: CodecContext) -> tuple[str, ...]:
    code, reference = payload[0], payload[1]
    if code not in (DATA, DATA_PART2):
        raise FrameError(f"GSP notification code {code:#04x} is unknown")
    expected_ref = ctx.settings.get("reference")
    if reference != expected_ref:
        raise FrameError(
            f"GSP data for reference {reference}, but this sensor subscribed with {expected_ref}"
        )
    resource = str(ctx.settings.get("resource"))
    channels = CHANNELS.get(resource)
    if channels is None:
        raise FrameError(f"Movesense resource {resource!r} is not decoded (use Acc or IMU6)")
    return channels


def _samples(payload: bytes, channels: tuple[str, ...]) -> FloatArray:
    n = (len(payload) - 6) // (4 * len(channels))
    if n > MAX_SAMPLES:
        raise FrameError(f"{n} samples in one packet is more than {MAX_SAMPLES}")
    with np.errstate(invalid="ignore"):  # signalling NaNs from a corrupt packet are rejected just below
        floats = np.frombuffer(payload, "<f4", n * len(channels), 6).astype(np.float64)
    samples = floats.reshape(len(channels) // 3, n, 3).transpose(1, 0, 2).reshape(n, len(channels))
    if not np.all(np.isfinite(samples)):
        raise FrameError("a sample is not a finite number")
    return samples


def _reply(payload: bytes) -> FrameResult:
    reference = payload[1]
    if payload[2:] == b"Hello":
        values: dict[str, FieldValue] = {"response_code": RESPONSE, "reference": reference, "status": 200}
        return FrameResult("hello", values, control=ControlResponse(reference, 200, ok=True))
    if len(payload) < 4:
        raise FrameError(f"GSP reply of {len(payload)} bytes has no status")
    status = int.from_bytes(payload[2:4], "little")
    values = {"response_code": RESPONSE, "reference": reference, "status": status}
    return FrameResult("response", values, control=ControlResponse(reference, status, ok=200 <= status < 300))
