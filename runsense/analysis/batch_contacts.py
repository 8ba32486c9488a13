"""Contact detection over a whole segment at once: the streaming detector's decisions, in columns.

``contacts.ContactDetector`` decides each candidate peak as its hold-back passes, in sample
order, from earlier decisions only. With the whole segment at hand the same decisions can be
made faster: the features are computed in one pass (the same ``FeatureFilter``), the candidate
peaks found in one pass, and only the accept/reject rules, which depend on earlier accepted
steps, run in a plain Python loop over numbers. The contact onsets, impacts and clipping of
the accepted peaks are then found for all of them at once with array indexing.

The result equals the streaming detector's for every input (tests/analysis/test_batch.py
compares them on recordings and on random signals); a change to one must be made to both.
Shank sensors are the exception that runs the streaming detector itself over the segment: their
onset depends on the previous contact's onset (the stride direction, ``ContactDetector._onset``),
a chain the columns cannot break; a shank gives a contact per stride, so this costs little.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from runsense.analysis.contacts import ContactDetector, median_of_few
from runsense.analysis.features import FeatureFilter, Features
from runsense.analysis.landmarks import on_time_peak
from runsense.analysis.sample_counts import SampleCounts
from runsense.analysis.settings import AnalyserSettings
from runsense.analysis.window import BoolArray, is_window_max
from runsense.model import FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class ContactColumns:
    """The contacts of one segment, one entry per contact, in time order (sample indices of the segment)."""

    ic_idx: IntArray
    peak_idx: IntArray
    peak_height: FloatArray
    impact_g: FloatArray
    clipped: BoolArray
    prominence_ratio: FloatArray
    toe_off_idx: FloatArray
    """NaN where not estimated."""

    def __len__(self) -> int:
        """Number of contacts."""
        return int(self.ic_idx.size)


@dataclass(frozen=True, slots=True)
class _Accepted:
    """What the decision loop found, before onsets are timed."""

    peak_idx: list[int]
    prev_peak_idx: list[int]
    """The accepted peak before each (-1 for the first): it bounds the onset search."""
    height: list[float]
    ratio: list[float]


def detect_contacts(
    acc_g: FloatArray, settings: AnalyserSettings, *, fs_hz: float, single_leg: bool, shank: bool
) -> ContactColumns:
    """Every contact of one gap-free segment (``acc_g``: samples x axes, g), as ContactDetector finds them."""
    if shank and single_leg:
        return _streamed(acc_g, settings, fs_hz=fs_hz)
    counts = SampleCounts.at(settings, fs_hz=fs_hz, single_leg=single_leg)
    feature_filter = FeatureFilter(settings, fs_hz=fs_hz, n_axes=acc_g.shape[1], single_leg=single_leg)
    feats = _features_in_blocks(feature_filter, acc_g)
    onsets = _Onsets(feats, settings, counts, burst_n=feature_filter.burst_n)
    accepted = _decide(feats.feature, settings, counts, fs_hz=fs_hz, onsets=onsets)
    peak = np.array(accepted.peak_idx, dtype=np.int64)
    ic, valid = onsets(peak, np.array(accepted.prev_peak_idx, dtype=np.int64))
    if not valid.all():  # the loop checks every contact whose onset could be missing: a bug if not
        raise AssertionError("batch contact detection accepted a peak without an onset")
    impact_g, clipped = _impacts(feats, ic, counts.impact_n)
    return ContactColumns(
        ic_idx=ic,
        peak_idx=peak,
        peak_height=np.array(accepted.height),
        impact_g=impact_g,
        clipped=clipped,
        prominence_ratio=np.array(accepted.ratio),
        toe_off_idx=np.full(peak.size, np.nan),
    )


def _streamed(acc_g: FloatArray, settings: AnalyserSettings, *, fs_hz: float) -> ContactColumns:
    """A shank segment through the streaming detector, fed at once."""
    detector = ContactDetector(settings, fs_hz=fs_hz, n_axes=acc_g.shape[1], single_leg=True, shank=True)
    contacts = detector.feed(acc_g) + detector.finish()
    return ContactColumns(
        ic_idx=np.array([c.ic_idx for c in contacts], dtype=np.int64),
        peak_idx=np.array([c.peak_idx for c in contacts], dtype=np.int64),
        peak_height=np.array([c.peak_height for c in contacts]),
        impact_g=np.array([c.impact_g for c in contacts]),
        clipped=np.array([c.clipped for c in contacts], dtype=bool),
        prominence_ratio=np.array([c.prominence_ratio for c in contacts]),
        toe_off_idx=np.array([np.nan if c.toe_off_idx is None else c.toe_off_idx for c in contacts]),
    )


_FEATURE_BLOCK_SAMPLES = 16_384
"""Features are computed this many samples at a time (the filter carries its state, so the values are
the same): the temporaries of a whole recording at once are megabytes of fresh memory, which the
allocator hands back to the system after each call and page-faults in again on the next; blocks
this size reuse the same memory."""


def _features_in_blocks(feature_filter: FeatureFilter, acc_g: FloatArray) -> Features:
    if acc_g.shape[0] <= _FEATURE_BLOCK_SAMPLES:
        return feature_filter(acc_g)
    parts = [
        feature_filter(acc_g[start : start + _FEATURE_BLOCK_SAMPLES])
        for start in range(0, acc_g.shape[0], _FEATURE_BLOCK_SAMPLES)
    ]
    clipped = None
    if any(p.clipped is not None for p in parts):
        clipped = np.concatenate(
            [np.zeros(p.feature.size, dtype=bool) if p.clipped is None else p.clipped for p in parts]
        )
    onset_jerk = None
    if parts[0].onset_jerk is not None:
        onset_jerk = np.concatenate([p.onset_jerk for p in parts if p.onset_jerk is not None])
    return Features(
        mag_g=np.concatenate([p.mag_g for p in parts]),
        feature=np.concatenate([p.feature for p in parts]),
        onset_jerk=onset_jerk,
        clipped=clipped,
    )


def _candidates(f: FloatArray, counts: SampleCounts) -> IntArray:
    """Local peaks at or above the floor that are the largest within +-w_min (``ContactDetector._decide``)."""
    if f.size < 3:
        return np.zeros(0, dtype=np.int64)
    local = f[1:-1]
    mask = (local >= counts.floor) & (local > f[2:]) & (local >= f[:-2])
    k = mask.nonzero()[0] + 1
    return k[is_window_max(f, k, 2 * counts.w_min + 1)].astype(np.int64)


def _decide(  # noqa: C901, PLR0912, PLR0915 - one loop mirroring ContactDetector._consider, rule by rule
    f: FloatArray, s: AnalyserSettings, counts: SampleCounts, *, fs_hz: float, onsets: _Onsets
) -> _Accepted:
    """Accept or reject each candidate in order, from earlier decisions (``ContactDetector._consider``)."""
    n = f.size
    single_leg = onsets.single_leg
    cand = _candidates(f, counts)
    heights_at = f[cand].tolist()
    # Every candidate is the largest within +-w_min. A trunk's window is that; a limb's, w_min..w_max,
    # follows the stride: the largest within w_max is also the largest within any w.
    w_max_ok = is_window_max(f, cand, 2 * counts.w_max + 1).tolist() if single_leg else [True] * cand.size
    base = 0.0 if single_leg else 1.0
    max_interval_n = s.max_step_interval_s * fs_hz
    # An onset can be missing only near the segment start or right after the previous peak; those
    # candidates are timed in the loop (their acceptance depends on it), the rest all at once after it.
    safe_from = counts.edge_guard + counts.look_back + onsets.burst_n + 2
    always_time = counts.rise_n < 2
    out = _Accepted([], [], [], [])
    w_min, w_max = counts.w_min, counts.w_max
    stride_tolerance, on_time_fraction = s.limb_stride_tolerance_fraction, s.limb_on_time_peak_fraction
    relative, refractory, strong = s.relative_peak_fraction, s.refractory_fraction, s.strong_peak_fraction
    last_peak = -1  # -1: none yet
    n_heights = 0
    h1 = h2 = h3 = 0.0  # the last three accepted heights, newest last
    typical = 0.0  # their median (median_of_few, unrolled: this runs for every step)
    intervals: list[int] = []
    stride = 0.0  # median of the last four intervals, once there are two
    w = w_max
    taken_through = -1
    for i, k0 in enumerate(cand.tolist()):
        k = k0
        if k <= taken_through:
            continue
        end = min(n, k + w + 1)
        height = heights_at[i]
        if not w_max_ok[i] and (w == w_max or height < f[max(0, k - w) : end].max()):
            continue
        steady = single_leg and len(intervals) >= 3
        if steady and k < last_peak + stride - stride_tolerance * stride:
            tolerance = stride_tolerance * stride
            due = last_peak + stride
            lo = max(k + 1, math.ceil(due - tolerance))
            hi = min(end - 1, math.floor(due + tolerance) + 1)
            if hi > lo:
                p = on_time_peak(f[lo - 1 : end], hi - lo, on_time_fraction * height)
                if p is not None:
                    k = lo - 1 + p
                    height = float(f[k])
                    taken_through = k
        ratio = (height - base) / max((typical if n_heights else height) - base, 1e-9)
        if n_heights and ratio < relative:
            continue
        if steady and k - last_peak < refractory * stride and ratio < strong:
            continue
        if (k < safe_from or k - last_peak < 3 or always_time) and not onsets.one_is_valid(k, last_peak):
            continue
        out.peak_idx.append(k)
        out.prev_peak_idx.append(last_peak)
        out.height.append(height)
        out.ratio.append(ratio)
        if last_peak >= 0 and single_leg:
            interval = k - last_peak
            intervals = [*intervals[-7:], interval] if interval <= max_interval_n else []
            if len(intervals) >= 2:
                stride = median_of_few(intervals[-4:])
                w = min(w_max, max(w_min, int(0.5 * stride)))
            else:
                w = w_max
        last_peak = k
        h1, h2, h3 = h2, h3, height
        n_heights += 1
        if n_heights >= 3:
            typical = max(min(h1, h2), min(max(h1, h2), h3))
        elif n_heights == 2:
            typical = 0.5 * (min(h2, h3) + max(h2, h3))
        else:
            typical = height
    return out


class _Onsets:
    """Contact onsets of many peaks at once (``ContactDetector._onset``, vectorised)."""

    def __init__(self, feats: Features, s: AnalyserSettings, counts: SampleCounts, *, burst_n: int) -> None:
        """Keep the features the onset searches read."""
        self._feats = feats
        self._s = s
        self._c = counts
        self.burst_n = burst_n
        self.single_leg = feats.onset_jerk is not None

    def one_is_valid(self, k: int, prev: int) -> bool:
        """Whether the peak ``k`` (previous accepted peak ``prev``, -1 if none) has an onset."""
        _, valid = self(np.array([k], dtype=np.int64), np.array([prev], dtype=np.int64))
        return bool(valid[0])

    def __call__(self, k: IntArray, prev: IntArray) -> tuple[IntArray, BoolArray]:
        """Onset sample of each peak ``k`` and whether it was found (False: too close to the start)."""
        if self._feats.onset_jerk is not None:
            return self._limb(self._feats.onset_jerk, k, prev)
        return self._trunk(self._feats.mag_g, k, prev)

    def _limb(self, jerk: FloatArray, k: IntArray, prev: IntArray) -> tuple[IntArray, BoolArray]:
        # The burst average peaks at the end of the burst: its sharpest jerk is within it.
        rows = np.arange(k.size)
        first_allowed = np.maximum(prev + 1, 1)[:, None]
        burst = k[:, None] + np.arange(-self.burst_n + 1, 1)
        in_burst = burst >= first_allowed
        j_values = np.where(in_burst, jerk[np.maximum(burst, 0)], -np.inf)
        j_peak = burst[rows, j_values.argmax(axis=1)]
        search = j_peak[:, None] + np.arange(-self._c.onset_search_n, 1)
        threshold = self._s.limb_onset_fraction * jerk[j_peak]
        above = (search >= first_allowed) & (jerk[np.maximum(search, 0)] > threshold[:, None])
        onset = search[rows, above.argmax(axis=1)]
        return onset, onset >= self._c.edge_guard

    def _trunk(self, mag: FloatArray, k: IntArray, prev: IntArray) -> tuple[IntArray, BoolArray]:
        c, s = self._c, self._s
        rows = np.arange(k.size)
        a = np.maximum(np.maximum(prev + 1, k - c.rise_n - c.trough_n), 0)
        rise_from = np.maximum(a, k - c.rise_n)
        valid = k - rise_from >= 2
        # steepest rise: the largest step up between consecutive samples after rise_from
        rise = k[:, None] + np.arange(-c.rise_n + 1, 1)
        in_rise = rise >= (rise_from + 1)[:, None]
        safe = np.maximum(rise, 1)
        steps_up = np.where(in_rise, mag[safe] - mag[safe - 1], -np.inf)
        ks = rise[rows, steps_up.argmax(axis=1)]
        # flight trough: the lowest |a| within trough_n before that rise
        trough = ks[:, None] + np.arange(-c.trough_n, 1)
        trough_from = np.maximum(a, ks - c.trough_n)
        values = mag[np.maximum(trough, 0)]
        kt = trough[rows, np.where(trough >= trough_from[:, None], values, np.inf).argmin(axis=1)]
        # too close to the start to know it was a flight phase, unless low enough to say so itself
        valid &= ~((kt < c.edge_guard) & (mag[kt] > s.trunk_flight_max_g))
        threshold = mag[kt] + s.trunk_onset_fraction * (mag[ks] - mag[kt])
        below = (trough >= kt[:, None]) & (values <= threshold[:, None])
        last_below = below.shape[1] - 1 - below[:, ::-1].argmax(axis=1)
        return trough[rows, last_below], valid


def _impacts(feats: Features, ic: IntArray, impact_n: int) -> tuple[FloatArray, BoolArray]:
    """Peak |a| - 1 g and whether the sensor clipped, within ``impact_n`` samples from each onset."""
    n = feats.mag_g.size
    after = ic[:, None] + np.arange(impact_n)
    inside = after < n
    at = np.minimum(after, n - 1)
    impact_g = np.where(inside, feats.mag_g[at], -np.inf).max(axis=1) - 1.0 if ic.size else np.zeros(0)
    if feats.clipped is None or not ic.size:
        return impact_g, np.zeros(ic.size, dtype=bool)
    return impact_g, (feats.clipped[at] & inside).any(axis=1)
