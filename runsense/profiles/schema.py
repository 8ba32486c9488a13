"""Typed form of a firmware profile (``firmware_profiles/*.toml``), as the loader builds it.

The vocabulary of a field is cantools' ``Signal`` (name, start, length, byte_order, is_signed,
scale, offset, unit, minimum, maximum), with byte offsets instead of bit numbers because every
BLE format here is byte-aligned, plus what Bluetooth SIG formats need: presence conditioned on
a flag bit, a field repeated to the end of the payload, a boolean taken from a flag bit, and a
code table (rate/range codes). Everything is frozen: a profile is data, shared by every decoder.
See ``firmware_profiles/README.md`` for the file format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

SCHEMA_VERSION = 1
"""The one ``schema_version`` this loader reads."""

SettingValue: TypeAlias = str | int | float | bool
ExpectedValue: TypeAlias = int | float | bool | str | list["ExpectedValue"]
ByteOrder: TypeAlias = Literal["little_endian", "big_endian"]
Role: TypeAlias = Literal["data", "control", "info"]
ReadingKind: TypeAlias = Literal["running", "heart_rate", "power", "treadmill", "imu"]
Phase: TypeAlias = Literal["start", "stop", "on_demand"]
ClockSource: TypeAlias = Literal["timestamp", "counter", "sample_count"]

READING_KINDS: tuple[ReadingKind, ...] = ("running", "heart_rate", "power", "treadmill", "imu")
PROPERTIES = frozenset({"read", "write", "write_without_response", "notify", "indicate"})


@dataclass(frozen=True, slots=True)
class BitRef:
    """Bit ``bit`` (0 = least significant) of the integer field ``field``."""

    field: str
    bit: int

    def __str__(self) -> str:
        """The form used in profile files: ``flags.2``."""
        return f"{self.field}.{self.bit}"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One value in a payload: ``physical = raw * scale + offset`` (or ``table[raw]``).

    ``start`` is a byte offset from the start of the payload; ``None`` means "right after the
    previous field that is present", which is how flag-driven SIG layouts are laid out.
    ``length`` is in bits (8, 16, 24, 32 or 64). A ``bit_of`` field reads one bit of an
    earlier integer field and yields a bool (no bytes of its own). ``repeat`` fields take every
    remaining ``length``-sized slot up to the end of the payload (RR intervals).
    """

    name: str
    length: int = 8
    start: int | None = None
    byte_order: ByteOrder = "little_endian"
    is_signed: bool = False
    is_float: bool = False
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    present_if: BitRef | None = None
    absent_if: BitRef | None = None
    repeat: bool = False
    bit_of: str | None = None
    bit: int = 0
    table: Mapping[int, float] | None = None
    doc: str = ""

    @property
    def n_bytes(self) -> int:
        """Bytes one value takes on the wire (0 for a flag-bit field)."""
        return 0 if self.bit_of is not None else self.length // 8

    @property
    def is_integer(self) -> bool:
        """True when the physical value is the raw integer (no scale, offset or table)."""
        return (
            self.bit_of is None
            and not self.is_float
            and self.table is None
            and self.scale == 1.0
            and self.offset == 0.0
        )


@dataclass(frozen=True, slots=True)
class SampleBlockSpec:
    """A run of equally sized samples, e.g. int16 x/y/z, after the header fields.

    The scale is either fixed (``scale``, physical units per LSB) or derived from a full-scale
    value (``full_scale_from``: a decoded field or a setting, e.g. ``range_g``), in which case
    one LSB is ``full_scale / 2**(length - 1)``. ``count_field`` names a header field with the
    number of samples; without it the block runs to the end of the payload. ``min_samples`` and
    ``max_samples`` bound the count (MetaWear: exactly 1, or exactly 3 when packed). ``layout`` is
    ``interleaved`` (x0 y0 z0 x1 ...) or ``planar`` (all of channel group 1, then group 2: the
    Movesense IMU arrays); ``group_size`` says how many channels form one planar group.
    """

    channels: tuple[str, ...]
    length: int = 16
    start: int | None = None
    byte_order: ByteOrder = "little_endian"
    is_signed: bool = True
    is_float: bool = False
    scale: float | None = None
    full_scale_from: str | None = None
    count_field: str | None = None
    layout: Literal["interleaved", "planar"] = "interleaved"
    group_size: int = 3
    min_samples: int = 0
    max_samples: int = 4096

    @property
    def sample_bytes(self) -> int:
        """Bytes of one sample (all channels)."""
        return len(self.channels) * self.length // 8


