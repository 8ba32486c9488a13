"""Polar Measurement Data (PMD): accelerometer frames of the H10 and Verity Sense, and control replies.

Why hand-written: a compressed (delta) frame is a reference sample followed by blocks of
``[delta_bits, sample_count, bit-packed deltas]`` whose widths vary block to block, so no
fixed field list describes it.

Data frame: ``[type u8][timestamp u64 ns, of the LAST sample, epoch 2000-01-01][frame_type u8]``
then samples. Frame types (polar-ble-sdk ``AccData.kt``): raw 0/1/2 = int8/int16/int24 x 3 in
mG; compressed 0x80 = 16-bit reference and deltas in G times the start reply's FACTOR; 0x81 =
the same in mG times FACTOR. Deltas are LSB-first and two's complement (``parseDeltaFrame``).
Control point replies: ``[0xF0, opcode, type, error, more_frames, settings TLV...]`` where a
START reply may carry FACTOR (setting 5, float32); ``[0x0F, features...]`` answers a read, bit i
of the little-endian bitmask meaning measurement type i is available (bit 9, SDK mode, is in
the second byte).
"""

from __future__ import annotations

import enum
import math
import struct

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
    open_enum_name,
    setting_float,
)

HEADER_BYTES = 10
MAX_SAMPLES = 4096
ACC_CHANNELS = ("ax_g", "ay_g", "az_g")
RAW_SAMPLE_BYTES = {0: 1, 1: 2, 2: 3}
SETTING_SIZES = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4, 6: 16}
SETTING_NAMES = {
    0: "sample_rates_hz",
    1: "resolutions_bits",
    2: "ranges_g",
    3: "ranges_milliunit",
    4: "channels",
    5: "factor",
}


class PmdMeasurementType(enum.IntEnum):
    """PMD measurement type codes (first byte of a data frame)."""

    ECG = 0
    PPG = 1
    ACC = 2
    PPI = 3
    GYRO = 5
    MAG = 6
    SDK_MODE = 9


class PmdError(enum.IntEnum):
    """PMD control point error codes, from 0."""

    SUCCESS = 0
    INVALID_OP_CODE = 1
    INVALID_MEASUREMENT_TYPE = 2
    NOT_SUPPORTED = 3
    INVALID_LENGTH = 4
    INVALID_PARAMETER = 5
    ALREADY_IN_STATE = 6
    INVALID_RESOLUTION = 7
    INVALID_SAMPLE_RATE = 8
    INVALID_RANGE = 9
    INVALID_MTU = 10
    INVALID_NUMBER_OF_CHANNELS = 11
    INVALID_STATE = 12
    DEVICE_IN_CHARGER = 13


def decode_deltas(content: bytes, *, channels: int, resolution_bits: int) -> np.ndarray:
    """Integer samples ``(n, channels)`` of a compressed PMD payload (reference + delta blocks)."""
    ref_bytes = (resolution_bits + 7) // 8
    pos = channels * ref_bytes
    if len(content) < pos:
        raise FrameError(f"compressed frame of {len(content)} bytes has no complete reference sample")
    ref = [
        int.from_bytes(content[i * ref_bytes : (i + 1) * ref_bytes], "little", signed=True)
        for i in range(channels)
    ]
    blocks = [np.asarray([ref], dtype=np.int64)]
    total = 1
    while pos < len(content):
        if pos + 2 > len(content):
            raise FrameError(f"delta block header at byte {pos} is cut off")
        width, count = content[pos], content[pos + 1]
        pos += 2
        if width > 32:
            raise FrameError(f"delta width of {width} bits is more than 32")
        n_bits = width * count * channels
        n_bytes = (n_bits + 7) // 8
        if pos + n_bytes > len(content):
            raise FrameError(
                f"delta block of {count} samples x {width} bits needs {n_bytes} bytes, "
                f"got {len(content) - pos}"
            )
        total += count
        if total > MAX_SAMPLES:
            raise FrameError(f"more than {MAX_SAMPLES} samples in one frame")
        bits = np.unpackbits(np.frombuffer(content, np.uint8, n_bytes, pos), bitorder="little")[:n_bits]
        weights = np.left_shift(np.int64(1), np.arange(width, dtype=np.int64))
        deltas = (
            bits.reshape(count * channels, width).astype(np.int64) @ weights
            if width
            else np.zeros(count * channels, np.int64)
        )
        if width:
            deltas = np.where(deltas >= 1 << (width - 1), deltas - (1 << width), deltas)
        blocks.append(deltas.reshape(count, channels))
        pos += n_bytes
    return np.cumsum(np.concatenate(blocks), axis=0)


