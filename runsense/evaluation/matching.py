"""One-to-one matching of detected contacts to ground-truth contacts.

Scoring needs each true contact paired with at most one detection (and vice versa),
otherwise a detector that fires twice per step would look perfect on recall while a
double count stays hidden. Pairs are taken nearest first, so a detection between two
true contacts goes to the closer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from runsense.model import FloatArray

IntArray = npt.NDArray[np.intp]

# Float slack so that a pair exactly at the tolerance (e.g. 0.1 - 0.02 vs 0.08 s) counts
# as inside it despite binary rounding; far below any sample period.
_EDGE_SLACK_S = 1e-9


@dataclass(frozen=True, slots=True, eq=False)
class Matches:
    """Result of :func:`match_events`: index pairs and what was left over.

    ``gt_idx[i]`` and ``det_idx[i]`` are a matched pair, sorted by ground-truth index.
    """

    gt_idx: IntArray
    det_idx: IntArray
    unmatched_gt: IntArray
    unmatched_det: IntArray

    @property
    def n_matched(self) -> int:
        """True positives."""
        return int(self.gt_idx.size)

    @property
    def n_missed(self) -> int:
        """False negatives: ground-truth contacts with no detection."""
        return int(self.unmatched_gt.size)

    @property
    def n_extra(self) -> int:
        """False positives: detections with no ground-truth contact."""
        return int(self.unmatched_det.size)


def _as_times(name: str, values_s: npt.ArrayLike) -> FloatArray:
    """Validate once here so the matcher can assume 1-D finite floats."""
    arr = np.asarray(values_s, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite times")
    return arr


def _candidate_pairs(gt_s: FloatArray, det_s: FloatArray, tolerance_s: float) -> tuple[IntArray, IntArray]:
    """All (gt, det) index pairs within tolerance, found by binary search on sorted detections."""
    order = np.argsort(det_s, kind="stable")
    det_sorted = det_s[order]
    lo = np.searchsorted(det_sorted, gt_s - tolerance_s - _EDGE_SLACK_S, side="left")
    hi = np.searchsorted(det_sorted, gt_s + tolerance_s + _EDGE_SLACK_S, side="right")
    counts = hi - lo
    gt_idx = np.repeat(np.arange(gt_s.size, dtype=np.intp), counts)
    # Offset of each pair inside its ground-truth contact's run of candidates.
    run_start = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(gt_idx.size, dtype=np.intp) - run_start
    det_idx = order[np.repeat(lo, counts) + within].astype(np.intp)
    return gt_idx, det_idx


def match_events(*, ground_truth_s: npt.ArrayLike, detected_s: npt.ArrayLike, tolerance_s: float) -> Matches:
    """Pair ground-truth and detected event times one-to-one, nearest pairs first.

    A pair is allowed when ``|detected - truth| <= tolerance_s``. Among all allowed
    pairs the globally closest is taken first, then the next closest whose two
    events are both still free, and so on (ties go to the lower ground-truth, then
    detection, index, so the result is deterministic). Inputs need not be sorted.

    Nearest-first is not always the largest matching: when two true events are
    closer than twice the tolerance, a detection between them may go to the nearer
    one and leave both others unpaired. Steps are never that close at a sub-step
    tolerance (>= 250 ms apart vs 80 ms), so there the pairing is unambiguous.

    Cost is O(P log P) for P candidate pairs; P is about n when events are further
    apart than the tolerance, which is the case for steps with a sub-step tolerance.

    Args:
        ground_truth_s: Reference event times in seconds.
        detected_s: Detected event times in seconds, same time base.
        tolerance_s: Largest accepted |detected - truth| in seconds (inclusive).

    Returns:
        Matched index pairs plus the indices left unmatched on each side.

    Raises:
        ValueError: On non-1-D or non-finite times, or a negative or non-finite tolerance.
    """
    if not (np.isfinite(tolerance_s) and tolerance_s >= 0.0):
        raise ValueError(f"tolerance_s must be finite and >= 0, got {tolerance_s}")
    gt_s = _as_times("ground_truth_s", ground_truth_s)
    det_s = _as_times("detected_s", detected_s)

    cand_gt, cand_det = _candidate_pairs(gt_s, det_s, tolerance_s)
    dist_s = np.abs(det_s[cand_det] - gt_s[cand_gt])
    order = np.lexsort((cand_det, cand_gt, dist_s))

    gt_used = np.zeros(gt_s.size, dtype=bool)
    det_used = np.zeros(det_s.size, dtype=bool)
    pairs: list[tuple[int, int]] = []
    # Greedy acceptance is inherently sequential; the loop is over candidate pairs only.
    for g, d in zip(cand_gt[order].tolist(), cand_det[order].tolist(), strict=True):
        if not (gt_used[g] or det_used[d]):
            gt_used[g] = True
            det_used[d] = True
            pairs.append((g, d))

    pairs.sort()
    pair_arr = np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
    return Matches(
        gt_idx=pair_arr[:, 0].copy(),
        det_idx=pair_arr[:, 1].copy(),
        unmatched_gt=np.flatnonzero(~gt_used).astype(np.intp),
        unmatched_det=np.flatnonzero(~det_used).astype(np.intp),
    )
