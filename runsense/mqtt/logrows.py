"""One received MQTT message -> one log row, or an error row that says what was wrong with it.

Pure: topic, payload bytes and times in, a ``LogRow`` out. A payload that is not UTF-8
JSON, not an object, on a topic outside ``runsense/v1/<runner>/<kind>``, of another kind
than its topic says, or (for ``schema: 1``) not matching its JSON Schema becomes an
error row that keeps the topic, the reason and the raw text, so the logger never stops
on a bad publisher. Payloads of a newer schema version are kept as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from runsense.mqtt.schemas import SCHEMA_VERSION, SCHEMAS, validate
from runsense.mqtt.topics import Kind, parse_topic

MAX_RAW_CHARS = 4096
"""An error row keeps at most this much of a bad payload."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LogRow:
    """What the logger stores about one message (``payload`` is JSON text, or raw text on error)."""

    received_unix_s: float
    topic: str
    runner: str | None
    kind: Kind | None
    session_id: str | None
    seq: int | None
    sent_unix_s: float | None
    qos: int
    retained: bool
    payload: str
    error: str | None
    body: dict[str, Any] | None = None
    """The decoded payload of a good row (for CSV and JSONL)."""


def _bad(topic: str, raw: bytes, reason: str, meta: tuple[float, int, bool]) -> LogRow:
    received, qos, retained = meta
    parsed = parse_topic(topic)
    return LogRow(
        received_unix_s=received,
        topic=topic,
        runner=None if parsed is None else parsed[0],
        kind=None if parsed is None else parsed[1],
        session_id=None,
        seq=None,
        sent_unix_s=None,
        qos=qos,
        retained=retained,
        payload=raw[:MAX_RAW_CHARS].decode("utf-8", "replace"),
        error=reason,
    )


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def decode_row(
    topic: str, raw: bytes, *, received_unix_s: float, qos: int = 0, retained: bool = False
) -> LogRow:
    """Classify and decode one message."""
    reason, body = _check(topic, raw)
    if reason is not None or body is None:
        return _bad(topic, raw, reason or "empty", (received_unix_s, qos, retained))
    parsed = parse_topic(topic)
    assert parsed is not None  # noqa: S101 - _check accepted the topic
    seq = body.get("seq")
    sent = body.get("sent_unix_s")
    session_id = body.get("session_id")
    return LogRow(
        received_unix_s=received_unix_s,
        topic=topic,
        runner=parsed[0],
        kind=parsed[1],
        session_id=session_id if isinstance(session_id, str) else None,
        seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
        sent_unix_s=float(sent) if isinstance(sent, int | float) and not isinstance(sent, bool) else None,
        qos=qos,
        retained=retained,
        payload=raw.decode("utf-8"),
        error=None,
        body=body,
    )


def _parse(raw: bytes) -> tuple[str | None, Any]:
    """``(reason, None)`` if the bytes are not a UTF-8 JSON document, else ``(None, value)``."""
    if not raw:
        return "empty payload (a cleared retained message?)", None
    try:
        return None, json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        return f"not UTF-8 JSON: {exc}", None
    except RecursionError:
        return "JSON nested too deeply", None


def _check(topic: str, raw: bytes) -> tuple[str | None, dict[str, Any] | None]:  # noqa: PLR0911 - one per reason
    """``(reason, None)`` for a bad message, ``(None, body)`` for a good one."""
    parsed = parse_topic(topic)
    if parsed is None:
        return "topic is not runsense/v1/<runner>/<kind>", None
    reason, body = _parse(raw)
    if reason is not None:
        return reason, None
    if not isinstance(body, dict):
        return f"payload is a JSON {type(body).__name__}, not an object", None
    version = body.get("schema")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return "missing or bad 'schema' version", None
    if body.get("kind") != parsed[1]:
        return f"kind {body.get('kind')!r} does not match the topic's {parsed[1]!r}", None
    if body.get("runner") != parsed[0]:
        return f"runner {body.get('runner')!r} does not match the topic's {parsed[0]!r}", None
    if version == SCHEMA_VERSION:
        problems = validate(body, SCHEMAS[parsed[1]])
        if problems:
            more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
            return "schema: " + "; ".join(problems[:3]) + more, None
    return None, body
