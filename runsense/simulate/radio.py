"""The in-process Bluetooth "air": a Bumble LocalLink with the central that runsense connects through.

Bumble runs a complete host stack (HCI, L2CAP, ATT, GATT, SMP) on each side of a software
link layer, so runsense's bleak code talks real GATT to the virtual sensors. The link delivers
packets with ``loop.call_soon``: there is no radio timing and no loss, and everything runs in
one event loop. ``BumbleClientBackend``/``BumbleScannerBackend`` find the radio through the
``radio=`` keyword that ``BleakClient``/``BleakScanner`` pass on to their backend.

Bumble objects need a running loop when they are built, so ``open()`` (or ``async with``)
creates them.
"""

from __future__ import annotations

import asyncio
import itertools
from types import TracebackType
from typing import TYPE_CHECKING, Self

from bumble.controller import Controller
from bumble.core import BaseBumbleError
from bumble.device import Connection, Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

if TYPE_CHECKING:
    from runsense.simulate.sensor import VirtualSensor

CENTRAL_ADDRESS = "C0:52:53:00:00:01"
DELIVERY_YIELDS = 100
"""Loop turns to wait for a notification to cross the link (one is enough in Bumble 0.0.236)."""


def make_device(name: str, address: str, link: LocalLink) -> tuple[Device, Controller]:
    """A Bumble device with its own software controller on ``link`` (bumble.testing's pattern)."""
    controller = Controller(name, link=link, public_address=address)
    device = Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
    return device, controller


class VirtualRadio:
    """One LocalLink, the central that scans and connects, and the virtual sensors on the same link."""

    def __init__(self, *, central_address: str = CENTRAL_ADDRESS) -> None:
        """Nothing is created until ``open()``: Bumble needs a running loop."""
        self._central_address = central_address
        self._link: LocalLink | None = None
        self._central: Device | None = None
        self._controller: Controller | None = None
        self._sensors: list[VirtualSensor] = []
        self._addresses = itertools.count(1)
        self._scan_users = 0
        self.connect_lock = asyncio.Lock()
        """The controller allows one pending LE connection at a time."""
        self.notifications_delivered = 0
        """Notifications handed to a bleak callback so far (virtual-time playback waits on it)."""

    @property
    def link(self) -> LocalLink:
        """The link the central and every sensor share."""
        if self._link is None:
            raise RuntimeError("the virtual radio is not open; use 'async with VirtualRadio()'")
        return self._link

    @property
    def central(self) -> Device:
        """Runsense's side: the device bleak's backend drives."""
        if self._central is None:
            raise RuntimeError("the virtual radio is not open; use 'async with VirtualRadio()'")
        return self._central

    @property
    def sensors(self) -> tuple[VirtualSensor, ...]:
        """The virtual sensors on this radio."""
        return tuple(self._sensors)

    def new_address(self) -> str:
        """A fresh random static address, so nothing cached by address can leak between sensors."""
        n = next(self._addresses)
        return f"D0:52:53:{(n >> 16) & 0xFF:02X}:{(n >> 8) & 0xFF:02X}:{n & 0xFF:02X}"

    legacy_advertising_only = False
    """True where advertising data must fit 31 bytes (a real controller); the link does not care."""

    def sensor_device(self, name: str, address: str) -> Device:
        """A new Bumble device for a virtual sensor, with its own controller on this radio's link."""
        device, _ = make_device(name, address, self.link)
        return device

    def attach(self, sensor: VirtualSensor) -> None:
        """Register a sensor so ``close()`` shuts it down in the right order."""
        self._sensors.append(sensor)

    async def open(self) -> None:
        """Create the link and power the central on."""
        if self._link is not None:
            return
        self._link = LocalLink()  # type: ignore[no-untyped-call]  # Bumble leaves __init__ unannotated
        self._central, self._controller = make_device("runsense", self._central_address, self._link)
        await self._central.power_on()

    async def close(self) -> None:
        """Disconnect, stop advertising, then power off (this order avoids Bumble state errors)."""
        if self._central is None:
            return
        for sensor in self._sensors:
            await sensor.close()
        for connection in list(self._central.connections.values()):
            await quietly_disconnect(connection)
        self._sensors.clear()
        await self._central.power_off()
        self._central = self._controller = None
        self._link = None

    async def start_scanning(self) -> None:
        """Scan for advertisements (shared: several bleak scanners may run at once)."""
        self._scan_users += 1
        if self._scan_users == 1:
            await self.central.start_scanning(filter_duplicates=False)

    async def stop_scanning(self) -> None:
        """Stop when the last scanner stops."""
        self._scan_users = max(0, self._scan_users - 1)
        if self._scan_users == 0 and self._central is not None:
            await self._central.stop_scanning()

    def forget_pending_connect(self) -> None:
        """Clear a connect to an absent device that Bumble's controller cannot cancel.

        Bumble 0.0.236 answers LE Create Connection Cancel but never sends the connection
        complete event the spec requires, so the controller would refuse every later connect
        (COMMAND_DISALLOWED). ``pending_le_connection`` is Bumble's own state: re-check it when
        upgrading Bumble.
        """
        if self._controller is not None:
            self._controller.pending_le_connection = None

    def delivered(self) -> None:
        """Called by the client backend after each notification reached bleak."""
        self.notifications_delivered += 1

    async def settle(self, expected_delivered: int) -> None:
        """Let the loop turn until ``expected_delivered`` notifications arrived (bounded)."""
        for _ in range(DELIVERY_YIELDS):
            if self.notifications_delivered >= expected_delivered:
                return
            await asyncio.sleep(0)

    async def __aenter__(self) -> Self:
        """Open the radio."""
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close the radio and every sensor on it."""
        await self.close()


async def quietly_disconnect(connection: Connection) -> None:
    """Disconnect a Bumble connection that may already be going away."""
    try:
        await asyncio.wait_for(connection.disconnect(), timeout=1.0)
    except (TimeoutError, BaseBumbleError):  # already gone: nothing left to tear down
        return
