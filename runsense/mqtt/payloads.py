"""Session events as JSON-ready dicts, one layout per message kind (see schemas.py).

Pure: the caller passes the wall-clock time, so tests get byte-identical payloads.
Every message carries ``session_id`` and a per-sink ``seq`` that grows by one per message
offered, so a subscriber can order, deduplicate (QoS 1 is at-least-once) and see gaps
(messages the sink had to drop).
"""

from __future__ import annotations

import json
import math
import statistics
import uuid
from typing import Any

from runsense.live.events import MetricsTick, SessionEnded, SessionEvent, SessionStarted
from runsense.live.session import MetricsSnapshot
from runsense.model import Cue, Step
from runsense.mqtt.schemas import SCHEMA_VERSION
from runsense.mqtt.topics import Kind

Payload = dict[str, Any]


def _num(value: float | None, digits: int = 3) -> float | None:
    """JSON has no NaN or infinity: a non-finite number is sent as null (unknown)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def new_session_id() -> str:
    """Random, short, and unique enough to tell one runner's sessions apart in a log."""
    return uuid.uuid4().hex[:16]


class PayloadEncoder:
    """Turns events into payload dicts for one runner; owns ``session_id`` and ``seq``."""

    def __init__(self, runner: str, runner_name: str) -> None:
        """``runner`` is the topic slug, ``runner_name`` the name as typed (sent with the start)."""
        self.runner = runner
        self.runner_name = runner_name
        self.session_id = new_session_id()
        self._seq = 0
        self._first_start = True

    def encode(self, event: SessionEvent, *, now_unix_s: float, n_dropped: int = 0) -> tuple[Kind, Payload]:
        """The kind and body of one event (``sent_unix_s`` is added when it is sent)."""
        if isinstance(event, SessionStarted) and not self._first_start:
            self.session_id = new_session_id()
        self._first_start = self._first_start and not isinstance(event, SessionStarted)
        kind, body = _body(event, self.runner_name, n_dropped)
        head: Payload = {
            "schema": SCHEMA_VERSION,
            "kind": kind,
            "runner": self.runner,
            "session_id": self.session_id,
            "seq": self._seq,
            "t_unix_s": round(now_unix_s, 6),
        }
        self._seq += 1
        return kind, head | body

    def status(self, *, online: bool, reason: str, now_unix_s: float | None, client_id: str) -> Payload:
        """The retained status body (also the last will, with ``now_unix_s=None``)."""
        return {
            "schema": SCHEMA_VERSION,
            "kind": "status",
            "runner": self.runner,
            "state": "online" if online else "offline",
            "reason": reason,
            "t_unix_s": None if now_unix_s is None else round(now_unix_s, 6),
            "client_id": client_id,
        }


def dumps(payload: Payload) -> bytes:
    """Compact UTF-8 JSON; metadata values JSON cannot hold are sent as their text."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _body(event: SessionEvent, runner_name: str, n_dropped: int) -> tuple[Kind, Payload]:
    if isinstance(event, Step):
        return "step", step_fields(event)
    if isinstance(event, Cue):
        return "cue", cue_fields(event)
    if isinstance(event, MetricsTick):
        return "metrics", metrics_fields(event.snapshot)
    if isinstance(event, SessionStarted):
        return "session", {
            "event": "start",
            "runner_name": runner_name or event.runner,
            "source": event.source,
            "metadata": dict(event.metadata),
        }
    return "session", ended_fields(event, n_dropped)


def step_fields(step: Step) -> Payload:
    """One detected contact; units in the names, unknown values null."""
    return {
        "t_s": round(step.t_s, 4),
        "sensor_id": step.sensor_id,
        "side": None if step.side is None else step.side.value,
        "cadence_spm": _num(step.cadence_spm, 2),
        "cadence_inst_spm": _num(step.cadence_inst_spm, 2),
        "impact_g": _num(step.impact_g) or 0.0,
        "clipped": step.clipped,
        "contact_ms": _num(step.contact_ms, 1),
        "flight_ms": _num(step.flight_ms, 1),
        "step_length_m": _num(step.step_length_m),
        "confidence": min(1.0, max(0.0, round(step.confidence, 3))),
        "flags": list(step.flags),
    }


def cue_fields(cue: Cue) -> Payload:
    """A cue as the runner saw it, with the reason in numbers for coaches."""
    return {
        "t_s": round(cue.t_s, 4),
        "cue_kind": cue.kind.value,
        "message": cue.message,
        "reason": cue.reason,
        "cadence_spm": _num(cue.cadence_spm, 2),
        "target_low_spm": round(cue.target_low_spm, 2),
        "target_high_spm": round(cue.target_high_spm, 2),
    }


def metrics_fields(snap: MetricsSnapshot) -> Payload:
    """The 1 Hz rolling summary: what the dashboard shows, minus the per-step history."""
    low, high = snap.target_spm if snap.target_spm is not None else (None, None)
    impacts = [i for i in snap.impacts_g if math.isfinite(i)]
    return {
        "elapsed_s": round(snap.elapsed_s, 3),
        "n_steps": snap.n_steps,
        "cadence_spm": _num(snap.cadence_spm, 2),
        "target_low_spm": _num(low, 2),
        "target_high_spm": _num(high, 2),
        "preferred_cadence_spm": _num(snap.preferred_cadence_spm, 2),
        "active_cue": None if snap.active_cue is None else snap.active_cue.kind.value,
        "impact_last_g": _num(impacts[-1]) if impacts else None,
        "impact_mean_g": _num(statistics.fmean(impacts)) if impacts else None,
        "step_length_m": _num(snap.step_length_m),
        "speed_mps": _num(snap.speed_mps),
        "distance_m": _num(snap.distance_m, 2) or 0.0,
        "heart_rate_bpm": snap.heart_rate_bpm,
        "n_laps": len(snap.laps_s),
        "sensors": [
            {
                "sensor_id": s.sensor_id,
                "placement": s.placement,
                "packets": s.packets,
                "decode_errors": s.decode_errors,
                "clipped_steps": s.clipped_steps,
                "lost": s.lost,
                **({} if s.battery_pct is None else {"battery_pct": s.battery_pct}),
            }
            for s in snap.sensors
        ],
    }


def ended_fields(event: SessionEnded, n_dropped: int) -> Payload:
    """The session's end with its summary and how many messages the sink had dropped by then."""
    return {
        "event": "end",
        "elapsed_s": round(event.elapsed_s, 3),
        "n_steps": event.n_steps,
        "n_cues": event.n_cues,
        "mean_cadence_spm": _num(event.mean_cadence_spm, 2),
        "time_in_band_s": round(event.time_in_band_s, 3),
        "n_dropped": n_dropped,
    }
