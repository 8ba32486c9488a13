"""Shared wiring for the BLE tests: a source on the virtual radio, waiting for packets and link events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from runsense.clock import Clock, MonotonicClock
from runsense.model import RawPacket
from runsense.profiles import Profile
from runsense.simulate import VirtualRadio, VirtualSensor
from runsense.simulate.scenario import DEVICE_NAMES
from runsense.sources.base import LinkEvent
from runsense.sources.ble import BleSource
from runsense.sources.discovery import BleBackends, SensorSpec
from runsense.sources.link import Backoff, LinkSettings

TIMEOUT_S = 5.0
"""Failure bound for every wait: generous, since a loaded CI machine may be slow."""
FAST_LINKS = LinkSettings(
    connect_timeout_s=2.0,
    command_timeout_s=1.0,
    backoff=Backoff(first_s=0.01, max_s=0.1),
    silence_timeout_s=None,  # virtual sensors send only while a test plays them; tests that need it set it
    rediscover_timeout_s=1.0,
    release_timeout_s=0.5,
)
EventT = TypeVar("EventT")


async def start_sensor(
    radio: VirtualRadio,
    profile: Profile,
    *,
    n: int = 1,
    settings: Mapping[str, float | int | str] | None = None,
) -> VirtualSensor:
    """A started virtual sensor with the advertised name its real counterpart has."""
    sensor = VirtualSensor(
        radio, profile, name=DEVICE_NAMES[profile.short_name].format(n=n), settings=settings
    )
    await sensor.start()
    return sensor


def source_for(  # noqa: PLR0913 - keyword-only test knobs
    radio: VirtualRadio,
    specs: Sequence[SensorSpec],
    profiles: Mapping[str, Profile],
    *,
    clock: Clock | None = None,
    scan_timeout_s: float = 2.0,
    silence_timeout_s: float | None = None,
    profile_silence: bool = False,
    backends: BleBackends | None = None,
) -> BleSource:
    """A BleSource reaching the virtual sensors through bleak with the Bumble backends (or ``backends``)."""
    from runsense.simulate.scenario import Simulation

    settings = replace(FAST_LINKS, silence_timeout_s=silence_timeout_s, profile_silence=profile_silence)

    return BleSource(
        specs,
        clock=clock or MonotonicClock(),
        backends=backends or Simulation(radio).backends,
        profiles=profiles,
        scan_timeout_s=scan_timeout_s,
        link_settings=settings,
    )


async def next_packet(packets: AsyncIterator[RawPacket], *, char_uuid: str | None = None) -> RawPacket:
    """The next packet (on ``char_uuid`` if given), failing after ``TIMEOUT_S``."""

    async def wanted() -> RawPacket:
        async for packet in packets:
            if char_uuid is None or packet.char_uuid == char_uuid:
                return packet
        raise AssertionError("the source ended")

    return await asyncio.wait_for(wanted(), TIMEOUT_S)


class EventLog:
    """Collects a source's link events and lets a test wait for one of a kind."""

    def __init__(self, source: BleSource) -> None:
        self.events: list[LinkEvent] = []
        self._changed = asyncio.Event()
        source.add_listener(self._on_event)

    def _on_event(self, event: LinkEvent) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(self, kind: type[EventT], count: int = 1) -> EventT:
        """The ``count``-th event of ``kind``."""

        async def seen() -> EventT:
            while True:
                matching = [e for e in self.events if isinstance(e, kind)]
                if len(matching) >= count:
                    return matching[count - 1]
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(seen(), TIMEOUT_S)
