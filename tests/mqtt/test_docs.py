"""docs/mqtt.md shows the current schemas, and its examples are valid payloads."""

from __future__ import annotations

import json
import re

from runsense.mqtt.schemas import SCHEMAS, validate
from tests.conftest import REPO

DOC = REPO / "docs" / "mqtt.md"
_SCHEMA_BLOCK = re.compile(r"<summary>JSON Schema: (\w+)</summary>\s*```json\n(.*?)```", re.DOTALL)
_JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.DOTALL)


def test_documented_schemas_are_the_ones_in_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = {kind: json.loads(body) for kind, body in _SCHEMA_BLOCK.findall(text)}
    assert documented == {kind: json.loads(json.dumps(schema)) for kind, schema in SCHEMAS.items()}


def test_every_documented_example_is_valid() -> None:
    text = _SCHEMA_BLOCK.sub("", DOC.read_text(encoding="utf-8"))
    examples = [json.loads(body) for body in _JSON_BLOCK.findall(text)]
    assert {e["kind"] for e in examples} == set(SCHEMAS)
    for example in examples:
        assert validate(example, SCHEMAS[example["kind"]]) == [], example
