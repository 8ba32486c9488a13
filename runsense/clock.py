"""Clocks for the imperative shell. The analysis core never reads one; the shell gets one injected.

``ManualClock`` lets tests move time by hand, so nothing in the test suite sleeps to wait.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds and a way to wait until a given reading."""

    def now_s(self) -> float:
        """Current monotonic time in seconds."""
        ...

    async def sleep_until(self, deadline_s: float) -> None:
        """Return once ``now_s() >= deadline_s`` (at the latest when woken by ``advance``)."""
        ...


class MonotonicClock:
    """The real clock: ``time.monotonic`` and ``asyncio.sleep``."""

    def now_s(self) -> float:
        """Seconds from an arbitrary start, never going back."""
        return time.monotonic()

    async def sleep_until(self, deadline_s: float) -> None:
        """Sleep the remaining time (returns at once when it has passed)."""
        delay_s = deadline_s - time.monotonic()
        if delay_s > 0:
            await asyncio.sleep(delay_s)


class ManualClock:
    """A clock that only moves when told to; sleepers wake when their deadline is reached."""

    def __init__(self, start_s: float = 0.0) -> None:
        """Start at ``start_s``."""
        self._now_s = start_s
        self._moved = asyncio.Event()

    def now_s(self) -> float:
        """The time set by the last ``advance``."""
        return self._now_s

    def advance(self, delta_s: float) -> None:
        """Move time forward and wake every sleeper so it can check its deadline."""
        self._now_s += delta_s
        self._moved.set()
        self._moved = asyncio.Event()

    async def sleep_until(self, deadline_s: float) -> None:
        """Wait until time has been advanced past ``deadline_s``."""
        while self._now_s < deadline_s:
            await self._moved.wait()
