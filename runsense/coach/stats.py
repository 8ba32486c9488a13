"""Session numbers and plot series, from steps or from a FIT import's device seconds. Pure.

Numbers come only from the session's steps, cues and ``fit_record`` seconds (no I/O, no
clock, no rendering), so a report, a listing and a comparison agree to the last digit.
Where a quantity cannot be measured with the session's sensors the series says why,
because "not available for this sensor" is itself useful to a coach.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from runsense.analysis.summary import DEFAULT_BAND_SPM, summarise
from runsense.coach.data import Session
from runsense.model import Side

FIT_MAX_INTERVAL_S = 10.0
"""Device records further apart than this are a pause; "smart recording" writes every 1-8 s."""
STEP_MAX_INTERVAL_S = 1.6
"""Steps further apart than this are a stop (as in ``summarise``)."""
CADENCE, IMPACT, BALANCE, STEP_LENGTH, CONTACT = "cadence", "impact", "balance", "step_length", "contact"


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None and math.isfinite(v)]
    return sum(known) / len(known) if known else None


def _running(cadence_spm: float | None) -> bool:
    """A device's cadence 0 means standing still; like a stop between steps, it is not running time."""
    return cadence_spm is not None and cadence_spm > 0


def _left_pct(left: float | None, right: float | None) -> float | None:
    """Left's share of left + right, in % (Garmin's balance convention: 50 is even)."""
    if left is None or right is None or left + right <= 0:
        return None
    return 100.0 * left / (left + right)


@dataclass(frozen=True, slots=True)
class SideBalance:
    """Left against right; a value is None where that side or quantity was not measured."""

    n_left: int
    n_right: int
    impact_left_g: float | None
    impact_right_g: float | None
    contact_left_ms: float | None
    contact_right_ms: float | None
    contact_left_pct: float | None

    @property
    def impact_left_pct(self) -> float | None:
        """Left's share of the summed mean impacts (50 % = even)."""
        return _left_pct(self.impact_left_g, self.impact_right_g)


@dataclass(frozen=True, slots=True)
class SessionStats:
    """The summary numbers of one session, units in the names."""

    duration_s: float
    distance_km: float | None
    n_steps: int
    mean_cadence_spm: float | None
    time_in_band_s: float
    time_with_cadence_s: float
    band_spm: tuple[float, float]
    mean_impact_g: float | None
    clipped_steps: int
    mean_step_length_m: float | None
    mean_contact_ms: float | None
    mean_speed_kmh: float | None
    cues_by_kind: tuple[tuple[str, int], ...]
    balance: SideBalance | None

    @property
    def n_cues(self) -> int:
        """All cues, whatever their kind."""
        return sum(n for _, n in self.cues_by_kind)

    @property
    def in_band_fraction(self) -> float | None:
        """Share of the time with a known cadence spent inside the band."""
        return None if self.time_with_cadence_s <= 0 else self.time_in_band_s / self.time_with_cadence_s

    def cues_of(self, kind: str) -> int:
        """How many cues of ``kind`` (a ``CueKind`` value) were given."""
        return dict(self.cues_by_kind).get(kind, 0)


def _step_balance(session: Session) -> SideBalance | None:
    left = [s for s in session.steps if s.side is Side.LEFT]
    right = [s for s in session.steps if s.side is Side.RIGHT]
    if left and right:
        contact_l, contact_r = _mean(s.contact_ms for s in left), _mean(s.contact_ms for s in right)
        return SideBalance(
            len(left), len(right), _mean(s.impact_g for s in left), _mean(s.impact_g for s in right),
            contact_l, contact_r, _left_pct(contact_l, contact_r),
        )  # fmt: skip
    device = _mean(s.stance_time_balance_left_pct for s in session.seconds)
    if device is None:
        return None
    return SideBalance(0, 0, None, None, None, None, device)


