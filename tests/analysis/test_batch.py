"""The batch path (runsense.analysis.batch) gives exactly the streaming Analyser's steps.

Both implement the same rules (the batch one in columns, for speed); these tests are what keeps
them one analyser. Inputs: the demo recording cut, resampled, split into gap-separated segments
with drifting sensor clocks and every placement; synthetic shank strides with toe-offs; random
contact times for the cadence columns; and, when ../shared/data is there, every labelled trial.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runsense.analysis import Analyser, AnalyserSettings
from runsense.analysis.batch import FLAG_NAMES, analyse_chunks
from runsense.analysis.batch_cadence import cadence_columns
from runsense.analysis.cadence import CadenceEstimator
from runsense.evaluation.datasets import load_dataset
from runsense.model import FloatArray, Placement, SampleChunk, Side, Step
from tests.analysis.synthetic_gait import add_burst, shank_signal, shank_signal_at
from tests.conftest import SHARED_DATA, chunks_of

Update = tuple[float | None, float | None, float, int]
"""A CadenceUpdate as a tuple: instantaneous and smoothed cadence, regularity, steps in the interval."""


def _streamed(
    chunks: list[SampleChunk], placement: Placement, speed_mps: float | None = None, side: Side | None = None
) -> list[Step]:
    analyser = Analyser(placement=placement, speed_mps=speed_mps, side=side)
    steps: list[Step] = []
    for chunk in chunks:
        steps += analyser.feed(chunk)
    return steps + analyser.finish()


def _batch(
    chunks: list[SampleChunk], placement: Placement, speed_mps: float | None = None, side: Side | None = None
) -> list[Step]:
    return analyse_chunks(chunks, placement=placement, speed_mps=speed_mps, side=side).steps()


def _with_gaps_and_drift(
    chunks: list[SampleChunk], gaps_s: dict[int, float], drift_s: float
) -> list[SampleChunk]:
    """Move chunks: after chunk i by gaps_s[i] (a gap), and each by a growing clock drift."""
    out, shift_s = [], 0.0
    for i, c in enumerate(chunks):
        shift_s += gaps_s.get(i, 0.0) + drift_s
        out.append(SampleChunk(c.sensor_id, c.t0_s + shift_s, c.fs_hz, c.acc_g))
    return out


def test_demo_recording_gives_the_same_steps(demo_acc_g: FloatArray) -> None:
    chunks = chunks_of(demo_acc_g, [250] * (demo_acc_g.shape[0] // 250))
    streamed = _streamed(chunks, Placement.SACRUM, speed_mps=3.2)
    assert len(streamed) > 150
    assert _batch(chunks, Placement.SACRUM, speed_mps=3.2) == streamed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.integers(min_value=0, max_value=20000),
    length=st.integers(min_value=0, max_value=9000),
    decimate=st.sampled_from([1, 2, 5]),
    placement=st.sampled_from(list(Placement)),
    sizes=st.lists(st.integers(min_value=1, max_value=700), max_size=40),
    gaps=st.dictionaries(st.integers(min_value=0, max_value=40), st.floats(min_value=0.005, max_value=3.0)),
    drift_s=st.sampled_from([0.0, 2e-7, 3e-5]),
    gain=st.floats(min_value=0.6, max_value=2.5),
)
def test_any_cut_rate_chunking_gaps_and_placement_give_the_same_steps(  # noqa: PLR0913, PLR0917 - Hypothesis
    demo_acc_g: FloatArray,
    start: int,
    length: int,
    decimate: int,
    placement: Placement,
    sizes: list[int],
    gaps: dict[int, float],
    drift_s: float,
    gain: float,
) -> None:
    """Segments of any length (down to none), gaps, sensor clocks off the nominal grid, clipping."""
    acc = np.clip(demo_acc_g[start : start + length : decimate] * gain, -2.4, 2.4)  # gain > 1 clips
    chunks = _with_gaps_and_drift(chunks_of(acc, sizes, fs_hz=500.0 / decimate, t0_s=12.5), gaps, drift_s)
    side = Side.LEFT if placement.single_leg else None
    assert _batch(chunks, placement, speed_mps=2.9, side=side) == _streamed(chunks, placement, 2.9, side)


@settings(max_examples=60, deadline=None)
@given(
    stride_s=st.floats(min_value=0.62, max_value=1.3),
    contact_s=st.floats(min_value=0.18, max_value=0.35),
    jitter_s=st.lists(st.floats(min_value=-0.06, max_value=0.06), min_size=12, max_size=12),
    bursts=st.lists(
        st.tuples(st.floats(min_value=0.6, max_value=9.0), st.floats(min_value=0.5, max_value=20.0)),
        max_size=6,
    ),
    soft=st.dictionaries(
        st.integers(min_value=3, max_value=11), st.floats(min_value=0.2, max_value=1.0), max_size=3
    ),
    fs_hz=st.sampled_from([100.0, 200.0, 416.0]),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_shank_strides_with_toe_offs_and_transients_give_the_same_steps(  # noqa: PLR0913, PLR0917
    stride_s: float,
    contact_s: float,
    jitter_s: list[float],
    bursts: list[tuple[float, float]],
    soft: dict[int, float],
    fs_hz: float,
    seed: int,
) -> None:
    """Contact and flight times, the stride-phase and refractory rules (irregular strides, soft landings,
    extra bursts weaker or stronger than a landing)."""
    ic_s = 0.5 + stride_s * np.arange(12) + np.array(jitter_s)
    sig = shank_signal_at(ic_s, stride_s=stride_s, contact_s=contact_s, fs_hz=fs_hz, seed=seed)
    for stride, scale in soft.items():  # a softer landing: its impact scaled down
        lo, hi = round((ic_s[stride] - 0.03) * fs_hz), round((ic_s[stride] + 0.12) * fs_hz)
        sig.acc_g[lo:hi] = sig.acc_g[lo - 1] + scale * (sig.acc_g[lo:hi] - sig.acc_g[lo - 1])
    for i, (at_s, amplitude_g) in enumerate(bursts):  # from a fraction of an impact to several times one
        add_burst(sig.acc_g, fs_hz, at_s, amplitude_g=amplitude_g, seed=seed + i)
    chunks = chunks_of(sig.acc_g, [int(fs_hz // 10)] * 200, fs_hz=fs_hz)
    assert _batch(chunks, Placement.SHANK) == _streamed(chunks, Placement.SHANK)


def test_shank_contact_times_are_in_the_table() -> None:
    sig = shank_signal(stride_s=0.72, contact_s=0.23, n_strides=10, seed=5)
    chunks = chunks_of(sig.acc_g, [20] * 100, fs_hz=sig.fs_hz)
    table = analyse_chunks(chunks, placement=Placement.SHANK, side=Side.RIGHT)
    assert np.isfinite(table.contact_ms).sum() >= 8
    assert table.steps() == _streamed(chunks, Placement.SHANK, side=Side.RIGHT)
    assert {s.side for s in table.steps()} == {Side.RIGHT}


def test_flags_are_named_as_the_streaming_analyser_names_them(demo_acc_g: FloatArray) -> None:
    acc = demo_acc_g[:8000]
    chunks = _with_gaps_and_drift(chunks_of(acc, [500] * 16), {7: 2.0}, 0.0)
    steps = _batch(chunks, Placement.SACRUM)
    assert [s for s in steps if "segment_start" in s.flags][1:]  # a second segment after the gap
    assert set(FLAG_NAMES) >= {f for s in steps for f in s.flags}


def test_no_input_gives_an_empty_table() -> None:
    table = analyse_chunks([], placement=Placement.FOOT)
    assert len(table) == 0
    assert table.steps() == []


def _estimator_updates(times_s: list[float], steps_per_contact: int) -> list[Update]:
    est = CadenceEstimator(steps_per_contact=steps_per_contact, window_steps=6, max_interval_s=1.6)
    out = []
    for t in times_s:
        u = est.update(t)
        out.append((u.cadence_inst_spm, u.cadence_spm, u.regularity, u.steps_in_interval))
    return out


def _column_updates(times_s: list[float], steps_per_contact: int) -> list[Update]:
    c = cadence_columns(
        np.array(times_s), steps_per_contact=steps_per_contact, window_steps=6, max_interval_s=1.6
    )

    def value(x: float) -> float | None:
        return None if np.isnan(x) else x

    return [
        (value(i), value(s), r, n)
        for i, s, r, n in zip(
            c.cadence_inst_spm.tolist(), c.cadence_spm.tolist(), c.regularity.tolist(),
            c.steps_in_interval.tolist(), strict=True,
        )
    ]


@settings(max_examples=200, deadline=None)
@given(
    intervals_s=st.lists(
        st.one_of(
            st.floats(min_value=0.3, max_value=0.42),  # steps
            st.floats(min_value=0.6, max_value=0.8),  # a missed contact
            st.floats(min_value=0.02, max_value=0.25),  # an extra one
            st.floats(min_value=1.7, max_value=5.0),  # a stop
            st.just(0.0),  # two contacts at the same time
        ),
        max_size=60,
    ),
    steps_per_contact=st.sampled_from([1, 2]),
)
def test_cadence_columns_equal_the_estimator(intervals_s: list[float], steps_per_contact: int) -> None:
    times_s = list(np.cumsum([3.0, *intervals_s]))
    assert _column_updates(times_s, steps_per_contact) == _estimator_updates(times_s, steps_per_contact)


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"force-plate data not found at {SHARED_DATA}")
@pytest.mark.parametrize("dataset", ["alcantara2022_sacrum", "bach2022_shank"])
def test_every_labelled_trial_gives_the_same_steps(dataset: str) -> None:
    settings_ = AnalyserSettings()
    for trial in load_dataset(dataset, data_dir=SHARED_DATA):
        chunks = chunks_of(trial.acc_g, [round(trial.fs_hz / 10)] * 2000, fs_hz=trial.fs_hz)
        streamed = _streamed(chunks, trial.placement, trial.speed_mps)
        batch = analyse_chunks(
            chunks, placement=trial.placement, speed_mps=trial.speed_mps, settings=settings_
        )
        assert batch.steps() == streamed, trial.name
