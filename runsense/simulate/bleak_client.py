"""A bleak client backend over a Bumble central: runsense's BLE code runs unchanged through bleak's API.

Pass ``backend=BumbleClientBackend, radio=radio`` to ``BleakClient``; bleak's own client layer
(UUID and handle resolution, async callbacks, the CCCD guard) still runs on top. Where
backends differ, this one copies BlueZ, the backend runsense's users have most: 0x1800 is
hidden, ``characteristic.handle`` is the declaration handle, ``disconnected_callback`` also
fires after a client-initiated disconnect, and reading a notify-only characteristic fails
with READ_NOT_PERMITTED. Unlike BlueZ, ``mtu_size`` is the negotiated MTU.
"""

# ruff: noqa: ANN401, ARG002 - bleak's backend interface passes **kwargs: Any and options this backend ignores
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from bleak.args import SizedBuffer
from bleak.assigned_numbers import CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bleak.uuids import normalize_uuid_str
from bumble.att import ATT_Error
from bumble.core import UUID, BaseBumbleError
from bumble.device import Connection, Peer
from bumble.gatt import Characteristic
from bumble.gatt_client import CharacteristicProxy, DescriptorProxy
from bumble.hci import Address

from runsense.simulate.radio import VirtualRadio, quietly_disconnect

logger = logging.getLogger(__name__)

MTU_REQUEST = 517
T = TypeVar("T")
HIDDEN_SERVICES = frozenset({"00001800-0000-1000-8000-00805f9b34fb"})
"""BlueZ hides the GAP service from clients; so do we, for parity."""
_PROPERTY_NAMES: tuple[tuple[Characteristic.Properties, CharacteristicPropertyName], ...] = (
    (Characteristic.Properties.BROADCAST, "broadcast"),
    (Characteristic.Properties.READ, "read"),
    (Characteristic.Properties.WRITE_WITHOUT_RESPONSE, "write-without-response"),
    (Characteristic.Properties.WRITE, "write"),
    (Characteristic.Properties.NOTIFY, "notify"),
    (Characteristic.Properties.INDICATE, "indicate"),
    (Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES, "authenticated-signed-writes"),
    (Characteristic.Properties.EXTENDED_PROPERTIES, "extended-properties"),
)


def uuid_str(uuid: UUID) -> str:
    """Bleak's form of a Bumble UUID: 128-bit, lowercase, dashed."""
    return normalize_uuid_str(uuid.to_hex_str("-"))


def radio_of(device: BLEDevice | str, kwargs: dict[str, Any]) -> VirtualRadio:
    """The radio from ``radio=``, else from a device the Bumble scanner found."""
    radio = kwargs.pop("radio", None)
    if radio is None and isinstance(device, BLEDevice):
        radio = getattr(device.details, "radio", None)
    if not isinstance(radio, VirtualRadio):
        raise BleakError("BumbleClientBackend needs radio=VirtualRadio (or a device its scanner found)")
    return radio


async def bleak_errors(operation: Awaitable[T], address: str) -> T:
    """Run a Bumble GATT operation, raising what a bleak backend raises when it fails.

    When the link drops, Bumble cancels the pending ATT request's future: that arrives here as a
    ``CancelledError`` although nobody cancelled the task, so it becomes a ``BleakError`` (a
    real cancellation of the task is passed on).
    """
    try:
        return await operation
    except ATT_Error as exc:
        raise BleakGATTProtocolError(int(exc.error_code)) from exc
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        raise BleakError(f"{address} disconnected during a GATT operation") from None
    except BaseBumbleError as exc:
        raise BleakError(f"{address}: {exc}") from exc


