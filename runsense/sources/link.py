"""One sensor's radio link: connect, subscribe, send the start commands; reconnect with backoff after a drop.

Bleak callbacks only enqueue: a notification becomes a ``RawPacket`` stamped with the injected
clock and handed to the source's queue; a disconnect only sets an event. Everything else
(link events, reconnecting, control-point exchanges) runs in this link's own task, so it may
log, await and retry. Only ``BleakError`` and the ``TimeoutError`` bleak documents for a
connect that times out are treated as a lost link; anything else is a bug and is raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import BleakError, BleakGATTProtocolError

from runsense.errors import DecodeError
from runsense.model import RawPacket
from runsense.profiles import ControlResponse, ProfileDecoder, ProfileEncoder, commands_for
from runsense.profiles.schema import CharacteristicSpec, SettingValue
from runsense.recording import SensorInfo
from runsense.sources.base import CommandFailed, LinkEvent, SensorConnected, SensorLost, SensorReconnected
from runsense.sources.discovery import BleBackends, FoundSensor
from runsense.sources.errors import BleError

logger = logging.getLogger(__name__)
LINK_ERRORS = (BleakError, TimeoutError)
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
"""Battery Level (Battery Service 0x180F): read after connecting, notified by some devices."""


class ConnectFailedError(BleError, ConnectionError):
    """A sensor was found but every connection attempt at start failed."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before reconnect attempt ``n``: ``first_s * factor**(n-1)``, at most ``max_s``."""

    first_s: float = 0.25
    factor: float = 2.0
    max_s: float = 8.0

    def delay_s(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt`` (1 = the first retry)."""
        return min(self.max_s, self.first_s * self.factor ** max(0, attempt - 1))


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """Timeouts and retries of every link of a source."""

    connect_timeout_s: float = 10.0
    command_timeout_s: float = 2.0
    start_attempts: int = 3
    backoff: Backoff = field(default_factory=Backoff)
    silence_timeout_s: float | None = 10.0
    """A connected sensor that sends nothing for this long is treated as lost: nothing else notices when
    bluetoothd dies (bleak never hears of it) or a firmware hangs with the link up. None: never.
    A profile's own ``max_silence_s`` takes its place (IMUs stream all the time, a footpod may thin
    out while its runner stands still)."""
    profile_silence: bool = True
    """Use the profile's ``max_silence_s`` where it has one (tests turn this off to set their own bound)."""
    rediscover_timeout_s: float = 5.0
    """After a failed reconnect the sensor is looked for again by address for up to this long: the
    OS's handle for it goes stale when bluetoothd restarts or the adapter is re-plugged."""
    release_timeout_s: float = 2.0
    """How long reconnecting waits for the dropped client to be released. Releasing it closes its D-Bus
    connection whether or not the ``Disconnect`` is answered; after bluetoothd dies and restarts it
    never is, and bleak waits 10 s for a signal that cannot come (seen in the tier-2 restart test)."""