def _seconds_band(session: Session, band_spm: tuple[float, float]) -> tuple[float | None, float, float]:
    """Time-weighted mean cadence, time in band and time with a cadence from device records."""
    lo, hi = band_spm
    weighted = in_band = with_cadence = 0.0
    seconds = session.seconds
    for this, after in itertools.pairwise(seconds):
        interval_s = after.t_s - this.t_s
        if this.cadence_spm is None or this.cadence_spm <= 0 or not 0 < interval_s <= FIT_MAX_INTERVAL_S:
            continue
        with_cadence += interval_s
        weighted += this.cadence_spm * interval_s
        if lo <= this.cadence_spm <= hi:
            in_band += interval_s
    return (weighted / with_cadence if with_cadence > 0 else None), in_band, with_cadence


def session_stats(session: Session, band_spm: tuple[float, float] = DEFAULT_BAND_SPM) -> SessionStats:
    """Summary numbers: from the steps when there are any, else from the device's seconds."""
    info = session.info
    cues = tuple(sorted(Counter(c.kind.value for c in session.cues).items()))
    if session.steps:
        summary = summarise(session.steps, band_spm=band_spm)
        mean_cadence, in_band_s, with_cadence_s = (
            summary.mean_cadence_spm, summary.time_in_band_s, summary.time_with_cadence_s,
        )  # fmt: skip
        mean_impact, clipped = summary.mean_impact_g, summary.clipped_steps
        step_length = _mean(s.step_length_m for s in session.steps)
        contact = summary.mean_contact_ms
        speed_kmh = info.speed_kmh
    else:
        mean_cadence, in_band_s, with_cadence_s = _seconds_band(session, band_spm)
        mean_impact, clipped = _mean(s.impact_g for s in session.seconds), 0
        step_length = _mean(s.step_length_m for s in session.seconds)
        contact = _mean(s.stance_time_ms for s in session.seconds)
        device_mps = _mean(s.speed_mps for s in session.seconds)
        speed_kmh = None if device_mps is None else device_mps * 3.6
    return SessionStats(
        duration_s=info.duration_s,
        distance_km=info.distance_km,
        n_steps=len(session.steps),
        mean_cadence_spm=mean_cadence,
        time_in_band_s=in_band_s,
        time_with_cadence_s=with_cadence_s,
        band_spm=band_spm,
        mean_impact_g=mean_impact,
        clipped_steps=clipped,
        mean_step_length_m=step_length,
        mean_contact_ms=contact,
        mean_speed_kmh=speed_kmh,
        cues_by_kind=cues,
        balance=_step_balance(session),
    )


Points = tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Series:
    """What the plots draw (NaN where a point lacks a value) and, per section, why it is missing."""

    band_spm: tuple[float, float]
    max_gap_s: float = STEP_MAX_INTERVAL_S
    """Points further apart than this are not joined by a line (a stop or a pause)."""
    cadence_t_s: Points = ()
    cadence_spm: Points = ()
    impact_t_s: Points = ()
    impact_g: Points = ()
    contact_t_s: Points = ()
    contact_ms: Points = ()
    stride_speed_kmh: Points = ()
    stride_length_m: Points = ()
    stride_cadence_spm: Points = ()
    cue_t_s: Points = ()
    cue_kinds: tuple[str, ...] = ()
    balance: SideBalance | None = None
    missing: dict[str, str] = field(default_factory=dict)


def _pairs(points: Iterable[tuple[float, float | None]]) -> tuple[Points, Points]:
    kept = [(t, v) for t, v in points if v is not None and math.isfinite(v)]
    return tuple(t for t, _ in kept), tuple(v for _, v in kept)


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _cadence_or_nan(cadence_spm: float | None) -> float:
    return cadence_spm if cadence_spm is not None and _running(cadence_spm) else math.nan


def _placements(session: Session) -> str:
    names = sorted({s.placement.value for s in session.info.sensors if s.acc_channel_indices})
    return " and ".join(names) if names else "this"


