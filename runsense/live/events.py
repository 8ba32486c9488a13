"""What a session emits to its sinks (dashboard, MQTT, recorder): steps, cues, 1 Hz metrics, start/end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from runsense.live.session import MetricsSnapshot
from runsense.model import Cue, Step


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """A session began; ``metadata`` is the recording's metadata (runner, sensors, speed...)."""

    runner: str
    source: str
    metadata: dict[str, object]


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The session ended (end of replay, quit, or the last sensor gone)."""

    runner: str
    elapsed_s: float
    n_steps: int
    n_cues: int
    mean_cadence_spm: float | None
    time_in_band_s: float


@dataclass(frozen=True, slots=True)
class MetricsTick:
    """The 1 Hz rolling summary: the session snapshot at a whole second of session time."""

    snapshot: MetricsSnapshot


SessionEvent = Step | Cue | MetricsTick | SessionStarted | SessionEnded


class EventSink(Protocol):
    """A consumer of session events.

    ``offer`` never blocks the analysis: a sink queues (bounded) and sends in its own task,
    dropping by its own documented policy when it cannot keep up.
    """

    def offer(self, event: SessionEvent) -> None:
        """Take an event without waiting."""
        ...
