"""Tier 2's radio: the virtual sensors on a Bumble link whose other end is a controller on /dev/vhci.

The kernel (hci_vhci) sees that controller as ``hci0``, the real ``bluetoothd`` drives it, and
runsense reaches the sensors through bleak's default BlueZ backend: no Bumble central and no
custom bleak backend on runsense's side. ``VhciAir`` (the link, the vhci controller, the
powered adapter) lives for the whole pytest session; each test gets a ``BlueZRadio`` on it,
which closes only its own sensors. Only works inside the tier-2 VM (scripts/test-ble-vm).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from bumble import core, hci
from bumble.controller import Controller
from bumble.link import LocalLink
from bumble.transport import open_transport
from bumble.transport.common import Transport
from dbus_fast import BusType, Message, MessageType, Variant
from dbus_fast.aio import MessageBus

from runsense.simulate import VirtualRadio

ADAPTER_ADDRESS = "F0:52:53:00:00:01"
ADAPTER_PATH = "/org/bluez/hci0"
ADAPTER_UP_TIMEOUT_S = 30.0
"""Registering and powering hci0 under TCG emulation takes a few seconds; this bounds the wait."""
SETTLE_TIMEOUT_S = 10.0
"""How long ``settle`` waits for a notification to cross kernel, bluetoothd and D-Bus."""
_addresses = itertools.count(1)
"""Session-wide: BlueZ caches devices and GATT databases by address, so no address is ever reused."""


class ConnectionAddressedLink(LocalLink):
    """A ``LocalLink`` that sends LE ACL data from the address the connection was made with.

    Bumble 0.0.236's ``LocalLink.send_acl_data`` always uses the sending controller's *random*
    address as the source. The kernel connects from the vhci controller's public address but
    leaves its last scan's non-resolvable private address as the random address, so every ATT
    PDU from BlueZ reached the sensor as coming from a stranger ("no connection for <NRPA>") and
    ``Device1.Connect`` failed with EIO. Using the connection's own ``self_address`` is what a
    real link layer does (the access address belongs to the connection, not to the controller).
    """

    def __init__(self) -> None:
        """An empty link."""
        super().__init__()  # type: ignore[no-untyped-call]  # Bumble leaves __init__ unannotated

    def send_acl_data(
        self,
        sender_controller: Controller,
        destination_address: hci.Address,
        transport: core.PhysicalTransport,
        data: bytes,
    ) -> None:
        """Route LE data by the connection's addresses; anything else as Bumble does."""
        connection = sender_controller.le_connections.get(destination_address)
        if transport != core.PhysicalTransport.LE or connection is None:
            super().send_acl_data(sender_controller, destination_address, transport, data)
            return
        destination = self.find_le_controller(destination_address)
        if destination is None:
            return  # the peer has gone (a packet in flight at disconnect), as in Bumble
        source_address = connection.self_address
        asyncio.get_running_loop().call_soon(
            lambda: destination.on_link_acl_data(source_address, transport, data)
        )


class VhciAir:
    """The Bumble link with a controller on /dev/vhci, and bluetoothd's hci0 powered on."""

    def __init__(self) -> None:
        """Nothing is opened until ``open()`` (Bumble needs a running loop)."""
        self.link: LocalLink | None = None
        self._transport: Transport | None = None
        self._controller: Controller | None = None

    async def open(self) -> None:
        """Open /dev/vhci, put a controller for it on a new link, wait for hci0 and power it on."""
        self._transport = await open_transport("vhci")
        self.link = ConnectionAddressedLink()
        self._controller = Controller(
            "hci0",
            host_source=self._transport.source,
            host_sink=self._transport.sink,
            link=self.link,
            public_address=ADAPTER_ADDRESS,
        )
        await asyncio.wait_for(power_on_adapter(), ADAPTER_UP_TIMEOUT_S)

    async def close(self) -> None:
        """Close /dev/vhci (the kernel removes hci0)."""
        if self._transport is not None:
            await self._transport.close()
        self._transport = self._controller = self.link = None


async def _call(bus: MessageBus, **message: Any) -> Message:
    reply = await bus.call(Message(destination="org.bluez", **message))
    assert reply is not None  # a method call always gets a reply
    return reply


async def power_on_adapter() -> None:
    """Wait until bluetoothd publishes hci0, then power it on and wait until it is on."""
    await set_adapter_powered(on=True)


async def set_adapter_powered(*, on: bool) -> None:
    """Set hci0's ``Powered`` through bluetoothd (as ``bluetoothctl power on|off``) and wait for it."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        while True:
            reply = await _call(
                bus, path="/", interface="org.freedesktop.DBus.ObjectManager", member="GetManagedObjects"
            )
            objects = reply.body[0] if reply.message_type == MessageType.METHOD_RETURN else {}
            adapter = objects.get(ADAPTER_PATH, {}).get("org.bluez.Adapter1")
            if adapter is not None and adapter["Powered"].value == on:
                return
            if adapter is not None:
                await _call(
                    bus,
                    path=ADAPTER_PATH,
                    interface="org.freedesktop.DBus.Properties",
                    member="Set",
                    signature="ssv",
                    body=["org.bluez.Adapter1", "Powered", Variant("b", on)],
                )
            await asyncio.sleep(0.2)  # polling bluetoothd's state, not synchronising the tests
    finally:
        bus.disconnect()


class BlueZRadio(VirtualRadio):
    """A ``VirtualRadio`` whose sensors are heard by BlueZ through /dev/vhci instead of a Bumble central.

    ``notifications_delivered`` is counted by the test harness as packets reach runsense's source
    (there is no Bumble backend to count them), so ``settle`` and the virtual-time ``Player`` work
    unchanged; ``settle`` waits in real time, since packets now cross the kernel and D-Bus.
    """

    def __init__(self, air: VhciAir) -> None:
        """A radio on the session's ``air``."""
        super().__init__()
        self._air = air
        self._delivery = asyncio.Event()

    @property
    def central(self) -> Any:  # never returns
        """There is no Bumble central: BlueZ is the central."""
        raise RuntimeError("tier 2 has no Bumble central: bluetoothd is the central (tests/ble_vm)")

    def new_address(self) -> str:
        """A random static address never used before in this session."""
        n = next(_addresses)
        return f"D1:52:53:{(n >> 16) & 0xFF:02X}:{(n >> 8) & 0xFF:02X}:{n & 0xFF:02X}"

    async def open(self) -> None:
        """Use the session's link."""
        if self._air.link is None:
            raise RuntimeError("the vhci air is not open")
        self._link = self._air.link

    async def close(self) -> None:
        """Close this test's sensors (disconnect, stop advertising, power off); the adapter stays."""
        for sensor in self.sensors:
            await sensor.close()
        self._sensors.clear()
        self._link = None

    async def start_scanning(self) -> None:
        """BlueZ scans, not this radio."""
        raise RuntimeError("tier 2 scans through bluetoothd, not through a Bumble central")

    def delivered(self) -> None:
        """One more notification reached runsense's source."""
        super().delivered()
        self._delivery.set()

    async def settle(self, expected_delivered: int) -> None:
        """Wait (bounded, real time) until ``expected_delivered`` notifications arrived."""

        async def arrived() -> None:
            while self.notifications_delivered < expected_delivered:
                self._delivery.clear()
                await self._delivery.wait()

        try:
            await asyncio.wait_for(arrived(), SETTLE_TIMEOUT_S)
        except TimeoutError:  # like tier 1's bounded settle: the test's own assertions report the loss
            return