def _why_missing(session: Session, series: Series) -> dict[str, str]:
    fit = session.info.is_fit_import
    where = "this FIT import" if fit else f"the {_placements(session)} sensor"
    reasons = {
        CADENCE: "No cadence: the recording has no steps (no sensor this runsense can analyse) "
        "and no device records.",
        IMPACT: "Impact per step is not available: a FIT import holds the watch's own metrics, which "
        "do not include impact."
        if fit
        else "Impact is not available: the recording has no steps.",
        BALANCE: f"Left/right balance is not available for this sensor: {where} does not tell left "
        "from right steps. Two foot or shank sensors (one per leg) do.",
        STEP_LENGTH: "Step length is not available: it needs the running speed (store the treadmill "
        "speed with --speed-kmh) or a foot sensor.",
        CONTACT: f"Contact time was not estimated: {where} gives no contact time "
        "(a shank sensor while running, or a running-dynamics pod, does).",
    }
    present = {
        CADENCE: bool(series.cadence_spm),
        IMPACT: bool(series.impact_g),
        BALANCE: series.balance is not None,
        STEP_LENGTH: bool(series.stride_length_m),
        CONTACT: bool(series.contact_ms),
    }
    return {key: text for key, text in reasons.items() if not present[key]}


def session_series(session: Session, band_spm: tuple[float, float] = DEFAULT_BAND_SPM) -> Series:
    """The plot data of a session: per step when there are steps, else per device record."""
    if session.steps:
        steps = session.steps
        cadence = _pairs((s.t_s, s.cadence_spm) for s in steps)
        impact = _pairs((s.t_s, s.impact_g) for s in steps)
        contact = _pairs((s.t_s, s.contact_ms) for s in steps)
        speed_kmh = _nan(session.info.speed_kmh)
        strides = [(speed_kmh, s.step_length_m, _cadence_or_nan(s.cadence_spm)) for s in steps]
    else:
        seconds = session.seconds
        cadence = _pairs((s.t_s, s.cadence_spm) for s in seconds if _running(s.cadence_spm))
        impact = _pairs((s.t_s, s.impact_g) for s in seconds)
        contact = _pairs((s.t_s, s.stance_time_ms) for s in seconds)
        strides = [
            (
                _nan(None if s.speed_mps is None else s.speed_mps * 3.6),
                s.step_length_m,
                _cadence_or_nan(s.cadence_spm),
            )
            for s in seconds
        ]
    kept = [(v, length, c) for v, length, c in strides if length is not None and math.isfinite(length)]
    series = Series(
        band_spm=band_spm,
        max_gap_s=STEP_MAX_INTERVAL_S if session.steps else FIT_MAX_INTERVAL_S,
        cadence_t_s=cadence[0], cadence_spm=cadence[1],
        impact_t_s=impact[0], impact_g=impact[1],
        contact_t_s=contact[0], contact_ms=contact[1],
        stride_speed_kmh=tuple(v for v, _, _ in kept),
        stride_length_m=tuple(length for _, length, _ in kept),
        stride_cadence_spm=tuple(c for _, _, c in kept),
        cue_t_s=tuple(c.t_s for c in session.cues),
        cue_kinds=tuple(c.kind.value for c in session.cues),
        balance=_step_balance(session),
    )  # fmt: skip
    series.missing.update(_why_missing(session, series))
    return series


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One line of a before/after table: ``after - before`` when both are known."""

    label: str
    unit: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        """After minus before; None when either is unknown."""
        return None if self.before is None or self.after is None else self.after - self.before


def differences(before: SessionStats, after: SessionStats) -> list[DiffRow]:
    """What retraining changed, in the numbers a coach looks at first."""

    def pct(stats: SessionStats) -> float | None:
        fraction = stats.in_band_fraction
        return None if fraction is None else 100 * fraction

    rows: Sequence[tuple[str, str, float | None, float | None]] = (
        ("duration", "s", before.duration_s, after.duration_s),
        ("distance", "km", before.distance_km, after.distance_km),
        ("mean cadence", "spm", before.mean_cadence_spm, after.mean_cadence_spm),
        ("time in band", "%", pct(before), pct(after)),
        ("time in band", "s", before.time_in_band_s, after.time_in_band_s),
        ("mean impact", "g", before.mean_impact_g, after.mean_impact_g),
        ("mean step length", "m", before.mean_step_length_m, after.mean_step_length_m),
        ("mean contact time", "ms", before.mean_contact_ms, after.mean_contact_ms),
        ("cues", "count", float(before.n_cues), float(after.n_cues)),
    )
    return [DiffRow(*row) for row in rows]
