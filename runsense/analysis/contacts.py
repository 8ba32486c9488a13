"""Streaming initial-contact detection for one uninterrupted segment of samples.

How it works (the same for every chunking of the input, down to one sample):

1. A causal feature per sample, with filter state carried across chunks:
   trunk sensors use the low-passed acceleration magnitude (one peak per step),
   limb sensors the jerk |da/dt| averaged over ``limb_burst_s`` (one impact per
   stride of that leg: a heel strike is a burst of jerk, while a terminal-swing or
   toe-off transient, sharp as it may be, lasts a sample or two).
2. A candidate peak is decided only once the samples up to ``peak + window`` have
   arrived (the hold-back). Candidates are decided strictly in sample order, using
   only earlier decisions, so chunk boundaries cannot change the outcome. Limb sensors
   in a steady rhythm: a candidate well before the next landing is due gives way to a
   comparable peak near the due time, if the held-back samples show one (``_on_time_peak``).
3. Accepted peaks are refined backwards in the raw magnitude to the contact onset:
   trunk: the trough before the steep rise that follows landing; limb: where the
   impact's jerk burst starts, on the jerk smoothed only over ``limb_jerk_smooth_s``
   (the burst average would blur the timing), walking back from the burst's sharpest
   jerk at which the limb was loaded along its axis (``limb_loaded_min_g``).
4. Shank sensors only: toe-off is searched forwards from the onset, within the data
   the hold-back already guarantees (see ``_toe_off``); none is given when it lies
   beyond (walking) or the signal does not show it.
Orientation never matters: only |a|, |da/dt| and the acceleration projected on the
sensor's own stride-average direction are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from runsense.analysis.features import FeatureFilter
from runsense.analysis.history import SampleHistory
from runsense.analysis.landmarks import (
    burst_onset,
    loaded_jerk_peak,
    on_time_peak,
    stride_direction,
    toe_off_offset,
)
from runsense.analysis.sample_counts import SampleCounts
from runsense.analysis.settings import AnalyserSettings
from runsense.analysis.window import is_window_max
from runsense.model import FloatArray

_M, _F, _CLIP, _J, _AXES = 0, 1, 2, 3, 4
"""History columns: |a| (g), detection feature, clipped flag, limb onset jerk (g/s), raw axes..."""


def median_of_few(values: list[float] | list[int]) -> float:
    """Median of a handful of numbers; plain Python is ~20x faster than numpy at this size."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


@dataclass(frozen=True, slots=True)
class Contact:
    """A detected initial contact, in sample indices of its segment."""

    ic_idx: int
    peak_idx: int
    peak_height: float
    impact_g: float
    clipped: bool
    prominence_ratio: float
    """Peak height over the recent typical height (1 = typical); feeds the confidence."""
    toe_off_idx: float | None = None
    """Toe-off (fractional sample index of the segment) where it was found; None where not estimated."""