def encode_deltas(samples: np.ndarray, *, resolution_bits: int = 16, block_samples: int = 255) -> bytes:
    """Compressed PMD payload of integer samples ``(n >= 1, channels)``: reference then delta blocks."""
    ref_bytes = (resolution_bits + 7) // 8
    out = bytearray()
    for value in samples[0]:
        out += int(value).to_bytes(ref_bytes, "little", signed=True)
    deltas = np.diff(samples.astype(np.int64), axis=0)
    for start in range(0, deltas.shape[0], block_samples):
        block = deltas[start : start + block_samples]
        width = max(2, *(int(v).bit_length() + 1 for v in block.ravel()))
        flat = np.where(block.ravel() < 0, block.ravel() + (1 << width), block.ravel())
        bits = ((flat[:, None] >> np.arange(width)) & 1).astype(np.uint8).ravel()
        out += bytes([width, block.shape[0]]) + np.packbits(bits, bitorder="little").tobytes()
    return bytes(out)


class PolarPmdAccCodec:
    """Accelerometer data frames on the PMD data characteristic (``fb005c82-...``)."""

    def decode(self, payload: bytes, ctx: CodecContext) -> FrameResult:
        """Samples in g and the frame's raw timestamp (ns of the last sample)."""
        if len(payload) < HEADER_BYTES:
            raise FrameError(
                f"PMD frame of {len(payload)} bytes is shorter than its {HEADER_BYTES}-byte header"
            )
        if payload[0] != PmdMeasurementType.ACC:
            name = open_enum_name(PmdMeasurementType, payload[0])
            raise FrameError(f"PMD measurement type {name} is not decoded by this profile (ACC only)")
        timestamp_ns = int.from_bytes(payload[1:9], "little")
        frame_type = payload[9]
        content = payload[HEADER_BYTES:]
        if frame_type & 0x80:
            factor = setting_float(ctx.settings, "factor")
            base = frame_type & 0x7F
            if base not in (0, 1):
                raise FrameError(f"compressed ACC frame type {frame_type:#04x} is unknown")
            unit_g = factor if base == 0 else factor / 1000.0
            samples = decode_deltas(content, channels=3, resolution_bits=16).astype(np.float64) * unit_g
        else:
            size = RAW_SAMPLE_BYTES.get(frame_type)
            if size is None:
                raise FrameError(f"raw ACC frame type {frame_type:#04x} is unknown")
            samples = _raw_samples(content, size) / 1000.0
        values: dict[str, FieldValue] = {
            "measurement_type": payload[0],
            "timestamp_ns": timestamp_ns,
            "frame_type": frame_type,
        }
        return FrameResult("acc", values, samples, ACC_CHANNELS)

    def encode(self, result: FrameResult, ctx: CodecContext) -> bytes:
        """A data frame from samples in g; ``frame_type`` 0x01 (raw int16) or 0x81 (compressed)."""
        if result.samples is None or result.samples.ndim != 2 or result.samples.shape[1] != 3:
            raise EncodeError("a PMD ACC frame needs samples of shape (n, 3) in g")
        frame_type = int_value(result.values, "frame_type", 1)
        timestamp_ns = int_value(result.values, "timestamp_ns", 0)
        if not 0 <= timestamp_ns < 2**64:
            raise EncodeError(f"timestamp_ns {timestamp_ns} does not fit in 64 bits")
        header = bytes([PmdMeasurementType.ACC]) + timestamp_ns.to_bytes(8, "little") + bytes([frame_type])
        if frame_type == 0x01:
            raw = np.rint(result.samples * 1000.0)
            if raw.size and np.abs(raw).max() > 32767:
                raise EncodeError("a sample is outside the int16 mG range")
            return header + raw.astype("<i2").tobytes()
        if frame_type == 0x81:
            factor = setting_float(ctx.settings, "factor")
            raw = np.rint(result.samples * 1000.0 / factor).astype(np.int64)
            if raw.shape[0] == 0 or np.abs(raw).max() > 32767:
                raise EncodeError("a compressed frame needs >= 1 sample within the 16-bit range")
            return header + encode_deltas(raw)
        raise EncodeError(f"frame_type {frame_type:#04x} is not one this encoder writes (0x01, 0x81)")


