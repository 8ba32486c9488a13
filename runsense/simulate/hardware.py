"""``runsense simulate``: the virtual sensors on a real Bluetooth controller, for a laptop's own adapter.

Each virtual sensor is one Bumble ``Device`` (host stack and GATT server) driving one controller
through a Bumble transport (``usb:0``, ``serial:/dev/ttyACM0,1000000``, ``tcp-client:HOST:PORT``,
``vhci``... anything ``bumble.transport.open_transport`` accepts). One sensor per transport: a
Bumble host owns its controller, and a Bumble device has one GATT server, so several advertising
sets on one controller would all serve the union of the sensors' databases (two IMUs of one
profile would share their service UUIDs). Two sensors need two dongles (``--transport`` twice).

On a real controller advertising is legacy (31 bytes per PDU): service UUIDs in the advertising
data, the name there or in the scan response. Addresses are random static ones
(``D0:52:53:..``), the same on every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
from collections.abc import Callable, Sequence

from bumble.device import Device
from bumble.hci import Address
from bumble.transport import open_transport
from bumble.transport.common import Transport, TransportSpecError

from runsense.clock import MonotonicClock
from runsense.errors import ConfigError, RunsenseError
from runsense.simulate.player import Player
from runsense.simulate.radio import VirtualRadio
from runsense.simulate.scenario import Simulation

POWER_ON_TIMEOUT_S = 10.0
OPEN_TIMEOUT_S = 10.0
SPEC_NEEDED = frozenset(
    {"usb", "pyusb", "serial", "tcp-client", "tcp-server", "udp", "ws-client", "ws-server"}
)
EXAMPLES = "usb:0, serial:/dev/ttyACM0,1000000, tcp-client:HOST:PORT or vhci"


class TransportError(RunsenseError):
    """A Bluetooth controller transport could not be opened or does not answer."""


def _explain(spec: str, exc: BaseException) -> str:  # noqa: PLR0911 - one message per cause
    """One line for why ``spec`` could not be opened, with what to do."""
    name = type(exc).__name__
    text = str(exc) or name
    if isinstance(exc, TransportSpecError | ValueError | AssertionError):
        return f"unknown or malformed transport {spec!r} ({text}); use e.g. {EXAMPLES}"
    if isinstance(exc, PermissionError) or "Access" in name or getattr(exc, "errno", None) == errno.EACCES:
        return (
            f"no permission to open {spec!r}; allow this user the device (a udev rule for the USB "
            "dongle, the 'dialout' group for a serial port) or run with the needed rights"
        )
    if "Busy" in name or getattr(exc, "errno", None) == errno.EBUSY:
        return (
            f"{spec!r} is busy: another program or the kernel's btusb driver holds it; unbind it "
            "from btusb (see docs/ble-testing.md) or close the other program"
        )
    if spec.startswith("vhci") and isinstance(exc, FileNotFoundError):
        return "no /dev/vhci: load the kernel module first (sudo modprobe hci_vhci)"
    if isinstance(exc, ConnectionError | TimeoutError) or spec.startswith(("tcp", "ws", "udp")):
        return f"cannot reach {spec!r}: {text}"
    if spec.startswith(("usb", "pyusb")):
        return (
            f"no usable USB Bluetooth dongle for {spec!r} ({name}: {text}); plug one in "
            "(bumble-usb-probe lists the ones libusb sees)"
        )
    if isinstance(exc, FileNotFoundError) or "No such file" in text:
        return f"{spec!r}: no such device; check that the controller is plugged in and the path is right"
    return f"cannot open Bluetooth transport {spec!r}: {name}: {text}"


async def open_hci_transport(spec: str, *, timeout_s: float = OPEN_TIMEOUT_S) -> Transport:
    """Open a Bumble transport, or raise ``TransportError`` with one line saying why and what to do."""
    scheme = spec.split(":", 1)[0]
    if scheme in SPEC_NEEDED and not spec.partition(":")[2]:
        raise TransportError(f"transport {spec!r} needs a parameter; use e.g. {EXAMPLES}")
    try:
        return await asyncio.wait_for(open_transport(spec), timeout_s)
    except Exception as exc:  # noqa: BLE001 - each transport raises its own library's errors (usb1, serial, OS)
        raise TransportError(_explain(spec, exc)) from None


class HciRadio(VirtualRadio):
    """Controllers behind Bumble transports, one virtual sensor on each; the central is the laptop's."""

    legacy_advertising_only = True

    def __init__(self, specs: Sequence[str], *, power_on_timeout_s: float = POWER_ON_TIMEOUT_S) -> None:
        """Nothing is opened until ``open()``."""
        super().__init__()
        self.specs = list(specs)
        self.power_on_timeout_s = power_on_timeout_s
        self._transports: list[Transport] = []
        self.transport_of: dict[str, str] = {}
        """Sensor name -> the transport spec it is served on."""

    async def open(self) -> None:
        """Open every transport (closing the ones already open if one fails)."""
        if self._transports:
            return
        try:
            for spec in self.specs:
                self._transports.append(await open_hci_transport(spec))
        except BaseException:
            await self._close_transports()
            raise

    def sensor_device(self, name: str, address: str) -> Device:
        """A Bumble device on the next free transport."""
        index = len(self.transport_of)
        if index >= len(self._transports):
            raise ConfigError(
                f"no transport left for sensor {name!r}: one sensor per transport (give one --transport each)"
            )
        transport = self._transports[index]
        self.transport_of[name] = self.specs[index]
        return Device.with_hci(name, Address(address), transport.source, transport.sink)

    async def close(self) -> None:
        """Stop every sensor (disconnect, stop advertising, power off), then close the transports."""
        for sensor in self.sensors:
            with contextlib.suppress(TimeoutError):  # a controller gone silent must not hang the exit
                await asyncio.wait_for(sensor.close(), self.power_on_timeout_s)
        self._sensors.clear()
        await self._close_transports()

    async def _close_transports(self) -> None:
        for transport in self._transports:
            with contextlib.suppress(Exception):
                await transport.close()
        self._transports.clear()

    async def start_sensors(self) -> None:
        """Power on and advertise every sensor; a controller that does not answer is a ``TransportError``."""
        for sensor in self.sensors:
            try:
                await asyncio.wait_for(sensor.start(), self.power_on_timeout_s)
            except TimeoutError:
                spec = self.transport_of.get(sensor.name, "?")
                raise TransportError(
                    f"the controller on {spec!r} did not answer within {self.power_on_timeout_s:g} s; "
                    "is it a Bluetooth HCI controller (HCI firmware on a serial board, "
                    "a dongle not held by btusb)?"
                ) from None


