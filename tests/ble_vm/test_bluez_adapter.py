"""Tier 2 only: what BlueZ itself reports when the adapter is switched off, as runsense's one clear line.

Tier 1 can only imitate this (``tests/ble/test_errors.py`` raises what bleak documents); here the real
bluetoothd powers hci0 off and bleak's BlueZ backend reports it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import pytest
import pytest_asyncio

from runsense.profiles import Profile
from runsense.simulate.scenario import SimulateSpec, build_simulation
from runsense.sources.discovery import BleBackends, scan
from runsense.sources.errors import AdapterOffError
from tests.ble_vm.bluez_radio import BlueZRadio, VhciAir, power_on_adapter, set_adapter_powered

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(loop_scope="session")
async def adapter_off(vhci_air: VhciAir) -> AsyncIterator[None]:  # noqa: ARG001 - needs the adapter up first
    """hci0 powered off through bluetoothd for the test, and on again afterwards."""
    await set_adapter_powered(on=False)
    yield
    await power_on_adapter()


async def test_scan_with_the_adapter_powered_off(
    adapter_off: None,  # noqa: ARG001
    profiles: Mapping[str, Profile],
) -> None:
    with pytest.raises(AdapterOffError, match="Bluetooth is turned off; turn it on"):
        await scan(timeout_s=2.0, backends=BleBackends(), profiles=profiles)


async def test_scan_works_again_once_the_adapter_is_back_on(
    radio: BlueZRadio, profiles: Mapping[str, Profile]
) -> None:
    """Runs after the powered-off test in this module: the adapter came back and scanning finds sensors."""
    simulation = build_simulation(radio, [SimulateSpec("heart-rate")], profiles)
    await simulation.start()
    (sensor,) = simulation.sensors
    results = await scan(timeout_s=5.0, backends=BleBackends(), profiles=profiles)
    assert sensor.address.upper() in {r.address.upper() for r in results}
