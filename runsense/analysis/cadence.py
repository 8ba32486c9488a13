"""Cadence from contact times, robust to a missed or an extra detection.

A median of step intervals is wrong for running: left and right steps alternate
(e.g. 0.29 s / 0.40 s) and a median picks one of them. Instead each interval is
counted as a whole number of steps of the typical period (the median of the means
of consecutive interval pairs, which a left/right alternation does not bias): a
missed contact gives an interval of ~2 periods and counts as 2 steps, a spurious
one splits a period into two parts that round to 1 step together. Cadence is then
steps counted over time elapsed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class CadenceUpdate:
    """What one new contact says about cadence (steps/min, both feet)."""

    cadence_inst_spm: float | None
    cadence_spm: float | None
    regularity: float
    """1 when the last interval is a whole number of typical periods, 0 when halfway between."""
    steps_in_interval: int
    """Whole steps the last interval spans (2 or more: a contact was missed; 0: extra detection)."""


class CadenceEstimator:
    """Feeds contact times of one sensor; reports instantaneous and smoothed cadence."""

    def __init__(self, *, steps_per_contact: int, window_intervals: int, max_interval_s: float) -> None:
        """``steps_per_contact`` is 2 for single-leg sensors (one contact per stride), else 1."""
        self._steps_per_contact = steps_per_contact
        self._window = window_intervals
        self._max_interval_s = max_interval_s
        self.reset()

    def reset(self) -> None:
        """Forget history: after a gap or a stop no cadence may be carried over."""
        self._last_t_s: float | None = None
        self._intervals_s: list[float] = []

    def update(self, t_s: float) -> CadenceUpdate:
        """Add the contact at ``t_s`` (seconds, increasing)."""
        last, self._last_t_s = self._last_t_s, t_s
        if last is None:
            return CadenceUpdate(None, None, 0.5, 1)
        interval_s = t_s - last
        if interval_s > self._max_interval_s or interval_s <= 0:
            self._intervals_s = []
            return CadenceUpdate(None, None, 0.5, 1)
        self._intervals_s = [*self._intervals_s[-(self._window - 1) :], interval_s]
        intervals = np.asarray(self._intervals_s)
        period_s = _typical_period_s(intervals)
        n_steps = np.rint(intervals / period_s)
        ratio = interval_s / period_s
        regularity = max(0.0, 1.0 - 2.0 * abs(ratio - round(ratio))) if intervals.size >= 3 else 0.5
        total = float(n_steps.sum())
        per_min = 60.0 * self._steps_per_contact
        cadence = per_min * total / float(intervals.sum()) if total > 0 else None
        n_last = int(n_steps[-1])
        inst = per_min * max(n_last, 1) / interval_s
        return CadenceUpdate(inst, cadence, regularity, n_last)


def _typical_period_s(intervals_s: np.ndarray) -> float:
    if intervals_s.size == 1:
        return float(intervals_s[0])
    pair_means = 0.5 * (intervals_s[1:] + intervals_s[:-1])
    return float(np.median(pair_means))
