"""Loading the parts of a profile around its layouts: settings, device quirks, commands, IMU, examples.

Split from ``loader.py`` to keep modules small; each function reads one table and checks it
on its own. Cross-references between parts are checked in ``loader.py``.
"""

from __future__ import annotations

import string

from runsense.profiles.commands import template_errors
from runsense.profiles.loader_fields import check_name, parse_hex
from runsense.profiles.schema import (
    ClockSpec,
    CommandSpec,
    DeviceQuirk,
    ExampleSpec,
    ImuSpec,
    SettingSpec,
    SettingValue,
)
from runsense.profiles.settings import check_setting
from runsense.profiles.toml_node import Node


def load_settings(root: Node) -> tuple[SettingSpec, ...]:
    """The ``[settings.<name>]`` tables: defaults, choices, bounds, wire codes, derived templates."""
    table = root.table("settings")
    if table is None:
        return ()
    specs = []
    for name in list(table.data):
        node = table.table(name, required=True)
        assert node is not None  # noqa: S101 - required=True
        check_name(table, name, name)
        default = node.raw("default")
        if not isinstance(default, str | int | float | bool):
            raise node.error("default", "is not a string, number or boolean", "give a plain value")
        choices = node.raw("choices", None)
        if choices is not None and (not isinstance(choices, list) or default not in choices):
            raise node.error(
                "choices", "is not an array that contains the default", "list the allowed values"
            )
        spec = SettingSpec(
            name=name,
            default=default,
            choices=None if choices is None else tuple(choices),
            minimum=node.get_float("minimum", None),
            maximum=node.get_float("maximum", None),
            template=node.get_str("template", None),
            codes=load_codes(node),
            doc=node.get_str("doc"),
        )
        node.finish()
        specs.append(spec)
    names = {s.name for s in specs}
    for spec in specs:
        used = {f[1] for f in string.Formatter().parse(spec.template or "") if f[1]}
        if missing := used - names:
            raise table.error(
                f"{spec.name}.template", f"uses unknown setting(s) {sorted(missing)}", "define them"
            )
    return tuple(specs)


def load_codes(node: Node) -> dict[str, int] | None:
    """A setting's ``codes`` table (value -> wire code)."""
    table = node.table("codes")
    if table is None:
        return None
    codes = {key: table.get_int(key, minimum=0) for key in list(table.data)}
    table.finish()
    return codes


def load_setting_values(node: Node, key: str, specs: tuple[SettingSpec, ...]) -> dict[str, SettingValue]:
    """Setting values given in a quirk or an example, each checked against its spec."""
    table = node.table(key)
    if table is None:
        return {}
    by_name = {s.name: s for s in specs}
    out: dict[str, SettingValue] = {}
    for name in list(table.data):
        spec = by_name.get(name)
        if spec is None:
            raise table.error(name, "is not a setting of this profile", f"use one of {sorted(by_name)}")
        value = table.raw(name)
        if (problem := check_setting(spec, value)) is not None:
            raise table.error(name, problem, "use an allowed value")
        out[name] = value
    table.finish()
    return out


def load_device(node: Node, specs: tuple[SettingSpec, ...]) -> DeviceQuirk:
    """One ``[[devices]]`` quirk."""
    quirk = DeviceQuirk(
        name_patterns=node.get_str_list("name_patterns"),
        settings=load_setting_values(node, "settings", specs),
        note=node.get_str("note", ""),
    )
    node.finish()
    return quirk


def load_command(node: Node) -> CommandSpec:
    """One ``[[commands]]`` entry with its template syntax checked."""
    template = node.get_str("template")
    response = node.get_str("response", None)
    for key, text in (("template", template), ("response", response)):
        if text is not None and (problems := template_errors(text)):
            raise node.error(
                key, "; ".join(problems), 'write hex bytes and {name:type} placeholders, e.g. "01 {x:u32}"'
            )
    spec = CommandSpec(
        name=check_name(node, "name", node.get_str("name")),
        characteristic=node.get_str("characteristic"),
        template=template,
        phase=node.get_str("phase", "on_demand", choices=("start", "stop", "on_demand")),
        response=response,
        doc=node.get_str("doc", ""),
    )
    node.finish()
    return spec


def load_imu(node: Node | None) -> ImuSpec | None:
    """The ``[imu]`` table and its clock."""
    if node is None:
        return None
    clock_node = node.table("clock", required=True)
    assert clock_node is not None  # noqa: S101 - required=True
    clock = ClockSpec(
        source=clock_node.get_str("source", choices=("timestamp", "counter", "sample_count")),
        field=clock_node.get_str("field", None),
        unit_s=clock_node.get_float("unit_s", 1.0),
        bits=clock_node.get_int("bits", 32, minimum=1),
        of_sample=clock_node.get_str("of_sample", "first", choices=("first", "last")),
        counts=clock_node.get_str("counts", "samples", choices=("samples", "packets")),
        sequence_field=clock_node.get_str("sequence_field", None),
        sequence_bits=clock_node.get_int("sequence_bits", 16, minimum=1),
    )
    if clock.source != "sample_count" and clock.field is None:
        raise clock_node.error(
            "field", f"is missing (a {clock.source} clock reads a field)", 'add field = "..."'
        )
    clock_node.finish()
    spec = ImuSpec(characteristic=node.get_str("characteristic"), clock=clock)
    node.finish()
    return spec


def load_example(node: Node, specs: tuple[SettingSpec, ...]) -> ExampleSpec:
    """One ``[[examples]]`` entry: payload, and expected values or an expected error."""
    expect = node.table("expect")
    error = node.get_str("error", None)
    if (expect is None) == (error is None):
        raise node.error(
            "expect", "and error are both given or both missing", "give [expect] values or an error"
        )
    spec = ExampleSpec(
        characteristic=node.get_str("characteristic"),
        payload=parse_hex(node, "payload", node.get_str("payload")),
        expect=dict(expect.data) if expect is not None else {},
        note=node.get_str("note"),
        settings=load_setting_values(node, "settings", specs),
        device_name=node.get_str("device_name", None),
        error=error,
        t_received_s=node.get_float("t_received_s", 10.0),
        tolerance=node.get_float("tolerance", 1e-6),
        key_path=node.key_path,
    )
    node.finish()
    return spec
