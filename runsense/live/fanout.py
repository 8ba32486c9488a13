"""Turn a session's output into sink events.

Steps and cues as they come, a metrics tick per second of session time, and start/end.
Used by the dashboard pump and the headless runner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from runsense.analysis.summary import summarise
from runsense.live.events import EventSink, MetricsTick, SessionEnded, SessionStarted
from runsense.live.session import LiveSession
from runsense.model import Cue, Step


class Fanout:
    """Offers every event to every sink; remembers the last whole second a tick went out."""

    def __init__(self, sinks: Sequence[EventSink], *, runner: str, source: str,
                 metadata: dict[str, object] | None = None) -> None:
        """Sinks get a ``SessionStarted`` at once."""
        self._sinks = list(sinks)
        self._runner = runner
        self._next_tick_s = 1.0
        for sink in self._sinks:
            sink.offer(SessionStarted(runner=runner, source=source, metadata=dict(metadata or {})))

    def after_packet(self, session: LiveSession, events: Sequence[Step | Cue]) -> None:
        """Forward what one packet produced, then a metrics tick if a new second was reached."""
        if not self._sinks:
            return
        for event in events:
            for sink in self._sinks:
                sink.offer(event)
        if session.elapsed_s >= self._next_tick_s:
            tick = MetricsTick(session.snapshot())
            for sink in self._sinks:
                sink.offer(tick)
            self._next_tick_s = math.floor(session.elapsed_s) + 1.0

    def restart(self) -> None:
        """After a seek, ticks start again from the new position."""
        self._next_tick_s = 0.0

    def end(self, session: LiveSession) -> None:
        """Send ``SessionEnded`` with the session's summary numbers."""
        band = session.cues.target_spm or (170.0, 180.0)
        summary = summarise(session.record.steps, band_spm=band)
        ended = SessionEnded(
            runner=self._runner,
            elapsed_s=session.elapsed_s,
            n_steps=len(session.record.steps),
            n_cues=len(session.record.cues),
            mean_cadence_spm=summary.mean_cadence_spm,
            time_in_band_s=summary.time_in_band_s,
        )
        for sink in self._sinks:
            sink.offer(ended)
