"""The dashboard on a live BLE source: it shows a dropped sensor as lost at once, and streaming again after
the source reconnected, without a crash or a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from textual.pilot import Pilot
from textual.widgets import Static

from runsense.analysis.cues import CueSettings
from runsense.clock import ManualClock
from runsense.dashboard.app import RunsenseApp
from runsense.live.build import session_factory
from runsense.live.session import SessionRecord
from runsense.profiles import Profile
from runsense.simulate import VirtualRadio
from runsense.simulate.player import Player
from runsense.simulate.scenario import SimulateSpec, build_simulation
from runsense.sources.base import SensorLost, SensorReconnected
from tests.ble.helpers import TIMEOUT_S, EventLog, source_for


async def _until(pilot: Pilot[SessionRecord], done: Callable[[], bool]) -> None:
    """Let the app's pump run until ``done()`` (bounded by ``TIMEOUT_S``)."""

    async def pumped() -> None:
        while not done():
            await pilot.pause()

    await asyncio.wait_for(pumped(), TIMEOUT_S)


def _sensor_text(app: RunsenseApp) -> str:
    app.redraw()  # the 5 Hz timer would do the same; calling it keeps the test free of waiting
    return str(app.query_one("#sensors", Static).content)


async def test_dashboard_shows_lost_then_streaming(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    simulation = build_simulation(radio, [SimulateSpec("runsense-imu")], profiles)
    await simulation.start()
    (sensor,) = simulation.sensors
    clock = ManualClock()
    source = source_for(radio, simulation.specs, profiles, clock=clock)
    log = EventLog(source)
    async with source:
        make = session_factory(source.sensors, speed_kmh=12.0, cue_settings=CueSettings())
        app = RunsenseApp(make_session=make, source=source, title="live", clock=clock, show_summary=False)
        player = Player(radio, simulation.feeds, clock=clock)
        async with app.run_test(size=(100, 40)) as pilot:
            await player.play(until_s=2.0)
            await _until(pilot, lambda: app.session.elapsed_s >= 1.9)
            assert "streaming" in _sensor_text(app)

            await sensor.drop_link(stay_away=True)
            await log.wait_for(SensorLost)
            assert "sensor lost" in _sensor_text(app)

            await sensor.come_back()
            await log.wait_for(SensorReconnected)
            await player.play(until_s=4.0)
            await _until(pilot, lambda: app.session.elapsed_s >= 3.9)
            assert "streaming" in _sensor_text(app)
            await pilot.press("q")
