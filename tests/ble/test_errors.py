"""The one-line errors: adapter missing, off or not permitted, sensor not found, profile not recognised."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest
from bleak.backends.scanner import AdvertisementDataCallback, BaseBleakScanner
from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason, BleakDBusError

from runsense.profiles import Profile
from runsense.simulate import VirtualRadio, VirtualSensor
from runsense.sources.__main__ import main
from runsense.sources.discovery import BleBackends, SensorSpec, scan
from runsense.sources.errors import (
    AdapterMissingError,
    AdapterOffError,
    BlePermissionError,
    ProfileNotRecognisedError,
    SensorNotFoundError,
    ble_error_from,
)
from tests.ble.helpers import source_for

Reason = BleakBluetoothNotAvailableReason


@pytest.mark.parametrize(
    ("raised", "expected", "words"),
    [
        (
            BleakBluetoothNotAvailableError("none", Reason.NO_BLUETOOTH),
            AdapterMissingError,
            "no Bluetooth adapter",
        ),
        (BleakBluetoothNotAvailableError("off", Reason.POWERED_OFF), AdapterOffError, "turned off"),
        (BleakBluetoothNotAvailableError("no", Reason.DENIED_BY_USER), BlePermissionError, "no permission"),
        (BleakDBusError("org.freedesktop.DBus.Error.AccessDenied", []), BlePermissionError, "no permission"),
        (BleakDBusError("org.bluez.Error.NotReady", []), AdapterOffError, "turned off"),
        # bluetoothd gone and D-Bus activation failing (seen in tier 2 after bluetoothd crashed)
        (
            BleakDBusError("org.freedesktop.DBus.Error.Spawn.ChildExited", []),
            AdapterMissingError,
            "bluetoothd",
        ),
        (FileNotFoundError(2, "No such file"), AdapterMissingError, "bluetoothd"),  # no D-Bus system bus
    ],
)
def test_adapter_failures_become_one_clear_line(raised: Exception, expected: type, words: str) -> None:
    error = ble_error_from(raised)
    assert isinstance(error, expected)
    assert words in str(error)
    assert "\n" not in str(error)


def test_other_failures_are_not_disguised() -> None:
    assert ble_error_from(ValueError("a bug")) is None
    assert ble_error_from(BleakDBusError("org.bluez.Error.Failed", [])) is None


class PoweredOffScanner(BaseBleakScanner):
    """The OS stack with the adapter switched off (what BlueZ reports through bleak)."""

    def __init__(
        self,
        callback: AdvertisementDataCallback | None,
        uuids: list[str] | None,
        mode: str,  # noqa: ARG002 - bleak's backend signature
        **kwargs: Any,  # noqa: ARG002
    ) -> None:
        super().__init__(callback, uuids)

    async def start(self) -> None:
        raise BleakBluetoothNotAvailableError("No powered Bluetooth adapters found.", Reason.POWERED_OFF)

    async def stop(self) -> None:
        return None


async def test_scan_with_the_adapter_off(profiles: Mapping[str, Profile]) -> None:
    with pytest.raises(AdapterOffError, match="Bluetooth is turned off; turn it on"):
        await scan(timeout_s=0.1, backends=BleBackends(scanner=PoweredOffScanner), profiles=profiles)


async def test_sensor_not_found(radio: VirtualRadio, profiles: Mapping[str, Profile]) -> None:
    source = source_for(radio, [SensorSpec("Nobody Pod")], profiles, scan_timeout_s=0.3)
    with pytest.raises(SensorNotFoundError, match=r"sensor 'Nobody Pod' not found in 0\.3 s of scanning"):
        await source.start()


async def test_profile_not_recognised(radio: VirtualRadio, profiles: Mapping[str, Profile]) -> None:
    mystery = dataclasses.replace(
        profiles["runsense-imu"],
        advertised_services=("0000fff0-0000-1000-8000-00805f9b34fb",),
        name_patterns=(),
    )
    sensor = VirtualSensor(radio, mystery, name="Mystery Gadget")
    await sensor.start()
    source = source_for(radio, [SensorSpec("mystery gadget")], profiles)  # names match case-insensitively
    with pytest.raises(ProfileNotRecognisedError, match="advertises no service runsense has a profile for"):
        await source.start()


def test_cli_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--no-ui"]) == 2
    assert "give at least one --sensor" in capsys.readouterr().err
    assert main(["run", "--simulate", "fitbit", "--no-ui"]) == 2
    assert "unknown profile 'fitbit'; choose one of" in capsys.readouterr().err
    assert main(["run", "--sensor", "AA:BB:CC:DD:EE:FF", "--simulate", "heart-rate"]) == 2
    assert "not both" in capsys.readouterr().err
