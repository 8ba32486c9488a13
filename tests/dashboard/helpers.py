"""Build the dashboard on the demo recording with a hand-driven clock, and move time forward."""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from textual.pilot import Pilot

from runsense.analysis.cues import CueSettings
from runsense.clock import ManualClock
from runsense.dashboard.app import RunsenseApp
from runsense.live.build import open_replay, session_factory
from runsense.recording import RecordingReader
from tests.conftest import DEMO


def demo_app(  # noqa: PLR0913 - test wiring, every option defaulted
    stack: ExitStack,
    *,
    speed: float = 1.0,
    clock: ManualClock | None = None,
    show_summary: bool = True,
    cue_settings: CueSettings | None = None,
    save_preferred: Callable[[float], str] | None = None,
    link_status: Callable[[], str] | None = None,
) -> tuple[RunsenseApp, ManualClock]:
    """The dashboard replaying the demo recording, paced by a ManualClock (nothing sleeps)."""
    clock = clock or ManualClock()
    reader = stack.enter_context(RecordingReader(DEMO))
    replay = open_replay(reader, clock=clock, speed=speed)
    make = session_factory(replay.sensors, speed_kmh=12.0, cue_settings=cue_settings or CueSettings())
    app = RunsenseApp(
        make_session=make,
        source=replay.source,
        duration_s=replay.duration_s,
        title="demo.rsrec",
        clock=clock,
        show_summary=show_summary,
        save_preferred=save_preferred,
        link_status=link_status,
    )
    return app, clock


async def play_until(pilot: Pilot[Any], app: RunsenseApp, clock: ManualClock, position_s: float) -> None:
    """Advance the clock to ``position_s`` of session time and wait until the session got there."""
    transport = app.source.transport
    while transport.position_s() < position_s and not math.isinf(transport.speed):
        clock.advance(min(0.5, position_s - transport.position_s()) / transport.speed)
        await pilot.pause()
    # Wait until the pump has taken every packet the position released (unchanged over 3 pauses).
    seen, unchanged = -1.0, 0
    for _ in range(400):
        await pilot.pause()
        if app.ended:
            break
        now = app.session.elapsed_s
        unchanged = unchanged + 1 if now == seen else 0
        seen = now
        if now >= position_s - 0.15 and unchanged >= 3:
            break
    app.redraw()
