"""Load and validate firmware profiles: ``load_profile(path)``, ``load_profiles(dir)``.

Validation happens once, here, so decoders can trust the profile: every error is a
``ProfileError`` that names the file, the key path and the fix, including unknown keys
(with the closest known key as a suggestion). Layouts (fields, frames, samples) are read by
``loader_fields.py``; this module reads the profile around them and checks that its parts
refer to each other correctly (an IMU names a characteristic that has samples, a reading
has the fields it needs, a codec exists and gets its settings).
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from runsense.profiles.codecs import CODECS
from runsense.profiles.errors import ProfileError
from runsense.profiles.loader_fields import check_name, check_uuid, load_frame
from runsense.profiles.loader_sections import load_command, load_device, load_example, load_imu, load_settings
from runsense.profiles.readings import READING_REQUIRES
from runsense.profiles.schema import (
    READING_KINDS,
    SCHEMA_VERSION,
    CharacteristicSpec,
    Profile,
)
from runsense.profiles.toml_node import Node

SHORT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FILE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*@[a-z0-9][a-z0-9._-]*$")
FRAME_KEYS = ("fields", "samples", "match", "success_codes")
WRITABLE = frozenset({"write", "write_without_response"})


def default_profiles_dir() -> Path:
    """The bundled firmware profiles: in an installed wheel, else in the checkout.

    A wheel carries them as ``runsense/firmware_profiles/`` (package data, see pyproject.toml); a
    checkout (editable install, tests) has them at the top, in ``firmware_profiles/``.
    """
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "firmware_profiles"
    if packaged.is_dir():
        return packaged
    return here.parents[2] / "firmware_profiles"


@functools.cache
def load_default_profiles() -> dict[str, Profile]:
    """The bundled profiles, loaded once per process (profiles are immutable)."""
    return load_profiles(default_profiles_dir())


def load_profiles(directory: Path) -> dict[str, Profile]:
    """Every ``*.toml`` in ``directory`` by short name; two files with one short name are an error."""
    profiles: dict[str, Profile] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        profile = load_profile(path)
        if (other := profiles.get(profile.short_name)) is not None:
            raise ProfileError(
                path,
                "short_name",
                f"{profile.short_name!r} is also used by {other.path.name}",
                "give each profile its own short name",
            )
        profiles[profile.short_name] = profile
    return profiles


def load_profile(path: Path) -> Profile:
    """One profile file, validated."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(
            path, "", f"cannot be read ({exc.strerror})", "check the path and permissions"
        ) from None
    if not FILE_NAME_RE.match(path.stem):
        raise ProfileError(
            path, "", "is not named vendor-model@firmware.toml", "rename it, e.g. polar-h10@3.0.toml"
        )
    return load_profile_text(text, path=path)


