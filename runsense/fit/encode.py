"""Build an activity FIT file with Garmin's own encoder (garmin-fit-sdk), so its profile is current.

Message order is the one Garmin devices write and every tool expects: file_id, developer
data id + field descriptions, device_info, timer start, records (cue events in between),
timer stop, lap, session, activity. Values go in physical units and the SDK applies FIT's
scales; each is range-checked first, because a value that does not fit its FIT type would
make the encoder fail halfway through.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from garmin_fit_sdk import Encoder, Profile

from runsense.fit.metrics import SecondMetrics
from runsense.fit.units import fit_cadence_from_spm

MESG: Final[dict[str, int]] = Profile["mesg_num"]
APPLICATION_ID: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://runsense/fit-export").bytes
"""Identifies runsense's developer fields in any FIT file (16 bytes, fixed forever)."""
APPLICATION_VERSION: Final = 1
"""Version of the developer-field layout below; bump when a field changes meaning."""
_FLOAT32: Final = 0x88  # FIT base type ids (with the endian bit where the type has one)
_UINT8: Final = 0x02
_STRING: Final = 0x07
_UINT8_MAX: Final = 0xFE
_UINT16_MAX: Final = 0xFFFE
_UINT32_MAX: Final = 0xFFFFFFFE
_FLOAT32_LIMIT: Final = 3.0e38


@dataclass(frozen=True, slots=True)
class DevField:
    """A runsense developer field: its key is its position in ``DEV_FIELDS`` and its FIT number."""

    name: str
    units: str | None
    base_type: int
    mesg: str


DEV_FIELDS: Final[tuple[DevField, ...]] = (
    DevField("impact_g", "g", _FLOAT32, "RECORD"),
    DevField("impact_balance_left", "%", _FLOAT32, "RECORD"),
    DevField("step_confidence", "0-1", _FLOAT32, "RECORD"),
    DevField("steps", "steps", _UINT8, "RECORD"),
    DevField("cue", None, _STRING, "EVENT"),
    DevField("avg_impact_g", "g", _FLOAT32, "SESSION"),
)
DEV_KEY: Final[dict[str, int]] = {f.name: key for key, f in enumerate(DEV_FIELDS)}


@dataclass(frozen=True, slots=True)
class ActivityInfo:
    """What the whole activity needs besides its seconds: when, which sport, totals."""

    start_utc: datetime
    elapsed_s: float
    sport: str = "running"
    sub_sport: str = "generic"
    total_distance_m: float | None = None
    """When None, the largest per-second distance is used."""
    total_steps: int | None = None
    avg_impact_g: float | None = None


def _scaled(value: float | None, scale: float, max_raw: int) -> float | None:
    """``value`` if FIT can store it at ``scale`` in a type whose largest valid raw value is ``max_raw``."""
    if value is None or not math.isfinite(value) or value < 0 or round(value * scale) > max_raw:
        return None
    return value


def _whole(value: float | None, max_raw: int) -> int | None:
    checked = _scaled(value, 1, max_raw)
    return None if checked is None else round(checked)


def _cadence_fields(prefix: str, spm: float | None) -> dict[str, Any]:
    """``{prefix}cadence`` + ``{prefix}fractional_cadence`` in strides/min (see units.py)."""
    fit = None if spm is None else fit_cadence_from_spm(spm)
    if fit is None:
        return {}
    return {f"{prefix}cadence": fit[0], f"{prefix}fractional_cadence": fit[1]}


