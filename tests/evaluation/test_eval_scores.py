"""Score maths on hand-made contact times with answers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from runsense.evaluation.scores import (
    Events,
    cadence_windows_s,
    mean_sd,
    precision_recall_f1,
    reported_cadence_spm,
    score_trial,
    summarise,
    window_cadence_spm,
)


@pytest.mark.parametrize(
    ("t_end_s", "expected"),
    [
        (4.96, [(0.0, 4.96)]),  # shorter than a window: one window spanning the trial
        (5.0, [(0.0, 5.0)]),
        (12.0, [(0.0, 5.0), (5.0, 12.0)]),  # remainder folded into the last window
        (15.0, [(0.0, 5.0), (5.0, 10.0), (10.0, 15.0)]),
    ],
)
def test_cadence_windows(t_end_s: float, expected: list[tuple[float, float]]) -> None:
    np.testing.assert_allclose(cadence_windows_s(0.0, t_end_s, window_s=5.0), np.array(expected))


def test_cadence_windows_start_offset_and_bad_input() -> None:
    np.testing.assert_allclose(cadence_windows_s(2.0, 13.0), [[2.0, 7.0], [7.0, 13.0]])
    with pytest.raises(ValueError, match="window_s"):
        cadence_windows_s(1.0, 1.0)


def test_regular_steps_give_exact_cadence() -> None:
    windows = cadence_windows_s(0.0, 5.0)
    contacts = 0.1 + 0.3 * np.arange(16)  # 0.1 ... 4.6 s, one step every 0.3 s
    np.testing.assert_allclose(window_cadence_spm(contacts, windows, steps_per_contact=1), [200.0])


def test_single_leg_contacts_count_two_steps() -> None:
    windows = cadence_windows_s(0.0, 5.0)
    contacts = 0.2 + 0.75 * np.arange(6)  # one stride every 0.75 s -> 80 strides/min = 160 steps/min
    np.testing.assert_allclose(window_cadence_spm(contacts, windows, steps_per_contact=2), [160.0])


def test_alternating_intervals_use_the_count_not_a_median() -> None:
    # Left/right intervals 0.29 / 0.40 s: 7 contacts, 6 intervals over 3 * 0.69 = 2.07 s.
    contacts = np.cumsum([0.1, 0.29, 0.40, 0.29, 0.40, 0.29, 0.40])
    got = window_cadence_spm(contacts, cadence_windows_s(0.0, 5.0), steps_per_contact=1)
    np.testing.assert_allclose(got, [6 / 2.07 * 60.0])


def test_missed_step_in_the_middle_lowers_cadence() -> None:
    # Truth every 0.5 s (120 spm); without the contact at 1.5 s: 3 intervals over 2 s = 90 spm.
    windows = cadence_windows_s(0.0, 3.0)
    truth = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    np.testing.assert_allclose(window_cadence_spm(truth, windows, steps_per_contact=1), [120.0])
    np.testing.assert_allclose(window_cadence_spm(np.delete(truth, 3), windows, steps_per_contact=1), [90.0])


def test_constant_latency_does_not_change_cadence() -> None:
    windows = cadence_windows_s(0.0, 5.0)
    truth = 0.2 + 0.31 * np.arange(14)
    late = window_cadence_spm(truth + 0.05, windows, steps_per_contact=1)
    np.testing.assert_allclose(late, window_cadence_spm(truth, windows, steps_per_contact=1))


def test_window_membership_and_too_few_contacts() -> None:
    windows = cadence_windows_s(0.0, 10.0)  # [0, 5) and [5, 10]
    # 4.0 and 4.5 in the first window; 5.0 (start is inclusive), 5.5 and 10.0 (end of last is inclusive).
    got = window_cadence_spm(np.array([4.0, 4.5, 5.0, 5.5, 10.0]), windows, steps_per_contact=1)
    np.testing.assert_allclose(got, [120.0, 2 / 5.0 * 60.0])
    one = window_cadence_spm(np.array([1.0, 6.0, 7.0]), windows, steps_per_contact=1)
    assert math.isnan(one[0])
    np.testing.assert_allclose(one[1], 60.0)


def test_reported_cadence_is_the_median_per_window() -> None:
    windows = cadence_windows_s(0.0, 10.0)
    t_s = np.array([1.0, 2.0, 3.0, 6.0, 7.0])
    shown = np.array([150.0, np.nan, 170.0, 180.0, 182.0])
    np.testing.assert_allclose(reported_cadence_spm(t_s, shown, windows), [160.0, 181.0])
    assert np.isnan(reported_cadence_spm(t_s, np.full(5, np.nan), windows)).all()


def test_precision_recall_f1_and_undefined_cases() -> None:
    assert precision_recall_f1(n_matched=3, n_truth=4, n_detected=6) == pytest.approx((0.5, 0.75, 0.6))
    p, r, f1 = precision_recall_f1(n_matched=0, n_truth=3, n_detected=0)
    assert math.isnan(p)
    assert r == 0.0
    assert math.isnan(f1)


def test_mean_sd_ignores_nan_and_needs_two_for_sd() -> None:
    assert mean_sd([10.0, 20.0, 30.0, np.nan]) == pytest.approx((20.0, 10.0))
    mean, sd = mean_sd([5.0])
    assert mean == 5.0
    assert math.isnan(sd)


def test_score_trial_on_hand_made_contacts() -> None:
    truth = Events(ic_s=np.array([1.0, 2.0, 3.0, 4.0]), contact_ms=np.array([200.0, 210.0, 220.0, 230.0]))
    detected = Events(
        ic_s=np.array([0.5, 1.01, 2.02, 3.5, 4.03, 4.5]),  # 0.5 and 4.5 lie outside the labelled span
        contact_ms=np.array([0.0, 190.0, np.nan, 0.0, 250.0, 0.0]),
        cadence_spm=np.array([np.nan, 60.0, 61.0, 62.0, 63.0, 64.0]),
    )
    windows = cadence_windows_s(0.0, 5.0)
    s = score_trial(truth=truth, detected=detected, windows_s=windows, steps_per_contact=1, tolerance_s=0.08)
    assert (s.n_truth, s.n_detected, s.n_matched, s.n_outside_span) == (4, 4, 3, 2)
    np.testing.assert_allclose(s.ic_err_ms, [10.0, 20.0, 30.0], atol=1e-9)
    assert s.contact_err_ms is not None
    np.testing.assert_allclose(s.contact_err_ms, [-10.0, 20.0])  # the NaN estimate is left out
    # Truth: 3 intervals over 3 s = 60 spm; detections 1.01..4.03: 3 intervals over 3.02 s.
    np.testing.assert_allclose(s.cadence_err_spm, [3 / 3.02 * 60.0 - 60.0])
    assert s.reported_cadence_err_spm is not None
    np.testing.assert_allclose(s.reported_cadence_err_spm, [1.5])  # median(60, 61, 62, 63) - 60


def test_score_trial_without_optional_estimates() -> None:
    truth = Events(ic_s=np.array([1.0, 2.0]), contact_ms=np.array([200.0, 200.0]))
    s = score_trial(
        truth=truth,
        detected=Events(ic_s=np.array([1.0])),
        windows_s=cadence_windows_s(0.0, 3.0),
        steps_per_contact=1,
        tolerance_s=0.08,
    )
    assert s.contact_err_ms is None
    assert s.reported_cadence_err_spm is None
    assert np.isnan(s.cadence_err_spm).all()  # one detection gives no cadence: counted as missing


def test_summarise_pools_counts_and_errors() -> None:
    windows = cadence_windows_s(0.0, 5.0)
    truth = Events(ic_s=np.array([1.0, 2.0, 3.0]))
    a = score_trial(
        truth=truth,
        detected=Events(ic_s=np.array([1.01, 2.01, 3.01])),
        windows_s=windows,
        steps_per_contact=1,
        tolerance_s=0.08,
    )
    b = score_trial(
        truth=truth,
        detected=Events(ic_s=np.array([1.03])),
        windows_s=windows,
        steps_per_contact=1,
        tolerance_s=0.08,
    )
    s = summarise([a, b])
    assert (s.trials, s.contacts, s.detections, s.matched) == (2, 6, 4, 4)
    assert s.precision_pct == pytest.approx(100.0)
    assert s.recall_pct == pytest.approx(100.0 * 4 / 6)
    assert s.ic_bias_ms == pytest.approx(15.0)
    assert (s.cadence_windows, s.cadence_missing) == (2, 1)
    assert s.cadence_max_abs_spm == pytest.approx(0.0, abs=1e-9)
    assert s.reported_windows == 0
    assert math.isnan(s.reported_mean_abs_spm)
    assert math.isnan(s.contact_bias_ms)
    assert s.contact_estimated == 0


def test_summarise_counts_the_contacts_with_a_contact_time() -> None:
    truth = Events(ic_s=np.array([1.0, 2.0, 3.0, 4.0]), contact_ms=np.array([200.0, 210.0, 220.0, 230.0]))
    detected = Events(ic_s=np.array([1.0, 2.0, 3.0, 4.0]), contact_ms=np.array([np.nan, 215.0, 225.0, 229.0]))
    s = summarise([score_trial(
        truth=truth, detected=detected, windows_s=cadence_windows_s(0.0, 5.0), steps_per_contact=1,
        tolerance_s=0.08,
    )])
    assert s.contact_estimated == 3
    assert s.contact_bias_ms == pytest.approx(3.0)
    assert s.contact_sd_ms == pytest.approx(float(np.std([5.0, 5.0, -1.0], ddof=1)))