class ContactDetector:
    """Feeds chunks of one segment (fixed rate, no gaps); returns contacts as they are confirmed."""

    def __init__(
        self,
        settings: AnalyserSettings,
        *,
        fs_hz: float,
        n_axes: int,
        single_leg: bool,
        shank: bool = False,
    ) -> None:
        """Precompute filters and sample counts for this rate.

        ``shank``: the rules validated on shank sensors only (the force-plate data has no foot sensor):
        toe-off, and the onset timed from the loaded limb's sharpest jerk (``_onset``).
        """
        self._s = settings
        self._fs = fs_hz
        self._single_leg = single_leg
        self._shank = shank and single_leg
        self._filter = FeatureFilter(settings, fs_hz=fs_hz, n_axes=n_axes, single_leg=single_leg)
        self._burst_n = self._filter.burst_n
        n = SampleCounts.at(settings, fs_hz=fs_hz, single_leg=single_leg)
        self._n = n
        self._w_min, self._w_max, self._floor = n.w_min, n.w_max, n.floor
        self._edge_guard, self._impact_n = n.edge_guard, n.impact_n
        keep = n.w_max + n.look_back + n.impact_n + 4
        if self._shank:  # the stride before a contact gives the direction its onset and toe-off use
            keep += 2 * self._w_max
        self._hist = SampleHistory(n_columns=_AXES + n_axes, keep_samples=keep)
        self._last_ic_idx: int | None = None
        self._next_idx = 1  # first sample not yet examined as a candidate peak
        self._last_peak_idx: int | None = None
        self._heights: list[float] = []
        self._intervals: list[int] = []
        self._taken_through = -1  # an on-time peak taken in place of an earlier candidate (limb): decided

    # -- per-sample features -------------------------------------------------------------

    def _features(self, acc_g: FloatArray) -> FloatArray:
        """The history rows of a chunk: the features (``features.FeatureFilter``) and the raw axes."""
        f = self._filter(acc_g)
        out = np.empty((acc_g.shape[0], _AXES + acc_g.shape[1]))
        out[:, _M] = f.mag_g
        out[:, _F] = f.feature
        out[:, _CLIP] = 0.0 if f.clipped is None else f.clipped
        out[:, _J] = 0.0 if f.onset_jerk is None else f.onset_jerk
        out[:, _AXES:] = acc_g
        return out

    # -- decisions ---------------------------------------------------------------------

    def feed(self, acc_g: FloatArray) -> list[Contact]:
        """Add samples; return the contacts whose hold-back has now passed."""
        if acc_g.shape[0]:
            self._hist.append(self._features(acc_g))
        return self._decide(final=False)

    def finish(self) -> list[Contact]:
        """End of segment: decide the held-back candidates with the data there is."""
        return self._decide(final=True)

    def _window(self) -> int:
        if not self._single_leg or len(self._intervals) < 2:
            return self._w_max
        half_stride = int(0.5 * median_of_few(self._intervals[-4:]))
        return min(self._w_max, max(self._w_min, half_stride))

    def _decide(self, *, final: bool) -> list[Contact]:
        hist = self._hist
        end = hist.end_idx
        lo = self._next_idx
        hi = end - 1 if final else end - 1 - self._w_min  # candidates need a right neighbour
        if hi <= lo:
            return []
        region_lo = max(hist.start_idx, lo - self._w_min)
        f = hist.view(region_lo, end)[:, _F]
        local = f[lo - region_lo : hi - region_lo]
        left = f[lo - region_lo - 1 : hi - region_lo - 1] if lo - region_lo >= 1 else None
        mask = (local >= self._floor) & (local > f[lo - region_lo + 1 : hi - region_lo + 1])
        if left is not None:
            mask &= local >= left
        offsets = mask.nonzero()[0]
        if offsets.size:  # most live chunks hold no local peak above the floor: skip the window max
            offsets = offsets[is_window_max(f, offsets + (lo - region_lo), 2 * self._w_min + 1)]
        found: list[Contact] = []
        for offset in offsets.tolist():
            k = lo + offset
            if k <= self._taken_through:
                continue  # at or before an on-time peak already taken in place of an early candidate
            w = self._window()
            if not final and k + w >= end:
                self._next_idx = k
                return found
            contact = self._consider(k, w, min(end, k + w + 1))
            if contact is not None:
                found.append(contact)
        self._next_idx = hi
        return found

    def _consider(self, k: int, w: int, end: int) -> Contact | None:
        """Decide the candidate peak ``k`` from the samples before ``end`` (at most ``k + w``)."""
        height = self._hist.value(k, _F)
        if height < self._hist.view(k - w, end)[:, _F].max():
            return None
        on_time = self._on_time_peak(k, height, end)
        if on_time is not None:
            k, height = on_time, self._hist.value(on_time, _F)
            self._taken_through = k
        typical = median_of_few(self._heights[-3:]) if self._heights else height
        base = 0.0 if self._single_leg else 1.0  # trunk heights are measured above 1 g
        ratio = (height - base) / max(typical - base, 1e-9)
        if self._heights and ratio < self._s.relative_peak_fraction:
            return None
        if self._single_leg and self._last_peak_idx is not None and len(self._intervals) >= 3:
            # Too soon after the last impact and weaker than a typical one: a toe-off, not a landing.
            # A strong early peak is kept, so one missed stride cannot lock the detector onto
            # every other stride.
            typical_interval = median_of_few(self._intervals[-4:])
            too_soon = k - self._last_peak_idx < self._s.refractory_fraction * typical_interval
            if too_soon and ratio < self._s.strong_peak_fraction:
                return None
        ic_idx = self._onset(k)
        if ic_idx is None:
            return None
        if self._last_peak_idx is not None:
            interval = k - self._last_peak_idx
            if interval <= self._s.max_step_interval_s * self._fs:
                self._intervals = [*self._intervals[-7:], interval]
            else:
                self._intervals = []
        self._last_peak_idx = k
        self._heights = [*self._heights[-2:], height]
        after = self._hist.view(ic_idx, ic_idx + self._impact_n)
        toe_off_idx = self._toe_off(ic_idx, end) if self._shank else None
        self._last_ic_idx = ic_idx
        return Contact(
            ic_idx=ic_idx,
            peak_idx=k,
            peak_height=height,
            impact_g=float(after[:, _M].max()) - 1.0,
            clipped=bool(after[:, _CLIP].any()),
            prominence_ratio=ratio,
            toe_off_idx=toe_off_idx,
        )

    def _on_time_peak(self, k: int, height: float, end: int) -> int | None:
        """Limb: the landing due one typical stride after the last, taken instead of the early ``k``; or None.

        Stride-phase consistency (``limb_stride_tolerance_fraction``, ``limb_on_time_peak_fraction``,
        ``landmarks.on_time_peak``), from the samples before ``end``, after three intervals.
        """
        if not self._single_leg or self._last_peak_idx is None or len(self._intervals) < 3:
            return None
        stride = median_of_few(self._intervals[-4:])
        tolerance = self._s.limb_stride_tolerance_fraction * stride
        due = self._last_peak_idx + stride
        if k >= due - tolerance:
            return None
        lo = max(k + 1, math.ceil(due - tolerance))
        hi = min(end - 1, math.floor(due + tolerance) + 1)  # p + 1 must be at hand to call p a peak
        if hi <= lo:
            return None
        f = self._hist.view(lo - 1, end)[:, _F]
        p = on_time_peak(f, hi - lo, self._s.limb_on_time_peak_fraction * height)
        return None if p is None else lo - 1 + p

    def _toe_off(self, ic_idx: int, end: int) -> float | None:
        """Limb toe-off after the contact at ``ic_idx``, from the samples before ``end``; None if not seen.

        Searched from ``limb_contact_min_s`` to ``limb_contact_max_s`` after contact, along the mean
        direction of the stride before it (``landmarks.toe_off_offset``). None also when the previous
        contact is unknown or too old, or the crossing lies beyond the samples at hand (walking).
        """
        prev = self._last_ic_idx
        if prev is None or prev < self._hist.start_idx or ic_idx - prev > 2 * self._w_max:
            return None
        lo = ic_idx + self._n.contact_min_n
        hi = min(end, ic_idx + self._n.contact_max_n + 1)
        if hi - lo < 2:
            return None
        offset = toe_off_offset(self._hist.view(prev, ic_idx)[:, _AXES:], self._hist.view(lo, hi)[:, _AXES:])
        return None if offset is None else lo + offset

    def _stride_direction(self, end: int) -> FloatArray | None:
        """Limb: mean acceleration direction from the last contact to ``end``; None if unknown or too old."""
        prev = self._last_ic_idx
        if prev is None or prev < self._hist.start_idx or end - prev > 2 * self._w_max:
            return None
        return stride_direction(self._hist.view(prev, end)[:, _AXES:])

    def _onset(self, k: int) -> int | None:
        """Walk back from a confirmed peak to the contact onset; None if the onset was not seen."""
        prev = self._last_peak_idx if self._last_peak_idx is not None else -1
        if self._single_leg:
            onset = self._limb_onset(k, prev)
            # Too close to the segment start to be sure the impact began here.
            return None if onset < self._edge_guard else onset
        return self._trunk_onset(k, prev)

    def _limb_onset(self, k: int, prev: int) -> int:
        """Limb: where the impact's jerk starts, walking back from its sharpest jerk."""
        s = self._s
        # The burst average peaks at the end of the burst: its sharpest jerk is within it.
        b = max(prev + 1, k - self._burst_n + 1, 1)
        if not self._shank:
            j_peak = b + int(self._hist.view(b, k + 1)[:, _J].argmax())
            a = max(prev + 1, j_peak - self._n.onset_search_n, 1)
            f = self._hist.view(a, j_peak + 1)[:, _J]
            return a + int((f > s.limb_onset_fraction * f[-1]).nonzero()[0][0])
        # Shank: only a jerk of the loaded limb counts (a terminal-swing transient is not the impact:
        # ``landmarks.loaded_jerk_peak``), and the onset is where the impact's burst began
        # (``landmarks.burst_onset``), not where an earlier transient crossed the fraction.
        burst = self._hist.view(b - 1, k + 1)
        direction = self._stride_direction(b)
        j_peak = b + loaded_jerk_peak(burst[1:, _J], burst[:, _AXES:], direction, s.limb_loaded_min_g)
        a = max(prev + 1, j_peak - self._n.onset_search_n, 1)
        return a + burst_onset(self._hist.view(a, j_peak + 1)[:, _J], s.limb_onset_fraction)

    def _trunk_onset(self, k: int, prev: int) -> int | None:
        """Trunk: where |a| leaves the flight trough before the steep rise that follows landing."""
        s = self._s
        rise_n, trough_n = self._n.rise_n, self._n.trough_n
        a = max(prev + 1, k - rise_n - trough_n, 0)
        m = self._hist.view(a, k + 1)[:, _M]
        r0 = max(0, k - rise_n - a)
        if m.size - r0 < 3:
            return None
        ks = r0 + 1 + int((m[r0 + 1 :] - m[r0:-1]).argmax())  # steepest rise (np.diff, without its overhead)
        b = max(0, ks - trough_n)
        kt = b + int(m[b : ks + 1].argmin())
        if a + kt < self._edge_guard and m[kt] > s.trunk_flight_max_g:
            # Too close to the segment start to know this trough is the flight phase, and not low
            # enough to say so by itself: the runner may have been on the ground before the data began.
            return None
        threshold = m[kt] + s.trunk_onset_fraction * (m[ks] - m[kt])
        below = (m[kt : ks + 1] <= threshold).nonzero()[0]
        return a + kt + int(below[-1])
