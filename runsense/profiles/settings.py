"""Effective settings of one sensor: profile defaults, then device quirks, then what the user chose.

Quirks are data (``[[devices]]`` in the profile): a device whose advertised name matches a
pattern gets different defaults, e.g. a footpod that reports cadence in strides. Explicit
settings (from the runner's config or the command line) win over both and are checked here,
so a typo fails at start-up with the fix, not mid-run.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from runsense.errors import ConfigError
from runsense.profiles.schema import Profile, SettingSpec, SettingValue


def matches_name(patterns: tuple[str, ...], name: str | None) -> bool:
    """Case-insensitive shell-style match of an advertised name against any pattern."""
    return name is not None and any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns)


def check_setting(spec: SettingSpec, value: SettingValue) -> str | None:
    """Why ``value`` is not valid for ``spec``, or None when it is."""
    if isinstance(spec.default, bool) != isinstance(value, bool):
        return f"must be {type(spec.default).__name__}, got {value!r}"
    if isinstance(spec.default, str) != isinstance(value, str):
        return f"must be {type(spec.default).__name__}, got {value!r}"
    if spec.choices is not None and value not in spec.choices:
        return f"is {value!r}, not one of {', '.join(repr(c) for c in spec.choices)}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if spec.minimum is not None and value < spec.minimum:
            return f"is {value}, below {spec.minimum}"
        if spec.maximum is not None and value > spec.maximum:
            return f"is {value}, above {spec.maximum}"
    return None


def resolve_settings(
    profile: Profile,
    *,
    device_name: str | None = None,
    overrides: Mapping[str, SettingValue] | None = None,
) -> dict[str, SettingValue]:
    """Settings for one sensor; ConfigError names a bad override and the accepted values."""
    specs = {s.name: s for s in profile.settings}
    settings = profile.default_settings()
    for quirk in profile.devices:
        if matches_name(quirk.name_patterns, device_name):
            settings.update(quirk.settings)
    for name, value in (overrides or {}).items():
        spec = specs.get(name)
        if spec is None:
            known = ", ".join(sorted(specs)) or "none"
            raise ConfigError(
                f"profile {profile.short_name!r} has no setting {name!r}; its settings: {known}"
            )
        if spec.template is not None:
            raise ConfigError(
                f"setting {name!r} of {profile.short_name!r} is derived; set the settings it uses"
            )
        if (problem := check_setting(spec, value)) is not None:
            raise ConfigError(f"setting {name!r} of profile {profile.short_name!r} {problem}")
        settings[name] = value
    for spec in profile.settings:
        if spec.template is not None:
            settings[spec.name] = spec.template.format(**settings)
    return settings
