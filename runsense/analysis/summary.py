"""Session summary numbers from a list of steps (pure; used by the CLI, reports and replay)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from runsense.model import Step

DEFAULT_BAND_SPM = (170.0, 180.0)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """What a runner or coach wants first: how many steps, how fast, how much in band, how hard."""

    n_steps: int
    duration_s: float
    mean_cadence_spm: float | None
    time_in_band_s: float
    time_with_cadence_s: float
    band_spm: tuple[float, float]
    mean_impact_g: float | None
    clipped_steps: int
    mean_contact_ms: float | None = None
    """Mean ground contact time over the steps that have one (shank sensors while running)."""
    contact_steps: int = 0
    """How many steps have a contact time."""

    @property
    def in_band_fraction(self) -> float | None:
        """Share of the time with a known cadence that was inside the band."""
        if self.time_with_cadence_s <= 0:
            return None
        return self.time_in_band_s / self.time_with_cadence_s


def summarise(steps: Sequence[Step], *, band_spm: tuple[float, float] = DEFAULT_BAND_SPM,
              max_interval_s: float = 1.6) -> SessionSummary:
    """Summarise steps; the time after each step counts toward that step's (smoothed) cadence.

    Intervals longer than ``max_interval_s`` (stops, gaps) count toward nothing, so
    time in band is never invented across a gap.
    """
    if not steps:
        return SessionSummary(0, 0.0, None, 0.0, 0.0, band_spm, None, 0)
    t_s = np.array([s.t_s for s in steps])
    cadence = np.array([np.nan if s.cadence_spm is None else s.cadence_spm for s in steps])
    impact = np.array([s.impact_g for s in steps])
    intervals = np.diff(t_s)
    usable = (intervals <= max_interval_s) & ~np.isnan(cadence[:-1])
    lo, hi = band_spm
    in_band = usable & (cadence[:-1] >= lo) & (cadence[:-1] <= hi)
    time_with = float(intervals[usable].sum())
    mean_cadence = None
    if time_with > 0:
        mean_cadence = float((cadence[:-1][usable] * intervals[usable]).sum() / time_with)
    contact_ms = [s.contact_ms for s in steps if s.contact_ms is not None]
    return SessionSummary(
        n_steps=len(steps),
        duration_s=float(t_s[-1] - t_s[0]),
        mean_cadence_spm=mean_cadence,
        time_in_band_s=float(intervals[in_band].sum()),
        time_with_cadence_s=time_with,
        band_spm=band_spm,
        mean_impact_g=float(impact.mean()),
        clipped_steps=sum(1 for s in steps if s.clipped),
        mean_contact_ms=float(np.mean(contact_ms)) if contact_ms else None,
        contact_steps=len(contact_ms),
    )
