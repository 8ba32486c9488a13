"""One second of a session in runsense units: what FIT import stores and FIT/CSV export writes.

A FIT file is a 1 Hz stream of device metrics, runsense a stream of steps. ``SecondMetrics``
is the meeting point: imports store one per FIT record as an event of kind ``fit_record``
(the recording schema has no table for it, and may not get one), exports build one per
second from the stored steps, from those events, or from both.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Final

from runsense.model import Side, Step
from runsense.recording import Event, JsonValue

FIT_RECORD_EVENT: Final = "fit_record"
"""Event kind of an imported FIT record; its payload is ``SecondMetrics.to_payload()``."""
CUE_EVENT: Final = "cue"


@dataclass(frozen=True, slots=True)
class SecondMetrics:
    """Metrics at ``t_s`` (seconds from the session start) covering the second that starts there.

    None means "not known", never zero. ``developer`` keeps an imported file's developer
    fields (e.g. Stryd's ``Form Power``) by their own names, in their own units.
    """

    t_s: float
    cadence_spm: float | None = None
    speed_mps: float | None = None
    distance_m: float | None = None
    heart_rate_bpm: float | None = None
    power_w: float | None = None
    stance_time_ms: float | None = None
    stance_time_pct: float | None = None
    stance_time_balance_left_pct: float | None = None
    vertical_oscillation_mm: float | None = None
    vertical_ratio_pct: float | None = None
    step_length_m: float | None = None
    impact_g: float | None = None
    impact_balance_left_pct: float | None = None
    confidence: float | None = None
    n_steps: int | None = None
    developer: dict[str, JsonValue] = field(default_factory=dict)

    def to_payload(self) -> dict[str, JsonValue]:
        """The event payload: known values only, so an event stays small and self-describing."""
        payload: dict[str, JsonValue] = {}
        for name in METRIC_NAMES:
            value = getattr(self, name)
            if value is not None:
                payload[name] = value
        if self.developer:
            payload["developer"] = dict(self.developer)
        return payload

    @classmethod
    def from_event(cls, event: Event) -> SecondMetrics:
        """Read a ``fit_record`` event back; unknown keys (from newer versions) are ignored."""
        payload = event.payload if isinstance(event.payload, dict) else {}
        values: dict[str, float | int | None] = {}
        for name in METRIC_NAMES:
            raw = payload.get(name)
            if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
                values[name] = int(raw) if name == "n_steps" else float(raw)
        developer = payload.get("developer")
        return cls(
            t_s=event.t_s,
            developer=dict(developer) if isinstance(developer, dict) else {},
            **values,  # type: ignore[arg-type]
        )


METRIC_NAMES: Final[tuple[str, ...]] = tuple(
    f.name for f in fields(SecondMetrics) if f.name not in {"t_s", "developer"}
)


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _left_share_pct(steps: Sequence[Step], value_of: str) -> float | None:
    """Left side's share of the left+right mean of a per-step value, in % (Garmin's balance convention)."""
    left = _mean(getattr(s, value_of) for s in steps if s.side is Side.LEFT)
    right = _mean(getattr(s, value_of) for s in steps if s.side is Side.RIGHT)
    if left is None or right is None or left + right <= 0:
        return None
    return 100.0 * left / (left + right)


def seconds_from_steps(
    steps: Sequence[Step], *, duration_s: float, speed_mps: float | None
) -> list[SecondMetrics]:
    """One ``SecondMetrics`` per whole second of ``[0, duration_s)``, aggregating that second's steps.

    Cadence is the mean of the steps' smoothed cadence, impact/contact/step length their
    means; a second without steps keeps only speed and distance. With a constant
    (treadmill) speed, distance is the distance covered at the start of the second.
    """
    by_second: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        by_second[max(0, math.floor(step.t_s))].append(step)
    n_seconds = max(math.ceil(duration_s), max(by_second, default=-1) + 1)
    out = []
    for second in range(n_seconds):
        group = by_second.get(second, [])
        contact_ms = _mean(s.contact_ms for s in group)
        out.append(
            SecondMetrics(
                t_s=float(second),
                cadence_spm=_mean(s.cadence_spm for s in group),
                speed_mps=speed_mps,
                distance_m=None if speed_mps is None else speed_mps * second,
                stance_time_ms=contact_ms,
                stance_time_balance_left_pct=_left_share_pct(group, "contact_ms"),
                step_length_m=_mean(s.step_length_m for s in group),
                impact_g=_mean(s.impact_g for s in group),
                impact_balance_left_pct=_left_share_pct(group, "impact_g"),
                confidence=_mean(s.confidence for s in group),
                n_steps=len(group),
            )
        )
    return out


def seconds_from_events(events: Iterable[Event]) -> list[SecondMetrics]:
    """The ``fit_record`` events of a recording (an imported FIT file), in time order."""
    return [SecondMetrics.from_event(e) for e in events if e.kind == FIT_RECORD_EVENT]


def merge_seconds(device: Sequence[SecondMetrics], measured: Sequence[SecondMetrics]) -> list[SecondMetrics]:
    """Both sources on one timeline: per whole second, runsense's own values win where both exist.

    Used when a recording holds imported device records and steps alike; seconds only one
    source has are kept as they are.
    """
    if not measured:
        return list(device)
    if not device:
        return list(measured)
    merged: dict[int, SecondMetrics] = {math.floor(m.t_s): m for m in device}
    for m in measured:
        key = math.floor(m.t_s)
        base = merged.get(key)
        if base is None:
            merged[key] = m
            continue
        own: dict[str, object] = {n: getattr(m, n) for n in METRIC_NAMES if getattr(m, n) is not None}
        merged[key] = replace(base, **own)  # type: ignore[arg-type]
    return [merged[k] for k in sorted(merged)]


def cue_kind(payload: JsonValue) -> str:
    """The cue's stable identifier (``raise_cadence``...) from a stored ``cue`` event payload.

    ``analyse --save`` stores a cue as a JSON object with its kind under ``cue``; a bare string is accepted
    too. Anything else is exported as ``cue`` rather than dropped.
    """
    if isinstance(payload, dict):
        for key in ("cue", "kind"):  # runsense.recording.events.cue_event stores it under "cue"
            if isinstance(payload.get(key), str):
                return str(payload[key])
    if isinstance(payload, str) and payload:
        return payload
    return CUE_EVENT


def cue_marks(events: Iterable[Event]) -> list[tuple[float, str]]:
    """``(t_s, kind)`` of every stored cue, in time order."""
    return [(e.t_s, cue_kind(e.payload)) for e in events if e.kind == CUE_EVENT]


def json_number(value: object) -> float | None:
    """A finite float from a decoded value, or None (FIT invalids, NaN, strings)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