def _raw_samples(content: bytes, size: int) -> FloatArray:
    if len(content) % (3 * size):
        raise FrameError(f"{len(content)} sample bytes are not a whole number of {3 * size}-byte samples")
    if size == 3:
        triplets = np.frombuffer(content, np.uint8).reshape(-1, 3).astype(np.int64)
        values = triplets[:, 0] | triplets[:, 1] << 8 | triplets[:, 2] << 16
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        return values.reshape(-1, 3).astype(np.float64)
    return np.frombuffer(content, f"<i{size}").reshape(-1, 3).astype(np.float64)


class PolarPmdControlCodec:
    """Replies on the PMD control point (``fb005c81-...``): feature read and command responses."""

    def decode(self, payload: bytes, ctx: CodecContext) -> FrameResult:  # noqa: ARG002 - protocol
        """A ControlResponse; a successful START reply teaches the sample ``factor``."""
        if payload[:1] == b"\x0f" and len(payload) >= 2:
            # Bit i = measurement type i (SENSORS.md); type 9 (SDK mode) needs a second byte, so
            # the bitmask is read little-endian over every byte after 0x0F.
            features = int.from_bytes(payload[1:], "little")
            return FrameResult("features", {"response_code": 0x0F, "features": features})
        if len(payload) < 5 or payload[0] != 0xF0:
            raise FrameError("PMD control reply must start F0 and have at least 5 bytes")
        opcode, mtype, error = payload[1], payload[2], payload[3]
        params = _settings_tlv(payload[5:])
        learned: dict[str, float] = {}
        factor = params.get("factor")
        if opcode == 0x02 and error == 0 and isinstance(factor, tuple) and factor:
            learned["factor"] = factor[0]
        values: dict[str, FieldValue] = {
            "response_code": 0xF0,
            "request_opcode": opcode,
            "measurement_type": mtype,
            "result_code": error,
            "more_frames": bool(payload[4]),
        }
        control = ControlResponse(
            opcode, error, error == 0, {"error": open_enum_name(PmdError, error), **params}
        )
        return FrameResult("response", values, control=control, learned=learned)

    def encode(self, result: FrameResult, ctx: CodecContext) -> bytes:  # noqa: ARG002 - protocol
        """A reply ``F0 op type error 00`` plus a FACTOR setting when ``params`` has one."""
        control = result.control
        if control is None:
            raise EncodeError("a PMD control reply needs a ControlResponse")
        mtype = int_value(result.values, "measurement_type", PmdMeasurementType.ACC)
        out = bytes([0xF0, control.request_opcode, mtype, control.result_code, 0])
        factor = control.params.get("factor")
        if isinstance(factor, tuple):
            out += bytes([5, len(factor)]) + b"".join(struct.pack("<f", f) for f in factor)
        return out


def _settings_tlv(data: bytes) -> dict[str, FieldValue]:
    """Settings ``{type, count, values...}``; stops at an unknown type (newer firmware)."""
    out: dict[str, FieldValue] = {}
    pos = 0
    while pos + 2 <= len(data):
        kind, count = data[pos], data[pos + 1]
        size = SETTING_SIZES.get(kind)
        if size is None or pos + 2 + count * size > len(data):
            break
        items = [data[pos + 2 + i * size : pos + 2 + (i + 1) * size] for i in range(count)]
        if kind == 5:
            floats = [struct.unpack("<f", item)[0] for item in items]
            out["factor"] = tuple(f for f in floats if math.isfinite(f) and f > 0)
        elif kind in SETTING_NAMES:
            out[SETTING_NAMES[kind]] = tuple(float(int.from_bytes(item, "little")) for item in items)
        pos += 2 + count * size
    return out
