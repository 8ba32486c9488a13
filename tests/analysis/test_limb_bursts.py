"""Shank walking: a heel strike is a jerk burst; a sharp one-sample transient before it is not one."""

from __future__ import annotations

import numpy as np
import pytest

from runsense.analysis import Analyser, AnalyserSettings
from runsense.model import Placement, SampleChunk
from tests.analysis.synthetic_gait import shank_signal

_KNOCK_G = 4.0
"""A one-sample transient (terminal swing, a knock on the sensor): its sharpest jerk beats the impact's."""


def _walk_with_knocks(knock_before_ic_s: float) -> tuple[np.ndarray, np.ndarray, float]:
    sig = shank_signal(stride_s=1.1, contact_s=0.65, n_strides=12, fs_hz=200.0, seed=3)
    acc = sig.acc_g.copy()
    rng = np.random.default_rng(5)
    for ic_s in sig.ic_s:
        direction = rng.normal(size=3)
        acc[round((ic_s - knock_before_ic_s) * sig.fs_hz)] += _KNOCK_G * direction / np.linalg.norm(direction)
    return acc, sig.ic_s, sig.fs_hz


def _contacts_s(acc: np.ndarray, fs_hz: float, settings: AnalyserSettings) -> np.ndarray:
    analyser = Analyser(settings, placement=Placement.SHANK)
    steps = analyser.feed(SampleChunk("shank", 0.0, fs_hz, acc)) + analyser.finish()
    return np.array([s.t_s for s in steps])


@pytest.mark.parametrize("knock_before_ic_s", [0.07, 0.3])
def test_a_sharp_transient_before_each_heel_strike_is_not_taken_for_it(knock_before_ic_s: float) -> None:
    acc, ic_s, fs_hz = _walk_with_knocks(knock_before_ic_s)
    got = _contacts_s(acc, fs_hz, AnalyserSettings())
    assert got.size == ic_s.size
    assert np.abs(got - ic_s).max() <= 0.015


def test_picking_impacts_on_the_sharpest_jerk_alone_takes_the_transient() -> None:
    """The same signal, burst average as short as the onset smoothing: the knocks win (why it exists)."""
    acc, ic_s, fs_hz = _walk_with_knocks(0.07)
    settings = AnalyserSettings()
    got = _contacts_s(acc, fs_hz, AnalyserSettings(limb_burst_s=settings.limb_jerk_smooth_s))
    assert np.median(got[: ic_s.size] - ic_s) == pytest.approx(-0.07, abs=0.01)


def test_the_onset_is_timed_on_the_short_jerk_not_on_the_burst_average() -> None:
    """A longer burst average must not make contacts later: clean strides give the same contact times."""
    sig = shank_signal(stride_s=0.72, contact_s=0.25, n_strides=12, fs_hz=200.0, seed=1)
    settings = AnalyserSettings()
    short = _contacts_s(sig.acc_g, sig.fs_hz, AnalyserSettings(limb_burst_s=settings.limb_jerk_smooth_s))
    default = _contacts_s(sig.acc_g, sig.fs_hz, settings)
    np.testing.assert_array_equal(default, short)
