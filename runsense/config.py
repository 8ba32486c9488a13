"""Runner settings in a TOML file in the user's config directory; the command line overrides them.

``runsense config`` shows and edits them. Validated once when loaded; a bad value names
the file, the key and the fix.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from runsense.errors import ConfigError

ENV_CONFIG = "RUNSENSE_CONFIG"
TARGET_MODES = ("band", "personal")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunnerSettings:
    """Who runs and what they aim for."""

    name: str = ""
    height_cm: float | None = None
    shoes: str = ""
    target_mode: str = "band"
    band_low_spm: float = 170.0
    band_high_spm: float = 180.0
    personal_increase_pct: float = 7.5
    preferred_cadence_spm: float | None = None
    speed_kmh: float | None = None
    speed_factor: float = 1.0
    """Treadmill belt / footpod speed calibration for this runner's current shoes (true / reported)."""

    def __post_init__(self) -> None:
        """Refuse values no runner could mean."""
        if self.target_mode not in TARGET_MODES:
            raise ConfigError(f"target_mode = {self.target_mode!r}: use 'band' or 'personal'")
        if not 100 <= self.band_low_spm < self.band_high_spm <= 250:
            raise ConfigError(
                f"band {self.band_low_spm:g}-{self.band_high_spm:g} spm: need 100 <= low < high <= 250"
            )
        if not 5 <= self.personal_increase_pct <= 10:
            raise ConfigError(f"personal_increase_pct = {self.personal_increase_pct:g}: use 5 to 10 (%)")
        if not 0.5 <= self.speed_factor <= 1.5:
            raise ConfigError(f"speed_factor = {self.speed_factor:g}: use 0.5 to 1.5 (1.0 = no correction)")
        for key in ("height_cm", "preferred_cadence_spm", "speed_kmh"):
            value = getattr(self, key)
            if value is not None and value <= 0:
                raise ConfigError(f"{key} = {value:g}: must be positive (or remove the line)")


def config_path() -> Path:
    """Where the settings live: $RUNSENSE_CONFIG, else the platform's user config directory."""
    if env := os.environ.get(ENV_CONFIG):
        return Path(env)
    return platformdirs.user_config_path("runsense") / "config.toml"


def _coerce(key: str, raw: object, path: Path) -> object:
    kinds = {f.name: f.type for f in fields(RunnerSettings)}
    if key not in kinds:
        known = ", ".join(kinds)
        raise ConfigError(f"{path}: unknown setting {key!r}; known settings: {known}")
    kind = str(kinds[key])
    if "float" in kind:
        if raw in ("", None, "none"):
            return None
        try:
            return float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(f"{path}: {key} = {raw!r} is not a number") from None
    return str(raw)


def load_settings(path: Path | None = None) -> RunnerSettings:
    """Read the settings file; defaults when it does not exist."""
    path = path or config_path()
    if not path.exists():
        return RunnerSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix or delete the file") from None
    values = {key: _coerce(key, value, path) for key, value in data.items()}
    try:
        return RunnerSettings(**values)  # type: ignore[arg-type]
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def with_value(settings: RunnerSettings, key: str, raw: str, path: Path) -> RunnerSettings:
    """A copy with one setting changed from its text form (``runsense config set``)."""
    return replace(settings, **{key: _coerce(key, raw, path)})  # type: ignore[arg-type]


def _toml_value(value: Any) -> str:  # noqa: ANN401 - any settings value
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def save_settings(settings: RunnerSettings, path: Path | None = None) -> Path:
    """Write the settings (only those that are set), atomically."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# runsense runner settings; edit with `runsense config set KEY VALUE`"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in asdict(settings).items() if v is not None]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