class BumbleClientBackend(BaseBleakClient):
    """bleak's client interface, implemented with Bumble's GATT client on a ``VirtualRadio``."""

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        """Bleak passes ``disconnected_callback``, ``timeout`` and per-OS dicts; ``radio`` is ours."""
        self._radio = radio_of(address_or_ble_device, kwargs)
        for unused in ("services", "bluez", "winrt", "pair"):
            kwargs.pop(unused, None)
        disconnected_callback = kwargs.pop("disconnected_callback", None)
        timeout = float(kwargs.pop("timeout", 10.0))
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._device = address_or_ble_device if isinstance(address_or_ble_device, BLEDevice) else None
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Callable[[bytes], None]] = {}

    @property
    def name(self) -> str:
        """The advertised name, else the address with dashes (as bleak documents)."""
        if self._device is not None and self._device.name:
            return self._device.name
        return self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        """The ATT MTU negotiated at connect."""
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        """True between a successful ``connect`` and the link going down."""
        return self._connection is not None

    def _target(self) -> Address:
        details = getattr(self._device, "details", None)
        address = getattr(details, "address", None)
        return address if isinstance(address, Address) else Address(self.address)

    async def connect(self, pair: bool, **kwargs: Any) -> None:  # noqa: FBT001 - bleak's signature
        """Connect, exchange the MTU, discover everything and build bleak's service collection."""
        if self._connection is not None:
            raise BleakError("Client is already connected")
        central = self._radio.central
        async with self._radio.connect_lock:
            try:
                pending = central.connect(self._target(), timeout=None)  # Bumble's own timeout cannot cancel
                connection = await asyncio.wait_for(pending, self._timeout)
            except TimeoutError:
                self._radio.forget_pending_connect()
                message = f"Device with address {self.address} was not found."
                raise BleakDeviceNotFoundError(self.address, message) from None
            except asyncio.CancelledError:
                self._radio.forget_pending_connect()
                raise
            except BaseBumbleError as exc:
                raise BleakError(f"connecting to {self.address} failed: {exc}") from exc
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        self._connection = connection
        self._peer = peer = Peer(connection)
        try:
            await bleak_errors(peer.request_mtu(MTU_REQUEST), self.address)
            await bleak_errors(peer.discover_all(), self.address)  # type: ignore[no-untyped-call]
        except BleakError:
            if self._connection is not None:  # still up: tear it down; if it dropped, nothing to do
                await quietly_disconnect(connection)
            raise
        if self._connection is None:
            raise BleakError(f"{self.address} disconnected during service discovery")
        self.services = self._collection(peer)

    def _collection(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        for service in peer.services:
            if uuid_str(service.uuid) in HIDDEN_SERVICES:
                continue
            bleak_service = BleakGATTService(service, service.handle, uuid_str(service.uuid))
            collection.add_service(bleak_service)
            for char in service.characteristics:
                self._add_characteristic(collection, bleak_service, char)
        return collection

    def _add_characteristic(
        self,
        collection: BleakGATTServiceCollection,
        service: BleakGATTService,
        char: CharacteristicProxy[Any],
    ) -> None:
        properties = [name for flag, name in _PROPERTY_NAMES if char.properties & flag]
        bleak_char = BleakGATTCharacteristic(
            char, char.handle - 1, uuid_str(char.uuid), properties, lambda: self.mtu_size - 3, service
        )
        collection.add_characteristic(bleak_char)
        for descriptor in char.descriptors:
            collection.add_descriptor(
                BleakGATTDescriptor(descriptor, descriptor.handle, uuid_str(descriptor.type), bleak_char)
            )

    def _on_disconnection(self, _reason: int) -> None:
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        self.services = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        """Disconnect; the disconnected callback fires as on BlueZ."""
        if self._connection is not None:
            await quietly_disconnect(self._connection)

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Virtual sensors need no pairing."""
        raise BleakError("pairing is not supported by the virtual radio")

    async def unpair(self) -> None:
        """Virtual sensors need no pairing."""
        raise BleakError("pairing is not supported by the virtual radio")

    def _connected_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._peer

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read over ATT (no cache: every read goes to the sensor)."""
        peer = self._connected_peer()
        proxy = cast("CharacteristicProxy[bytes]", characteristic.obj)
        return bytearray(await bleak_errors(peer.read_value(proxy), self.address))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a descriptor over ATT."""
        peer = self._connected_peer()
        proxy = cast("DescriptorProxy", descriptor.obj)
        return bytearray(await bleak_errors(peer.read_value(proxy), self.address))

    async def write_gatt_char(
        self,
        characteristic: BleakGATTCharacteristic,
        data: SizedBuffer,
        response: bool,  # noqa: FBT001
    ) -> None:
        """Write with or without response."""
        peer = self._connected_peer()
        proxy = cast("CharacteristicProxy[bytes]", characteristic.obj)
        await bleak_errors(peer.write_value(proxy, bytes(data), with_response=response), self.address)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: SizedBuffer) -> None:
        """Write a descriptor (bleak itself refuses direct CCCD writes)."""
        peer = self._connected_peer()
        proxy = cast("DescriptorProxy", descriptor.obj)
        await bleak_errors(peer.write_value(proxy, bytes(data), with_response=True), self.address)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Write the CCCD (notify preferred over indicate, as bleak asks) and route values to ``callback``."""
        peer = self._connected_peer()
        radio = self._radio

        def on_value(value: bytes) -> None:
            callback(bytearray(value))
            radio.delivered()

        proxy = cast("CharacteristicProxy[bytes]", characteristic.obj)
        await bleak_errors(peer.subscribe(proxy, on_value, prefer_notify=True), self.address)
        self._subscribers[characteristic.handle] = on_value

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Clear the CCCD; values in flight are dropped (Bumble logs them as unexpected)."""
        peer = self._connected_peer()
        subscriber = self._subscribers.pop(characteristic.handle, None)
        proxy = cast("CharacteristicProxy[bytes]", characteristic.obj)
        await bleak_errors(peer.unsubscribe(proxy, subscriber), self.address)