def record_mesg(start_utc: datetime, second: SecondMetrics) -> dict[str, Any]:
    """One FIT ``record`` with runsense's values as native fields where FIT has them."""
    m = second
    step_length_mm = None if m.step_length_m is None else 1000.0 * m.step_length_m
    fields: dict[str, Any] = {
        "timestamp": start_utc + timedelta(seconds=math.floor(m.t_s)),
        **_cadence_fields("", m.cadence_spm),
        "speed": _scaled(m.speed_mps, 1000, _UINT16_MAX),
        "distance": _scaled(m.distance_m, 100, _UINT32_MAX),
        "heart_rate": _whole(m.heart_rate_bpm, _UINT8_MAX),
        "power": _whole(m.power_w, _UINT16_MAX),
        "stance_time": _scaled(m.stance_time_ms, 10, _UINT16_MAX),
        "stance_time_percent": _scaled(m.stance_time_pct, 100, _UINT16_MAX),
        "stance_time_balance": _scaled(m.stance_time_balance_left_pct, 100, _UINT16_MAX),
        "vertical_oscillation": _scaled(m.vertical_oscillation_mm, 10, _UINT16_MAX),
        "vertical_ratio": _scaled(m.vertical_ratio_pct, 100, _UINT16_MAX),
        "step_length": _scaled(step_length_mm, 10, _UINT16_MAX),
    }
    developer = {
        DEV_KEY["impact_g"]: _finite(m.impact_g),
        DEV_KEY["impact_balance_left"]: _finite(m.impact_balance_left_pct),
        DEV_KEY["step_confidence"]: _finite(m.confidence),
        DEV_KEY["steps"]: _whole(None if m.n_steps is None else float(m.n_steps), _UINT8_MAX),
    }
    return _message("RECORD", fields, developer)


def _finite(value: float | None) -> float | None:
    """A value a float32 developer field can hold, or None."""
    return value if value is not None and math.isfinite(value) and abs(value) < _FLOAT32_LIMIT else None


def _message(name: str, fields: dict[str, Any], developer: dict[int, Any] | None = None) -> dict[str, Any]:
    """A message dict for the encoder, without unknown values (the encoder would write them as invalid)."""
    mesg = {"mesg_num": MESG[name], **{k: v for k, v in fields.items() if v is not None}}
    dev = {k: v for k, v in (developer or {}).items() if v is not None}
    if dev:
        mesg["developer_fields"] = dev
    return mesg


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _known(seconds: Sequence[SecondMetrics], get: Callable[[SecondMetrics], float | None]) -> list[float]:
    return [v for v in (get(s) for s in seconds) if v is not None and math.isfinite(v)]


def summary_fields(info: ActivityInfo, seconds: Sequence[SecondMetrics]) -> dict[str, Any]:
    """Totals and averages shared by the lap and the session (the export has one of each)."""
    # Like Garmin's averages, standing still (cadence 0) does not pull the running cadence down.
    cadence = [c for c in _known(seconds, lambda s: s.cadence_spm) if c > 0]
    speed = _known(seconds, lambda s: s.speed_mps)
    distance = _known(seconds, lambda s: s.distance_m)
    heart_rate = _known(seconds, lambda s: s.heart_rate_bpm)
    power = _known(seconds, lambda s: s.power_w)
    total_distance = (
        info.total_distance_m if info.total_distance_m is not None else max(distance, default=None)
    )
    step_length = _mean(_known(seconds, lambda s: s.step_length_m))
    strides = None if info.total_steps is None else float(round(info.total_steps / 2))
    return {
        "start_time": info.start_utc,
        "timestamp": info.start_utc + timedelta(seconds=math.ceil(info.elapsed_s)),
        "total_elapsed_time": info.elapsed_s,
        "total_timer_time": info.elapsed_s,
        "total_distance": _scaled(total_distance, 100, _UINT32_MAX),
        "total_cycles": _whole(strides, _UINT32_MAX),
        "avg_speed": _scaled(
            total_distance / info.elapsed_s if total_distance and info.elapsed_s > 0 else _mean(speed),
            1000,
            _UINT16_MAX,
        ),
        "max_speed": _scaled(max(speed, default=None), 1000, _UINT16_MAX),
        **_cadence_fields("avg_", _mean(cadence)),
        **_cadence_fields("max_", max(cadence, default=None)),
        "avg_heart_rate": _whole(_mean(heart_rate), _UINT8_MAX),
        "max_heart_rate": _whole(max(heart_rate, default=None), _UINT8_MAX),
        "avg_power": _whole(_mean(power), _UINT16_MAX),
        "max_power": _whole(max(power, default=None), _UINT16_MAX),
        "avg_stance_time": _scaled(_mean(_known(seconds, lambda s: s.stance_time_ms)), 10, _UINT16_MAX),
        "avg_stance_time_balance": _scaled(
            _mean(_known(seconds, lambda s: s.stance_time_balance_left_pct)), 100, _UINT16_MAX
        ),
        "avg_vertical_oscillation": _scaled(
            _mean(_known(seconds, lambda s: s.vertical_oscillation_mm)), 10, _UINT16_MAX
        ),
        "avg_vertical_ratio": _scaled(
            _mean(_known(seconds, lambda s: s.vertical_ratio_pct)), 100, _UINT16_MAX
        ),
        "avg_step_length": _scaled(None if step_length is None else 1000 * step_length, 10, _UINT16_MAX),
        "sport": info.sport,
        "sub_sport": info.sub_sport,
    }


