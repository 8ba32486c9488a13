"""What one payload decodes to before time and readings are attached, shared by layouts and codecs.

Both the declarative engine (``layout.py``) and hand-written codecs (``codecs/``) turn bytes
into a ``FrameResult`` and back. They raise ``FrameError`` for anything malformed; the
decoder wraps it into ``runsense.errors.DecodeError`` with the sensor and the payload, so the
codecs never need to know which sensor they serve.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias

from runsense.model import FloatArray
from runsense.profiles.schema import CharacteristicSpec, SettingValue

FieldValue: TypeAlias = int | float | bool | str | tuple[float, ...]


class FrameError(ValueError):
    """A payload that does not fit its format (internal: the decoder turns it into DecodeError)."""


@dataclass(frozen=True, slots=True)
class ControlResponse:
    """A control-point reply (SC control point, PMD, FTMS, Movesense command response).

    ``ok`` is true for the profile's success codes; ``params`` holds whatever else the reply
    carried (supported sensor locations, the PMD sample factor...).
    """

    request_opcode: int
    result_code: int
    ok: bool
    params: Mapping[str, FieldValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FrameResult:
    """Decoded content of one payload, in physical units, before the sample clock runs.

    ``samples`` has shape ``(n_samples, len(channels))`` with the units of the channel names
    (``_g``, ``_ms2``, ``_dps``). ``learned`` are settings the payload tells us (the PMD sample
    factor from a start reply) that apply to later payloads of the same sensor.
    """

    frame: str
    values: dict[str, FieldValue] = field(default_factory=dict)
    samples: FloatArray | None = None
    channels: tuple[str, ...] = ()
    control: ControlResponse | None = None
    learned: Mapping[str, SettingValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CodecContext:
    """What a codec may use besides the bytes: its characteristic and the effective settings."""

    characteristic: CharacteristicSpec
    settings: Mapping[str, SettingValue]


class Codec(Protocol):
    """A hand-written payload format. One instance per decoder, so it may keep state."""

    def decode(self, payload: bytes, ctx: CodecContext) -> FrameResult:
        """Decode one payload or raise FrameError."""
        ...

    def encode(self, result: FrameResult, ctx: CodecContext) -> bytes:
        """Encode a FrameResult (as ``decode`` would return it); raise EncodeError on bad values."""
        ...


def int_value(values: Mapping[str, FieldValue], name: str, default: int) -> int:
    """An integer value of a FrameResult (booleans, floats and strings do not count)."""
    value = values.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def wire_order(byte_order: str) -> Literal["little", "big"]:
    """``int.from_bytes`` order of a profile byte order."""
    return "little" if byte_order == "little_endian" else "big"


def setting_float(settings: Mapping[str, SettingValue], name: str) -> float:
    """A numeric setting, or FrameError when the profile lacks it (a profile bug shown clearly)."""
    value = settings.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FrameError(f"setting {name!r} is missing or not a number ({value!r})")
    return float(value)


def open_enum_name(enum_type: type[enum.IntEnum], value: int) -> str:
    """Name of a code, tolerating codes firmware added later (bumble's ``OpenIntEnum`` idea)."""
    try:
        return enum_type(value).name
    except ValueError:
        return f"{enum_type.__name__}[{value}]"
