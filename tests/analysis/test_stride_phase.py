"""Limb sensors: an early candidate gives way to a comparable peak where the next landing is due.

Synthetic shank walking of known contacts, with a push-off burst in every stride (weaker than a
landing, as on most walkers) and, in one stride, one stronger than the landing that follows it, as
participant 3 of the shank data showed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runsense.analysis import Analyser, AnalyserSettings
from runsense.errors import ConfigError
from runsense.model import FloatArray, Placement, Step
from tests.analysis.synthetic_gait import add_burst, shank_signal, shank_signal_at
from tests.conftest import chunks_of

_FS_HZ = 200.0
_PUSH_OFF_AFTER_IC_S = 0.7
"""Walking: the push-off/swing burst comes ~0.6-0.65 stride after the landing (stride 1.1 s)."""
_PUSH_OFF_G = 1.5
"""A usual push-off burst: well below a landing on the burst-averaged jerk."""
_STRONG_PUSH_OFF_G = 4.2
"""One push-off burst outdoing the next landing on the burst-averaged jerk (and the typical landing)."""
_STRONG_STRIDE = 9


def _walk(*, strong: bool, ic_s: FloatArray | None = None) -> tuple[FloatArray, FloatArray]:
    if ic_s is None:
        sig = shank_signal(stride_s=1.1, contact_s=0.65, n_strides=14, fs_hz=_FS_HZ, seed=3)
    else:
        sig = shank_signal_at(ic_s, stride_s=1.1, contact_s=0.65, fs_hz=_FS_HZ, seed=3)
    acc = sig.acc_g.copy()
    for i, ic in enumerate(sig.ic_s):
        amplitude_g = _STRONG_PUSH_OFF_G if strong and i == _STRONG_STRIDE else _PUSH_OFF_G
        add_burst(acc, _FS_HZ, float(ic) + _PUSH_OFF_AFTER_IC_S, amplitude_g, seed=i)
    return acc, sig.ic_s


def _steps(
    acc: FloatArray, settings: AnalyserSettings | None = None, sizes: list[int] | None = None
) -> list[Step]:
    analyser = Analyser(settings, placement=Placement.SHANK)
    steps: list[Step] = []
    for chunk in chunks_of(acc, sizes or [], fs_hz=_FS_HZ):
        steps += analyser.feed(chunk)
    return steps + analyser.finish()


def _times(steps: list[Step]) -> FloatArray:
    return np.array([s.t_s for s in steps])


def test_a_push_off_burst_stronger_than_the_next_landing_gives_way_to_that_landing() -> None:
    acc, ic_s = _walk(strong=True)
    got = _times(_steps(acc))
    assert got.size == ic_s.size
    assert np.abs(got - ic_s).max() <= 0.015


def test_without_stride_phase_consistency_the_push_off_is_taken_and_the_landing_lost() -> None:
    """Why the rule exists: the same signal with it switched off (no later peak is ever comparable)."""
    acc, ic_s = _walk(strong=True)
    got = _times(_steps(acc, AnalyserSettings(limb_on_time_peak_fraction=100.0)))
    push_off_s = ic_s[_STRONG_STRIDE] + _PUSH_OFF_AFTER_IC_S
    assert np.abs(got - push_off_s).min() <= 0.05
    assert np.abs(got - ic_s[_STRONG_STRIDE + 1]).min() > 0.08


def test_a_real_sudden_speed_up_is_kept() -> None:
    """Strides shortened from 1.1 s to 0.8 s at once: the early landings are strong and nothing
    comparable lies where the old rhythm would put the next one, so every landing is kept."""
    ic_s = np.concatenate((0.5 + 1.1 * np.arange(7), 0.5 + 6 * 1.1 + 0.8 * np.arange(1, 8)))
    acc, ic_s = _walk(strong=False, ic_s=ic_s)
    got = _times(_steps(acc))
    assert got.size == ic_s.size
    assert np.abs(got - ic_s).max() <= 0.015


@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=60))
def test_random_chunking_gives_the_same_steps_when_a_candidate_gives_way(sizes: list[int]) -> None:
    acc, _ = _walk(strong=True)
    assert _steps(acc, sizes=sizes) == _steps(acc)


def test_the_tolerance_must_be_a_fraction() -> None:
    with pytest.raises(ConfigError, match="limb_stride_tolerance_fraction"):
        AnalyserSettings(limb_stride_tolerance_fraction=1.0)
