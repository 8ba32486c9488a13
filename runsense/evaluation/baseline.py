"""The naive contact detector that runsense has to beat.

It is the "simple peak picking" of the data README: peaks of the acceleration
magnitude with one fixed height and minimum spacing per placement, nothing causal,
no filtering, no per-trial tuning. The two constants per placement were chosen once
as round, physically plausible values (an impact is well above 1 g; peaks closer than
the shortest plausible step or stride are one event), not fitted to the trials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.signal import find_peaks

if TYPE_CHECKING:
    from runsense.model import FloatArray, Placement


@dataclass(frozen=True, slots=True)
class PeakParams:
    """Fixed find_peaks settings for one kind of placement."""

    height_g: float
    distance_s: float


# Single-leg sensors see one impact per stride (>= 0.55 s even when sprinting at 220 spm);
# trunk sensors see every step (>= 0.22 s up to 270 spm).
SINGLE_LEG_PARAMS = PeakParams(height_g=2.0, distance_s=0.55)
TRUNK_PARAMS = PeakParams(height_g=1.5, distance_s=0.22)


def params_for(placement: Placement) -> PeakParams:
    """Settings by whether the sensor sees one leg or both."""
    return SINGLE_LEG_PARAMS if placement.single_leg else TRUNK_PARAMS


def detect_naive_peaks(acc_g: FloatArray, fs_hz: float, *, placement: Placement) -> FloatArray:
    """Contact times as peaks of |acc|, in seconds from the first sample.

    Args:
        acc_g: Acceleration in g, shape (n_samples, n_axes), gravity included.
        fs_hz: Sample rate.
        placement: Where the sensor sits; picks the fixed height and spacing.

    Returns:
        Sorted peak times in seconds, sample 0 at 0.0.
    """
    acc = np.asarray(acc_g, dtype=np.float64)
    if acc.ndim != 2 or acc.shape[0] == 0 or fs_hz <= 0.0:
        raise ValueError(f"need acc_g of shape (n, k) with n > 0 and fs_hz > 0; got {acc.shape}, {fs_hz}")
    params = params_for(placement)
    magnitude_g = np.linalg.norm(acc, axis=1)
    distance_samples = max(1, round(params.distance_s * fs_hz))
    peaks, _ = find_peaks(magnitude_g, height=params.height_g, distance=distance_samples)
    return np.asarray(peaks, dtype=np.float64) / fs_hz
