"""JSON Schema (draft 2020-12 subset) of every payload runsense publishes, and a tiny validator.

The schemas are the contract with subscribers (docs/mqtt.md shows them with examples).
The logger checks every ``schema: 1`` payload against them and the tests check every
payload the sink publishes. ``validate`` implements only the keywords used here (type,
enum, required, properties, additionalProperties, items, minimum, maximum, minLength),
so no jsonschema dependency is needed; any standard validator accepts these schemas too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from runsense.mqtt.topics import Kind

SCHEMA_VERSION: Final = 1
"""Bumped when a field changes meaning or type, or a required field appears (new optional
fields do not bump it; subscribers ignore fields they do not know)."""

JsonSchema = Mapping[str, Any]

_NUM: Final = {"type": "number"}
_NUM_OR_NULL: Final = {"type": ["number", "null"]}
_STR: Final = {"type": "string"}


def _envelope(kind: Kind, fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """Every message kind except status shares these fields, so a logger can order and dedupe."""
    common: dict[str, Any] = {
        "schema": {"type": "integer", "enum": [SCHEMA_VERSION]},
        "kind": {"type": "string", "enum": [kind]},
        "runner": {"type": "string", "minLength": 1},
        "session_id": {"type": "string", "minLength": 1},
        "seq": {"type": "integer", "minimum": 0},
        "t_unix_s": _NUM,
        "sent_unix_s": _NUM,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://runsense.invalid/schemas/v1/{kind}.json",
        "title": f"runsense {kind} message",
        "type": "object",
        "required": [*common, *required],
        "properties": {**common, **fields},
        "additionalProperties": False,
    }


STEP: Final = _envelope(
    "step",
    {
        "t_s": {"type": "number", "minimum": 0},
        "sensor_id": _STR,
        "side": {"type": ["string", "null"], "enum": ["L", "R", None]},
        "cadence_spm": _NUM_OR_NULL,
        "cadence_inst_spm": _NUM_OR_NULL,
        "impact_g": _NUM,
        "clipped": {"type": "boolean"},
        "contact_ms": _NUM_OR_NULL,
        "flight_ms": _NUM_OR_NULL,
        "step_length_m": _NUM_OR_NULL,
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "flags": {"type": "array", "items": _STR},
    },
    ["t_s", "sensor_id", "side", "cadence_spm", "impact_g", "contact_ms", "confidence"],
)

_SENSOR: Final = {
    "type": "object",
    "required": ["sensor_id", "placement", "packets", "decode_errors", "lost"],
    "properties": {
        "sensor_id": _STR,
        "placement": _STR,
        "packets": {"type": "integer", "minimum": 0},
        "decode_errors": {"type": "integer", "minimum": 0},
        "clipped_steps": {"type": "integer", "minimum": 0},
        "lost": {"type": "boolean"},
        "battery_pct": {"type": "integer", "minimum": 0, "maximum": 100},
    },
    "additionalProperties": False,
}

METRICS: Final = _envelope(
    "metrics",
    {
        "elapsed_s": {"type": "number", "minimum": 0},
        "n_steps": {"type": "integer", "minimum": 0},
        "cadence_spm": _NUM_OR_NULL,
        "target_low_spm": _NUM_OR_NULL,
        "target_high_spm": _NUM_OR_NULL,
        "preferred_cadence_spm": _NUM_OR_NULL,
        "active_cue": {"type": ["string", "null"]},
        "impact_last_g": _NUM_OR_NULL,
        "impact_mean_g": _NUM_OR_NULL,
        "step_length_m": _NUM_OR_NULL,
        "speed_mps": _NUM_OR_NULL,
        "distance_m": {"type": "number", "minimum": 0},
        "heart_rate_bpm": {"type": ["integer", "null"]},
        "n_laps": {"type": "integer", "minimum": 0},
        "sensors": {"type": "array", "items": _SENSOR},
    },
    ["elapsed_s", "n_steps", "cadence_spm", "target_low_spm", "target_high_spm", "distance_m"],
)

CUE: Final = _envelope(
    "cue",
    {
        "t_s": {"type": "number", "minimum": 0},
        "cue_kind": _STR,
        "message": _STR,
        "reason": _STR,
        "cadence_spm": _NUM_OR_NULL,
        "target_low_spm": _NUM,
        "target_high_spm": _NUM,
    },
    ["t_s", "cue_kind", "message", "reason", "cadence_spm", "target_low_spm", "target_high_spm"],
)

SESSION: Final = _envelope(
    "session",
    {
        "event": {"type": "string", "enum": ["start", "end"]},
        "runner_name": _STR,
        "source": _STR,
        "metadata": {"type": "object"},
        "elapsed_s": {"type": "number", "minimum": 0},
        "n_steps": {"type": "integer", "minimum": 0},
        "n_cues": {"type": "integer", "minimum": 0},
        "mean_cadence_spm": _NUM_OR_NULL,
        "time_in_band_s": {"type": "number", "minimum": 0},
        "n_dropped": {"type": "integer", "minimum": 0},
    },
    ["event"],
)

STATUS: Final = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://runsense.invalid/schemas/v1/status.json",
    "title": "runsense status message (retained)",
    "type": "object",
    "required": ["schema", "kind", "runner", "state", "reason"],
    "properties": {
        "schema": {"type": "integer", "enum": [SCHEMA_VERSION]},
        "kind": {"type": "string", "enum": ["status"]},
        "runner": {"type": "string", "minLength": 1},
        "state": {"type": "string", "enum": ["online", "offline"]},
        "reason": {"type": "string", "enum": ["running", "closed", "connection lost"]},
        "t_unix_s": _NUM_OR_NULL,
        "client_id": _STR,
    },
    "additionalProperties": False,
}

SCHEMAS: Final[Mapping[Kind, JsonSchema]] = {
    "step": STEP,
    "metrics": METRICS,
    "cue": CUE,
    "session": SESSION,
    "status": STATUS,
}



_JSON_TYPES: Final[Mapping[type, str]] = {
    type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
    dict: "object",
}
"""Python type of a decoded JSON value -> JSON type (exact types: ``json.loads`` makes no subclasses)."""


def _json_type(value: object) -> str | None:
    name = _JSON_TYPES.get(type(value))
    if name == "number" and not math.isfinite(value):  # type: ignore[arg-type]
        return None
    return name


def _type_ok(value: object, expected: str | list[str]) -> bool:
    names = [expected] if isinstance(expected, str) else expected
    actual = _json_type(value)
    return actual in names or (actual == "integer" and "number" in names)


def validate(value: object, schema: JsonSchema, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema``, as ``path: problem`` lines (empty when valid)."""
    if "type" in schema and not _type_ok(value, schema["type"]):
        return [f"{path}: expected {schema['type']}, got {_json_type(value) or type(value).__name__}"]
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > maximum {schema['maximum']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        errors.append(f"{path}: shorter than {schema['minLength']} characters")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += validate(item, schema["items"], f"{path}[{i}]")
    if isinstance(value, dict):
        errors += _validate_object(value, schema, path)
    return errors


def _validate_object(value: dict[Any, Any], schema: JsonSchema, path: str) -> list[str]:
    errors = [f"{path}: missing {key!r}" for key in schema.get("required", ()) if key not in value]
    properties: Mapping[str, JsonSchema] = schema.get("properties", {})
    for key, item in value.items():
        if key in properties:
            errors += validate(item, properties[key], f"{path}.{key}")
        elif schema.get("additionalProperties", True) is False:
            errors.append(f"{path}: unexpected field {key!r}")
    return errors


def field_names(kind: Kind) -> list[str]:
    """The fields of a kind in schema order (CSV columns)."""
    return list(SCHEMAS[kind]["properties"])
