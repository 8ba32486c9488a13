"""The analyser gives the same steps however the input is split (h11/ezmsg-style invariance)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runsense.analysis import Analyser
from runsense.model import FloatArray, Placement, SampleChunk, Step
from tests.analysis.synthetic_gait import shank_signal
from tests.conftest import chunks_of


def _run(chunks: list[SampleChunk], placement: Placement) -> list[Step]:
    analyser = Analyser(placement=placement)
    steps: list[Step] = []
    for chunk in chunks:
        steps += analyser.feed(chunk)
    return steps + analyser.finish()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=60),
       placement=st.sampled_from([Placement.SACRUM, Placement.SHANK]))
def test_random_chunking_gives_the_same_steps_as_one_chunk(
    demo_acc_g: FloatArray, sizes: list[int], placement: Placement
) -> None:
    acc = demo_acc_g[:6000]  # 12 s, ~36 steps
    whole = _run(chunks_of(acc, []), placement)
    assert len(whole) >= 15
    assert _run(chunks_of(acc, sizes), placement) == whole


def test_one_sample_per_chunk_gives_the_same_steps(demo_acc_g: FloatArray) -> None:
    acc = demo_acc_g[:2500]
    for placement in (Placement.SACRUM, Placement.FOOT):
        whole = _run(chunks_of(acc, []), placement)
        assert whole
        assert _run(chunks_of(acc, [1] * acc.shape[0]), placement) == whole


def test_empty_chunks_change_nothing(demo_acc_g: FloatArray) -> None:
    acc = demo_acc_g[:3000]
    chunks = chunks_of(acc, [100] * 30)
    with_empties: list[SampleChunk] = []
    for c in chunks:
        with_empties += [c, SampleChunk("imu", c.end_s, c.fs_hz, np.empty((0, acc.shape[1])))]
    assert _run(with_empties, Placement.SACRUM) == _run(chunks, Placement.SACRUM)


@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=60))
def test_random_chunking_gives_the_same_contact_times(sizes: list[int]) -> None:
    """A shank signal with toe-offs: contact and flight times are part of the identical steps."""
    sig = shank_signal(stride_s=0.72, contact_s=0.23, n_strides=10, seed=5)
    whole = _run(chunks_of(sig.acc_g, [], fs_hz=sig.fs_hz), Placement.SHANK)
    assert sum(s.contact_ms is not None for s in whole) >= 8
    assert _run(chunks_of(sig.acc_g, sizes, fs_hz=sig.fs_hz), Placement.SHANK) == whole
