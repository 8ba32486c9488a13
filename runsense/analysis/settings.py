"""Analyser parameters: one set for every placement, data set and runner (no per-trial tuning).

Values were chosen on physical grounds (step and stride durations of human gait,
the shape of an impact) and checked against the force-plate data; see
docs/accuracy.md for how well they do and benchmarks/accuracy.py for the command.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from runsense.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyserSettings:
    """Every tunable of the streaming analyser, with its unit in its name."""

    # Trunk sensors (sacrum, chest, wrist): one acceleration-magnitude peak per step.
    trunk_smooth_s: float = 0.16
    """Hann-window smoothing of |a| that leaves one big peak per step (passes step rates up to ~4 Hz)."""
    trunk_peak_window_s: float = 0.15
    """A step peak must be the highest within +-this (steps are >= 0.25 s apart at 240 spm)."""
    trunk_min_peak_g: float = 1.15
    """Below this smoothed |a| nobody is running or walking (standing still reads 1 g)."""
    trunk_rise_search_s: float = 0.2
    """How far before a step peak to look for the steep rise of |a| that follows contact."""
    trunk_trough_search_s: float = 0.15
    """How far before that rise to look for the flight-phase trough of |a|."""
    trunk_onset_fraction: float = 0.15
    """Contact is where |a| leaves its trough by this fraction of the trough-to-rise amplitude."""
    trunk_flight_max_g: float = 0.5
    """|a| below this means airborne (free fall reads 0 g): a trough this low is a flight phase even when
    it lies within ``edge_guard_s`` of a segment start, so the contact after it is kept."""

    # Limb sensors (foot, shank): one impact per stride of that leg.
    limb_jerk_smooth_s: float = 0.015
    """Moving average applied to the jerk |da/dt| that times the contact onset (a single noisy sample
    is not an impact)."""
    limb_burst_s: float = 0.12
    """Impacts are picked on the jerk averaged over a Hann window this long (~half of it effective):
    a heel strike's jerk burst lasts tens of ms (the heel lands, the foot slaps flat, the shank rings),
    a terminal-swing or toe-off transient is one or two sharp samples that can outdo it on a short
    average. The contact onset is timed on the short average (``limb_jerk_smooth_s``)."""
    limb_min_peak_window_s: float = 0.3
    limb_max_peak_window_s: float = 0.6
    """An impact must be the largest jerk within +-half a stride, bounded by these (s)."""
    limb_min_jerk_g_per_s: float = 20.0
    """Jerk floor for an impact: swinging a leg without landing stays below it."""
    limb_onset_search_s: float = 0.05
    """Contact precedes the impact's jerk peak by at most this much."""
    limb_onset_fraction: float = 0.35
    """Contact is where the smoothed jerk last rises above this fraction of the impact's peak before it:
    the start of the burst. A jerk that fell back below it in between was something earlier (in walking a
    terminal-swing transient ~30-70 ms before the heel strike, as sharp as the strike itself)."""
    limb_loaded_min_g: float = 0.5
    """The impact's peak jerk, the one the onset is timed from, is taken where the limb reads at least
    this along its stride-average direction (its long axis, gravity included): a landing pushes the limb
    along its axis (1 g standing, more on impact), while a terminal-swing transient is a jerk across the
    limb with ~0 g along it and the ringing after a running impact swings through 0 g. Between 0.25 and
    0.9 g the force-plate data give the same result: anything well below 1 g and well above 0 g."""
    limb_contact_min_s: float = 0.1
    """Toe-off is searched from this long after contact (sprint contacts last >= ~0.1 s; the impact's
    ringing is over by then)."""
    limb_contact_max_s: float = 0.4
    """Toe-off is searched up to this long after contact (running contacts are shorter); a longer
    stance (walking, 0.5-0.8 s) gets no contact time, and neither does one whose toe-off lies beyond
    the samples the hold-back has (about half a stride after the impact)."""

    limb_stride_tolerance_fraction: float = 0.15
    """Stride-phase consistency (limb): in steady gait one stride lasts within a few % of the last ones
    (stride-time CV ~2-4 % walking or running), so the next impact is due one typical stride after the
    last. A candidate sooner than (1 - this) strides is early; a peak within +-this of the due time is on
    time. 0.15 is several times the normal variation and larger than a stride-to-stride change of pace."""
    limb_on_time_peak_fraction: float = 0.8
    """An early limb candidate gives way to the on-time peak after it (within the samples the hold-back
    already has) when that peak reaches at least this fraction of the early one's height: for two
    comparable bursts, timing is the better evidence (walking toe-off bursts come ~0.6-0.75 stride after
    an impact and can be as strong as it; a running impact is several times its neighbours, so this
    never applies there)."""

    # Both.
    relative_peak_fraction: float = 0.5
    """A peak lower than this fraction of the median of the last three steps' peaks is not a step."""
    refractory_fraction: float = 0.7
    """Limb: a weak peak sooner than this fraction of the typical stride after the last is a toe-off."""
    strong_peak_fraction: float = 0.8
    """Limb: a peak at least this fraction of the typical impact counts even when it comes early."""
    max_step_interval_s: float = 1.6
    """Longer between two contacts of the sequence means stopped: no cadence across it."""
    impact_window_s: float = 0.15
    """Impact is the peak |a| - 1 g within this long after contact."""
    clip_min_g: float = 2.0
    """Three equal consecutive readings above this on an axis mean the sensor clipped."""
    cadence_window_steps: int = 6
    """Smoothed cadence: the robust (median pairwise) step rate over whole steps counted back from the
    newest contact until they hold this many (both feet: a single-leg sensor's stride is 2). It lags a
    real change by about half of it (8 steps lagged ~1.3 s, 2.2 spm on a runner slowing down); one
    missed or extra contact is absorbed by whole-step counting and the median, not by the length."""
    edge_guard_s: float = 0.03
    """A contact onset this close to a segment start is dropped: what came before is unknown (trunk:
    unless its trough reads as flight, see ``trunk_flight_max_g``)."""
    gap_tolerance_samples: float = 1.5
    """A chunk starting later than this many sample periods after the last one starts a new segment."""

    def __post_init__(self) -> None:
        """Refuse values that would make the detector meaningless, naming the parameter and the fix."""
        for f in fields(self):
            value = getattr(self, f.name)
            if value <= 0:
                raise ConfigError(f"AnalyserSettings.{f.name} = {value}: must be > 0")
        for name in ("trunk_onset_fraction", "limb_onset_fraction", "relative_peak_fraction",
                     "refractory_fraction", "strong_peak_fraction", "limb_stride_tolerance_fraction"):
            value = getattr(self, name)
            if not value < 1:
                raise ConfigError(f"AnalyserSettings.{name} = {value}: must be a fraction below 1")
        if self.limb_contact_min_s >= self.limb_contact_max_s:
            raise ConfigError("AnalyserSettings.limb_contact_min_s must be < limb_contact_max_s")
        if self.limb_min_peak_window_s > self.limb_max_peak_window_s:
            raise ConfigError("AnalyserSettings.limb_min_peak_window_s must be <= limb_max_peak_window_s")
