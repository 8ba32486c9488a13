"""The declarative engine's other half: physical values (and samples) to payload bytes.

Flag bits follow from which optional values are given, as bumble's ``__bytes__`` does:
a ``present_if`` field that has a value sets its bit, an ``absent_if`` field without a value
sets its bit (FTMS "more data"), a ``bit_of`` boolean sets or clears its bit. When several
variants share a name (heart rate as u8 or u16), the first one whose range holds the value
wins. A flags value passed explicitly is kept as given, so tests can force a layout.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from runsense.profiles.errors import EncodeError
from runsense.profiles.frame import FieldValue, FrameError, wire_order
from runsense.profiles.layout import is_present, sample_scale
from runsense.profiles.schema import FieldSpec, FrameSpec, SampleBlockSpec, SettingValue


def raw_bounds(spec: FieldSpec | SampleBlockSpec) -> tuple[int, int]:
    """Smallest and largest raw integer a field or sample of this width can hold."""
    if spec.is_signed:
        return -(2 ** (spec.length - 1)), 2 ** (spec.length - 1) - 1
    return 0, 2**spec.length - 1


def to_raw(spec: FieldSpec, value: FieldValue) -> int | float:
    """Raw wire value of one physical value; EncodeError when it cannot be represented."""
    if isinstance(value, str | tuple) or (isinstance(value, float) and not math.isfinite(value)):
        raise EncodeError(f"{spec.name} = {value!r} is not a finite number")
    if spec.is_float:
        return float(value)
    if spec.table is not None:
        for code, physical in spec.table.items():
            if math.isclose(physical, float(value), rel_tol=1e-9, abs_tol=1e-12):
                return code
        raise EncodeError(f"{spec.name} = {value!r} is not one of {sorted(spec.table.values())}")
    raw = round((float(value) - spec.offset) / spec.scale)
    low, high = raw_bounds(spec)
    if not low <= raw <= high:
        raise EncodeError(f"{spec.name} = {value!r} does not fit in {spec.length} bits (raw {raw})")
    return raw


def _fits(spec: FieldSpec, value: FieldValue) -> bool:
    try:
        for item in value if spec.repeat and isinstance(value, tuple) else (value,):
            to_raw(spec, item)
    except EncodeError:
        return False
    return True


def _flag_fields(frame: FrameSpec) -> set[str]:
    refs = {f.bit_of for f in frame.fields if f.bit_of}
    refs |= {f.present_if.field for f in frame.fields if f.present_if}
    refs |= {f.absent_if.field for f in frame.fields if f.absent_if}
    return {r for r in refs if r}


def _set_bit(flags: dict[str, int], name: str, bit: int, *, on: bool) -> None:
    flags[name] = flags.get(name, 0) | (1 << bit) if on else flags.get(name, 0) & ~(1 << bit)


def derive_flags(frame: FrameSpec, values: Mapping[str, FieldValue]) -> dict[str, int]:
    """Values of the flag fields implied by which values are given (explicit flags win)."""
    explicit = {n for n in _flag_fields(frame) if isinstance(values.get(n), int)}
    flags = {n: int(values.get(n, 0)) for n in _flag_fields(frame)}  # type: ignore[arg-type]
    chosen: set[str] = set()
    for spec in frame.fields:
        ref = spec.present_if or spec.absent_if
        given = values.get(spec.name) is not None
        if spec.bit_of is not None and spec.bit_of not in explicit and given:
            _set_bit(flags, spec.bit_of, spec.bit, on=bool(values[spec.name]))
        if ref is None or ref.field in explicit:
            continue
        value = values.get(spec.name)
        takes = (
            value is not None and spec.name not in chosen and (spec.bit_of is not None or _fits(spec, value))
        )
        if takes:
            chosen.add(spec.name)
        if (spec.present_if is not None and takes) or (spec.absent_if is not None and not given):
            _set_bit(flags, ref.field, ref.bit, on=True)
    return flags


def _pack(spec: FieldSpec, raw: float) -> bytes:
    if spec.is_float:
        fmt = ("<" if spec.byte_order == "little_endian" else ">") + ("f" if spec.length == 32 else "d")
        return struct.pack(fmt, raw)
    return int(raw).to_bytes(spec.n_bytes, wire_order(spec.byte_order), signed=spec.is_signed)


def _put(buffer: bytearray, start: int, data: bytes) -> None:
    if len(buffer) < start + len(data):
        buffer.extend(bytes(start + len(data) - len(buffer)))
    buffer[start : start + len(data)] = data


def encode_samples(
    block: SampleBlockSpec,
    samples: npt.ArrayLike,
    values: Mapping[str, FieldValue],
    settings: Mapping[str, SettingValue],
) -> bytes:
    """Raw bytes of a sample block from ``(n_samples, n_channels)`` physical values."""
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != len(block.channels):
        raise EncodeError(f"samples must have shape (n, {len(block.channels)}), got {data.shape}")
    if not np.all(np.isfinite(data)):
        raise EncodeError("samples must be finite")
    if not block.min_samples <= data.shape[0] <= block.max_samples:
        raise EncodeError(
            f"{data.shape[0]} samples do not fit one packet ({block.min_samples}..{block.max_samples})"
        )
    try:
        scale = sample_scale(block, values, settings)
    except FrameError as exc:
        raise EncodeError(str(exc)) from None
    if block.layout == "planar":
        groups = len(block.channels) // block.group_size
        data = data.reshape(data.shape[0], groups, block.group_size).transpose(1, 0, 2)
    order = "<" if block.byte_order == "little_endian" else ">"
    if block.is_float:
        return np.ascontiguousarray(data / scale, dtype=f"{order}f{block.length // 8}").tobytes()
    raw = np.rint(data / scale)
    low, high = raw_bounds(block)
    if raw.size and (raw.min() < low or raw.max() > high):
        raise EncodeError(
            f"a sample is outside the {block.length}-bit range at this scale ({scale:g} per LSB)"
        )
    kind = "i" if block.is_signed else "u"
    return np.ascontiguousarray(raw, dtype=f"{order}{kind}{block.length // 8}").tobytes()


def _field_bytes(frame: FrameSpec, spec: FieldSpec, start: int, value: FieldValue | None) -> bytes:
    """Wire bytes of one field; a missing value inside the frame's match prefix comes from it."""
    if value is None and spec.repeat:
        return b""
    if value is None and start + spec.n_bytes <= len(frame.match):
        order = wire_order(spec.byte_order)
        value = int.from_bytes(frame.match[start : start + spec.n_bytes], order, signed=spec.is_signed)
    if value is None:
        raise EncodeError(f"frame {frame.name!r} needs a value for {spec.name}")
    if spec.repeat:
        items = value if isinstance(value, tuple) else (value,)
        return b"".join(_pack(spec, to_raw(spec, item)) for item in items)
    return _pack(spec, to_raw(spec, value))


