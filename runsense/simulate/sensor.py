"""A virtual sensor: a Bumble peripheral serving one firmware profile's GATT database on the radio's link.

Everything it knows comes from the profile: the services and characteristics (with their
properties), what it advertises, the control-point commands it understands and the replies it
sends (``response`` templates), and the payloads of its read-only characteristics (the
profile's embedded examples). It behaves like the device where tests need it to: a notify-only
characteristic refuses reads, an IMU streams only between its start and stop commands, and a
dropped link is followed by advertising again (unless told to stay away).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

from bumble.core import BaseBumbleError
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, Service

from runsense.profiles import ControlResponse, ProfileEncoder, expected_reply
from runsense.profiles.schema import CharacteristicSpec, Profile, SettingValue
from runsense.simulate.gatt_build import (
    advertising_data,
    build_characteristic,
    bumble_uuid,
    legacy_advertising_data,
    literal_prefix,
    match_command,
)
from runsense.simulate.radio import VirtualRadio, quietly_disconnect
from runsense.sources.link import BATTERY_LEVEL_UUID

logger = logging.getLogger(__name__)

ADVERTISING_INTERVAL_MS = 20.0
"""Fast advertising, so a reconnect finds the sensor within one loop of the link."""
TASK_DRAIN_S = 1.0


class VirtualSensor:
    """One simulated device of ``profile`` on ``radio``; call ``start()`` to power it on and advertise."""

    def __init__(  # noqa: PLR0913 - keyword-only, each documented
        self,
        radio: VirtualRadio,
        profile: Profile,
        *,
        name: str,
        settings: Mapping[str, SettingValue] | None = None,
        address: str | None = None,
        advertising_interval_ms: float = ADVERTISING_INTERVAL_MS,
    ) -> None:
        """``settings`` are the profile settings the device runs with (rate, range...)."""
        self.radio = radio
        self.profile = profile
        self.name = name
        self.user_settings = dict(settings or {})
        self.encoder = ProfileEncoder(profile, settings=self.user_settings, device_name=name)
        self.address = address or radio.new_address()
        self._interval_ms = advertising_interval_ms
        self._device: Device | None = None
        self._chars: dict[str, Characteristic[bytes]] = {}
        self._start_commands = [c.name for c in profile.commands if c.phase == "start"]
        self.streaming = not self._start_commands
        """True while the IMU stream is on: after the last start command, until a stop command."""
        self.commands: list[str] = []
        """Names of the commands received, in order (``unknown:<hex>`` for anything else)."""
        self.refusals: dict[str, int] = {}
        """Commands answered with this error code instead of success (a pod that cannot calibrate)."""
        self._commands_changed = asyncio.Event()
        self.connected = asyncio.Event()
        """Set at the first connection from a central."""
        self._reachable = True
        self._rejections = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._advertising_lock = asyncio.Lock()
        self._values: dict[str, bytes] = {}
        radio.attach(self)

    # -- life cycle ----------------------------------------------------------------------

    @property
    def device(self) -> Device:
        """The Bumble device (after ``start()``)."""
        if self._device is None:
            raise RuntimeError(f"virtual sensor {self.name!r} is not started")
        return self._device

    async def start(self) -> None:
        """Build the GATT database, power on and advertise."""
        if self._device is not None:
            return
        device = self.radio.sensor_device(self.name, self.address)
        services: dict[str, list[Characteristic[bytes]]] = {}
        for spec in self.profile.characteristics:
            char = build_characteristic(spec, read=self._read_value, write=self._on_write)
            self._chars[spec.name] = char
            services.setdefault(spec.service_uuid, []).append(char)
        for service_uuid, chars in services.items():
            device.add_service(Service(bumble_uuid(service_uuid), chars))
        device.on(device.EVENT_CONNECTION, self._on_connection)
        self._device = device
        await device.power_on()
        await self._advertise()

    async def close(self) -> None:
        """Disconnect, stop advertising, power off: in this order, or Bumble trips over its own state."""
        if self._device is None:
            return
        self._reachable = False
        if self._tasks:  # let replies and advertising finish: cancelling mid-HCI-command upsets Bumble
            _, pending = await asyncio.wait(set(self._tasks), timeout=TASK_DRAIN_S)
            for task in pending:
                task.cancel()
        for connection in list(self._device.connections.values()):
            await quietly_disconnect(connection)
        await self._stop_advertising()
        await self._device.power_off()
        self._device = None

    async def _advertise(self) -> None:
        async with self._advertising_lock:  # start and stop must not interleave (Bumble state)
            if not self._reachable or self._device is None:
                return
            if self.radio.legacy_advertising_only:
                data, response = legacy_advertising_data(self.name, self.profile.advertised_services)
            else:
                data, response = advertising_data(self.name, self.profile.advertised_services), b""
            await self._device.start_advertising(
                advertising_data=data,
                scan_response_data=response,
                advertising_interval_min=self._interval_ms,
                advertising_interval_max=self._interval_ms,
            )

    async def _stop_advertising(self) -> None:
        async with self._advertising_lock:
            if self._device is not None:
                await self._device.stop_advertising()

    def _on_connection(self, connection: Connection) -> None:
        self.connected.set()
        connection.on(connection.EVENT_DISCONNECTION, lambda _reason: self._after_disconnection())
        if self._rejections > 0:  # a flaky link: the connection dies while the central sets it up
            self._rejections -= 1
            self._spawn(quietly_disconnect(connection))

    def reject_connections(self, count: int) -> None:
        """Drop the next ``count`` connections right after they are made."""
        self._rejections = count

    def _after_disconnection(self) -> None:
        self.streaming = not self._start_commands  # the device forgets its stream with the link
        if self._reachable and self._device is not None:
            self._spawn(self._advertise())

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drop_link(self, *, stay_away: bool = False) -> None:
        """Drop every connection from the sensor's side (as a sensor out of range or rebooting).

        With ``stay_away`` it does not advertise again until ``come_back()``, so a test can hold
        the gap open for as long as it needs.
        """
        self._reachable = not stay_away
        if stay_away:
            await self._stop_advertising()
        for connection in list(self.device.connections.values()):
            await quietly_disconnect(connection)

    async def come_back(self) -> None:
        """Advertise again after ``drop_link(stay_away=True)``."""
        self._reachable = True
        await self._advertise()

    # -- GATT ------------------------------------------------------------------------------

    def _read_value(self, spec: CharacteristicSpec) -> bytes:
        """What a read returns: the value last set, else the profile's first valid example payload."""
        if spec.name in self._values:
            return self._values[spec.name]
        for example in self.profile.examples:
            if example.characteristic in (spec.name, spec.uuid) and example.error is None:
                return example.payload
        return b""

    def _on_write(self, spec: CharacteristicSpec, value: bytes) -> None:
        command = match_command(self.profile, spec, value)
        self.commands.append(command.name if command else f"unknown:{value.hex()}")
        self._commands_changed.set()
        self._commands_changed = asyncio.Event()
        if command is None:
            logger.info("%s: ignoring unknown write %s to %s", self.name, value.hex(" "), spec.name)
            return
        if command.phase == "stop":
            self.streaming = False
        elif command.phase == "start" and command.name == self._start_commands[-1]:
            self.streaming = True
        reply = expected_reply(self.profile, command, settings=self.user_settings)
        if reply is not None and command.name in self.refusals:
            opcode = literal_prefix(command.template)[0][0]
            refusal = ControlResponse(opcode, self.refusals[command.name], ok=False)
            reply = self.encoder.encode_control_reply(self._reply_characteristic(spec).name, refusal)
        if reply is not None:
            self._spawn(self._send_reply(spec, reply))  # after the write response, as devices do

    def _reply_characteristic(self, spec: CharacteristicSpec) -> CharacteristicSpec:
        if spec.properties & {"notify", "indicate"}:
            return spec
        same_service = [
            c
            for c in self.profile.characteristics
            if c.service_uuid == spec.service_uuid and "notify" in c.properties
        ]
        return same_service[0] if same_service else spec

    async def _send_reply(self, spec: CharacteristicSpec, reply: bytes) -> None:
        await asyncio.sleep(0)
        await self.notify(self._reply_characteristic(spec).name, reply)

    async def wait_command(self, name: str) -> None:
        """Return once command ``name`` has been received (tests bound this with ``wait_for``)."""
        while name not in self.commands:
            await self._commands_changed.wait()

    # -- sending ------------------------------------------------------------------------------

    def subscribers(self, characteristic: str) -> int:
        """How many connections enabled notifications or indications of ``characteristic``."""
        if self._device is None:
            return 0
        handle = self._chars[characteristic].handle
        count = 0
        for connection in self._device.connections.values():
            cccd = self._device.gatt_server.subscribers.get(connection, {}).get(handle)
            if cccd and cccd[0] & 0x03:
                count += 1
        return count

    async def notify(self, characteristic: str, payload: bytes) -> int:
        """Send ``payload`` on ``characteristic`` (indicated when it cannot notify); returns receivers."""
        receivers = self.subscribers(characteristic)
        if receivers == 0:
            return 0
        char = self._chars[characteristic]
        with contextlib.suppress(BaseBumbleError):  # the link went away mid-send: the packet is lost
            if char.properties & Characteristic.Properties.NOTIFY:
                await self.device.notify_subscribers(char, payload)
            else:
                await self.device.indicate_subscribers(char, payload)
        return receivers

    async def set_battery_level(self, percent: int) -> int:
        """Battery level reads give ``percent`` from now on; subscribers are notified (returns how many)."""
        spec = next((c for c in self.profile.characteristics if c.uuid == BATTERY_LEVEL_UUID), None)
        if spec is None:
            raise ValueError(f"profile {self.profile.short_name} has no battery level characteristic")
        self._values[spec.name] = bytes([percent])
        return await self.notify(spec.name, self._values[spec.name])

    async def send_imu(self, payload: bytes) -> int:
        """Send one IMU packet, but only while the stream is on (as the device would)."""
        if not self.streaming or self.profile.imu is None:
            return 0
        return await self.notify(self.profile.imu.characteristic, payload)
