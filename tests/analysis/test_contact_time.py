"""Contact and flight time: synthetic shank signals with a known toe-off, then the force-plate data."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from runsense.analysis import Analyser, AnalyserSettings
from runsense.errors import ConfigError
from runsense.evaluation.datasets import SHANK_DATASET, load_dataset
from runsense.evaluation.scores import Events, TrialScores, cadence_windows_s, score_trial, summarise
from runsense.model import FloatArray, Placement, SampleChunk, Step
from runsense.steps_csv import write_steps_csv
from tests.analysis.synthetic_gait import shank_signal
from tests.conftest import SHARED_DATA, chunks_of


def _run(
    acc_g: FloatArray, fs_hz: float, placement: Placement = Placement.SHANK, chunk: int = 37
) -> list[Step]:
    analyser = Analyser(placement=placement)
    steps: list[Step] = []
    for c in chunks_of(acc_g, [chunk] * (acc_g.shape[0] // chunk + 1), fs_hz=fs_hz):
        steps += analyser.feed(c)
    return steps + analyser.finish()


def _pair(steps: list[Step], ic_s: FloatArray) -> list[tuple[Step, int]]:
    """Each step with the index of the true contact it belongs to (within 20 ms)."""
    pairs = []
    for s in steps:
        k = int(np.argmin(np.abs(ic_s - s.t_s)))
        assert abs(ic_s[k] - s.t_s) < 0.02, f"step at {s.t_s} matches no contact"
        pairs.append((s, k))
    return pairs


@pytest.mark.parametrize(("stride_s", "contact_s"), [(0.74, 0.24), (0.62, 0.18), (0.8, 0.32)])
def test_shank_toe_off_is_found_where_it_is(stride_s: float, contact_s: float) -> None:
    sig = shank_signal(stride_s=stride_s, contact_s=contact_s, n_strides=12)
    steps = _run(sig.acc_g, sig.fs_hz)
    pairs = _pair(steps, sig.ic_s)
    assert len(pairs) == 12
    first, rest = pairs[0], pairs[1:]
    assert first[0].contact_ms is None  # no stride before it to give the leg's direction
    for step, k in rest:
        assert step.contact_ms is not None
        # toe-off to within 2 ms of the truth; contact time also carries the IC detector's error
        assert step.contact_ms == pytest.approx((sig.toe_off_s[k] - step.t_s) * 1000.0, abs=2.0)
        assert step.contact_ms == pytest.approx(contact_s * 1000.0, abs=10.0)


def test_single_leg_flight_time_is_the_step_time_left_after_contact() -> None:
    sig = shank_signal(stride_s=0.74, contact_s=0.24, n_strides=12)
    with_flight = [s for s in _run(sig.acc_g, sig.fs_hz) if s.flight_ms is not None]
    assert len(with_flight) >= 9
    for s in with_flight:
        assert s.cadence_spm is not None
        assert s.contact_ms is not None
        assert s.flight_ms == pytest.approx(60_000.0 / s.cadence_spm - s.contact_ms, abs=0.11)
        assert s.flight_ms == pytest.approx(370.0 - 240.0, abs=10.0)


def test_a_walking_stance_gets_no_contact_time() -> None:
    """Toe-off 0.62 s after contact lies beyond what the hold-back has: None, not a guess."""
    sig = shank_signal(stride_s=1.1, contact_s=0.62, n_strides=10)
    steps = _run(sig.acc_g, sig.fs_hz)
    assert len(steps) == 10
    assert all(s.contact_ms is None and s.flight_ms is None for s in steps)


def test_contact_time_only_for_the_shank() -> None:
    """The landmark is validated on the shank only; a foot or trunk sensor leaves it empty."""
    sig = shank_signal(stride_s=0.74, contact_s=0.24, n_strides=8)
    for placement in (Placement.FOOT, Placement.SACRUM):
        assert all(s.contact_ms is None for s in _run(sig.acc_g, sig.fs_hz, placement))


def test_contact_time_does_not_depend_on_chunking() -> None:
    sig = shank_signal(stride_s=0.7, contact_s=0.22, n_strides=10, seed=3)
    whole = _run(sig.acc_g, sig.fs_hz, chunk=sig.acc_g.shape[0])
    assert sum(s.contact_ms is not None for s in whole) >= 8
    for chunk in (1, 7, 64):
        assert _run(sig.acc_g, sig.fs_hz, chunk=chunk) == whole


def test_a_gap_forgets_the_direction() -> None:
    """After a gap the first contact has no stride before it in its segment: no contact time."""
    sig = shank_signal(stride_s=0.74, contact_s=0.24, n_strides=12)
    half = sig.acc_g.shape[0] // 2
    analyser = Analyser(placement=Placement.SHANK)
    steps: list[Step] = []
    steps += analyser.feed(SampleChunk("imu", 0.0, sig.fs_hz, sig.acc_g[:half]))
    steps += analyser.feed(SampleChunk("imu", 100.0, sig.fs_hz, sig.acc_g[half:]))
    steps += analyser.finish()
    starts = [s for s in steps if "segment_start" in s.flags]
    assert len(starts) == 2
    assert all(s.contact_ms is None for s in starts)
    assert sum(s.contact_ms is not None for s in steps) >= 8


def test_steps_csv_carries_contact_and_flight_time(tmp_path: Path) -> None:
    sig = shank_signal(stride_s=0.74, contact_s=0.24, n_strides=6)
    steps = _run(sig.acc_g, sig.fs_hz)
    out = tmp_path / "steps.csv"
    write_steps_csv(out, steps)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["contact_ms"] == ""
    expected = [round(s.contact_ms or 0.0) for s in steps[1:]]
    assert [float(r["contact_ms"]) for r in rows[1:]] == pytest.approx(expected)
    assert all(r["flight_ms"] for r in rows[2:])


def test_contact_window_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="limb_contact_min_s"):
        AnalyserSettings(limb_contact_min_s=0.5, limb_contact_max_s=0.4)


@pytest.mark.skipif(not (SHARED_DATA / SHANK_DATASET).is_dir(), reason="needs ../shared/data/bach2022_shank")
def test_shank_contact_time_against_the_force_plate() -> None:
    """Running: bias and SD within the foot-IMU literature goal (12 +- 10 ms); walking: never a guess."""
    scores: dict[str, list[TrialScores]] = {"running": [], "walking": []}
    n_steps = {"running": 0, "walking": 0}
    n_with = {"running": 0, "walking": 0}
    for trial in load_dataset(SHANK_DATASET, data_dir=SHARED_DATA):
        steps = _run(trial.acc_g, trial.fs_hz, chunk=14)
        t0 = float(trial.t_s[0])
        detected = Events(
            ic_s=np.array([s.t_s + t0 for s in steps]),
            contact_ms=np.array([np.nan if s.contact_ms is None else s.contact_ms for s in steps]),
        )
        scores[trial.activity].append(score_trial(
            truth=Events(ic_s=trial.ic_s, contact_ms=trial.contact_ms), detected=detected,
            windows_s=cadence_windows_s(t0, trial.t_end_s), steps_per_contact=2, tolerance_s=0.08,
        ))
        n_steps[trial.activity] += len(steps)
        n_with[trial.activity] += sum(s.contact_ms is not None for s in steps)
    running = summarise(scores["running"])
    assert abs(running.contact_bias_ms) <= 12.0
    assert running.contact_sd_ms <= 10.0
    assert n_with["running"] >= 0.85 * n_steps["running"]  # all but each trial's first contact
    assert n_with["walking"] == 0