def cue_mesg(start_utc: datetime, t_s: float, kind: str) -> dict[str, Any]:
    """A cue as a marker event carrying the developer field ``cue`` (e.g. ``raise_cadence``)."""
    fields = {"timestamp": start_utc + timedelta(seconds=math.floor(t_s)), "event": "user_marker",
              "event_type": "marker"}  # fmt: skip
    return _message("EVENT", fields, {DEV_KEY["cue"]: kind})


def _developer_messages() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data_id = {
        "mesg_num": MESG["DEVELOPER_DATA_ID"],
        "developer_data_index": 0,
        "application_id": list(APPLICATION_ID),
        "application_version": APPLICATION_VERSION,
    }
    descriptions = [
        _message("FIELD_DESCRIPTION", {
            "developer_data_index": 0, "field_definition_number": key, "fit_base_type_id": f.base_type,
            "field_name": f.name, "units": f.units, "native_mesg_num": MESG[f.mesg],
        })
        for key, f in enumerate(DEV_FIELDS)
    ]  # fmt: skip
    return data_id, descriptions


def encode_activity(
    info: ActivityInfo, seconds: Sequence[SecondMetrics], cues: Sequence[tuple[float, str]]
) -> bytes:
    """The complete FIT file: one session and one lap over ``seconds``, cues as marker events.

    Raises ValueError (from the SDK) only on a bug here: every value was range-checked.
    """
    data_id, descriptions = _developer_messages()
    encoder = Encoder()
    for key, description in enumerate(descriptions):
        encoder.add_developer_field(key, data_id, description)  # type: ignore[arg-type]
    start, end = info.start_utc, info.start_utc + timedelta(seconds=math.ceil(info.elapsed_s))
    head = [
        _message("FILE_ID", {"type": "activity", "manufacturer": "development", "product": 0,
                             "product_name": "runsense", "time_created": start}),
        data_id,
        *descriptions,
        _message("DEVICE_INFO", {"timestamp": start, "device_index": "creator", "manufacturer": "development",
                                 "product": 0, "product_name": "runsense"}),
        _message("EVENT", {"timestamp": start, "event": "timer", "event_type": "start"}),
    ]  # fmt: skip
    timeline = [(math.floor(s.t_s), 0, record_mesg(start, s)) for s in seconds]
    timeline += [(math.floor(t_s), 1, cue_mesg(start, t_s, kind)) for t_s, kind in cues]
    timeline.sort(key=lambda item: (item[0], item[1]))
    summary = summary_fields(info, seconds)
    tail = [
        _message("EVENT", {"timestamp": end, "event": "timer", "event_type": "stop_all"}),
        _message("LAP", {**summary, "message_index": 0, "event": "lap", "event_type": "stop",
                         "lap_trigger": "session_end"}),
        _message("SESSION", {**summary, "message_index": 0, "event": "session", "event_type": "stop",
                             "trigger": "activity_end", "first_lap_index": 0, "num_laps": 1},
                 {DEV_KEY["avg_impact_g"]: _finite(info.avg_impact_g)}),
        _message("ACTIVITY", {"timestamp": end, "total_timer_time": info.elapsed_s, "num_sessions": 1,
                              "type": "manual", "event": "activity", "event_type": "stop"}),
    ]  # fmt: skip
    for mesg in (*head, *(item[2] for item in timeline), *tail):
        encoder.write_mesg(mesg)
    return encoder.close()
