"""The declarative engine: decode a payload by a frame's field list, and encode it back.

Fields are read in order; a field without ``start`` follows the previous present field, and a
field with ``present_if``/``absent_if`` exists only when that flag bit says so (SIG formats:
"parse by flags, never by length"). Trailing bytes after the last field are tolerated for
field-only frames (SIG's forward compatibility) but not when a sample block has a count.
Every problem is a ``FrameError`` naming the field; nothing else escapes.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping

import numpy as np

from runsense.model import FloatArray
from runsense.profiles.frame import FieldValue, FrameError, FrameResult, setting_float, wire_order
from runsense.profiles.schema import CharacteristicSpec, FieldSpec, FrameSpec, SampleBlockSpec, SettingValue


def select_frame(char: CharacteristicSpec, payload: bytes) -> FrameSpec:
    """The frame whose ``match`` prefix is the longest one the payload starts with."""
    best: FrameSpec | None = None
    for frame in char.frames:
        if payload.startswith(frame.match) and (best is None or len(frame.match) > len(best.match)):
            best = frame
    if best is None:
        head = payload[:2].hex(" ") or "empty payload"
        known = ", ".join(f.match.hex(" ") for f in char.frames)
        raise FrameError(f"unknown frame on {char.name} (starts {head}; this profile knows {known})")
    return best


def is_present(spec: FieldSpec, values: Mapping[str, FieldValue]) -> bool:
    """Whether a conditional field is in this payload, judged by the flags decoded so far."""
    if spec.present_if is not None:
        flags = values.get(spec.present_if.field)
        return isinstance(flags, int) and bool(flags >> spec.present_if.bit & 1)
    if spec.absent_if is not None:
        flags = values.get(spec.absent_if.field)
        return not (isinstance(flags, int) and flags >> spec.absent_if.bit & 1)
    return True


def _raw_int(spec: FieldSpec, payload: bytes, start: int) -> int:
    return int.from_bytes(
        payload[start : start + spec.n_bytes], wire_order(spec.byte_order), signed=spec.is_signed
    )


def _physical(spec: FieldSpec, payload: bytes, start: int) -> int | float:
    if spec.is_float:
        fmt = ("<" if spec.byte_order == "little_endian" else ">") + ("f" if spec.length == 32 else "d")
        value: float = struct.unpack_from(fmt, payload, start)[0]
        if not math.isfinite(value):
            raise FrameError(f"{spec.name} is not a finite number")
    else:
        raw = _raw_int(spec, payload, start)
        if spec.table is not None:
            if raw not in spec.table:
                raise FrameError(f"{spec.name} code {raw} is not one of {sorted(spec.table)}")
            value = spec.table[raw]
        elif spec.is_integer:
            return raw
        else:
            value = raw * spec.scale + spec.offset
    return value


def _check_range(spec: FieldSpec, value: float) -> None:
    if spec.minimum is not None and value < spec.minimum:
        raise FrameError(f"{spec.name} = {value:g} is below its minimum {spec.minimum:g}")
    if spec.maximum is not None and value > spec.maximum:
        raise FrameError(f"{spec.name} = {value:g} is above its maximum {spec.maximum:g}")


def decode_fields(frame: FrameSpec, payload: bytes) -> tuple[dict[str, FieldValue], int]:
    """Field values in physical units, and the byte position after the last field read."""
    values: dict[str, FieldValue] = {}
    pos = 0
    for spec in frame.fields:
        if not is_present(spec, values):
            continue
        if spec.bit_of is not None:
            flags = values.get(spec.bit_of)
            values[spec.name] = isinstance(flags, int) and bool(flags >> spec.bit & 1)
            continue
        start = pos if spec.start is None else spec.start
        size = spec.n_bytes
        if spec.repeat:
            rest = len(payload) - start
            if rest < 0 or rest % size:
                raise FrameError(f"{spec.name}: {max(rest, 0)} bytes left, not a multiple of {size}")
            items = [float(_physical(spec, payload, start + i * size)) for i in range(rest // size)]
            for item in items:
                _check_range(spec, item)
            values[spec.name] = tuple(items)
            pos = len(payload)
            continue
        if start + size > len(payload):
            raise FrameError(
                f"payload of {len(payload)} bytes is too short for {spec.name} "
                f"(bytes {start}..{start + size - 1})"
            )
        value = _physical(spec, payload, start)
        _check_range(spec, value)
        values[spec.name] = value
        pos = start + size
    return values, pos


def _full_scale(
    block: SampleBlockSpec, values: Mapping[str, FieldValue], settings: Mapping[str, SettingValue]
) -> float:
    name = block.full_scale_from or ""
    value = values.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return setting_float(settings, name)


def sample_scale(
    block: SampleBlockSpec, values: Mapping[str, FieldValue], settings: Mapping[str, SettingValue]
) -> float:
    """Physical units per LSB of a sample block (1.0 for float samples without a scale)."""
    if block.scale is not None:
        return block.scale
    if block.full_scale_from is None:
        return 1.0
    return _full_scale(block, values, settings) / float(2 ** (block.length - 1))


def _dtype(block: SampleBlockSpec) -> np.dtype[np.generic]:
    order = "<" if block.byte_order == "little_endian" else ">"
    kind = "f" if block.is_float else ("i" if block.is_signed else "u")
    return np.dtype(f"{order}{kind}{block.length // 8}")


def decode_samples(
    block: SampleBlockSpec,
    payload: bytes,
    pos: int,
    values: Mapping[str, FieldValue],
    settings: Mapping[str, SettingValue],
) -> FloatArray:
    """The sample block as ``(n_samples, n_channels)`` physical values."""
    start = pos if block.start is None else block.start
    available = len(payload) - start
    size = block.sample_bytes
    if block.count_field is not None:
        count = values.get(block.count_field)
        n = int(count) if isinstance(count, int) else -1
        if available != n * size:
            raise FrameError(
                f"{block.count_field} = {n} samples needs {n * size} bytes, got {max(available, 0)}"
            )
    else:
        if available < 0 or available % size:
            raise FrameError(
                f"{max(available, 0)} sample bytes are not a whole number of {size}-byte samples"
            )
        n = available // size
    if n < block.min_samples or n > block.max_samples:
        raise FrameError(
            f"{n} samples in one packet is outside what this format allows "
            f"({block.min_samples}..{block.max_samples})"
        )
    n_ch = len(block.channels)
    if n == 0:
        return np.zeros((0, n_ch))
    with np.errstate(invalid="ignore"):  # signalling NaNs in float samples are rejected below
        raw = np.frombuffer(payload, dtype=_dtype(block), count=n * n_ch, offset=start).astype(np.float64)
    if block.layout == "planar":
        groups = n_ch // block.group_size
        raw = raw.reshape(groups, n, block.group_size).transpose(1, 0, 2)
    samples = raw.reshape(n, n_ch) * sample_scale(block, values, settings)
    if block.is_float and not np.all(np.isfinite(samples)):
        raise FrameError("a sample is not a finite number")
    return samples


def decode_frame(
    char: CharacteristicSpec, payload: bytes, settings: Mapping[str, SettingValue]
) -> FrameResult:
    """Decode a payload of a declarative characteristic."""
    frame = select_frame(char, payload)
    values, pos = decode_fields(frame, payload)
    samples = None
    if frame.samples is not None:
        samples = decode_samples(frame.samples, payload, pos, values, settings)
    return FrameResult(
        frame=frame.name,
        values=values,
        samples=samples,
        channels=frame.samples.channels if frame.samples is not None else (),
    )
