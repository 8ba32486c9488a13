"""A sensor that stays connected but sends nothing (bluetoothd died, the firmware hung): the source
reports it lost once ``silence_timeout_s`` has passed, at the time the data stopped, and reconnects."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest

from runsense.clock import ManualClock
from runsense.profiles import Profile
from runsense.simulate import VirtualRadio
from runsense.simulate.player import Player
from runsense.simulate.scenario import SimulateSpec, build_simulation
from runsense.sources.base import SensorConnected, SensorLost, SensorReconnected
from tests.ble.helpers import EventLog, source_for

SILENCE_S = 0.3
STOP_AT_S = 2.0


async def test_a_silent_sensor_is_reported_lost_and_reconnected(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    simulation = build_simulation(radio, [SimulateSpec("runsense-imu")], profiles)
    await simulation.start()
    (sensor,) = simulation.sensors
    clock = ManualClock()
    source = source_for(radio, simulation.specs, profiles, clock=clock, silence_timeout_s=SILENCE_S)
    log = EventLog(source)
    async with source:
        player = Player(radio, simulation.feeds, clock=clock)
        await player.play(until_s=STOP_AT_S)  # then nothing: the link stays up, the data stop
        lost = await log.wait_for(SensorLost)
        back = await log.wait_for(SensorReconnected)
        assert sensor.streaming  # the start commands were sent again on the new link
    assert [type(e) for e in log.events[:3]] == [SensorConnected, SensorLost, SensorReconnected]
    assert lost.t_s == pytest.approx(STOP_AT_S, abs=0.1)  # when the data stopped, not when it was noticed
    assert back.attempts >= 1


async def test_without_a_silence_bound_a_quiet_link_is_not_lost(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    """The tests' default (None): a sensor nobody plays stays connected however long it is quiet."""
    simulation = build_simulation(radio, [SimulateSpec("runsense-imu")], profiles)
    await simulation.start()
    source = source_for(radio, simulation.specs, profiles, silence_timeout_s=None)
    log = EventLog(source)
    async with source:
        with pytest.raises(TimeoutError):
            await log.wait_for(SensorLost)  # waits TIMEOUT_S
    assert [type(e) for e in log.events] == [SensorConnected]


async def test_the_profile_bound_takes_the_place_of_the_default(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    """A family that streams all the time says so in its profile (max_silence_s); the default is long."""
    imu = dataclasses.replace(profiles["runsense-imu"], max_silence_s=SILENCE_S)
    quick = {**profiles, "runsense-imu": imu}
    simulation = build_simulation(radio, [SimulateSpec("runsense-imu")], quick)
    await simulation.start()
    clock = ManualClock()
    source = source_for(
        radio, simulation.specs, quick, clock=clock, silence_timeout_s=3600.0, profile_silence=True
    )
    log = EventLog(source)
    async with source:
        await Player(radio, simulation.feeds, clock=clock).play(until_s=STOP_AT_S)
        lost = await log.wait_for(SensorLost)  # within TIMEOUT_S, so not the hour of the default
    assert lost.t_s == pytest.approx(STOP_AT_S, abs=0.1)