@dataclass(frozen=True, slots=True)
class FrameSpec:
    """One packet layout of a characteristic, selected by its first bytes (``match``).

    A control-point response frame lists ``success_codes`` and has ``request_opcode`` and
    ``result_code`` fields, from which the decoder builds a ``ControlResponse``.
    """

    name: str
    match: bytes = b""
    fields: tuple[FieldSpec, ...] = ()
    samples: SampleBlockSpec | None = None
    success_codes: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class CharacteristicSpec:
    """A GATT characteristic the profile uses, and how its values are decoded.

    Exactly one of ``frames`` (declarative) and ``codec`` (hand-written, in
    ``runsense/profiles/codecs/``) describes the payloads; info characteristics may have
    neither when runsense only reads them for display.
    """

    name: str
    uuid: str
    service_uuid: str
    properties: frozenset[str]
    role: Role
    reading: ReadingKind | None = None
    frames: tuple[FrameSpec, ...] = ()
    codec: str | None = None
    doc: str = ""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A control-point write, as a hex template with ``{name:type}`` placeholders.

    Types: ``u8 u16 u24 u32 s8 s16 s32 f32`` (little-endian) and ``ascii``; an optional
    ``/resolution`` converts a physical value to raw (``{total_distance_m:u32/0.1}``).
    Placeholder values come from the caller or, failing that, from the profile's settings.
    ``response`` is the expected reply (same template language), for virtual sensors and for
    checking the reply; ``phase`` says when the shell sends it.
    """

    name: str
    characteristic: str
    template: str
    phase: Phase = "on_demand"
    response: str | None = None
    doc: str = ""


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """A per-device or per-session choice the profile exposes (rate, range, cadence unit...).

    ``template`` makes a string setting derived from the others with ``str.format``
    (e.g. the Movesense resource path ``/Meas/{resource}/{fs_hz}``).
    """

    name: str
    default: SettingValue
    choices: tuple[SettingValue, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    template: str | None = None
    codes: Mapping[str, int] | None = None
    """Wire code of each value, written by a ``{name:code}`` placeholder (e.g. a range register)."""
    doc: str = ""

    def code(self, value: SettingValue) -> int:
        """The wire code of ``value``; KeyError when the profile lists none for it."""
        if self.codes is None:
            raise KeyError(f"setting {self.name!r} has no codes")
        return self.codes[f"{value:g}" if isinstance(value, int | float) else str(value)]


@dataclass(frozen=True, slots=True)
class DeviceQuirk:
    """Settings that differ for devices whose advertised name matches (quirks as data)."""

    name_patterns: tuple[str, ...]
    settings: Mapping[str, SettingValue]
    note: str = ""


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """How sample times are rebuilt: from a sensor timestamp, a counter, or by counting samples.

    ``field`` is the decoded raw value (timestamp ticks or counter), ``unit_s`` the seconds per
    tick, ``bits`` its width (it wraps at ``2**bits``), ``of_sample`` whether it stamps the
    first or the last sample of the packet. ``counts`` says what a counter counts.
    ``sequence_field`` is an optional packet counter used only to report lost packets.
    """

    source: ClockSource
    field: str | None = None
    unit_s: float = 1.0
    bits: int = 32
    of_sample: Literal["first", "last"] = "first"
    counts: Literal["samples", "packets"] = "samples"
    sequence_field: str | None = None
    sequence_bits: int = 16


@dataclass(frozen=True, slots=True)
class ImuSpec:
    """Where the acceleration comes from and how its clock works.

    The sample rate and range are the settings ``fs_hz`` and ``range_g`` unless a frame
    decodes fields with those names (formats that carry them in every packet).
    """

    characteristic: str
    clock: ClockSpec
    channels: tuple[str, ...] = ("ax_g", "ay_g", "az_g")


@dataclass(frozen=True, slots=True)
class ExampleSpec:
    """An embedded example: a payload and the values it must decode to (or the error it gives)."""

    characteristic: str
    payload: bytes
    expect: Mapping[str, ExpectedValue]
    note: str = ""
    settings: Mapping[str, SettingValue] = field(default_factory=dict)
    device_name: str | None = None
    error: str | None = None
    t_received_s: float = 10.0
    tolerance: float = 1e-6
    key_path: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """One sensor family and firmware: how to recognise it, talk to it and decode it."""

    path: Path
    short_name: str
    display_name: str
    vendor: str
    model: str
    firmware: str
    advertised_services: tuple[str, ...]
    name_patterns: tuple[str, ...]
    characteristics: tuple[CharacteristicSpec, ...]
    commands: tuple[CommandSpec, ...] = ()
    settings: tuple[SettingSpec, ...] = ()
    devices: tuple[DeviceQuirk, ...] = ()
    imu: ImuSpec | None = None
    examples: tuple[ExampleSpec, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    max_silence_s: float | None = None
    """Longest a healthy, connected device of this family goes without a notification (seconds);
    quieter than that and its link is taken as dead. None: the link settings' default."""

    def characteristic(self, name_or_uuid: str) -> CharacteristicSpec:
        """The characteristic with this name or (lowercase, 128-bit) UUID; KeyError otherwise."""
        key = name_or_uuid.lower()
        for char in self.characteristics:
            if key in (char.name, char.uuid):
                return char
        raise KeyError(f"profile {self.short_name!r} has no characteristic {name_or_uuid!r}")

    def command(self, name: str) -> CommandSpec:
        """The command with this name; KeyError otherwise."""
        for command in self.commands:
            if command.name == name:
                return command
        raise KeyError(f"profile {self.short_name!r} has no command {name!r}")

    def default_settings(self) -> dict[str, SettingValue]:
        """Every setting at its default value."""
        return {s.name: s.default for s in self.settings}
