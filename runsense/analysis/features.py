"""Per-sample detection features, computed causally with their filter state carried across chunks.

One ``FeatureFilter`` serves a segment; the streaming detector calls it once per chunk and the
batch path once for the whole segment. ``np.convolve`` sums each output in the same order
whatever the chunking, so both get bit-identical features.

- ``mag_g``: |a| (g).
- ``feature``: what peaks once per step (trunk: |a| smoothed by a Hann window) or per stride
  (limb: the jerk |da/dt| averaged over a Hann-weighted burst window).
- ``onset_jerk``: limb only, the jerk smoothed just enough to time a contact onset.
- ``clipped``: some axis at or above the clip level read the same three times running.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from runsense.analysis.settings import AnalyserSettings
from runsense.analysis.window import BoolArray
from runsense.model import FloatArray

_FEW_ROWS = 256
"""Up to this many rows (a live chunk) ``clipped_flags`` reduces each row directly: fewer calls."""


@dataclass(frozen=True, slots=True)
class Features:
    """Features of one chunk of samples (arrays of the chunk's length)."""

    mag_g: FloatArray
    feature: FloatArray
    onset_jerk: FloatArray | None
    """Limb sensors only (None for trunk)."""
    clipped: BoolArray | None
    """None when no sample of the chunk reaches the clip level (the common case: nothing to check)."""


def clipped_flags(both: FloatArray, acc_g: FloatArray, clip_min_g: float) -> BoolArray | None:
    """Per new sample: some axis at or above ``clip_min_g`` read the same three times running.

    ``both`` is the two previous rows followed by ``acc_g``. Most chunks have no reading that
    high; then nothing else is computed and the answer is None (no sample clipped).
    """
    high = (acc_g >= clip_min_g) | (acc_g <= -clip_min_g)  # |a| >= clip, without a float temporary
    if not high.any():
        return None
    unchanged = both[1:] == both[:-1]
    flat_top = unchanged[1:] & unchanged[:-1] & high
    if acc_g.shape[0] <= _FEW_ROWS:
        few: BoolArray = flat_top.any(axis=1)
        return few
    flags = np.zeros(acc_g.shape[0], dtype=bool)
    # Rows of the flat (row-major) hits: several times cheaper than flat_top.any(axis=1) on many rows.
    flags[np.flatnonzero(flat_top) // acc_g.shape[1]] = True
    return flags


class FeatureFilter:
    """The causal feature filters of one segment, for one placement kind and sample rate."""

    def __init__(self, settings: AnalyserSettings, *, fs_hz: float, n_axes: int, single_leg: bool) -> None:
        """Build the FIR windows for this rate; the state starts empty (a new segment)."""
        self._fs = fs_hz
        self._clip_min_g = settings.clip_min_g
        self.single_leg = single_leg
        self._prev_rows = np.full((2, n_axes), np.nan)  # last two raw rows, for jerk and clipping
        if single_leg:
            n_ma = max(1, round(settings.limb_jerk_smooth_s * fs_hz))
            self._onset_fir = np.full(n_ma, 1.0 / n_ma)
            self.burst_n = max(n_ma, round(settings.limb_burst_s * fs_hz))
            # Hann-weighted, not flat: a flat average of a burst shorter than it has a plateau, whose
            # top would wander with the noise (and with it the peak's place within the stride).
            burst_window = np.hanning(self.burst_n + 2)[1:-1]
            self._fir = burst_window / burst_window.sum()
            self._tail: FloatArray | None = np.zeros(self.burst_n - 1)  # last jerk values
        else:
            n_taps = max(3, round(settings.trunk_smooth_s * fs_hz))
            window = np.hanning(n_taps + 2)[1:-1]
            self._fir = window / window.sum()
            self._onset_fir = self._fir
            self.burst_n = 1
            self._tail = None  # set from the first |a|: the filter starts settled, as if it had lasted

    def __call__(self, acc_g: FloatArray) -> Features:
        """Features of the next chunk (``acc_g``: samples x axes, g)."""
        n = acc_g.shape[0]
        # In place where it can be: a whole recording's temporaries are megabytes of fresh memory.
        mag = np.einsum("ij,ij->i", acc_g, acc_g)
        np.sqrt(mag, out=mag)
        both = np.concatenate((self._prev_rows, acc_g))
        clipped = clipped_flags(both, acc_g, self._clip_min_g)
        self._prev_rows = both[-2:]
        onset_jerk = None
        if self.single_leg:
            step = both[2:] - both[1:-1]  # np.diff without its per-call overhead (same values)
            jerk = np.einsum("ij,ij->i", step, step)
            np.sqrt(jerk, out=jerk)
            jerk *= self._fs
            if math.isnan(jerk[0]):
                jerk[0] = 0.0  # the segment's first sample has no predecessor
            assert self._tail is not None  # noqa: S101 - set in __init__ for limbs
            padded = np.concatenate((self._tail, jerk))
            feature = np.convolve(padded, self._fir, mode="valid")
            onset_in = padded[padded.size - n - self._onset_fir.size + 1 :]
            onset_jerk = np.convolve(onset_in, self._onset_fir, mode="valid")
            self._tail = padded[padded.size - self._tail.size :]
        else:
            if self._tail is None:
                self._tail = np.full(self._fir.size - 1, mag[0])
            padded = np.concatenate((self._tail, mag))
            feature = np.convolve(padded, self._fir, mode="valid")
            self._tail = padded[padded.size - self._tail.size :]
        return Features(mag_g=mag, feature=feature, onset_jerk=onset_jerk, clipped=clipped)
