"""Cadence from contact times, robust to a missed or an extra detection.

A median of step intervals is wrong for running: left and right steps alternate
(e.g. 0.29 s / 0.40 s) and a median picks one of them. Instead each interval is
counted as a whole number of steps of the typical period (the median of the means
of consecutive interval pairs, which a left/right alternation does not bias): a
missed contact gives an interval of ~2 periods and counts as 2 steps, a spurious
one splits a period into two parts that round to 1 step together.

The smoothed cadence is then a robust slope over the last few steps: the median,
over every pair of contacts in the window, of time elapsed per step counted between
them (Theil-Sen). An extra contact that lands where a step could be (so it is not
merged away) or one badly timed detection moves a minority of those pairs and
hardly moves the median, so the window can be short enough to follow a real change
of pace (a trailing window of N steps reports the cadence of N/2 steps ago).
Both-feet sensors use only pairs an even number of steps apart, which span as many
left as right steps, so a left/right asymmetry does not bias it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

PENDING_FRACTION = 0.75
"""A newest interval shorter than this many typical periods is not counted yet."""
PERIOD_HISTORY = 16
"""Intervals kept for the typical period: long enough that one odd interval cannot move its median."""


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

    def __init__(self, *, steps_per_contact: int, window_steps: int, max_interval_s: float) -> None:
        """``steps_per_contact`` is 2 for single-leg sensors (one contact per stride), else 1.

        ``window_steps`` counts steps of both feet whatever the placement, so the smoothed cadence
        lags a real change by the same time on a shank as on the sacrum.
        """
        self._steps_per_contact = steps_per_contact
        self._window = window_steps
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
        self._intervals_s = [*self._intervals_s[-(PERIOD_HISTORY - 1) :], interval_s]
        period_s, units_s, unit_steps = _count_steps(self._intervals_s)
        n_last = unit_steps[-1]
        while len(units_s) > 1 and units_s[-1] < PENDING_FRACTION * period_s:
            # The newest unit is too short to be sure it is a whole step (it may be split by a
            # spurious contact): count up to the contact before it until the next one decides.
            units_s, unit_steps = units_s[:-1], unit_steps[:-1]
        # Units from the newest back until they hold `window` steps (or all there are). Both-feet
        # sensors: an even number of steps keeps a left/right asymmetry from biasing the mean (a
        # single-leg sensor's units are whole strides already).
        total, n_units = 0, 0
        for steps in reversed(unit_steps):
            total += steps
            n_units += 1
            if total * self._steps_per_contact >= self._window:
                break
        if self._steps_per_contact == 1 and total % 2 and n_units < len(unit_steps):
            total += unit_steps[-n_units - 1]
            n_units += 1
        ratio = interval_s / period_s
        regularity = max(0.0, 1.0 - 2.0 * abs(ratio - round(ratio))) if n_units >= 3 else 0.5
        per_min = 60.0 * self._steps_per_contact
        step_s = _robust_step_s(units_s[-n_units:], unit_steps[-n_units:], even=self._steps_per_contact == 1)
        cadence = per_min / step_s if step_s is not None else None
        inst = per_min * max(n_last, 1) / interval_s
        return CadenceUpdate(inst, cadence, regularity, n_last)


def _median_of_sorted(ordered: list[float]) -> float:
    """Median of an already sorted, non-empty list."""
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


def _robust_step_s(units_s: list[float], unit_steps: list[int], *, even: bool) -> float | None:
    """Median time per counted step over all pairs of unit boundaries; None without steps.

    ``even``: only pairs an even number of steps apart; the plain mean over the window when no
    pair qualifies.
    """
    steps_at = list(itertools.accumulate(unit_steps, initial=0))
    times_at = list(itertools.accumulate(units_s, initial=0.0))  # summed in order, as a running total
    if steps_at[-1] <= 0:
        return None
    # A list comprehension over (steps, time) pairs, not a generator over indices: this runs on
    # every contact and was the busiest pure-Python code of the analyser (about 2x faster so).
    boundaries = list(zip(steps_at, times_at, strict=True))
    per_step_s = [
        (time_j - time_i) / (steps_j - steps_i)
        for (steps_i, time_i), (steps_j, time_j) in itertools.combinations(boundaries, 2)
        if steps_j > steps_i and not (even and (steps_j - steps_i) % 2)
    ]
    if not per_step_s:
        return times_at[-1] / steps_at[-1]
    return _median_of_sorted(sorted(per_step_s))


def _count_steps(history_s: list[float]) -> tuple[float, list[float], list[int]]:
    """Typical step period, then the history merged into whole-step units with their step counts.

    An interval shorter than 3/4 of a period may be a fragment of a spurious contact and is
    merged into the next one before counting, so an extra contact adds no step. Plain Python:
    at most 16 numbers, where numpy's per-call cost would dominate.
    """
    if len(history_s) == 1:
        period_s = history_s[0]
    else:
        period_s = _median_of_sorted(sorted([0.5 * (a + b) for a, b in itertools.pairwise(history_s)]))
    min_unit_s = PENDING_FRACTION * period_s
    units_s: list[float] = []
    carried_s = 0.0
    for interval_s in history_s:
        carried_s += interval_s
        if carried_s >= min_unit_s:
            units_s.append(carried_s)
            carried_s = 0.0
    if carried_s:  # a trailing fragment: part of the step still under way
        units_s.append(carried_s)
    return period_s, units_s, [round(u / period_s) for u in units_s]