async def serve(
    radio: HciRadio,
    simulation: Simulation,
    *,
    emit: Callable[[str], None],
    duration_s: float | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Advertise the sensors; stream the recording from the first connection on; run until stopped.

    Stops after ``duration_s`` seconds, when ``stop`` is set, or when cancelled (Ctrl-C); the
    sensors are always powered off and the transports closed.
    """
    if len(simulation.sensors) > len(radio.specs):
        raise ConfigError(
            f"{len(simulation.sensors)} virtual sensors but {len(radio.specs)} transport(s): one sensor per "
            "transport (a recording with two IMUs gives two sensors); give one --transport per sensor"
        )
    async with radio:
        await radio.start_sensors()
        for sensor in simulation.sensors:
            emit(
                f"advertising {sensor.name!r} at {sensor.address} ({sensor.profile.short_name}) "
                f"on {radio.transport_of[sensor.name]}"
            )
        emit(
            f"waiting for a central to connect, then streaming the recording ({simulation.duration_s:.0f} s)"
        )
        stopped = stop or asyncio.Event()
        tasks = [asyncio.create_task(_play(radio, simulation, emit)), asyncio.create_task(stopped.wait())]
        if duration_s is not None:
            tasks.append(asyncio.create_task(asyncio.sleep(duration_s)))
        try:
            await asyncio.wait(tasks[1:], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _play(radio: HciRadio, simulation: Simulation, emit: Callable[[str], None]) -> None:
    waits = [asyncio.create_task(s.connected.wait()) for s in simulation.sensors]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
    first = next(s for s in simulation.sensors if s.connected.is_set())
    emit(f"a central connected to {first.name!r}; streaming")
    await Player(radio, simulation.feeds, clock=MonotonicClock()).play()
    emit("the recording has ended; the sensors stay up until Ctrl-C")
