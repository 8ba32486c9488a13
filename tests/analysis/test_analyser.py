"""Behaviour of the whole analyser on real (demo) and constructed signals."""

from __future__ import annotations

import numpy as np
import pytest

from runsense.analysis import Analyser, AnalyserSettings
from runsense.errors import ConfigError
from runsense.model import FloatArray, Placement, SampleChunk, Side, Step
from runsense.recording import RecordingReader
from tests.conftest import DEMO, chunks_of


def _run(chunks: list[SampleChunk], placement: Placement = Placement.SACRUM, **kw: object) -> list[Step]:
    analyser = Analyser(placement=placement, **kw)  # type: ignore[arg-type]
    steps: list[Step] = []
    for chunk in chunks:
        steps += analyser.feed(chunk)
    return steps + analyser.finish()


def test_demo_steps_match_the_steps_stored_in_the_recording(demo_acc_g: FloatArray) -> None:
    """Regression: the stored steps were made by this analyser version; a change must be deliberate."""
    with RecordingReader(DEMO) as reader:
        stored = list(reader.iter_steps())
    fresh = _run(chunks_of(demo_acc_g, [50] * 10_000))
    assert [round(s.t_s, 6) for s in fresh] == [round(s.t_s, 6) for s in stored]
    assert [s.cadence_spm for s in fresh] == pytest.approx([s.cadence_spm for s in stored])


def test_demo_cadence_rises_across_the_joined_trials(demo_acc_g: FloatArray) -> None:
    steps = _run(chunks_of(demo_acc_g, [50] * 10_000))
    first = [s.cadence_spm for s in steps if s.t_s < 8 and s.cadence_spm]
    last = [s.cadence_spm for s in steps if s.t_s > 55 and s.cadence_spm]
    assert 140 < np.median(first) < 165  # slowest trials first (force plate: 150 and 167 spm)
    assert 195 < np.median(last) < 215  # fastest last (force plate: 204 and 209 spm)


def test_orientation_does_not_matter(demo_acc_g: FloatArray) -> None:
    acc3 = np.column_stack([demo_acc_g[:5000], np.zeros(5000)])
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    plain = _run(chunks_of(acc3, [100] * 50))
    turned = _run(chunks_of(acc3 @ q.T, [100] * 50))
    assert len(turned) == len(plain)
    assert np.abs(np.array([s.t_s for s in turned]) - [s.t_s for s in plain]).max() <= 0.0021


def test_standing_still_gives_no_steps() -> None:
    rng = np.random.default_rng(1)
    still = np.array([0.0, 0.0, 1.0]) + rng.normal(scale=0.01, size=(2000, 3))
    for placement in Placement:
        assert _run(chunks_of(still, [20] * 100, fs_hz=100.0), placement) == []


def test_gap_starts_a_new_segment_without_cadence_across_it(demo_acc_g: FloatArray) -> None:
    a, b = demo_acc_g[:4000], demo_acc_g[4000:8000]
    chunks = chunks_of(a, [100] * 40) + chunks_of(b, [100] * 40, t0_s=8.0 + 3.0)  # 3 s without data
    steps = _run(chunks)
    after = [s for s in steps if s.t_s > 11.0]
    assert after
    assert after[0].cadence_spm is None
    assert "segment_start" in after[0].flags
    assert all(not (8.0 <= s.t_s < 11.0) for s in steps)


def test_single_leg_sensor_labels_its_side(demo_acc_g: FloatArray) -> None:
    steps = _run(chunks_of(demo_acc_g[:10000], [100] * 100), Placement.SHANK, side=Side.LEFT)
    assert steps
    assert all(s.side is Side.LEFT for s in steps)


def test_step_length_needs_speed(demo_acc_g: FloatArray) -> None:
    steps = _run(chunks_of(demo_acc_g[:5000], []), speed_mps=3.33)
    with_len = [s for s in steps if s.step_length_m is not None and s.cadence_spm]
    assert with_len
    for s in with_len:
        assert s.step_length_m == pytest.approx(3.33 * 60 / s.cadence_spm)  # type: ignore[operator]
    assert all(s.step_length_m is None for s in _run(chunks_of(demo_acc_g[:5000], [])))


def test_clipping_is_flagged() -> None:
    fs = 100.0
    t = np.arange(1000) / fs
    vertical = 1.0 + 3.0 * np.clip(np.sin(2 * np.pi * 2.8 * t), 0, None) ** 8
    clipped = np.minimum(vertical, 2.5)
    acc = np.column_stack([np.zeros_like(t), np.zeros_like(t), clipped])
    steps = _run(chunks_of(acc, [], fs_hz=fs))
    assert steps
    assert all(s.clipped and "clipped" in s.flags for s in steps)


def test_invalid_settings_name_the_parameter() -> None:
    with pytest.raises(ConfigError, match="trunk_smooth_s"):
        AnalyserSettings(trunk_smooth_s=-1.0)
    with pytest.raises(ConfigError, match="relative_peak_fraction"):
        AnalyserSettings(relative_peak_fraction=1.5)


def test_a_drift_corrected_sensor_clock_is_followed_not_split_into_segments(demo_acc_g: FloatArray) -> None:
    """A sensor clock 100 ppm fast, corrected chunk by chunk: one segment, steps on the corrected times."""
    acc = demo_acc_g[:20000]  # 40 s
    plain = chunks_of(acc, [50] * 400)
    drifted = [SampleChunk(c.sensor_id, c.t0_s * (1 + 100e-6), c.fs_hz, c.acc_g) for c in plain]
    steps_plain, steps_drifted = _run(plain), _run(drifted)
    assert [s for s in steps_drifted if "segment_start" in s.flags] == steps_drifted[:1]
    assert len(steps_drifted) == len(steps_plain)
    for a, b in zip(steps_plain, steps_drifted, strict=True):
        assert b.t_s - a.t_s == pytest.approx(a.t_s * 100e-6, abs=0.0021)  # within one sample of the drift
