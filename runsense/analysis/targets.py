"""Cue settings and the per-runner references: preferred cadence, personal band, impact baseline.

SCIENCE.md: a personal target of +5-10 % over the runner's measured preferred step rate is
better supported than a blanket 180 spm (Heiderscheit et al. 2011; +7.5 % in Willy et al.
2016), and impact feedback works relative to where a runner starts. Both references are the
median over the first stretch of steady running, so one odd step does not move them. Pure.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Literal

from runsense.errors import ConfigError

_HEIDERSCHEIT_PREFERRED_SPM = 172.6
_HEIDERSCHEIT_SD_SPM = 8.8
_OVERSTRIDE_SPM = _HEIDERSCHEIT_PREFERRED_SPM - _HEIDERSCHEIT_SD_SPM


@dataclass(frozen=True, slots=True, kw_only=True)
class CueSettings:
    """Every tunable of the cue engine, with its unit in its name."""

    target_mode: Literal["band", "personal"] = "band"
    """'band': the fixed band below; 'personal': preferred cadence + ``personal_increase_pct``."""
    band_low_spm: float = 170.0
    band_high_spm: float = 180.0
    """The physiotherapists' 170-180 spm (SCIENCE.md; Lieberman 2015: most economical ~170)."""
    personal_increase_pct: float = 7.5
    """+7.5 % gave +8.6 % step rate and 18-19 % lower loading rates (Willy 2016); 5..10 allowed."""
    personal_band_pct: float = 2.5
    """Personal band: target +- this percentage of the target."""
    preferred_cadence_spm: float | None = None
    """Known from an earlier session: the personal target applies from the first step."""
    preferred_measure_s: float = 120.0
    """Otherwise the median cadence over this much steady running (no cadence cues until then)."""
    hysteresis_spm: float = 2.0
    """A cadence cue starts this far beyond the band edge and clears only this far back inside."""
    dwell_s: float = 5.0
    """A condition must hold this long before its cue starts."""
    cooldown_s: float = 20.0
    """Two starts of the same kind are at least this far apart."""
    impact_margin_pct: float = 20.0
    """Land softer: impact this far above the runner's own baseline (feedback cut it 26-50 %)."""
    impact_abs_threshold_g: float | None = None
    """...or above this (tibial sensors: Crowell & Davis 2011 retrained runners above 8 g)."""
    impact_baseline_s: float = 60.0
    """The baseline is the median impact of this much steady running (the first steady minute)."""
    impact_hysteresis_pct: float = 10.0
    """Land softer clears only at or below its start limit minus this percentage of it."""
    overstride_step_length_m_per_mps: float = round(60.0 / _OVERSTRIDE_SPM, 3)
    """Shorten stride when step length > this * speed (m per m/s, i.e. s per step): 0.366.

    With step length = speed * 60 / cadence this is a step time above 0.366 s, i.e. cadence
    below 60 / 0.366 = 164 spm at any speed: one SD below Heiderscheit's preferred rate
    (172.6 +- 8.8 spm), where SCIENCE.md's "long steps at a low step rate" begins. Speed and
    step rate alone cannot tell step length from overstriding (where the foot lands), so this
    is the honest reading; it is also never given at or above the target's low edge.
    """
    min_confidence: float = 0.5
    """Steps below this confidence are not evidence for any cue."""
    walking_below_spm: float = 140.0
    """Below this cadence the runner is walking: no cues, every episode ends."""
    stopped_gap_s: float = 2.0
    """No usable step for longer than this means stopped: dwell timers start again."""

    def __post_init__(self) -> None:
        """Refuse values that would make the cues meaningless, naming the field and the fix."""
        if self.target_mode not in ("band", "personal"):
            raise ConfigError(f"CueSettings.target_mode = {self.target_mode!r}: use 'band' or 'personal'")
        ranges = {  # name: (lowest allowed, highest allowed, lowest included)
            "band_low_spm": (0.0, 300.0, False), "band_high_spm": (0.0, 300.0, False),
            "personal_increase_pct": (5.0, 10.0, True), "personal_band_pct": (0.0, 10.0, False),
            "preferred_cadence_spm": (self.walking_below_spm, 300.0, True),
            "preferred_measure_s": (0.0, 3600.0, False), "hysteresis_spm": (0.0, 20.0, True),
            "dwell_s": (0.0, 600.0, True), "cooldown_s": (0.0, 3600.0, True),
            "impact_margin_pct": (0.0, 1000.0, False), "impact_abs_threshold_g": (0.0, 1000.0, False),
            "impact_baseline_s": (0.0, 3600.0, False), "impact_hysteresis_pct": (0.0, 99.0, True),
            "overstride_step_length_m_per_mps": (0.0, 1.0, False), "min_confidence": (0.0, 1.0, True),
            "walking_below_spm": (0.0, self.band_low_spm, False), "stopped_gap_s": (0.0, 60.0, False),
        }
        for name, (lowest, highest, inclusive) in ranges.items():
            value = getattr(self, name)
            if value is None:
                continue
            above = value >= lowest if inclusive else value > lowest
            if not (above and value <= highest):
                allowed = f"{'[' if inclusive else '('}{lowest:g}, {highest:g}]"
                raise ConfigError(f"CueSettings.{name} = {value}: use a value in {allowed}")
        check_band(self.band_low_spm, self.band_high_spm, self.hysteresis_spm, where="CueSettings.band_*_spm")
        slowest_runner_spm = self.walking_below_spm * (1 + self.personal_increase_pct / 100)
        if self.target_mode == "personal" and not slowest_runner_spm * self.personal_band_pct / 100 > (
            self.hysteresis_spm
        ):
            raise ConfigError(f"CueSettings.personal_band_pct = {self.personal_band_pct}: a personal band "
                              "must be wider than twice hysteresis_spm; widen it or lower the hysteresis")


