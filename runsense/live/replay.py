"""Replay: a recording read as a plain iterator, paced by a separate transport (python-can style).

``ReplayTransport`` owns the play position in session seconds: it advances at ``speed``
times the injected clock while playing, and can be paused, sped up or moved. ``ReplaySource``
yields the recording's packets when the position reaches them. At ``speed=math.inf``
nothing waits, which is how tests and ``--speed max`` run.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass

from runsense.clock import Clock
from runsense.model import RawPacket

MIN_SPEED = 0.5
MAX_SPEED = 20.0


@dataclass(frozen=True, slots=True)
class Restart:
    """Yielded before the packets again after a seek: the consumer starts a fresh session."""

    target_s: float


class ReplayTransport:
    """Play position (session seconds) driven by a clock; play/pause, speed and seek."""

    def __init__(self, clock: Clock, *, speed: float = 1.0, start_s: float = 0.0) -> None:
        """``speed`` may be ``math.inf`` (as fast as possible)."""
        self._clock = clock
        self._speed = speed
        self._paused = False
        self._base_pos_s = start_s
        self._base_wall_s = clock.now_s()
        self._changed = asyncio.Event()

    @property
    def speed(self) -> float:
        """Current replay speed factor."""
        return self._speed

    @property
    def paused(self) -> bool:
        """True while paused."""
        return self._paused

    def position_s(self) -> float:
        """Where the replay is now."""
        if self._paused or math.isinf(self._speed):
            return self._base_pos_s
        return self._base_pos_s + (self._clock.now_s() - self._base_wall_s) * self._speed

    def _rebase(self, position_s: float) -> None:
        self._base_pos_s = position_s
        self._base_wall_s = self._clock.now_s()
        self._changed.set()
        self._changed = asyncio.Event()

    def set_speed(self, speed: float) -> None:
        """Change speed without jumping."""
        position = self.position_s()
        self._speed = speed
        self._rebase(position)

    def set_paused(self, *, paused: bool) -> None:
        """Pause or resume at the current position."""
        position = self.position_s()
        self._paused = paused
        self._rebase(position)

    def move_to(self, position_s: float) -> None:
        """Jump to a position (the source decides how to get there)."""
        self._rebase(position_s)

    async def wait_until(self, position_s: float) -> None:
        """Return when the play position reaches ``position_s``; follows pauses and speed changes."""
        while True:
            if math.isinf(self._speed) and not self._paused:
                self._base_pos_s = max(self._base_pos_s, position_s)
                return
            if not self._paused and self.position_s() >= position_s:
                return
            changed = self._changed
            if self._paused:
                await changed.wait()
                continue
            deadline_s = self._base_wall_s + (position_s - self._base_pos_s) / self._speed
            sleeper = asyncio.ensure_future(self._clock.sleep_until(deadline_s))
            waiter = asyncio.ensure_future(changed.wait())
            try:
                await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, waiter):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task


class ReplaySource:
    """Packets of a recording in order, released by the transport's position; supports seeking."""

    def __init__(self, open_packets: Callable[[], Iterable[RawPacket]], transport: ReplayTransport) -> None:
        """``open_packets`` starts a fresh pass over the recording (called again after a seek)."""
        self._open_packets = open_packets
        self.transport = transport
        self._seek_to_s: float | None = None

    def seek(self, target_s: float) -> None:
        """Go to ``target_s``: the packets before it are replayed at once into a fresh session."""
        self._seek_to_s = max(0.0, target_s)
        self.transport.move_to(self._seek_to_s)

    async def packets(self) -> AsyncIterator[RawPacket | Restart]:
        """Yield packets when their time comes; after a seek, a ``Restart`` and a fast-forward."""
        fast_until_s = -math.inf
        iterator: Iterator[RawPacket] = iter(self._open_packets())
        while True:
            if self._seek_to_s is not None:
                fast_until_s, self._seek_to_s = self._seek_to_s, None
                iterator = iter(self._open_packets())
                yield Restart(fast_until_s)
            packet = next(iterator, None)
            if packet is None:
                return
            if packet.t_received_s > fast_until_s:
                await self.transport.wait_until(packet.t_received_s)
            else:
                await asyncio.sleep(0)  # let the UI breathe during a long fast-forward
            yield packet
