"""The naive peak baseline finds clean impacts and rejects malformed input."""

from __future__ import annotations

import numpy as np
import pytest

from runsense.evaluation.baseline import detect_naive_peaks
from runsense.model import Placement


def impulses(
    times_s: list[float], fs_hz: float, n_axes: int
) -> np.ndarray[tuple[int, int], np.dtype[np.float64]]:
    acc = np.zeros((int(6.0 * fs_hz), n_axes))
    acc[:, 0] = 1.0
    for t in times_s:
        acc[round(t * fs_hz), -1] = 3.0
    return acc


def test_trunk_finds_every_step() -> None:
    times = [0.3 + 0.3 * k for k in range(15)]
    got = detect_naive_peaks(impulses(times, 500.0, 2), 500.0, placement=Placement.SACRUM)
    np.testing.assert_allclose(got, times, atol=1 / 500.0)


def test_single_leg_keeps_one_peak_per_stride() -> None:
    strides = [0.5 + 0.75 * k for k in range(7)]
    acc = impulses(strides, 142.857, 3)
    acc[[round((t + 0.2) * 142.857) for t in strides], 1] = 2.5  # a smaller second peak in each stride
    got = detect_naive_peaks(acc, 142.857, placement=Placement.SHANK)
    np.testing.assert_allclose(got, strides, atol=1 / 142.857)


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="shape"):
        detect_naive_peaks(np.ones(10), 100.0, placement=Placement.SACRUM)
    with pytest.raises(ValueError, match="fs_hz"):
        detect_naive_peaks(np.ones((10, 3)), 0.0, placement=Placement.SACRUM)
