"""The session summary's contact time: a mean over the steps that have one, and how many do."""

from __future__ import annotations

import pytest

from runsense.analysis.summary import summarise
from runsense.model import Step


def _step(t_s: float, contact_ms: float | None) -> Step:
    return Step(
        t_s=t_s, sensor_id="s", side=None, cadence_spm=170.0, cadence_inst_spm=170.0, impact_g=2.0,
        clipped=False, contact_ms=contact_ms, flight_ms=None, step_length_m=None, confidence=1.0,
    )


def test_mean_contact_time_skips_steps_without_one() -> None:
    summary = summarise([_step(0.0, None), _step(0.35, 240.0), _step(0.7, 250.0), _step(1.05, None)])
    assert summary.mean_contact_ms == pytest.approx(245.0)
    assert summary.contact_steps == 2


def test_no_contact_time_when_no_step_has_one() -> None:
    summary = summarise([_step(0.0, None), _step(0.35, None)])
    assert summary.mean_contact_ms is None
    assert summary.contact_steps == 0
