"""The analyser's durations as whole sample counts at one sample rate.

Computed once per segment and shared by the streaming detector (``contacts.ContactDetector``)
and the batch path (``batch_contacts``), so both round every duration the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from runsense.analysis.settings import AnalyserSettings


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleCounts:
    """Sample counts of one placement kind (limb or trunk) at one rate."""

    w_min: int
    """Smallest half-window a peak must dominate (limb: adapts to half a stride within w_min..w_max)."""
    w_max: int
    floor: float
    """Lowest feature value that can be a step (trunk: g of smoothed |a|; limb: g/s of jerk)."""
    rise_n: int
    """Trunk: how far before a peak the steep rise of |a| is searched."""
    trough_n: int
    """Trunk: how far before that rise the flight trough is searched."""
    onset_search_n: int
    """Limb: how far before the jerk peak the onset is searched."""
    look_back: int
    """Samples an onset search may reach back from a peak, with a margin."""
    edge_guard: int
    impact_n: int
    contact_min_n: int
    contact_max_n: int

    @classmethod
    def at(cls, s: AnalyserSettings, *, fs_hz: float, single_leg: bool) -> SampleCounts:
        """The counts for ``fs_hz``."""
        if single_leg:
            w_min = max(1, round(s.limb_min_peak_window_s * fs_hz))
            w_max = max(w_min, round(s.limb_max_peak_window_s * fs_hz))
            floor = s.limb_min_jerk_g_per_s
            look_back_s = s.limb_onset_search_s
        else:
            w_min = w_max = max(1, round(s.trunk_peak_window_s * fs_hz))
            floor = s.trunk_min_peak_g
            look_back_s = s.trunk_rise_search_s + s.trunk_trough_search_s
        contact_min_n = max(1, round(s.limb_contact_min_s * fs_hz))
        return cls(
            w_min=w_min,
            w_max=w_max,
            floor=floor,
            rise_n=round(s.trunk_rise_search_s * fs_hz),
            trough_n=round(s.trunk_trough_search_s * fs_hz),
            onset_search_n=round(s.limb_onset_search_s * fs_hz),
            look_back=round(look_back_s * fs_hz) + 2,
            edge_guard=max(2, round(s.edge_guard_s * fs_hz)),
            impact_n=max(1, round(s.impact_window_s * fs_hz)),
            contact_min_n=contact_min_n,
            contact_max_n=max(contact_min_n + 1, round(s.limb_contact_max_s * fs_hz)),
        )
