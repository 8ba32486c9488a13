"""Loading the declarative layouts of a profile: fields, sample blocks and frames.

Kept apart from ``loader.py`` (the profile as a whole) so each stays readable. Every check
here is about one frame: that lengths are wire sizes, that a flag reference points at an
earlier integer field, that a repeated field comes last, that codes in a table are integers.
"""

from __future__ import annotations

import re

from runsense.profiles.schema import BitRef, ByteOrder, FieldSpec, FrameSpec, SampleBlockSpec
from runsense.profiles.toml_node import Node

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
INT_LENGTHS = (8, 16, 24, 32, 64)
FLOAT_LENGTHS = (32, 64)
BYTE_ORDERS: tuple[ByteOrder, ...] = ("little_endian", "big_endian")
SIG_BASE = "-0000-1000-8000-00805f9b34fb"


def parse_hex(node: Node, key: str, text: str) -> bytes:
    """Bytes from a hex string such as ``"07 2c 01"`` (spaces optional)."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise node.error(
            key, f"is not hex bytes ({text!r})", 'write bytes as hex pairs, e.g. "07 2c 01"'
        ) from None


def check_uuid(node: Node, key: str, value: str) -> str:
    """A full 128-bit lowercase UUID, or an error that shows the right spelling."""
    if UUID_RE.match(value):
        return value
    if UUID_RE.match(value.lower()):
        fix = f'write it in lowercase: "{value.lower()}"'
    elif re.fullmatch(r"(0x)?[0-9a-fA-F]{4}", value):
        short = value.lower().removeprefix("0x")
        fix = f'write the full 128-bit form: "0000{short}{SIG_BASE}"'
    else:
        fix = 'write a full 128-bit UUID such as "00002a53-0000-1000-8000-00805f9b34fb"'
    raise node.error(key, f"is not a full 128-bit lowercase UUID ({value!r})", fix)


def check_name(node: Node, key: str, value: str) -> str:
    """A snake_case identifier."""
    if not NAME_RE.match(value):
        raise node.error(key, f"{value!r} is not a snake_case name", "use lowercase letters, digits and _")
    return value


def _bit_ref(node: Node, key: str, known_ints: set[str]) -> BitRef | None:
    text = node.get_str(key, None)
    if text is None:
        return None
    field, _, bit = text.partition(".")
    if not bit.isdigit():
        raise node.error(key, f"is {text!r}", 'write "<field>.<bit>", e.g. "flags.0"')
    if field not in known_ints:
        raise node.error(
            key, f"refers to {field!r}, which is not an earlier integer field", "define it first"
        )
    return BitRef(field, int(bit))


def _table(node: Node) -> dict[int, float] | None:
    sub = node.table("table")
    if sub is None:
        return None
    out: dict[int, float] = {}
    for code in list(sub.data):
        if not code.isdigit():
            raise sub.error(code, "is not an integer code", 'write codes as quoted integers, e.g. "3" = 8.0')
        out[int(code)] = sub.get_float(code)
    if not out:
        raise node.error("table", "is empty", "list the codes and their values")
    return out


def _length(node: Node, *, is_float: bool, default: int | None) -> int:
    allowed = FLOAT_LENGTHS if is_float else INT_LENGTHS
    length: int = node.get_int("length", default) if default is not None else node.get_int("length")
    if length not in allowed:
        kind = "float" if is_float else "integer"
        raise node.error("length", f"is {length} bits, not a {kind} wire size", f"use one of {allowed}")
    return length


def load_field(node: Node, known_ints: set[str]) -> FieldSpec:
    """One ``[[...fields]]`` entry; ``known_ints`` are the integer fields defined before it."""
    name = check_name(node, "name", node.get_str("name"))
    present_if = _bit_ref(node, "present_if", known_ints)
    absent_if = _bit_ref(node, "absent_if", known_ints)
    bit_of = node.get_str("bit_of", None)
    if bit_of is not None:
        if bit_of not in known_ints:
            raise node.error(
                "bit_of", f"refers to {bit_of!r}, not an earlier integer field", "define it first"
            )
        spec = FieldSpec(
            name=name,
            bit_of=bit_of,
            bit=node.get_int("bit", minimum=0),
            present_if=present_if,
            absent_if=absent_if,
            doc=node.get_str("doc", ""),
        )
        node.finish()
        return spec
    is_float = node.get_bool("is_float", False)
    spec = FieldSpec(
        name=name,
        length=_length(node, is_float=is_float, default=8),
        start=node.get_int("start", None, minimum=0),
        byte_order=node.get_str("byte_order", "little_endian", choices=BYTE_ORDERS),
        is_signed=node.get_bool("is_signed", False),
        is_float=is_float,
        scale=node.get_float("scale", 1.0),
        offset=node.get_float("offset", 0.0),
        unit=node.get_str("unit", ""),
        minimum=node.get_float("minimum", None),
        maximum=node.get_float("maximum", None),
        present_if=present_if,
        absent_if=absent_if,
        repeat=node.get_bool("repeat", False),
        table=_table(node),
        doc=node.get_str("doc", ""),
    )
    if spec.scale == 0.0:
        raise node.error("scale", "is 0", "use the physical value of one LSB (e.g. 0.00390625 for 1/256)")
    if spec.table is not None and (spec.scale != 1.0 or spec.offset != 0.0 or is_float):
        raise node.error("table", "is combined with scale/offset/is_float", "use either a table or a scale")
    if present_if and absent_if:
        raise node.error("absent_if", "is combined with present_if", "use one condition per field")
    node.finish()
    return spec


def load_samples(node: Node) -> SampleBlockSpec:
    """The ``samples`` table of a frame."""
    channels = node.get_str_list("channels")
    if not channels:
        raise node.error("channels", "is empty", 'list the channels, e.g. ["ax_g", "ay_g", "az_g"]')
    for i, channel in enumerate(channels):
        check_name(node, f"channels[{i}]", channel)
        if not channel.endswith(("_g", "_dps", "_ms2")):
            raise node.error(
                f"channels[{i}]", f"{channel!r} has no unit suffix", "end it in _g, _ms2 or _dps"
            )
    is_float = node.get_bool("is_float", False)
    spec = SampleBlockSpec(
        channels=channels,
        length=_length(node, is_float=is_float, default=None),
        start=node.get_int("start", None, minimum=0),
        byte_order=node.get_str("byte_order", "little_endian", choices=BYTE_ORDERS),
        is_signed=node.get_bool("is_signed", True),
        is_float=is_float,
        scale=node.get_float("scale", None),
        full_scale_from=node.get_str("full_scale_from", None),
        count_field=node.get_str("count_field", None),
        layout=node.get_str("layout", "interleaved", choices=("interleaved", "planar")),
        group_size=node.get_int("group_size", 3, minimum=1),
        min_samples=node.get_int("min_samples", 0, minimum=0),
        max_samples=node.get_int("max_samples", 4096, minimum=1),
    )
    if spec.min_samples > spec.max_samples:
        raise node.error("min_samples", f"is more than max_samples ({spec.max_samples})", "lower it")
    if spec.length == 24:
        raise node.error("length", "is 24 bits, which sample blocks do not support", "use 8, 16 or 32")
    if (spec.scale is None) == (spec.full_scale_from is None) and not is_float:
        raise node.error("scale", "and full_scale_from are both set or both missing", "give exactly one")
    if spec.layout == "planar" and len(channels) % spec.group_size:
        raise node.error("group_size", f"does not divide {len(channels)} channels", "fix group_size")
    node.finish()
    return spec


def load_frame(node: Node, *, default_name: str) -> FrameSpec:
    """A frame: its match prefix, fields (checked in order) and optional samples."""
    name = check_name(node, "name", node.get_str("name", default_name))
    match = parse_hex(node, "match", node.get_str("match", ""))
    fields: list[FieldSpec] = []
    known_ints: set[str] = set()
    names: set[str] = set()
    for sub in node.tables("fields"):
        spec = load_field(sub, known_ints)
        variant = spec.present_if is not None or spec.absent_if is not None
        if spec.name in names and not variant:
            raise sub.error("name", f"{spec.name!r} is defined twice", "give it a condition or another name")
        if fields and fields[-1].repeat and spec.n_bytes:
            raise sub.error("", "follows a repeat field", "put the repeat field last")
        names.add(spec.name)
        if spec.n_bytes and not spec.is_float and spec.table is None and not spec.repeat:
            known_ints.add(spec.name)
        fields.append(spec)
    samples_node = node.table("samples")
    samples = load_samples(samples_node) if samples_node is not None else None
    if samples is not None and samples.count_field is not None and samples.count_field not in known_ints:
        raise node.error(
            "samples.count_field", f"{samples.count_field!r} is not an integer field", "define it"
        )
    codes = node.raw("success_codes", None)
    if codes is not None and (not isinstance(codes, list) or not all(isinstance(c, int) for c in codes)):
        raise node.error("success_codes", "is not an array of integers", "write e.g. success_codes = [1]")
    if codes is not None and not {"request_opcode", "result_code"} <= names:
        raise node.error("success_codes", "needs fields request_opcode and result_code", "add those fields")
    node.finish()
    return FrameSpec(
        name=name,
        match=match,
        fields=tuple(fields),
        samples=samples,
        success_codes=None if codes is None else tuple(codes),
    )
