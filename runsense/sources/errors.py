"""The one-line errors of the BLE shell: adapter off or missing, no permission, sensor or profile unknown.

Each names what to do. ``ble_error_from`` turns what bleak or the OS raised while opening the
adapter into one of these, so ``runsense scan`` and ``runsense run`` never show a D-Bus trace.
"""

from __future__ import annotations

from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason, BleakDBusError

from runsense.errors import RunsenseError

SIMULATE_HINT = "(no sensors at hand? try: runsense run --simulate runsense-imu)"


class BleError(RunsenseError):
    """Base of the BLE shell's errors."""


class AdapterMissingError(BleError, RuntimeError):
    """No Bluetooth adapter, or no Bluetooth service (bluetoothd) to reach it."""


class AdapterOffError(BleError, RuntimeError):
    """The adapter exists but is powered off."""


class BlePermissionError(BleError, PermissionError):
    """The OS refuses this user access to Bluetooth."""


class SensorNotFoundError(BleError, LookupError):
    """A sensor asked for by address or name did not show up while scanning."""

    def __init__(self, query: str, message: str) -> None:
        """Keep what was searched for."""
        super().__init__(message)
        self.query = query


class ProfileNotRecognisedError(BleError, ValueError):
    """A sensor advertises nothing runsense has a firmware profile for."""

    def __init__(self, query: str, message: str) -> None:
        """Keep which sensor it was."""
        super().__init__(message)
        self.query = query


_MISSING = (
    "no Bluetooth adapter found (or the Bluetooth service is not running); plug in a BLE adapter "
    f"or start bluetoothd {SIMULATE_HINT}"
)
_OFF = "Bluetooth is turned off; turn it on (bluetoothctl power on, or the system settings) and try again"
_DENIED = (
    "no permission to use Bluetooth; on Linux add yourself to the 'bluetooth' group or allow this "
    "program in the system's Bluetooth privacy settings"
)


def ble_error_from(exc: BaseException) -> BleError | None:  # noqa: PLR0911 - one return per case
    """The clear error for an adapter-level failure, or None when ``exc`` is something else."""
    if isinstance(exc, BleakBluetoothNotAvailableError):
        reason = exc.reason
        if reason is BleakBluetoothNotAvailableReason.POWERED_OFF:
            return AdapterOffError(_OFF)
        if reason in (
            BleakBluetoothNotAvailableReason.DENIED_BY_USER,
            BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
            BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN,
        ):
            return BlePermissionError(_DENIED)
        return AdapterMissingError(_MISSING)
    if isinstance(exc, BleakDBusError):
        name = exc.dbus_error
        if name.endswith(("AccessDenied", "NotAuthorized", "NotPermitted")):
            return BlePermissionError(_DENIED)
        if name.endswith("NotReady"):
            return AdapterOffError(_OFF)
        # Spawn.*: D-Bus tried to start bluetoothd on demand and could not (not installed, or it exits)
        if name.endswith(("ServiceUnknown", "NoReply", "UnknownObject")) or ".Spawn." in name:
            return AdapterMissingError(_MISSING)
        return None
    if isinstance(exc, PermissionError):
        return BlePermissionError(_DENIED)
    if isinstance(exc, FileNotFoundError | ConnectionRefusedError):
        # bleak's BlueZ backend could not reach the D-Bus system bus: no Bluetooth service here
        return AdapterMissingError(_MISSING)
    return None
