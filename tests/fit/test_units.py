"""Cadence units: runsense steps/min <-> FIT strides/min + fractional_cadence (1/128)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runsense.fit.units import SPM_RESOLUTION, fit_cadence_from_spm, quantized_spm, spm_from_fit_cadence


def test_steps_per_minute_are_twice_strides_per_minute() -> None:
    assert fit_cadence_from_spm(180.0) == (90, 0.0)
    assert fit_cadence_from_spm(181.0) == (90, 0.5)
    assert spm_from_fit_cadence(83, 0.671875) == pytest.approx(167.34375, abs=0)
    assert spm_from_fit_cadence(88, None) == 176.0


@given(st.floats(min_value=0.0, max_value=500.0, allow_nan=False))
def test_quantisation_error_is_at_most_half_a_fit_step(cadence_spm: float) -> None:
    fit = fit_cadence_from_spm(cadence_spm)
    assert fit is not None
    cadence, fraction = fit
    assert isinstance(cadence, int)
    assert 0 <= fraction < 1
    assert (fraction * 128).is_integer()  # an exact binary fraction: no second rounding in the encoder
    assert abs(spm_from_fit_cadence(cadence, fraction) - cadence_spm) <= SPM_RESOLUTION / 2


@given(st.integers(min_value=0, max_value=254 * 128 + 127))
def test_every_fit_value_round_trips_exactly(units: int) -> None:
    spm = units / 64
    assert quantized_spm(spm) == spm
    assert fit_cadence_from_spm(spm) == (units // 128, units % 128 / 128)


@pytest.mark.parametrize("cadence_spm", [-1.0, float("nan"), float("inf"), 510.0])
def test_values_fit_cannot_hold_are_refused(cadence_spm: float) -> None:
    assert fit_cadence_from_spm(cadence_spm) is None
