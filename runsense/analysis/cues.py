"""The cue engine: steps in, the few short cues a runner on a treadmill can act on out. Pure.

Time comes only from the steps (``Step.t_s``), so a replay gives the cues of the live run.
Every cue kind is a condition with hysteresis (a Schmitt trigger: it starts beyond the edge by
the hysteresis and clears only back past the edge by as much), a minimum dwell before the cue
starts, a cooldown between two starts of the same kind, and one start per episode: SCIENCE.md,
"feedback needs a band with hysteresis and a minimum dwell time, or it flaps".

| kind | starts when it holds for ``dwell_s`` | clears when |
|---|---|---|
| raise_cadence | cadence < low - h (band low..high, h = hysteresis) | cadence >= low + h |
| on_target (after a raise_cadence) | low + h <= cadence <= high - h | cadence < low - h or > high + h |
| shorten_stride (speed known) | step > k * v + m, cadence < low | step <= k * v - m or cadence >= low + h |
| land_softer | impact > L = min(baseline * (1 + margin), absolute) | impact <= L * (1 - hysteresis) |

step = step length = v * 60 / cadence (v: speed); the margin m is ``hysteresis_spm`` turned into metres. Why
k * speed, and why never at or above the target's low edge: ``CueSettings``. Cues given while a
personal target is still measured (land_softer only) carry the fixed band in ``target_*_spm``.

Nothing is cued on steps without a cadence, while walking (which also ends every episode),
or on steps of poor quality (low confidence; clipped steps for land_softer); a kind that has
had no usable step for ``stopped_gap_s`` ends its episode, so dwell timers restart after a stop.
"""

from __future__ import annotations

from dataclasses import dataclass

from runsense.analysis.targets import CueSettings, SteadyMedian, check_band, personal_band_spm
from runsense.model import Cue, CueKind, Step

__all__ = ["CueEngine", "CueSettings", "cues_for_steps"]

_MESSAGES = {
    CueKind.RAISE_CADENCE: "Raise cadence",
    CueKind.SHORTEN_STRIDE: "Shorten stride",
    CueKind.LAND_SOFTER: "Land softer",
    CueKind.ON_TARGET: "On target",
}
_PRIORITY = (CueKind.RAISE_CADENCE, CueKind.SHORTEN_STRIDE, CueKind.LAND_SOFTER, CueKind.ON_TARGET)
"""Most important first: the order of cues starting at the same step, and ties for ``active``."""
_CADENCE_KINDS = (CueKind.RAISE_CADENCE, CueKind.ON_TARGET, CueKind.SHORTEN_STRIDE)


@dataclass(slots=True)
class _Episode:
    """Hysteresis, dwell and cooldown state of one cue kind."""

    holding: bool = False
    since_s: float = 0.0
    fired: bool = False
    last_evidence_s: float | None = None
    last_start_s: float | None = None
    """Kept when the episode ends: the cooldown runs from the last start."""


