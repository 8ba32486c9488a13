"""Cadence from contact times: robust to left/right alternation, a missed and an extra contact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from runsense.analysis.cadence import CadenceEstimator
from runsense.analysis.settings import AnalyserSettings

_WINDOW_STEPS = AnalyserSettings().cadence_window_steps


def _feed(
    times_s: list[float], *, steps_per_contact: int = 1, window_steps: int = _WINDOW_STEPS
) -> list[float | None]:
    est = CadenceEstimator(steps_per_contact=steps_per_contact, window_steps=window_steps, max_interval_s=1.6)
    return [est.update(t).cadence_spm for t in times_s]


_FULL_WINDOW = _WINDOW_STEPS + 1  # contacts needed before the window is full


def _alternating(n: int, short_s: float = 0.29, long_s: float = 0.40) -> list[float]:
    intervals = [short_s if i % 2 else long_s for i in range(n)]
    return list(np.cumsum([0.0, *intervals]))


def test_alternating_left_right_intervals_give_the_true_mean_cadence() -> None:
    cadence = _feed(_alternating(20))[-1]
    assert cadence == pytest.approx(60 / 0.345, abs=0.01)  # neither 60/0.29 nor 60/0.40


@given(missing=st.integers(min_value=6, max_value=17))
# Both robustness tests start after five intervals: before that there is no typical period to trust.
def test_one_missed_contact_moves_cadence_by_at_most_5_spm(missing: int) -> None:
    times = _alternating(20)
    truth = _feed(times)
    dropped = _feed(times[:missing] + times[missing + 1 :])
    for i, (got, want) in enumerate(zip(dropped[missing:], truth[missing + 1 :], strict=True)):
        if missing + 1 + i < _FULL_WINDOW:
            continue  # while the window fills, the reference itself swings with the left/right asymmetry
        assert got is not None
        assert want is not None
        assert abs(got - want) <= 5.0


@given(at=st.integers(min_value=5, max_value=17), fraction=st.floats(min_value=0.25, max_value=0.75))
def test_one_extra_contact_moves_cadence_by_at_most_5_spm(at: int, fraction: float) -> None:
    """The same bound as a missed step (the issue's). A plain mean over the window let an extra contact
    that lands where a step could be move it by 7.5 spm over 8 steps, 13 over 6: the median pair does not."""
    times = _alternating(20)
    truth = _feed(times)
    extra_t = times[at] + fraction * (times[at + 1] - times[at])
    with_extra = _feed([*times[: at + 1], extra_t, *times[at + 1 :]])
    for i, (got, want) in enumerate(zip(with_extra[at + 2 :], truth[at + 1 :], strict=True)):
        if at + 1 + i < _FULL_WINDOW:
            continue  # while the window fills, the reference itself swings with the left/right asymmetry
        assert got is not None
        assert want is not None
        assert abs(got - want) <= 5.0


def test_single_leg_contacts_report_steps_per_minute() -> None:
    strides = list(np.arange(12) * 0.7)  # 0.7 s per stride of one leg = 171.4 steps/min
    assert _feed(strides, steps_per_contact=2)[-1] == pytest.approx(120 / 0.7)


def test_no_cadence_across_a_stop() -> None:
    times = [0.0, 0.35, 0.7, 1.05, 5.0, 5.35]
    cadence = _feed(times)
    assert cadence[3] == pytest.approx(60 / 0.35)
    assert cadence[4] is None  # 3.95 s without a contact: stopped, nothing invented
    assert cadence[5] == pytest.approx(60 / 0.35)


@pytest.mark.parametrize("steps_per_contact", [1, 2])
def test_a_change_of_cadence_is_followed_within_the_window(steps_per_contact: int) -> None:
    """From 170 to 180 spm at once: the smoothed cadence lags by the window, not longer."""
    period_s = 60.0 * steps_per_contact
    intervals = [period_s / 170.0] * 12 + [period_s / 180.0] * 12
    cadence = _feed(list(np.cumsum([0.0, *intervals])), steps_per_contact=steps_per_contact)
    contacts_in_window = _WINDOW_STEPS // steps_per_contact
    assert cadence[12] == pytest.approx(170.0)
    assert cadence[12 + contacts_in_window] == pytest.approx(180.0)
    assert cadence[13] is not None
    assert cadence[13] < 175.0  # one new contact does not jump to the new pace
    between = cadence[13 : 12 + contacts_in_window]
    assert all(c is not None and 170.0 - 1e-9 <= c <= 180.0 + 1e-9 for c in between)


def test_a_gradual_slow_down_is_reported_with_a_lag_of_half_the_window() -> None:
    """Cadence falling linearly by 0.34 spm per step: the value reported is that of N/2 steps ago."""
    cadences = np.linspace(190.0, 180.0, 30)
    times = list(np.cumsum([0.0, *(60.0 / cadences)]))
    got = _feed(times)[-1]
    assert got is not None
    assert got == pytest.approx(cadences[-1 - _WINDOW_STEPS // 2], abs=0.3)


def test_one_late_detection_on_an_alternating_gait_hardly_moves_the_cadence() -> None:
    """Left/right asymmetry and one misplaced contact in the window: the median pair still gives the mean."""
    times = _alternating(20)
    times[12] += 0.05  # one detection 50 ms late
    got = _feed(times)
    assert got[12] == pytest.approx(60 / 0.345, abs=2.0)
    assert got[13] == pytest.approx(60 / 0.345, abs=2.0)
