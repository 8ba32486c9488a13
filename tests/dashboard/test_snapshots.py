"""SVG snapshots of the main screens at fixed session times (ManualClock, fixed terminal size).

Update only after looking at the report: `pytest tests/dashboard --snapshot-update`.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from textual.pilot import Pilot

from tests.dashboard.helpers import demo_app, play_until

SIZE = (100, 32)


def test_live_screen_while_below_target(snap_compare) -> None:  # type: ignore[no-untyped-def]
    with ExitStack() as stack:
        app, clock = demo_app(stack)

        async def run_before(pilot: Pilot[Any]) -> None:
            await play_until(pilot, app, clock, 20.0)

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_paused_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    with ExitStack() as stack:
        app, clock = demo_app(stack)

        async def run_before(pilot: Pilot[Any]) -> None:
            await play_until(pilot, app, clock, 42.0)
            await pilot.press("p")
            app.redraw()

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_summary_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    with ExitStack() as stack:
        app, _ = demo_app(stack, speed=float("inf"))

        async def run_before(pilot: Pilot[Any]) -> None:
            for _ in range(500):
                if app.ended:
                    break
                await pilot.pause()
            await pilot.pause()

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