class CueEngine:
    """Turns one runner's steps into cues; ``feed`` every step in time order."""

    def __init__(self, settings: CueSettings | None = None) -> None:
        """A fresh session (see ``reset``)."""
        self.settings = settings if settings is not None else CueSettings()
        self._episodes: dict[CueKind, _Episode] = {}
        self._active: dict[CueKind, Cue] = {}
        self._band_override_spm: tuple[float, float] | None = None
        self._on_target_armed = False
        self._preferred = SteadyMedian(duration_s=0.0, max_gap_s=0.0)
        self._impact_baseline = SteadyMedian(duration_s=0.0, max_gap_s=0.0)
        self.reset()

    def reset(self) -> None:
        """Start a new session: nothing measured, nothing active, no cooldowns, no live target."""
        s = self.settings
        self._episodes = {kind: _Episode() for kind in CueKind}
        self._active = {}
        self._band_override_spm = None
        self._on_target_armed = False
        self._preferred = SteadyMedian(duration_s=s.preferred_measure_s, max_gap_s=s.stopped_gap_s)
        self._impact_baseline = SteadyMedian(duration_s=s.impact_baseline_s, max_gap_s=s.stopped_gap_s)

    @property
    def preferred_cadence_spm(self) -> float | None:
        """Given in the settings, else measured (in either mode); ``None`` while still measuring."""
        given = self.settings.preferred_cadence_spm
        return given if given is not None else self._preferred.value

    @property
    def target_spm(self) -> tuple[float, float] | None:
        """The current band; ``None`` while the personal target is still being measured."""
        s = self.settings
        if self._band_override_spm is not None:
            return self._band_override_spm
        if s.target_mode == "band":
            return (s.band_low_spm, s.band_high_spm)
        preferred = self.preferred_cadence_spm
        if preferred is None:
            return None
        return personal_band_spm(
            preferred, increase_pct=s.personal_increase_pct, band_pct=s.personal_band_pct
        )

    @property
    def impact_baseline_g(self) -> float | None:
        """Median impact of the first steady minute; ``None`` until measured."""
        return self._impact_baseline.value

    @property
    def active(self) -> Cue | None:
        """The cue to show: the most recently started one whose condition still holds."""
        if not self._active:
            return None
        return max(self._active.values(), key=lambda c: (c.t_s, -_PRIORITY.index(c.kind)))

    def set_target(self, low_spm: float, high_spm: float) -> None:
        """The runner changed the target live: cadence cues start again against the new band."""
        check_band(low_spm, high_spm, self.settings.hysteresis_spm, where="set_target")
        self._band_override_spm = (low_spm, high_spm)
        for kind in _CADENCE_KINDS:
            self._end(kind)
        self._on_target_armed = False

    def feed(self, step: Step, *, speed_mps: float | None = None) -> list[Cue]:
        """Add the next step; return the cues starting at it. ``speed_mps`` enables shorten_stride."""
        s = self.settings
        for kind, episode in self._episodes.items():
            if episode.last_evidence_s is not None and step.t_s - episode.last_evidence_s > s.stopped_gap_s:
                self._end(kind)
        cadence_spm = step.cadence_spm
        if cadence_spm is None:
            return []
        if cadence_spm < s.walking_below_spm:
            for kind in CueKind:
                self._end(kind)
            self._on_target_armed = False
            self._preferred.interrupt()
            self._impact_baseline.interrupt()
            return []
        if step.confidence < s.min_confidence:
            return []
        self._preferred.add(step.t_s, cadence_spm)
        target = self.target_spm
        fired: list[tuple[CueKind, str]] = []
        if target is not None:
            fired += self._cadence_cues(step.t_s, cadence_spm, target, speed_mps)
        if not step.clipped:
            fired += self._impact_cue(step.t_s, step.impact_g)
            self._impact_baseline.add(step.t_s, step.impact_g)
        low_spm, high_spm = target if target is not None else (s.band_low_spm, s.band_high_spm)
        cues = []
        for kind, reason in sorted(fired, key=lambda kr: _PRIORITY.index(kr[0])):
            cue = Cue(t_s=step.t_s, kind=kind, message=_MESSAGES[kind], cadence_spm=cadence_spm,
                      target_low_spm=low_spm, target_high_spm=high_spm, reason=reason)
            self._active[kind] = cue
            cues.append(cue)
        return cues

    def _cadence_cues(
        self, t_s: float, cadence_spm: float, target: tuple[float, float], speed_mps: float | None
    ) -> list[tuple[CueKind, str]]:
        h_spm = self.settings.hysteresis_spm
        low_spm, high_spm = target
        out: list[tuple[CueKind, str]] = []
        below, back = cadence_spm < low_spm - h_spm, cadence_spm >= low_spm + h_spm
        if self._observe(CueKind.RAISE_CADENCE, t_s, start=below, clear=back):
            self._on_target_armed = True  # "On target" confirms a correction, so it follows a raise
            held = self._held_s(CueKind.RAISE_CADENCE, t_s)
            out.append((CueKind.RAISE_CADENCE, f"cadence {cadence_spm:.0f} spm < {low_spm:.0f} for {held}"))
        inside = low_spm + h_spm <= cadence_spm <= high_spm - h_spm
        outside = below or cadence_spm > high_spm + h_spm
        if self._observe(CueKind.ON_TARGET, t_s, start=inside, clear=outside, allowed=self._on_target_armed):
            self._on_target_armed = False
            held = self._held_s(CueKind.ON_TARGET, t_s)
            band = f"{low_spm:.0f}-{high_spm:.0f}"
            out.append((CueKind.ON_TARGET, f"cadence {cadence_spm:.0f} spm in {band} for {held}"))
        if speed_mps is not None and speed_mps > 0:
            out += self._stride_cue(t_s, cadence_spm, low_spm, speed_mps)
        return out

    def _stride_cue(
        self, t_s: float, cadence_spm: float, low_spm: float, speed_mps: float
    ) -> list[tuple[CueKind, str]]:
        """Step length > k * speed, with the cadence hysteresis expressed as a step length margin.

        Never while the cadence is at or above the target's low edge: "Shorten stride" must not
        contradict "On target" (a personal target can sit below 60 / k).
        """
        s = self.settings
        k_s = s.overstride_step_length_m_per_mps
        step_length_m = speed_mps * 60.0 / cadence_spm
        limit_m = k_s * speed_mps
        margin_m = limit_m * s.hysteresis_spm / (60.0 / k_s)  # ~ hysteresis_spm around 60 / k spm
        start = step_length_m > limit_m + margin_m and cadence_spm < low_spm
        clear = step_length_m <= limit_m - margin_m or cadence_spm >= low_spm + s.hysteresis_spm
        kind = CueKind.SHORTEN_STRIDE
        if not self._observe(kind, t_s, start=start, clear=clear):
            return []
        reason = (f"step {step_length_m:.2f} m > {limit_m:.2f} m ({k_s:g} s x {speed_mps:.2f} m/s, "
                  f"cadence {cadence_spm:.0f} spm) for {self._held_s(kind, t_s)}")
        return [(kind, reason)]

    def _impact_cue(self, t_s: float, impact_g: float) -> list[tuple[CueKind, str]]:
        s = self.settings
        limits = {}
        baseline_g = self._impact_baseline.value
        if baseline_g is not None:
            limits[f"baseline {baseline_g:.1f} g + {s.impact_margin_pct:g} %"] = baseline_g * (
                1 + s.impact_margin_pct / 100
            )
        if s.impact_abs_threshold_g is not None:
            limits["absolute threshold"] = s.impact_abs_threshold_g
        if not limits:
            return []
        why, limit_g = min(limits.items(), key=lambda item: item[1])
        kind = CueKind.LAND_SOFTER
        clear = impact_g <= limit_g * (1 - s.impact_hysteresis_pct / 100)
        if not self._observe(kind, t_s, start=impact_g > limit_g, clear=clear):
            return []
        return [(kind, f"impact {impact_g:.1f} g > {limit_g:.1f} g ({why}) for {self._held_s(kind, t_s)}")]

    def _observe(self, kind: CueKind, t_s: float, *, start: bool, clear: bool, allowed: bool = True) -> bool:
        """Advance one kind's episode with a usable step; True when its cue starts at this step."""
        s = self.settings
        episode = self._episodes[kind]
        if episode.holding and clear:
            self._end(kind)
        elif not episode.holding and start:
            episode.holding, episode.since_s = True, t_s
        episode.last_evidence_s = t_s
        if not (episode.holding and allowed) or episode.fired or t_s - episode.since_s < s.dwell_s:
            return False
        if episode.last_start_s is not None and t_s - episode.last_start_s < s.cooldown_s:
            return False
        episode.fired, episode.last_start_s = True, t_s
        return True

    def _end(self, kind: CueKind) -> None:
        """The episode is over (cleared, walking, stopped, new target); the cooldown is kept."""
        episode = self._episodes[kind]
        episode.holding, episode.fired, episode.last_evidence_s = False, False, None
        self._active.pop(kind, None)

    def _held_s(self, kind: CueKind, t_s: float) -> str:
        return f"{t_s - self._episodes[kind].since_s:.0f} s"


def cues_for_steps(
    steps: list[Step], *, settings: CueSettings | None = None, speed_mps: float | None = None
) -> list[Cue]:
    """The cues a session's steps trigger, in time order (offline: ``analyse --save``, reports)."""
    engine = CueEngine(settings)
    cues: list[Cue] = []
    for step in sorted(steps, key=lambda s: s.t_s):
        cues += engine.feed(step, speed_mps=speed_mps)
    return cues