def encode_frame(
    frame: FrameSpec,
    values: Mapping[str, FieldValue],
    settings: Mapping[str, SettingValue],
    samples: npt.ArrayLike | None = None,
) -> bytes:
    """Payload bytes of ``frame`` carrying ``values`` (and ``samples`` for a sample frame)."""
    known = {f.name for f in frame.fields}
    if unknown := sorted(set(values) - known):
        raise EncodeError(
            f"frame {frame.name!r} has no field(s) {', '.join(unknown)}; known: {sorted(known)}"
        )
    full: dict[str, FieldValue] = {k: v for k, v in values.items() if v is not None}
    if frame.samples is not None and frame.samples.count_field is not None and samples is not None:
        full[frame.samples.count_field] = int(np.asarray(samples).shape[0])
    full.update(derive_flags(frame, values))
    buffer = bytearray()
    pos = 0
    written: set[str] = set()
    for spec in frame.fields:
        if spec.bit_of is not None or not is_present(spec, full) or spec.name in written:
            continue
        start = pos if spec.start is None else spec.start
        data = _field_bytes(frame, spec, start, full.get(spec.name))
        _put(buffer, start, data)
        written.add(spec.name)
        pos = start + len(data)
    if frame.samples is not None:
        if samples is None:
            raise EncodeError(f"frame {frame.name!r} carries samples; pass samples=")
        start = pos if frame.samples.start is None else frame.samples.start
        _put(buffer, start, encode_samples(frame.samples, samples, full, settings))
    if not bytes(buffer).startswith(frame.match):
        raise EncodeError(f"values give a payload that does not start with {frame.match.hex(' ')}")
    return bytes(buffer)
