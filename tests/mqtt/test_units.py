"""The pure parts: topic slugs, the outbox's drop policy, payloads against their schemas, log rows."""

from __future__ import annotations

import json
import math

import pytest

from runsense.live.events import MetricsTick, SessionEnded, SessionEvent, SessionStarted
from runsense.live.session import MetricsSnapshot, SensorStatus
from runsense.model import Cue, CueKind, Side, Step
from runsense.mqtt.logrows import decode_row
from runsense.mqtt.outbox import Outbox, Outgoing
from runsense.mqtt.payloads import PayloadEncoder, dumps
from runsense.mqtt.schemas import SCHEMAS, STEP, validate
from runsense.mqtt.topics import Kind, parse_topic, slug_runner, topic_for


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Zoë Müller", "zoe-muller"),
        ("a/b+c#d", "a-b-c-d"),
        ("$SYS", "sys"),
        ("  ", "runner"),
        ("###", "runner"),
        ("x" * 100, "x" * 64),
        ("track_7", "track_7"),
    ],
)
def test_runner_slug_is_topic_safe(name: str, slug: str) -> None:
    assert slug_runner(name) == slug
    assert not set(slug) & set("+#/$ ")


def test_topics_round_trip() -> None:
    assert topic_for("ada", "step") == "runsense/v1/ada/step"
    assert parse_topic("runsense/v1/ada/cue") == ("ada", "cue")
    for bad in ("runsense/v1/ada", "runsense/v2/ada/step", "runsense/v1/ada/steps", "runsense/v1//step",
                "runsense/v1/a/b/step"):
        assert parse_topic(bad) is None, bad


def _msg(kind: Kind, n: int) -> Outgoing:
    return Outgoing(kind, f"t/{kind}", {"n": n}, qos=0)


def test_outbox_drops_oldest_step_first_and_keeps_session_and_cues() -> None:
    box = Outbox(4)
    for message in [_msg("session", 0), _msg("step", 1), _msg("cue", 2), _msg("step", 3)]:
        assert box.push(message) is None
    dropped = box.push(_msg("metrics", 4))
    assert dropped is not None
    assert dropped.body == {"n": 1}
    assert [m.body["n"] for m in box] == [0, 2, 3, 4]
    box.push(_msg("cue", 5))  # drops step 3, the oldest step/metrics left
    box.push(_msg("cue", 6))  # drops metrics 4
    assert [m.body["n"] for m in box] == [0, 2, 5, 6]
    dropped = box.push(_msg("step", 7))  # nothing cheaper queued: the new step itself goes
    assert dropped is not None
    assert dropped.body == {"n": 7}
    box.push(_msg("session", 8))  # cues go before session edges
    assert [m.body["n"] for m in box] == [0, 5, 6, 8]
    assert box.dropped == 5
    assert box.dropped_by_kind == {"step": 3, "metrics": 1, "cue": 1}


def test_outbox_put_back_keeps_order() -> None:
    box = Outbox(10)
    for i in range(5):
        box.push(_msg("step", i))
    window = box.take(3)
    box.push(_msg("step", 5))
    box.put_back(window[1:])
    assert [m.body["n"] for m in box] == [1, 2, 3, 4, 5]


def _step(t_s: float, **kw: object) -> Step:
    values: dict[str, object] = {
        "t_s": t_s, "sensor_id": "sacrum", "side": Side.LEFT, "cadence_spm": 172.0, "cadence_inst_spm": 171.2,
        "impact_g": 2.5, "clipped": False, "contact_ms": None, "flight_ms": None, "step_length_m": 1.2,
        "confidence": 0.9, "flags": ("gap",),
    }
    values.update(kw)
    return Step(**values)  # type: ignore[arg-type]


def _snapshot() -> MetricsSnapshot:
    cue = Cue(3.0, CueKind.RAISE_CADENCE, "Raise cadence", 160.0, 170.0, 180.0, "cadence 160 < 170")
    return MetricsSnapshot(
        elapsed_s=12.0, n_steps=30, cadence_spm=165.0, target_spm=(170.0, 180.0), preferred_cadence_spm=None,
        active_cue=cue, impacts_g=(2.0, 3.0), step_length_m=1.1, speed_mps=3.33, distance_m=40.0,
        heart_rate_bpm=None,
        sensors=(SensorStatus("sacrum", "sacrum", 120, 0, 0, 11.9, lost=False),),
        recent_cues=(cue,), laps_s=(), last_step_t_s=11.8,
    )


