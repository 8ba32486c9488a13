"""The Bumble backend behaves like bleak's BlueZ backend where runsense can tell: scanning with service
filters, hidden 0x1800, declaration handles, refused reads, the CCCD guard, MTU, absent devices."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakDeviceNotFoundError, BleakGATTProtocolError, BleakGATTProtocolErrorCode
from bumble.device import Advertisement

from runsense.profiles import Profile
from runsense.simulate import BumbleClientBackend, BumbleScannerBackend, VirtualRadio
from runsense.simulate.scenario import Simulation
from runsense.sources.cli import format_scan
from runsense.sources.discovery import scan
from tests.ble.helpers import TIMEOUT_S, start_sensor

RSC_SERVICE = "00001814-0000-1000-8000-00805f9b34fb"
RSC_MEASUREMENT = "00002a53-0000-1000-8000-00805f9b34fb"
RSC_FEATURE = "00002a54-0000-1000-8000-00805f9b34fb"
CCCD = "00002902-0000-1000-8000-00805f9b34fb"
SCAN_S = 0.2
"""How long the scan-table test scans: every virtual sensor advertises several times in it on Bumble's
radio (tier 2 widens it: BlueZ under emulation starts discovery and reports devices more slowly)."""


async def test_scanner_filters_by_service_and_reports_name(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    pod = await start_sensor(radio, profiles["rsc-footpod"])
    strap = await start_sensor(radio, profiles["heart-rate"])
    heard: set[str] = set()  # what the radio received, before bleak's filter
    both_heard = asyncio.Event()

    def on_advertisement(adv: Advertisement) -> None:
        heard.add(adv.address.to_string(with_type_qualifier=False))
        if {pod.address, strap.address} <= heard:
            both_heard.set()

    radio.central.on(radio.central.EVENT_ADVERTISEMENT, on_advertisement)
    reported: dict[str, AdvertisementData] = {}

    def on_detection(device: BLEDevice, adv: AdvertisementData) -> None:
        reported[device.address] = adv

    scanner = BleakScanner(on_detection, [RSC_SERVICE], backend=BumbleScannerBackend, radio=radio)
    async with scanner:
        await asyncio.wait_for(both_heard.wait(), TIMEOUT_S)
    assert list(reported) == [pod.address]  # the strap was heard but filtered out
    adv = reported[pod.address]
    assert (adv.local_name, adv.service_uuids, adv.rssi) == (pod.name, [RSC_SERVICE], -50)


async def test_scan_table_names_each_profile(radio: VirtualRadio, profiles: Mapping[str, Profile]) -> None:
    for short_name in ("rsc-footpod", "polar-h10", "movesense"):
        await start_sensor(radio, profiles[short_name])
    results = await scan(timeout_s=SCAN_S, backends=Simulation(radio).backends, profiles=profiles)
    assert sorted(r.profiles[0] for r in results) == ["movesense", "polar-h10", "rsc-footpod"]
    table = format_scan(results, SCAN_S)
    assert table.splitlines()[0].split() == ["NAME", "ADDRESS", "RSSI", "PROFILE"]
    assert "Polar H10 1A2B3C01" in table
    assert "-50 dBm" in table


async def test_gatt_behaves_like_bluez(radio: VirtualRadio, profiles: Mapping[str, Profile]) -> None:
    pod = await start_sensor(radio, profiles["rsc-footpod"])
    async with BleakClient(
        pod.address, backend=BumbleClientBackend, radio=radio, timeout=TIMEOUT_S
    ) as client:
        assert [s.uuid[:8] for s in client.services] == ["00001801", "00001814"]  # GAP hidden, as BlueZ does
        measurement = client.services.get_characteristic(RSC_MEASUREMENT)
        assert measurement is not None
        assert measurement.properties == ["notify"]
        (cccd,) = measurement.descriptors
        assert (cccd.uuid, cccd.handle) == (CCCD, measurement.handle + 2)  # handle = declaration handle
        assert client.mtu_size == 517
        assert await client.read_gatt_char(RSC_FEATURE) == bytearray.fromhex("1f00")  # the profile's example
        with pytest.raises(BleakGATTProtocolError) as refused:
            await client.read_gatt_char(RSC_MEASUREMENT)
        assert refused.value.code is BleakGATTProtocolErrorCode.READ_NOT_PERMITTED
        with pytest.raises(ValueError, match="Cannot write to CCCD"):
            await client.write_gatt_descriptor(cccd.handle, b"\x01\x00")  # bleak's own guard runs on top

        received: asyncio.Queue[bytes] = asyncio.Queue()

        def on_value(_char: BleakGATTCharacteristic, data: bytearray) -> None:
            received.put_nowait(bytes(data))

        await client.start_notify(RSC_MEASUREMENT, on_value)
        await pod.notify("rsc_measurement", bytes.fromhex("00800114"))
        assert await asyncio.wait_for(received.get(), TIMEOUT_S) == bytes.fromhex("00800114")
        await client.stop_notify(RSC_MEASUREMENT)
        assert pod.subscribers("rsc_measurement") == 0  # the CCCD was really cleared over ATT


async def test_absent_device_times_out_and_the_radio_stays_usable(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    absent = BleakClient("D0:52:53:FF:FF:FF", backend=BumbleClientBackend, radio=radio, timeout=0.2)
    with pytest.raises(BleakDeviceNotFoundError):
        await absent.connect()
    pod = await start_sensor(radio, profiles["rsc-footpod"])
    async with BleakClient(
        pod.address, backend=BumbleClientBackend, radio=radio, timeout=TIMEOUT_S
    ) as client:
        assert client.is_connected
