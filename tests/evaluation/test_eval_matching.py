"""One-to-one event matching: hand-made cases and properties over random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runsense.evaluation.matching import Matches, match_events


def pairs(m: Matches) -> list[tuple[int, int]]:
    return list(zip(m.gt_idx.tolist(), m.det_idx.tolist(), strict=True))


def test_exact_matches_pair_up_in_order() -> None:
    m = match_events(
        ground_truth_s=np.array([1.0, 2.0, 3.0]), detected_s=np.array([1.0, 2.0, 3.0]), tolerance_s=0.05
    )
    assert pairs(m) == [(0, 0), (1, 1), (2, 2)]
    assert m.unmatched_gt.size == 0
    assert m.unmatched_det.size == 0


def test_one_to_one_second_detection_is_extra() -> None:
    m = match_events(ground_truth_s=np.array([1.0, 2.0]), detected_s=np.array([1.01, 1.02]), tolerance_s=0.05)
    assert pairs(m) == [(0, 0)]
    assert m.unmatched_gt.tolist() == [1]
    assert m.unmatched_det.tolist() == [1]
    assert (m.n_matched, m.n_missed, m.n_extra) == (1, 1, 1)


def test_one_detection_cannot_serve_two_truths() -> None:
    m = match_events(ground_truth_s=np.array([1.0, 1.02]), detected_s=np.array([1.01]), tolerance_s=0.05)
    assert m.n_matched == 1
    assert m.n_missed == 1


def test_nearest_pair_wins_over_earlier_truth() -> None:
    # 0.06 s is within tolerance of both, closer to the second truth.
    m = match_events(ground_truth_s=np.array([0.0, 0.1]), detected_s=np.array([0.06]), tolerance_s=0.08)
    assert pairs(m) == [(1, 0)]
    assert m.unmatched_gt.tolist() == [0]


def test_global_nearest_first_not_left_to_right() -> None:
    # Left to right, truth 0 would take 0.07 and truth 1 then 0.19 (two matches). Nearest first
    # gives 0.07 to truth 1 (0.03 away) and leaves the rest unmatched. Only truths closer than
    # twice the tolerance can compete like this; steps never are at the benchmark's 80 ms.
    m = match_events(ground_truth_s=np.array([0.0, 0.1]), detected_s=np.array([0.07, 0.19]), tolerance_s=0.1)
    assert pairs(m) == [(1, 0)]
    assert m.unmatched_gt.tolist() == [0]
    assert m.unmatched_det.tolist() == [1]


def test_unsorted_inputs_return_original_indices() -> None:
    m = match_events(ground_truth_s=np.array([3.0, 1.0]), detected_s=np.array([1.02, 2.9]), tolerance_s=0.2)
    assert pairs(m) == [(0, 1), (1, 0)]


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_tolerance_edge_is_inclusive(sign: float) -> None:
    # 0.1 - 0.02 is 0.08000000000000002 in binary; still counts as exactly at the edge.
    truth_s = np.array([0.1])
    at_edge = match_events(ground_truth_s=truth_s, detected_s=truth_s + sign * (0.1 - 0.02), tolerance_s=0.08)
    assert at_edge.n_matched == 1
    beyond = match_events(ground_truth_s=truth_s, detected_s=truth_s + sign * 0.0801, tolerance_s=0.08)
    assert beyond.n_matched == 0
    assert (beyond.n_missed, beyond.n_extra) == (1, 1)


def test_zero_tolerance_matches_identical_times_only() -> None:
    m = match_events(ground_truth_s=np.array([1.0, 2.0]), detected_s=np.array([1.0, 2.001]), tolerance_s=0.0)
    assert pairs(m) == [(0, 0)]


@pytest.mark.parametrize(
    ("truth", "detected", "missed", "extra"),
    [([], [], 0, 0), ([], [1.0, 2.0], 0, 2), ([1.0, 2.0], [], 2, 0)],
)
def test_empty_inputs(truth: list[float], detected: list[float], missed: int, extra: int) -> None:
    m = match_events(ground_truth_s=np.array(truth), detected_s=np.array(detected), tolerance_s=0.08)
    assert m.n_matched == 0
    assert (m.n_missed, m.n_extra) == (missed, extra)
    assert m.gt_idx.dtype == np.intp
    assert m.det_idx.shape == (0,)


@pytest.mark.parametrize(
    ("truth", "detected", "tolerance"),
    [([1.0], [np.nan], 0.08), ([[1.0]], [1.0], 0.08), ([1.0], [1.0], -0.01), ([1.0], [1.0], np.inf)],
)
def test_bad_inputs_raise(truth: list[float], detected: list[float], tolerance: float) -> None:
    with pytest.raises(ValueError, match=r"must be|NaN"):
        match_events(ground_truth_s=np.array(truth), detected_s=np.array(detected), tolerance_s=tolerance)


def greedy_reference(truth: list[float], detected: list[float], tolerance: float) -> set[tuple[int, int]]:
    """Quadratic statement of the rule: repeatedly take the closest free pair within tolerance."""
    candidates = sorted(
        (abs(d - t), i, j)
        for i, t in enumerate(truth)
        for j, d in enumerate(detected)
        if abs(d - t) <= tolerance + 1e-9
    )
    used_t: set[int] = set()
    used_d: set[int] = set()
    out = set()
    for _, i, j in candidates:
        if i not in used_t and j not in used_d:
            used_t.add(i)
            used_d.add(j)
            out.add((i, j))
    return out


times = st.lists(st.floats(min_value=0.0, max_value=10.0, allow_nan=False), max_size=40)


@settings(max_examples=300, deadline=None)
@given(truth=times, detected=times, tolerance=st.floats(min_value=0.0, max_value=1.0))
def test_matching_properties(truth: list[float], detected: list[float], tolerance: float) -> None:
    truth_s = np.array(truth, dtype=np.float64)
    det_s = np.array(detected, dtype=np.float64)
    m = match_events(ground_truth_s=truth_s, detected_s=det_s, tolerance_s=tolerance)

    # Every match within tolerance (with the documented 1 ns slack).
    assert np.all(np.abs(det_s[m.det_idx] - truth_s[m.gt_idx]) <= tolerance + 1e-9)
    # No index used twice, and matched/unmatched partition each side.
    assert len(set(m.gt_idx.tolist())) == m.n_matched
    assert len(set(m.det_idx.tolist())) == m.n_matched
    assert sorted([*m.gt_idx.tolist(), *m.unmatched_gt.tolist()]) == list(range(len(truth)))
    assert sorted([*m.det_idx.tolist(), *m.unmatched_det.tolist()]) == list(range(len(detected)))
    assert m.n_matched + m.n_missed == len(truth)
    assert m.n_matched + m.n_extra == len(detected)
    # Maximal: no leftover truth and leftover detection could still have been paired.
    if m.n_missed and m.n_extra:
        gaps = np.abs(det_s[m.unmatched_det][None, :] - truth_s[m.unmatched_gt][:, None])
        assert gaps.min() > tolerance
    # Same number of pairs as the quadratic statement of the rule (ties may pick other equals).
    assert m.n_matched == len(greedy_reference(truth, detected, tolerance))


@settings(max_examples=100, deadline=None)
@given(
    truth=st.lists(st.integers(min_value=0, max_value=1000), max_size=30, unique=True),
    offsets=st.lists(st.integers(min_value=-60, max_value=60), min_size=30, max_size=30),
)
def test_same_pairs_as_reference_without_ties(truth: list[int], offsets: list[int]) -> None:
    # Truths 1 s apart on a ms grid with odd offsets can't tie, so pairs must equal the reference.
    truth_s = [t * 1.0 for t in truth]
    detected_s = [t + (2 * o + 1) / 1000.0 for t, o in zip(truth_s, offsets, strict=False)]
    m = match_events(ground_truth_s=np.array(truth_s), detected_s=np.array(detected_s), tolerance_s=0.08)
    assert set(pairs(m)) == greedy_reference(truth_s, detected_s, 0.08)
