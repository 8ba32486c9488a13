"""Tier 2 only: bluetoothd itself dies mid-run and is started again (a crash, or a package upgrade).

bleak never hears that BlueZ is gone, so only the silence bound notices: runsense must report the
sensor lost (never hang or crash) and reconnect once BlueZ is back, finding the sensor again.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Mapping
from pathlib import Path

import pytest

from runsense.profiles import Profile
from runsense.simulate.scenario import SimulateSpec, build_simulation
from runsense.sources.base import SensorConnected, SensorLost, SensorReconnected
from tests.ble.helpers import EventLog, source_for
from tests.ble_vm.bluez_radio import BlueZRadio, power_on_adapter

pytestmark = pytest.mark.asyncio

BLUETOOTHD = next(
    (p for p in ("/usr/libexec/bluetooth/bluetoothd", "/usr/lib/bluetooth/bluetoothd") if Path(p).exists()),
    "bluetoothd",
)
SILENCE_S = 3.0


async def _bluetoothd_pid() -> int:
    proc = await asyncio.create_subprocess_exec("pidof", "bluetoothd", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    (pid,) = out.split()
    return int(pid)


async def test_bluetoothd_restart_mid_run(radio: BlueZRadio, profiles: Mapping[str, Profile]) -> None:
    simulation = build_simulation(radio, [SimulateSpec("heart-rate")], profiles)
    await simulation.start()
    source = source_for(radio, simulation.specs, profiles, silence_timeout_s=SILENCE_S)
    log = EventLog(source)
    async with source:
        os.kill(await _bluetoothd_pid(), signal.SIGKILL)
        await log.wait_for(SensorLost)
        # the guest script's own bluetoothd is gone; this one lives until the VM ends
        await asyncio.create_subprocess_exec(
            BLUETOOTHD, "-n", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        await asyncio.wait_for(power_on_adapter(), 30.0)
        back = await log.wait_for(SensorReconnected)
    assert [type(e) for e in log.events[:3]] == [SensorConnected, SensorLost, SensorReconnected]
    assert back.gap_s > 0
