"""What every live packet source offers the dashboard and the runners, and the link events of BLE sources.

``ReplaySource`` (a recording) and ``BleSource`` (sensors over bleak) both satisfy
``PacketSource``: an async iterator of raw packets plus a transport with pause and speed. A
live transport cannot seek or change speed; pausing it only pauses what the screen says, the
sensors keep streaming and recording underneath. Link events are plain values: the BLE
source emits them from its own tasks (never from a bleak callback), so sinks may do I/O.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, TypeAlias, runtime_checkable

from runsense.clock import Clock
from runsense.live.replay import Restart
from runsense.model import RawPacket


class SourceTransport(Protocol):
    """Play/pause and speed, as the dashboard's keys drive them."""

    @property
    def paused(self) -> bool:
        """True while paused."""
        ...

    @property
    def speed(self) -> float:
        """Playback speed factor (1.0 for live sources)."""
        ...

    def position_s(self) -> float:
        """Where playback is, in session seconds (for a live source: time since it started)."""
        ...

    def set_paused(self, *, paused: bool) -> None:
        """Pause or resume."""
        ...

    def set_speed(self, speed: float) -> None:
        """Change the speed (ignored by live sources)."""
        ...


class PacketSource(Protocol):
    """Raw packets in arrival order; ``Restart`` only from sources that can seek."""

    @property
    def transport(self) -> SourceTransport:
        """The source's play/pause control."""
        ...

    def packets(self) -> AsyncIterator[RawPacket | Restart]:
        """Packets as they arrive; the iterator ends when the source ends."""
        ...

    def seek(self, target_s: float) -> None:
        """Move to ``target_s`` (a no-op for live sources)."""
        ...


@runtime_checkable
class LinkStatusSource(Protocol):
    """A source that knows which sensors have lost their radio link right now."""

    def lost_sensor_ids(self) -> frozenset[str]:
        """Sensors whose link is down (the dashboard shows them as lost at once)."""
        ...


class LiveTransport:
    """The transport of a live source: pause only flags the display; speed is always 1."""

    def __init__(self, clock: Clock) -> None:
        """Start playing; ``clock`` tells how long the session has run."""
        self._clock = clock
        self._start_s = clock.now_s()
        self._paused = False

    def restart(self) -> None:
        """Count session time from now (when the source has connected)."""
        self._start_s = self._clock.now_s()

    def position_s(self) -> float:
        """Seconds since the source started."""
        return self._clock.now_s() - self._start_s

    @property
    def paused(self) -> bool:
        """True while the runner paused the display."""
        return self._paused

    @property
    def speed(self) -> float:
        """Live data plays at the speed of life."""
        return 1.0

    def set_paused(self, *, paused: bool) -> None:
        """Pause or resume the display; sensors keep streaming and recording."""
        self._paused = paused

    def set_speed(self, speed: float) -> None:
        """Ignored: a live source cannot play faster than it is measured."""


@dataclass(frozen=True, slots=True)
class SensorConnected:
    """The first connection of a sensor is up and streaming (``t_s``: session seconds)."""

    sensor_id: str
    t_s: float
    address: str
    name: str | None
    profile: str


@dataclass(frozen=True, slots=True)
class SensorLost:
    """A sensor's link dropped; the source keeps trying to reconnect."""

    sensor_id: str
    t_s: float


@dataclass(frozen=True, slots=True)
class SensorReconnected:
    """A lost sensor is streaming again; ``gap_s`` is how long it was gone."""

    sensor_id: str
    t_s: float
    gap_s: float
    attempts: int


@dataclass(frozen=True, slots=True)
class CommandFailed:
    """A control-point command got an error reply or none (warned once, the session goes on)."""

    sensor_id: str
    t_s: float
    command: str
    reason: str


LinkEvent: TypeAlias = SensorConnected | SensorLost | SensorReconnected | CommandFailed


def describe(event: LinkEvent) -> str:
    """One line for a log or the headless runner."""
    match event:
        case SensorConnected():
            name = f" {event.name!r}" if event.name else ""
            return f"sensor {event.sensor_id}: connected to{name} {event.address} ({event.profile})"
        case SensorLost():
            return f"sensor {event.sensor_id}: lost at {event.t_s:.1f} s, reconnecting"
        case SensorReconnected():
            return (
                f"sensor {event.sensor_id}: reconnected at {event.t_s:.1f} s after a {event.gap_s:.1f} s gap "
                f"({event.attempts} attempt{'s' if event.attempts != 1 else ''})"
            )
        case CommandFailed():
            return f"sensor {event.sensor_id}: command {event.command} failed: {event.reason}"