def load_profile_text(text: str, *, path: Path | str = "<string>") -> Profile:
    """A profile from TOML text (``path`` is only used in error messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(
            path, "", f"is not valid TOML ({exc})", "fix the syntax at the position given"
        ) from None
    return _profile(Node(data, path=path), Path(path))


def _profile(root: Node, path: Path) -> Profile:
    version = root.get_int("schema_version")
    if version != SCHEMA_VERSION:
        raise root.error(
            "schema_version", f"is {version}", f"this runsense reads schema_version = {SCHEMA_VERSION}"
        )
    short_name = root.get_str("short_name")
    if not SHORT_NAME_RE.match(short_name):
        raise root.error(
            "short_name", f"{short_name!r} is not lowercase-with-dashes", 'write e.g. "polar-h10"'
        )
    advertising = root.table("advertising", required=True)
    assert advertising is not None  # noqa: S101 - required=True
    services = tuple(
        check_uuid(advertising, f"service_uuids[{i}]", u)
        for i, u in enumerate(advertising.get_str_list("service_uuids", ()))
    )
    patterns = advertising.get_str_list("name_patterns", ())
    if not services and not patterns:
        raise advertising.error(
            "", "has neither service_uuids nor name_patterns", "add one so scan can recognise it"
        )
    advertising.finish()
    settings = load_settings(root)
    characteristics = tuple(_characteristic(n) for n in root.tables("characteristics", required=True))
    profile = Profile(
        path=path,
        short_name=short_name,
        display_name=root.get_str("display_name"),
        vendor=root.get_str("vendor"),
        model=root.get_str("model"),
        firmware=root.get_str("firmware"),
        advertised_services=services,
        name_patterns=patterns,
        characteristics=characteristics,
        settings=settings,
        devices=tuple(load_device(n, settings) for n in root.tables("devices")),
        commands=tuple(load_command(n) for n in root.tables("commands")),
        imu=load_imu(root.table("imu")),
        examples=tuple(load_example(n, settings) for n in root.tables("examples", required=True)),
        notes=root.get_str_list("notes", ()),
        sources=root.get_str_list("sources", ()),
        max_silence_s=_max_silence_s(root),
    )
    root.finish()
    _check_references(root, profile)
    return profile


def _max_silence_s(root: Node) -> float | None:
    """Optional; seconds, positive."""
    value: float | None = root.get_float("max_silence_s", None, fix="write seconds, e.g. max_silence_s = 5")
    if value is not None and value <= 0:
        raise root.error("max_silence_s", f"is {value:g}", "write a positive number of seconds, or omit it")
    return value


def _characteristic(node: Node) -> CharacteristicSpec:
    name = check_name(node, "name", node.get_str("name"))
    properties = frozenset(node.get_str_list("properties"))
    if unknown := sorted(properties - {"read", "write", "write_without_response", "notify", "indicate"}):
        raise node.error(
            "properties",
            f"has unknown {unknown}",
            "use read, write, write_without_response, notify, indicate",
        )
    codec = node.get_str("codec", None)
    if codec is not None and codec not in CODECS:
        raise node.error(
            "codec", f"{codec!r} is not a known codec", f"use one of {sorted(CODECS)} or write one"
        )
    frames = tuple(load_frame(f, default_name=name) for f in node.tables("frames"))
    if [k for k in FRAME_KEYS if node.has(k)]:
        if frames:
            raise node.error("fields", "is given next to [[frames]]", "put the fields inside one frame")
        frames = (
            load_frame(
                Node(
                    {k: node.data[k] for k in FRAME_KEYS if k in node.data},
                    path=node.path,
                    key_path=node.key_path,
                ),
                default_name=name,
            ),
        )
    if codec is not None and frames:
        raise node.error("codec", "is given together with fields or frames", "use either a codec or fields")
    spec = CharacteristicSpec(
        name=name,
        uuid=check_uuid(node, "uuid", node.get_str("uuid")),
        service_uuid=check_uuid(node, "service", node.get_str("service")),
        properties=properties,
        role=node.get_str("role", choices=("data", "control", "info")),
        reading=node.get_str("reading", None, choices=READING_KINDS),
        frames=frames,
        codec=codec,
        doc=node.get_str("doc", ""),
    )
    fields = {f.name for frame in frames for f in frame.fields}
    if spec.reading is not None and frames and (missing := READING_REQUIRES[spec.reading] - fields):
        raise node.error(
            "reading", f"{spec.reading!r} needs field(s) {sorted(missing)}", "add them or drop reading"
        )
    node.finish()
    return spec


def _check_references(root: Node, profile: Profile) -> None:
    chars = {c.name: c for c in profile.characteristics}
    setting_names = {s.name for s in profile.settings}
    for i, char in enumerate(profile.characteristics):
        if sum(c.uuid == char.uuid for c in profile.characteristics) > 1:
            raise root.error(f"characteristics[{i}].uuid", f"{char.uuid} is listed twice", "list it once")
        needs = CODECS[char.codec].needs_settings if char.codec else frozenset()
        if missing := needs - setting_names:
            raise root.error(
                f"characteristics[{i}].codec",
                f"{char.codec} needs settings {sorted(missing)}",
                "add them under [settings]",
            )
    for i, command in enumerate(profile.commands):
        target = chars.get(command.characteristic)
        if target is None or not target.properties & WRITABLE:
            raise root.error(
                f"commands[{i}].characteristic",
                f"{command.characteristic!r} is not a writable characteristic of this profile",
                "name one with write in its properties",
            )
    for i, example in enumerate(profile.examples):
        if example.characteristic not in chars:
            raise root.error(
                f"examples[{i}].characteristic",
                f"{example.characteristic!r} is not defined",
                f"use one of {sorted(chars)}",
            )
    if profile.imu is not None:
        _check_imu(root, profile, chars, setting_names)


def _check_imu(
    root: Node, profile: Profile, chars: dict[str, CharacteristicSpec], setting_names: set[str]
) -> None:
    imu = profile.imu
    assert imu is not None  # noqa: S101 - checked by the caller
    found = chars.get(imu.characteristic)
    if found is None or not (found.codec or any(f.samples for f in found.frames)):
        raise root.error(
            "imu.characteristic",
            f"{imu.characteristic!r} is not a characteristic with samples",
            "name the characteristic whose frames have [samples] or a codec",
        )
    char = found
    if not (char.codec or any(f.samples for f in char.frames)):
        raise root.error(
            "imu.characteristic",
            f"{imu.characteristic!r} is not a characteristic with samples",
            "name the characteristic whose frames have [samples] or a codec",
        )
    provided = (
        set(CODECS[char.codec].provides) if char.codec else {f.name for fr in char.frames for f in fr.fields}
    )
    for key, name in (("field", imu.clock.field), ("sequence_field", imu.clock.sequence_field)):
        if name is not None and name not in provided:
            raise root.error(
                f"imu.clock.{key}",
                f"{name!r} is not decoded from {char.name}",
                f"use one of {sorted(provided)}",
            )
    for needed in ("fs_hz", "range_g"):
        if needed not in setting_names and needed not in provided:
            raise root.error("settings", f"has no {needed} (the IMU needs it)", f"add [settings.{needed}]")
