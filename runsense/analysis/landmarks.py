"""Signal landmarks the contact detector uses, as pure functions of arrays.

``ContactDetector`` picks the samples; for limb sensors (foot, shank) these find the landing that is
due, the impact's sharpest jerk and its onset, and toe-off.
"""

from __future__ import annotations

import numpy as np

from runsense.model import FloatArray

_TOE_OFF_LEVEL_G = 0.0
"""Limb toe-off: the acceleration along the stride-average direction turns negative (a sign change)."""


def on_time_peak(f: FloatArray, n_due: int, min_height: float) -> int | None:
    """Stride-phase consistency: where, in ``f[1 : n_due + 1]``, lies the landing that is due; or None.

    ``f`` is the detection feature from one sample before the due window (about one typical stride
    after the last impact, +- the tolerance) to the last sample at hand, which lies past the window.
    The landing is the window's largest value if it is a local peak, reaches ``min_height`` (a
    fraction of the early candidate's height: comparable) and nothing after it at hand is higher.
    Returns its index within ``f``.
    """
    p = 1 + int(f[1 : n_due + 1].argmax())
    peak = f[p]
    if not (peak >= f[p - 1] and peak > f[p + 1]) or peak < min_height or peak < f[p:].max():
        return None
    return p


def stride_direction(stride_axes: FloatArray) -> FloatArray | None:
    """Unit vector of the mean acceleration over a stride; None when undefined (no samples, a mean ~0).

    That mean is the limb's average 'up', gravity included, in its own axes: along its long axis.
    """
    if stride_axes.shape[0] == 0:
        return None
    direction = stride_axes.mean(axis=0)
    norm = float(np.sqrt(direction @ direction))
    return None if norm < 1e-9 else direction / norm


def loaded_jerk_peak(jerk: FloatArray, axes: FloatArray, direction: FloatArray | None, min_g: float) -> int:
    """Index into ``jerk`` of the impact's sharpest jerk: the largest where the limb is loaded.

    ``axes`` holds the raw acceleration from one sample before ``jerk``'s first to its last (one row
    more), ``direction`` the stride-average direction (``stride_direction``). A landing pushes the limb
    along its axis: there it reads ``min_g`` or more (1 g standing, more on impact) at both samples a
    jerk value spans. A terminal-swing transient just before the landing is a jerk across the limb with
    next to nothing along it, and the ringing after an impact swings that reading through 0: neither
    counts. The plain largest jerk when no direction is known or no sample qualifies.
    """
    if direction is not None:
        loaded = axes @ direction >= min_g
        ok = loaded[1:] & loaded[:-1]
        if ok.any():
            return int(np.where(ok, jerk, -np.inf).argmax())
    return int(jerk.argmax())


def burst_onset(jerk: FloatArray, fraction: float) -> int:
    """Index into ``jerk`` where the burst ending at its last sample (the impact's peak) begins.

    The start of the unbroken run of samples above ``fraction`` of that peak which reaches it: a jerk
    that fell back to or below the fraction before the peak belongs to something earlier (a terminal-
    swing transient), not to the impact. 0 when the whole of ``jerk`` is above it.
    """
    below = np.flatnonzero(jerk <= fraction * jerk[-1])
    return int(below[-1]) + 1 if below.size else 0


def toe_off_offset(stride_axes: FloatArray, stance_axes: FloatArray) -> float | None:
    """Toe-off as a fractional index into ``stance_axes``; None if not seen there.

    The direction is the mean acceleration over the stride before the contact (``stride_axes``:
    the sensor's average 'up', gravity included, in its own axes). Along it the limb reads more
    than 0 g through stance; after push-off, as the shank is flung up and back into swing, it
    turns negative. Toe-off is that zero crossing, interpolated between samples, the first one in
    ``stance_axes`` (which starts past the impact's ringing). None when the direction is
    undefined, no crossing is there, or the signal is already negative where the search starts.
    """
    direction = stride_direction(stride_axes)
    if direction is None or stance_axes.shape[0] < 2:
        return None
    along = stance_axes @ direction - _TOE_OFF_LEVEL_G
    below = np.flatnonzero(along < 0.0)
    if below.size == 0 or below[0] == 0:
        return None
    j = int(below[0])
    fraction = along[j - 1] / (along[j - 1] - along[j])  # along[j - 1] >= 0 > along[j]
    return j - 1 + float(fraction)
