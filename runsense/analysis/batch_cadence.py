"""``CadenceEstimator.update`` for every contact of a segment at once, in columns.

Each contact's cadence depends only on the last ``_PERIOD_HISTORY`` step intervals since the
last reset (segment start, stop or bad interval), so all contacts can be computed together: one
row per contact holding its own interval history, and the estimator's steps (typical period,
whole-step units, the window of steps, the median pairwise rate) as operations on those rows.
The sums are taken in the same order as the estimator's, so the numbers are the same bit for bit
(tests/analysis/test_batch.py compares them); a change to one must be made to both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from runsense.analysis.cadence import PENDING_FRACTION, PERIOD_HISTORY
from runsense.analysis.window import BoolArray
from runsense.model import FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class CadenceColumns:
    """Per contact, as ``CadenceUpdate``: NaN where the estimator says None."""

    cadence_inst_spm: FloatArray
    cadence_spm: FloatArray
    regularity: FloatArray
    steps_in_interval: IntArray


def cadence_columns(
    t_s: FloatArray, *, steps_per_contact: int, window_steps: int, max_interval_s: float
) -> CadenceColumns:
    """What ``CadenceEstimator`` (reset at the first contact) reports for each contact time of ``t_s``."""
    n = t_s.size
    inst = np.full(n, np.nan)
    cadence = np.full(n, np.nan)
    regularity = np.full(n, 0.5)
    steps_in = np.ones(n, dtype=np.int64)
    if n < 2:
        return CadenceColumns(inst, cadence, regularity, steps_in)
    interval = np.empty(n)
    interval[0] = np.nan
    interval[1:] = t_s[1:] - t_s[:-1]
    valid = (interval <= max_interval_s) & (interval > 0)  # NaN (the first contact) is not valid
    rows = np.flatnonzero(valid)
    if rows.size == 0:
        return CadenceColumns(inst, cadence, regularity, steps_in)
    history = _histories(interval, valid, rows)
    period = _typical_period(history)
    units, unit_steps, n_units = _units(history, period)
    n_last = unit_steps[np.arange(rows.size), n_units - 1]
    # The newest unit, when shorter than a whole step, waits for the next contact (at most one does).
    last_unit = units[np.arange(rows.size), n_units - 1]
    usable = n_units - ((n_units > 1) & (last_unit < PENDING_FRACTION * period))
    taken, total = _window(unit_steps, usable, steps_per_contact=steps_per_contact, window_steps=window_steps)
    ratio = interval[rows] / period
    reg = np.where(taken >= 3, np.maximum(0.0, 1.0 - 2.0 * np.abs(ratio - np.rint(ratio))), 0.5)
    per_min = 60.0 * steps_per_contact
    step_s = _robust_step_s(units, unit_steps, usable, taken, total, even=steps_per_contact == 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cadence[rows] = per_min / step_s
    inst[rows] = per_min * np.maximum(n_last, 1) / interval[rows]
    regularity[rows] = reg
    steps_in[rows] = n_last
    return CadenceColumns(inst, cadence, regularity, steps_in)


def _histories(interval: FloatArray, valid: BoolArray, rows: IntArray) -> FloatArray:
    """Per valid contact, its interval history (oldest first, right-aligned, NaN before its start)."""
    n = interval.size
    # Index of the last reset at or before each contact: an invalid interval clears the history.
    reset_at = np.maximum.accumulate(np.where(valid, -1, np.arange(n)))
    length = np.minimum(PERIOD_HISTORY, rows - reset_at[rows])
    padded = np.concatenate((np.full(PERIOD_HISTORY - 1, np.nan), interval))
    windows = np.lib.stride_tricks.sliding_window_view(padded, PERIOD_HISTORY)[rows]
    age = np.arange(PERIOD_HISTORY - 1, -1, -1)  # 0 = the contact's own interval
    return np.where(age[None, :] < length[:, None], windows, np.nan)


def _typical_period(history: FloatArray) -> FloatArray:
    """Median of the means of consecutive interval pairs (the only interval when there is one)."""
    length = (~np.isnan(history)).sum(axis=1)
    pair_means = np.sort(0.5 * (history[:, :-1] + history[:, 1:]), axis=1)  # NaN pairs sort last
    count = np.maximum(length - 1, 1)
    mid = count // 2
    rows = np.arange(history.shape[0])
    upper = pair_means[rows, mid]
    lower = pair_means[rows, np.maximum(mid - 1, 0)]
    median = np.where(count % 2 == 1, upper, 0.5 * (lower + upper))
    return np.where(length == 1, history[:, -1], median)


def _units(history: FloatArray, period: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """Intervals merged into whole-step units, left-aligned; their step counts; how many per row."""
    rows, cols = history.shape
    min_unit = PENDING_FRACTION * period
    present = ~np.isnan(history)
    history0 = np.where(present, history, 0.0)  # adding 0.0 leaves a sum unchanged, bit for bit
    carried = np.zeros(rows)
    placed = np.full((rows, cols + 1), np.nan)  # a unit in the column where it closed; the last: the tail
    for c in range(cols):
        carried += history0[:, c]
        closed = present[:, c] & (carried >= min_unit)
        placed[:, c] = np.where(closed, carried, np.nan)
        carried[closed] = 0.0
    placed[:, cols] = np.where(carried != 0.0, carried, np.nan)
    is_unit = ~np.isnan(placed)
    order = np.argsort(~is_unit, axis=1, kind="stable")  # units first, in their order
    units = np.take_along_axis(placed, order, axis=1)
    n_units = is_unit.sum(axis=1)
    unit_steps = np.where(np.isnan(units), 0, np.rint(units / period[:, None])).astype(np.int64)
    return units, unit_steps, n_units


def _window(
    unit_steps: IntArray, usable: IntArray, *, steps_per_contact: int, window_steps: int
) -> tuple[IntArray, IntArray]:
    """Units counted back from the newest usable one until they hold the window; and their steps."""
    rows = np.arange(unit_steps.shape[0])
    taken = np.zeros(rows.size, dtype=np.int64)
    total = np.zeros(rows.size, dtype=np.int64)
    open_ = np.ones(rows.size, dtype=bool)
    for m in range(unit_steps.shape[1]):
        more = open_ & (m < usable)
        if not more.any():
            break
        pos = np.maximum(usable - 1 - m, 0)
        total = np.where(more, total + unit_steps[rows, pos], total)
        taken += more
        open_ = more & (total * steps_per_contact < window_steps)
    if steps_per_contact == 1:  # an even number of steps: as many left as right steps
        extend = (total % 2 == 1) & (taken < usable)
        pos = np.maximum(usable - 1 - taken, 0)
        total = np.where(extend, total + unit_steps[rows, pos], total)
        taken += extend
    return taken, total


def _robust_step_s(  # noqa: PLR0913 - the window's columns, as _window leaves them
    units: FloatArray, unit_steps: IntArray, usable: IntArray, taken: IntArray, total: IntArray, *, even: bool
) -> FloatArray:
    """Median time per step over pairs of unit boundaries (``cadence._robust_step_s``); NaN without steps."""
    rows = np.arange(units.shape[0])
    width = int(taken.max())
    first = usable - taken
    cols = first[:, None] + np.arange(width)
    inside = np.arange(width)[None, :] < taken[:, None]
    cols = np.minimum(cols, units.shape[1] - 1)
    # Left-aligned, zero after the window: running sums start at 0.0 and add in the estimator's order.
    sel_s = np.where(inside, units[rows[:, None], cols], 0.0)
    sel_steps = np.where(inside, unit_steps[rows[:, None], cols], 0)
    times_at = np.zeros((rows.size, width + 1))
    times_at[:, 1:] = np.cumsum(sel_s, axis=1)
    steps_at = np.zeros((rows.size, width + 1), dtype=np.int64)
    steps_at[:, 1:] = np.cumsum(sel_steps, axis=1)
    pairs = np.array(list(itertools.combinations(range(width + 1), 2)), dtype=np.int64).reshape(-1, 2)
    i, j = pairs[:, 0], pairs[:, 1]
    d_steps = steps_at[:, j] - steps_at[:, i]
    ok = (j[None, :] <= taken[:, None]) & (d_steps > 0)
    if even:
        ok &= d_steps % 2 == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        per_step = np.where(ok, (times_at[:, j] - times_at[:, i]) / d_steps, np.nan)
    per_step.sort(axis=1)
    count = ok.sum(axis=1)
    mid = np.maximum(count // 2, 0)
    upper = per_step[rows, np.minimum(mid, per_step.shape[1] - 1)]
    lower = per_step[rows, np.maximum(mid - 1, 0)]
    median = np.where(count % 2 == 1, upper, 0.5 * (lower + upper))
    end_s = times_at[rows, taken]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = end_s / total
    step_s = np.where(count > 0, median, mean)
    return np.where(total > 0, step_s, np.nan)