def check_band(low_spm: float, high_spm: float, hysteresis_spm: float, *, where: str) -> None:
    """A band must be wider than twice the hysteresis, or 'on target' could never be confirmed."""
    if not 0 < low_spm < high_spm:
        raise ConfigError(f"{where}: band {low_spm}-{high_spm} spm: low must be > 0 and below high")
    if not high_spm - low_spm > 2 * hysteresis_spm:
        raise ConfigError(f"{where}: band {low_spm}-{high_spm} spm is not wider than twice the hysteresis "
                          f"({hysteresis_spm} spm): widen the band or lower hysteresis_spm")


class SteadyMedian:
    """Median of a value over the first ``duration_s`` of steady running; frozen once known.

    Running time accumulates between consecutive accepted samples no more than ``max_gap_s``
    apart; ``interrupt()`` (walking) makes the next sample start a new stretch, so time spent
    walking or standing never counts.
    """

    def __init__(self, *, duration_s: float, max_gap_s: float) -> None:
        """Collect until ``duration_s`` of running has been seen."""
        self._duration_s = duration_s
        self._max_gap_s = max_gap_s
        self._values: list[float] = []
        self._elapsed_s = 0.0
        self._last_t_s: float | None = None
        self.value: float | None = None
        """The median, once ``duration_s`` of running has been collected; ``None`` before."""

    @property
    def elapsed_s(self) -> float:
        """Steady running collected so far (s)."""
        return self._elapsed_s

    def add(self, t_s: float, value: float) -> None:
        """Add the value measured at a running step."""
        if self.value is not None:
            return
        if self._last_t_s is not None and 0.0 <= t_s - self._last_t_s <= self._max_gap_s:
            self._elapsed_s += t_s - self._last_t_s
        self._last_t_s = t_s
        self._values.append(value)
        if self._elapsed_s >= self._duration_s:
            self.value = statistics.median(self._values)
            self._values = []

    def interrupt(self) -> None:
        """Running stopped (walking): the next step starts a new stretch."""
        self._last_t_s = None


def personal_band_spm(preferred_spm: float, *, increase_pct: float, band_pct: float) -> tuple[float, float]:
    """Target band around ``preferred * (1 + increase)``, +-``band_pct`` of the target.

    E.g. Heiderscheit's mean preferred rate 172.6 spm, +7.5 % -> target 185.5, band 180.9-190.2.
    """
    target_spm = preferred_spm * (1.0 + increase_pct / 100.0)
    half_width_spm = target_spm * band_pct / 100.0
    return (target_spm - half_width_spm, target_spm + half_width_spm)
