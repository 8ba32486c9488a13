"""BleSource: sensors over bleak as one stream of raw packets, stamped on arrival by an injected clock.

``async with BleSource(specs, clock=...) as source`` scans once for every sensor, recognises
each one's firmware profile, connects them all, subscribes and sends the profile's start
commands. ``packets()`` then yields every notification as a ``RawPacket`` in arrival order
(receive times in session seconds from ``start()``); the session decodes and counts malformed
ones. Each sensor's link reconnects on its own after a drop; ``add_listener`` receives the
link events (connected, lost, reconnected with the gap, command failed) from the link tasks.
Leaving the block sends the stop commands and disconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import TracebackType
from typing import Self

from runsense.clock import Clock
from runsense.model import RawPacket
from runsense.profiles import ControlResponse, Profile
from runsense.profiles.schema import SettingValue
from runsense.recording import SensorInfo
from runsense.sources.base import LinkEvent, LiveTransport, SensorReconnected
from runsense.sources.discovery import BleBackends, SensorSpec, find_sensors, sensor_id_for, sensor_info
from runsense.sources.link import LinkSettings, SensorLink

logger = logging.getLogger(__name__)

MAX_QUEUED_PACKETS = 20_000
"""About a minute of two 200 Hz IMUs: beyond it the consumer is stuck and new packets are dropped."""


class BleSource:
    """Live packets from BLE sensors, one link task per sensor, reconnecting after drops."""

    def __init__(  # noqa: PLR0913 - keyword-only, each documented
        self,
        specs: Sequence[SensorSpec],
        *,
        clock: Clock,
        backends: BleBackends | None = None,
        profiles: Mapping[str, Profile] | None = None,
        scan_timeout_s: float = 10.0,
        link_settings: LinkSettings | None = None,
        max_queued_packets: int = MAX_QUEUED_PACKETS,
    ) -> None:
        """``clock`` stamps arrivals; ``backends`` chooses bleak's backends (the virtual radio in tests)."""
        if not specs:
            raise ValueError("BleSource needs at least one sensor")
        self._specs = list(specs)
        self._clock = clock
        self._backends = backends or BleBackends()
        self._profiles = profiles
        self._scan_timeout_s = scan_timeout_s
        self._link_settings = link_settings or LinkSettings()
        self._max_queued = max_queued_packets
        self._queue: asyncio.Queue[RawPacket | None] = asyncio.Queue()
        self._links: list[SensorLink] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._listeners: list[Callable[[LinkEvent], None]] = []
        self._t0_s = 0.0
        self._stopped = False
        self.transport = LiveTransport(clock)
        self.sensors: list[SensorInfo] = []
        """The sensors as the session and the recording know them (after ``start()``)."""
        self.events: list[LinkEvent] = []
        """Every link event so far, in order."""
        self.dropped_packets = 0
        """Packets dropped because nothing consumed the queue (a stuck consumer, not the radio)."""

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Find, recognise, connect and start every sensor; raises a clear ``BleError`` when one fails."""
        if self._profiles is None:
            from runsense.profiles import load_default_profiles  # noqa: PLC0415 - file I/O only when needed

            self._profiles = load_default_profiles()
        found = await find_sensors(
            self._specs, timeout_s=self._scan_timeout_s, backends=self._backends, profiles=self._profiles
        )
        taken: set[str] = set()
        self.sensors = [sensor_info(f, sensor_id_for(f, taken)) for f in found]
        self._t0_s = self._clock.now_s()
        self.transport.restart()
        self._links = [
            SensorLink(
                f,
                info,
                backends=self._backends,
                settings=self._link_settings,
                stamp=self._stamp,
                deliver=self._deliver,
                emit=self._emit,
            )
            for f, info in zip(found, self.sensors, strict=True)
        ]
        try:
            await asyncio.gather(*(link.open() for link in self._links))
        except BaseException:
            await self._close_links()
            raise
        self._tasks = [
            asyncio.create_task(link.supervise(), name=f"ble-{link.sensor_id}") for link in self._links
        ]

    async def stop(self) -> None:
        """Stop reconnecting, send the stop commands, disconnect, and end ``packets()``."""
        if self._stopped:
            return
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close_links()
        self._queue.put_nowait(None)

    async def _close_links(self) -> None:
        for link in self._links:
            await link.close()

    async def __aenter__(self) -> Self:
        """Start (and stop again if starting fails half-way)."""
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop, also when the block failed."""
        await self.stop()

    # -- data ---------------------------------------------------------------------------------

    @property
    def origin_s(self) -> float:
        """The clock reading that session time 0 (``t_received_s == 0``) stands for."""
        return self._t0_s

    def _stamp(self) -> float:
        return self._clock.now_s() - self._t0_s

    def _deliver(self, packet: RawPacket) -> None:
        """Called from bleak's notification callback: enqueue, nothing else."""
        if self._queue.qsize() >= self._max_queued:
            self.dropped_packets += 1
            return
        self._queue.put_nowait(packet)

    async def packets(self) -> AsyncIterator[RawPacket]:
        """Every notification in arrival order, until ``stop()``."""
        while (packet := await self._queue.get()) is not None:
            yield packet

    def seek(self, target_s: float) -> None:
        """Live data cannot seek: ignored."""

    # -- link events and control -----------------------------------------------------------------

    def add_listener(self, listener: Callable[[LinkEvent], None]) -> None:
        """Call ``listener`` with every link event (from the link tasks, never from a bleak callback)."""
        self._listeners.append(listener)

    def _emit(self, event: LinkEvent) -> None:
        self.events.append(event)
        for listener in self._listeners:
            listener(event)

    def lost_sensor_ids(self) -> frozenset[str]:
        """Sensors whose link is down right now (the dashboard marks them lost at once)."""
        return frozenset(link.sensor_id for link in self._links if not link.connected)

    @property
    def gaps(self) -> list[SensorReconnected]:
        """Every reconnect so far, each with the length of its gap."""
        return [e for e in self.events if isinstance(e, SensorReconnected)]

    async def send_command(self, sensor_id: str, name: str, **params: SettingValue) -> ControlResponse | None:
        """Send an on-demand profile command (e.g. ``start_calibration``) and return the sensor's reply."""
        for link in self._links:
            if link.sensor_id == sensor_id:
                return await link.command(name, **params)
        raise KeyError(f"no sensor {sensor_id!r}; sensors: {', '.join(s.sensor_id for s in self.sensors)}")
