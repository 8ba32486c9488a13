"""Control-point exchanges as data: render a command template to bytes, and check a reply.

A template is hex bytes with placeholders, e.g. ``"01 {total_distance_m:u32/0.1}"`` (SC control
point: set cumulative distance in 1/10 m) or ``"01 {reference:u8} {resource_path:ascii}"``
(Movesense subscribe). Values come from the caller, else from the sensor's settings. The
same language writes the expected reply, which virtual sensors send and the shell can check.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping, Sequence

from runsense.profiles.errors import EncodeError
from runsense.profiles.schema import CommandSpec, Profile, SettingSpec, SettingValue
from runsense.profiles.settings import resolve_settings

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*):([a-z0-9]+)(?:/([0-9.eE+-]+))?\}")
INT_TYPES = {"u8": (1, False), "u16": (2, False), "u24": (3, False), "u32": (4, False)}
INT_TYPES |= {"s8": (1, True), "s16": (2, True), "s24": (3, True), "s32": (4, True)}
TYPES = frozenset({*INT_TYPES, "f32", "ascii", "code"})


def template_errors(template: str) -> list[str]:
    """Problems with a template's syntax (empty when it is valid)."""
    problems = []
    literal = PLACEHOLDER.sub(" ", template)
    if "{" in literal or "}" in literal:
        problems.append("a placeholder is not of the form {name:type} or {name:type/resolution}")
    try:
        for part in PLACEHOLDER.split(template)[::4]:
            bytes.fromhex(part)
    except ValueError:
        problems.append("the bytes between placeholders are not hex pairs")
    problems += [
        f"unknown type {m.group(2)!r}" for m in PLACEHOLDER.finditer(template) if m.group(2) not in TYPES
    ]
    return problems


def placeholders(template: str) -> list[str]:
    """Names used by a template, in order."""
    return [m.group(1) for m in PLACEHOLDER.finditer(template)]


def _encode_value(name: str, kind: str, resolution: str | None, value: SettingValue) -> bytes:
    if kind == "ascii":
        return str(value).encode("ascii")
    if isinstance(value, str | bool):
        raise EncodeError(f"{name} must be a number, got {value!r}")
    if kind == "f32":
        return struct.pack("<f", float(value))
    size, signed = INT_TYPES[kind]
    raw = round(float(value) / float(resolution)) if resolution else round(value)
    try:
        return raw.to_bytes(size, "little", signed=signed)
    except OverflowError:
        raise EncodeError(f"{name} = {value!r} does not fit in {kind}") from None


def _code(name: str, value: SettingValue, specs: Sequence[SettingSpec]) -> bytes:
    spec = next((s for s in specs if s.name == name), None)
    try:
        code = spec.code(value) if spec is not None else None
    except KeyError:
        code = None
    if code is None or not 0 <= code <= 0xFF:
        raise EncodeError(f"{name} = {value!r} has no one-byte wire code in this profile")
    return bytes([code])


def render(template: str, values: Mapping[str, SettingValue], specs: Sequence[SettingSpec] = ()) -> bytes:
    """Bytes of a template; EncodeError names a missing or out-of-range value.

    A ``{name:code}`` placeholder writes the wire code ``specs`` give for the value (one byte).
    """
    out = bytearray()
    pos = 0
    for match in PLACEHOLDER.finditer(template):
        out += bytes.fromhex(template[pos : match.start()])
        name, kind, resolution = match.groups()
        if name not in values:
            raise EncodeError(f"template {template!r} needs a value for {name}")
        if kind == "code":
            out += _code(name, values[name], specs)
        else:
            out += _encode_value(name, kind, resolution, values[name])
        pos = match.end()
    return bytes(out + bytes.fromhex(template[pos:]))


def encode_command(
    profile: Profile,
    name: str,
    *,
    settings: Mapping[str, SettingValue] | None = None,
    **params: SettingValue,
) -> bytes:
    """Bytes to write for command ``name``; ``params`` fill placeholders the settings do not."""
    command = profile.command(name)
    values = {**resolve_settings(profile, overrides=settings), **params}
    return render(command.template, values, profile.settings)


def expected_reply(
    profile: Profile, command: CommandSpec, *, settings: Mapping[str, SettingValue] | None = None
) -> bytes | None:
    """The reply a well-behaved sensor sends to ``command`` (None when it sends none)."""
    if command.response is None:
        return None
    return render(command.response, resolve_settings(profile, overrides=settings), profile.settings)


def commands_for(profile: Profile, phase: str) -> list[CommandSpec]:
    """The commands to send at ``start`` or ``stop``, in profile order."""
    return [c for c in profile.commands if c.phase == phase]
