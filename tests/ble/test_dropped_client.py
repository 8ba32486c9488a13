"""Reconnecting does not wait on a dropped client that is never released.

After bluetoothd dies and restarts, the old client's ``Disconnect`` is never answered and bleak's
BlueZ backend waits 10 s for a signal that cannot come (tier 2's restart test showed that wait in
front of every reconnect). Here the simulated stack stands in for that: the Bumble client backend
with a ``disconnect`` that, once its link is gone, waits as bleak does and then times out. Tier 1
only: tier 2 has the real bluetoothd restart (tests/ble_vm/test_bluez_restart.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from runsense.profiles import Profile
from runsense.simulate import VirtualRadio
from runsense.simulate.bleak_client import BumbleClientBackend
from runsense.simulate.bleak_scanner import BumbleScannerBackend
from runsense.simulate.scenario import SimulateSpec, build_simulation
from runsense.sources.base import SensorConnected, SensorLost, SensorReconnected
from runsense.sources.discovery import BleBackends
from tests.ble.helpers import EventLog, next_packet, source_for

BLEAK_DISCONNECT_WAIT_S = 10.0
"""bleak 3.1's BlueZ ``disconnect`` waits this long for the ``Connected`` signal, then raises TimeoutError;
longer than the test's own bound (``TIMEOUT_S``), so waiting it out fails the test."""


class UnansweredRelease(BumbleClientBackend):
    """Bumble's client, except that disconnecting a client whose link already dropped goes unanswered."""

    releases_started = 0

    async def disconnect(self) -> None:
        """A live link disconnects as usual; a dropped one waits for a signal that never comes."""
        if self.is_connected:
            await super().disconnect()
            return
        type(self).releases_started += 1
        await asyncio.sleep(BLEAK_DISCONNECT_WAIT_S)
        raise TimeoutError


async def test_reconnect_does_not_wait_for_an_unanswered_release(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    simulation = build_simulation(radio, [SimulateSpec("heart-rate")], profiles)
    await simulation.start()
    (sensor,) = simulation.sensors
    backends = BleBackends(UnansweredRelease, BumbleScannerBackend, {"radio": radio})
    source = source_for(radio, simulation.specs, profiles, backends=backends)
    log = EventLog(source)
    UnansweredRelease.releases_started = 0
    async with source:
        (info,) = source.sensors
        await sensor.drop_link()
        back = await log.wait_for(SensorReconnected)
        assert UnansweredRelease.releases_started == 1  # the release was tried, and given up on
        packets = source.packets()
        await sensor.notify("heart_rate_measurement", bytes.fromhex("0048"))
        packet = await next_packet(packets, char_uuid=info.char_uuid)
    assert packet.payload == bytes.fromhex("0048")  # and the new link streams
    assert back.attempts == 1
    assert [type(e) for e in log.events] == [SensorConnected, SensorLost, SensorReconnected]
