"""Numbers as people read them (durations as h:mm:ss, dates to the minute), shared by every coach output.

One place so that ``runsense sessions``, reports and comparisons print the same value the
same way; a missing value is always ``-``, never 0.
"""

from __future__ import annotations

from runsense.coach.data import SessionInfo
from runsense.coach.stats import SessionStats


def date_text(info: SessionInfo) -> str:
    """``2026-11-21 23:25 UTC``; device-local times (FIT files without UTC) say so."""
    if info.start is None:
        return "-"
    metadata = info.metadata
    local = isinstance(metadata.get("start_local"), str) and not isinstance(metadata.get("start_utc"), str)
    return info.start.strftime("%Y-%m-%d %H:%M") + (" local" if local else " UTC")


def duration_text(seconds: float) -> str:
    """``1:01`` for 61 s, ``1:02:03`` past an hour."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def optional(value: float | None, fmt: str, unit: str = "") -> str:
    """``value`` formatted with ``fmt`` plus its unit, or ``-`` when unknown."""
    if value is None:
        return "-"
    return f"{value:{fmt}}" + (f" {unit}" if unit else "")


def band_text(stats: SessionStats) -> str:
    """Time in band as seconds and share: ``41 s (67 %)``."""
    fraction = stats.in_band_fraction
    if fraction is None:
        return "-"
    return f"{stats.time_in_band_s:.0f} s ({100 * fraction:.0f} %)"


def summary_rows(stats: SessionStats) -> list[tuple[str, str]]:
    """The summary table of a report (label, value), units in the values."""
    lo, hi = stats.band_spm
    clipped = f" ({stats.clipped_steps} clipped by the sensor range)" if stats.clipped_steps else ""
    balance = stats.balance
    rows = [
        ("duration", duration_text(stats.duration_s)),
        ("distance", optional(stats.distance_km, ".2f", "km")),
        ("speed", optional(stats.mean_speed_kmh, ".1f", "km/h")),
        ("steps", str(stats.n_steps) if stats.n_steps else "-"),
        ("mean cadence", optional(stats.mean_cadence_spm, ".1f", "steps/min")),
        (f"time in {lo:.0f}-{hi:.0f} steps/min", band_text(stats)),
        ("mean impact", optional(stats.mean_impact_g, ".2f", "g") + clipped),
        ("mean step length", optional(stats.mean_step_length_m, ".2f", "m")),
        ("mean contact time", optional(stats.mean_contact_ms, ".0f", "ms")),
    ]
    if balance is not None:
        rows.append(("contact time, left share", optional(balance.contact_left_pct, ".1f", "%")))
        rows.append(("impact, left share", optional(balance.impact_left_pct, ".1f", "%")))
    cues = ", ".join(f"{kind.replace('_', ' ')} {n}" for kind, n in stats.cues_by_kind)
    rows.append(("cues", f"{stats.n_cues}" + (f" ({cues})" if cues else "")))
    return rows
