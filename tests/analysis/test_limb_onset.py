"""Limb onset landmarks: the loaded jerk peak and the start of the impact's burst."""

from __future__ import annotations

import numpy as np

from runsense.analysis.landmarks import burst_onset, loaded_jerk_peak, stride_direction


def test_a_jerk_across_the_unloaded_limb_is_not_the_impact() -> None:
    up = np.array([0.0, 0.0, 1.0])
    jerk = np.array([10.0, 100.0, 20.0, 80.0, 30.0])
    along_g = np.array([1.0, 0.05, 0.05, 1.0, 1.4, 1.2])  # one row more: the sample before the first jerk
    axes = np.outer(along_g, up)
    assert loaded_jerk_peak(jerk, axes, up, 0.5) == 3
    assert loaded_jerk_peak(jerk, axes, None, 0.5) == 1  # direction unknown: the plain largest


def test_nothing_loaded_falls_back_to_the_largest_jerk() -> None:
    up = np.array([0.0, 0.0, 1.0])
    jerk = np.array([10.0, 100.0, 20.0])
    assert loaded_jerk_peak(jerk, np.zeros((4, 3)), up, 0.5) == 1


def test_the_burst_starts_after_the_last_dip_to_the_fraction() -> None:
    jerk = np.array([5.0, 90.0, 60.0, 30.0, 50.0, 70.0, 100.0])  # an earlier transient, a dip, the burst
    assert burst_onset(jerk, 0.35) == 4
    assert burst_onset(np.array([50.0, 60.0, 100.0]), 0.35) == 0  # above it throughout: the search start


def test_stride_direction_is_a_unit_vector_or_none() -> None:
    assert stride_direction(np.zeros((0, 3))) is None
    assert stride_direction(np.zeros((5, 3))) is None
    direction = stride_direction(np.array([[0.0, 3.0, 4.0], [0.0, 3.0, 4.0]]))
    assert direction is not None
    np.testing.assert_allclose(direction, [0.0, 0.6, 0.8])