class SensorLink:
    """Keeps one sensor connected and streaming for as long as the source runs."""

    def __init__(  # noqa: PLR0913 - keyword-only wiring from the source
        self,
        found: FoundSensor,
        info: SensorInfo,
        *,
        backends: BleBackends,
        settings: LinkSettings,
        stamp: Callable[[], float],
        deliver: Callable[[RawPacket], None],
        emit: Callable[[LinkEvent], None],
    ) -> None:
        """``stamp`` gives session seconds now; ``deliver`` enqueues a packet; ``emit`` reports an event."""
        self.found = found
        self.info = info
        self.sensor_id = info.sensor_id
        self._backends = backends
        self._settings = settings
        self._stamp = stamp
        self._deliver = deliver
        self._emit = emit
        name = found.advertisement.local_name or found.device.name
        user: dict[str, SettingValue] = dict(found.spec.settings)
        self._encoder = ProfileEncoder(found.profile, settings=user, device_name=name)
        self._replies_decoder = ProfileDecoder(
            found.profile, sensor_id=self.sensor_id, settings=user, device_name=name
        )
        self._client: BleakClient | None = None
        self._lost = asyncio.Event()
        self._lost_at_s = 0.0
        self._replies: asyncio.Queue[RawPacket] | None = None
        self._command_lock = asyncio.Lock()
        self._warned: set[str] = set()
        self._closing = False
        self.connected = False
        self._last_rx_loop_s = 0.0  # event-loop time of the last notification (or of connecting)
        self._last_rx_stamp_s = 0.0  # its session time

    # -- callbacks (enqueue only) --------------------------------------------------------

    def _on_disconnected(self, client: BleakClient) -> None:
        if client is self._client and not self._closing and not self._lost.is_set():
            self.connected = False
            self._lost_at_s = self._stamp()
            self._lost.set()

    def _notification_handler(self, uuid: str) -> Callable[[BleakGATTCharacteristic, bytearray], None]:
        sensor_id, stamp, deliver = self.sensor_id, self._stamp, self._deliver

        loop_time = asyncio.get_running_loop().time

        def on_notification(_char: BleakGATTCharacteristic, data: bytearray) -> None:
            packet = RawPacket(sensor_id, uuid, stamp(), bytes(data))
            self._last_rx_loop_s, self._last_rx_stamp_s = loop_time(), packet.t_received_s
            deliver(packet)
            if self._replies is not None:
                self._replies.put_nowait(packet)

        return on_notification

    # -- connecting --------------------------------------------------------------------------

    async def open(self) -> None:
        """First connection: a few attempts with backoff, then a clear error."""
        attempts = self._settings.start_attempts
        for attempt in range(1, attempts + 1):
            try:
                await self._connect()
            except LINK_ERRORS as exc:
                logger.info("sensor %s: connect attempt %d failed: %s", self.sensor_id, attempt, exc)
                if attempt == attempts:
                    raise ConnectFailedError(
                        f"sensor {self.found.spec.query!r} was found but connecting failed {attempts} times "
                        f"({exc or type(exc).__name__}); move it closer, or restart it and try again"
                    ) from exc
                await asyncio.sleep(self._settings.backoff.delay_s(attempt))
            else:
                break
        name = self.found.advertisement.local_name or self.found.device.name
        self._emit(
            SensorConnected(self.sensor_id, self._stamp(), self.found.device.address, name, self.info.profile)
        )

    async def supervise(self) -> None:
        """Run for the source's lifetime: after each drop, reconnect with backoff and report the gap."""
        while True:
            await self._until_lost_or_silent()
            lost_at_s = self._lost_at_s
            self._emit(SensorLost(self.sensor_id, lost_at_s))
            if self._client is not None:
                await self._release(self._client)
            attempts = 0
            while True:
                attempts += 1
                await asyncio.sleep(self._settings.backoff.delay_s(attempts))
                try:
                    if attempts > 1:
                        await self._rediscover()
                    await self._connect()
                except LINK_ERRORS as exc:
                    logger.debug("sensor %s: reconnect attempt %d failed: %s", self.sensor_id, attempts, exc)
                    continue
                break
            now_s = self._stamp()
            self._emit(SensorReconnected(self.sensor_id, now_s, now_s - lost_at_s, attempts))

    async def _release(self, client: BleakClient) -> None:
        """Release a dropped client before reconnecting, waiting at most ``release_timeout_s``.

        With BlueZ its D-Bus connection (and the notification sessions on it) would otherwise outlive
        the link, BlueZ re-enables them when the sensor reconnects, and every packet arrives twice
        (found by the tier-2 VM tests). bleak closes that connection even when its ``disconnect`` is
        cancelled, so giving up on an unanswered ``Disconnect`` loses nothing.
        """
        try:
            await asyncio.wait_for(self._disconnect(client), self._settings.release_timeout_s)
        except TimeoutError:
            logger.info(
                "sensor %s: the dropped link was not released within %g s; reconnecting anyway",
                self.sensor_id,
                self._settings.release_timeout_s,
            )

    async def _until_lost_or_silent(self) -> None:
        """Wait for a dropped link, or for a connected sensor that has gone silent too long."""
        timeout_s = self._settings.silence_timeout_s
        if timeout_s is None:
            await self._lost.wait()
            return
        if self._settings.profile_silence:
            timeout_s = self.found.profile.max_silence_s or timeout_s
        loop = asyncio.get_running_loop()
        while not self._lost.is_set():
            silent_s = loop.time() - self._last_rx_loop_s
            if self.connected and silent_s >= timeout_s:
                logger.warning(
                    "sensor %s sent nothing for %.0f s: treating its link as lost", self.sensor_id, silent_s
                )
                self.connected = False
                self._lost_at_s = self._last_rx_stamp_s  # the data stopped there
                self._lost.set()
                return
            try:
                await asyncio.wait_for(self._lost.wait(), max(timeout_s - silent_s, 0.05))
            except TimeoutError:
                continue

    async def _rediscover(self) -> None:
        """Look for the sensor again by address and connect to what the scan returns from now on."""
        options = dict(self._backends.options)
        if self._backends.scanner is not None:
            options["backend"] = self._backends.scanner
        device = await BleakScanner.find_device_by_address(
            self.found.device.address, timeout=self._settings.rediscover_timeout_s, **options
        )
        if device is not None:
            self.found = replace(self.found, device=device)

    async def _connect(self) -> None:
        self._lost.clear()
        client = BleakClient(
            self.found.device,
            disconnected_callback=self._on_disconnected,
            timeout=self._settings.connect_timeout_s,
            backend=self._backends.client,
            **dict(self._backends.options),
        )
        self._client = client
        try:
            await client.connect()
            await self._subscribe(client)
            await self._read_battery(client)
            self._last_rx_loop_s = asyncio.get_running_loop().time()  # silence counts from here
            self._last_rx_stamp_s = self._stamp()
            self.connected = True
            for command in commands_for(self.found.profile, "start"):
                await self.command(command.name)
        except LINK_ERRORS:
            self.connected = False
            await self._disconnect(client)
            raise
        if not client.is_connected:  # dropped during set-up, after the callback's event was cleared
            self.connected = False
            raise BleakError("the link dropped while starting the sensor")

    async def _subscribe(self, client: BleakClient) -> None:
        """Control points first (for their replies), then data; a missing characteristic is warned once."""
        chars = self.found.profile.characteristics
        ordered = [c for c in chars if c.role == "control"] + [c for c in chars if c.role == "data"]
        for spec in ordered:
            if not spec.properties & {"notify", "indicate"}:
                continue
            char = self._find(client, spec)
            if char is None:
                self._warn_once(
                    spec.name,
                    f"sensor {self.sensor_id} has no {spec.name} ({spec.uuid}); its firmware differs from "
                    f"profile {self.found.profile.short_name}",
                )
                continue
            await client.start_notify(char, self._notification_handler(spec.uuid))

    async def _read_battery(self, client: BleakClient) -> None:
        """Battery level as packets (recorded and decoded like any other): read, then subscribe if notified.

        Only where the profile lists the characteristic; a device without it (or BlueZ's battery
        plugin hiding the service) gives no battery and no warning. A refused read or subscription
        is not a lost link.
        """
        spec = next((c for c in self.found.profile.characteristics if c.uuid == BATTERY_LEVEL_UUID), None)
        if spec is None:
            return
        char = self._find(client, spec)
        if char is None:
            logger.info("sensor %s has no battery service", self.sensor_id)
            return
        handler = self._notification_handler(spec.uuid)
        try:
            # Read before subscribing: BlueZ passes a read's value to the notification callback too
            # (it is one D-Bus "Value" property), which would record the level twice.
            if "read" in char.properties:
                value = await client.read_gatt_char(char)
                self._deliver(RawPacket(self.sensor_id, spec.uuid, self._stamp(), bytes(value)))
            if "notify" in char.properties:
                await client.start_notify(char, handler)
        except BleakGATTProtocolError as exc:
            logger.info("sensor %s: battery level refused: %s", self.sensor_id, exc)

    @staticmethod
    def _find(client: BleakClient, spec: CharacteristicSpec) -> BleakGATTCharacteristic | None:
        """The characteristic within its own service (a UUID may repeat across services)."""
        service = client.services.get_service(spec.service_uuid)
        return service.get_characteristic(spec.uuid) if service is not None else None

    # -- control points ------------------------------------------------------------------------

    async def command(self, name: str, **params: SettingValue) -> ControlResponse | None:
        """Write a profile command and wait for its reply when the profile says there is one.

        A refused or missing reply is reported (``CommandFailed``, one warning per command)
        but does not stop the run: a sensor that is already streaming refuses a second start.
        """
        client = self._client
        if client is None or not client.is_connected:
            raise BleakError(f"sensor {self.sensor_id} is not connected")
        command = self.found.profile.command(name)
        char: CharacteristicSpec = self.found.profile.characteristic(command.characteristic)
        data = self._encoder.encode_command(name, **params)
        async with self._command_lock:  # one exchange at a time: replies are matched by order
            self._replies = asyncio.Queue() if command.response is not None else None
            try:
                target = self._find(client, char) or char.uuid
                await client.write_gatt_char(target, data, response="write" in char.properties)
                if command.response is None:
                    return None
                reply = await asyncio.wait_for(self._next_reply(), self._settings.command_timeout_s)
            except TimeoutError:
                self._fail(name, f"no reply within {self._settings.command_timeout_s:g} s")
                return None
            finally:
                self._replies = None
        if not reply.ok:
            detail = ", ".join(f"{k} {v}" for k, v in reply.params.items() if v not in ((), None, ""))
            self._fail(name, f"refused with code {reply.result_code}" + (f" ({detail})" if detail else ""))
        return reply

    async def _next_reply(self) -> ControlResponse:
        assert self._replies is not None  # noqa: S101 - set by command() before waiting
        while True:
            packet = await self._replies.get()
            try:
                control = self._replies_decoder.decode(packet).control
            except DecodeError:
                continue
            if control is not None:
                return control

    def _fail(self, command: str, reason: str) -> None:
        self._warn_once(f"command:{command}", f"sensor {self.sensor_id}: {command} {reason}")
        self._emit(CommandFailed(self.sensor_id, self._stamp(), command, reason))

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            logger.warning("%s", message)

    # -- closing ---------------------------------------------------------------------------------

    async def close(self) -> None:
        """Send the stop commands (best effort) and disconnect."""
        client = self._client
        if client is not None and client.is_connected:
            for command in commands_for(self.found.profile, "stop"):
                try:
                    await self.command(command.name)
                except LINK_ERRORS as exc:
                    logger.info("sensor %s: %s on close failed: %s", self.sensor_id, command.name, exc)
                    break
        self._closing = True
        self.connected = False
        if client is not None:
            await self._disconnect(client)

    @staticmethod
    async def _disconnect(client: BleakClient) -> None:
        try:
            await client.disconnect()
        except LINK_ERRORS as exc:
            logger.debug("disconnect failed (already gone?): %s", exc)
