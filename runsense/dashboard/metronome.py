"""A metronome at the target cadence that ticks only while the runner is below target.

Asked for by runners for years and done well by nobody (SCIENCE.md). Pure: the caller
passes the time and rings the bell; off by default.
"""

from __future__ import annotations


class Metronome:
    """Decides when a tick is due; one tick per target step interval while below target."""

    def __init__(self, *, enabled: bool = False) -> None:
        """Off unless enabled."""
        self.enabled = enabled
        self._next_tick_s: float | None = None

    def toggle(self) -> bool:
        """Switch on or off; returns the new state."""
        self.enabled = not self.enabled
        self._next_tick_s = None
        return self.enabled

    def due(self, now_s: float, *, target_spm: float | None, below_target: bool) -> bool:
        """True when a tick should sound now."""
        if not (self.enabled and below_target and target_spm):
            self._next_tick_s = None
            return False
        interval_s = 60.0 / target_spm
        if self._next_tick_s is None:
            self._next_tick_s = now_s
        if now_s < self._next_tick_s:
            return False
        # Skip ticks missed by a slow timer rather than ringing them in a burst.
        while self._next_tick_s <= now_s:
            self._next_tick_s += interval_s
        return True