def test_every_payload_kind_matches_its_schema() -> None:
    enc = PayloadEncoder("ada", "Ada L.")
    cue = Cue(3.0, CueKind.RAISE_CADENCE, "Raise cadence", None, 170.0, 180.0, "cadence 160 < 170")
    events: list[SessionEvent] = [
        SessionStarted("Ada L.", "demo", {"speed_kmh": 12.0, "when": object()}),
        _step(0.5),
        _step(1.0, side=None, cadence_spm=math.nan, step_length_m=math.inf, flags=()),
        cue,
        MetricsTick(_snapshot()),
        SessionEnded("Ada L.", 61.4, 190, 3, 171.2, 12.5),
    ]
    seqs = []
    for event in events:
        kind, body = enc.encode(event, now_unix_s=1000.0, n_dropped=2)
        body["sent_unix_s"] = 1000.5
        decoded = json.loads(dumps(body))  # what goes on the wire
        assert validate(decoded, SCHEMAS[kind]) == [], (kind, decoded)
        seqs.append(decoded["seq"])
    assert seqs == list(range(6))
    status = enc.status(online=False, reason="connection lost", now_unix_s=None, client_id="c1")
    assert validate(json.loads(dumps(status)), SCHEMAS["status"]) == []
    nan_step = enc.encode(_step(2.0, cadence_spm=math.nan), now_unix_s=0.0)[1]
    assert nan_step["cadence_spm"] is None


def test_validator_reports_what_is_wrong() -> None:
    enc = PayloadEncoder("ada", "Ada")
    _, body = enc.encode(_step(1.0), now_unix_s=1.0)
    body["sent_unix_s"] = 2.0
    assert validate(body, STEP) == []
    broken = dict(body, confidence=1.5, side="X", extra=1, flags=[1])
    del broken["impact_g"]
    problems = validate(broken, STEP)
    text = "\n".join(problems)
    for needle in ("missing 'impact_g'", "$.confidence: 1.5 > maximum 1", "$.side: 'X' is not one of",
                   "unexpected field 'extra'", "$.flags[0]: expected string"):
        assert needle in text, (needle, problems)
    assert validate(True, {"type": "number"}) != []  # a JSON boolean is not a number
    assert validate(3, {"type": "number"}) == []


@pytest.mark.parametrize(
    ("topic", "raw", "reason"),
    [
        ("runsense/v1/ada/step", b"\xff\xfe", "not UTF-8 JSON"),
        ("runsense/v1/ada/step", b"{bad json", "not UTF-8 JSON"),
        ("runsense/v1/ada/step", b"[1, 2]", "JSON list, not an object"),
        ("runsense/v1/ada/step", b'{"kind": "step"}', "missing or bad 'schema'"),
        ("runsense/v1/ada/step", b'{"schema": 1, "kind": "cue", "runner": "ada"}', "does not match"),
        ("runsense/v1/ada/step", b'{"schema": 1, "kind": "step", "runner": "bob"}', "runner 'bob'"),
        ("runsense/v1/ada/step", b'{"schema": 1, "kind": "step", "runner": "ada"}', "schema: $: missing"),
        ("runsense/v1/ada/step", b'{"schema": 1, "kind": "step", "t_s": NaN}', "not valid JSON"),
        ("runsense/v1/ada", b"{}", "topic is not"),
        ("runsense/v1/ada/step", b"", "empty payload"),
        ("runsense/v1/ada/step", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_messages_become_error_rows(topic: str, raw: bytes, reason: str) -> None:
    row = decode_row(topic, raw, received_unix_s=5.0, qos=1)
    assert row.error is not None
    assert reason in row.error
    assert row.topic == topic
    assert row.seq is None


def test_a_good_row_and_a_newer_schema_are_kept() -> None:
    enc = PayloadEncoder("ada", "Ada")
    _, body = enc.encode(_step(1.0), now_unix_s=1.0)
    body["sent_unix_s"] = 2.0
    row = decode_row("runsense/v1/ada/step", dumps(body), received_unix_s=2.01, qos=1)
    assert (row.error, row.runner, row.kind, row.seq, row.sent_unix_s) == (None, "ada", "step", 0, 2.0)
    future = dumps({"schema": 2, "kind": "step", "runner": "ada", "whatever": True})
    assert decode_row("runsense/v1/ada/step", future, received_unix_s=3.0).error is None
