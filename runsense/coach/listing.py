"""``runsense sessions``: one line per recording, and the training load of everything listed.

A coach points it at a folder of recordings (their own, a runner's, a shared drive) and
needs an answer even when one file is broken: each unreadable file gets a line saying why
and the listing goes on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from runsense.coach.data import SessionInfo, StepsSource, load_session
from runsense.coach.formatting import band_text, date_text, duration_text, optional
from runsense.coach.load import LoadSession, shoe_mileage, weekly_load
from runsense.coach.stats import SessionStats, session_stats
from runsense.config import RunnerSettings
from runsense.errors import RunsenseError

_EPOCH: Final = datetime(1970, 1, 1)  # noqa: DTZ001 -- session starts are naive UTC (see SessionInfo)


@dataclass(frozen=True, slots=True)
class SessionLine:
    """A readable recording and its numbers."""

    info: SessionInfo
    stats: SessionStats
    steps_source: StepsSource


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A file that is not a usable recording, and why (one sentence)."""

    path: Path
    reason: str


def _reason(path: Path, exc: BaseException) -> str:
    text = str(exc)
    prefix = f"{path}: "
    return text.removeprefix(prefix) or type(exc).__name__


def read_line(path: Path, settings: RunnerSettings) -> SessionLine | Unreadable:
    """One recording's line; any failure becomes an ``Unreadable`` (the listing must go on)."""
    try:
        session = load_session(path, settings)
    except RunsenseError as exc:
        return Unreadable(path, _reason(path, exc))
    except (OSError, sqlite3.Error) as exc:
        return Unreadable(path, f"cannot be read ({getattr(exc, 'strerror', None) or exc})")
    except Exception as exc:  # noqa: BLE001 -- one odd file must not hide all the others
        return Unreadable(path, f"could not be analysed ({type(exc).__name__}: {exc}); please report this")
    band = (settings.band_low_spm, settings.band_high_spm)
    return SessionLine(session.info, session_stats(session, band), session.steps_source)


def list_sessions(paths: Sequence[Path], settings: RunnerSettings) -> list[SessionLine | Unreadable]:
    """Readable sessions by start time (undated last), then the unreadable files in path order."""
    results = [read_line(path, settings) for path in paths]
    lines = [r for r in results if isinstance(r, SessionLine)]
    bad = [r for r in results if isinstance(r, Unreadable)]
    lines.sort(key=lambda line: (line.info.start is None, line.info.start or _EPOCH, str(line.info.path)))
    return [*lines, *bad]


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root)) if root.is_dir() else path.name
    except ValueError:
        return str(path)


def _aligned(table: Sequence[tuple[str, ...]], right_aligned: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return [
        "  ".join(
            cell.rjust(width) if i in right_aligned else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    ]


def format_sessions(
    rows: Sequence[SessionLine | Unreadable], root: Path, band: tuple[float, float]
) -> list[str]:
    """The listing as aligned text lines, with a header and a footnote for analysed-now sessions."""
    head = (
        "date",
        "runner",
        "duration",
        "distance",
        "cadence",
        f"in {band[0]:.0f}-{band[1]:.0f}",
        "cues",
        "file",
    )
    table: list[tuple[str, ...]] = [head]
    others: list[str] = []
    for row in rows:
        if isinstance(row, Unreadable):
            others.append(f"{_relative(row.path, root)}: unreadable: {row.reason}")
            continue
        s = row.stats
        mark = " *" if row.steps_source == "analysed" else " (FIT)" if row.info.is_fit_import else ""
        table.append((
            date_text(row.info), row.info.runner or "-", duration_text(s.duration_s),
            optional(s.distance_km, ".2f", "km"), optional(s.mean_cadence_spm, ".1f", "spm"),
            band_text(s), str(s.n_cues), _relative(row.info.path, root) + mark,
        ))  # fmt: skip
    out = _aligned(table, right_aligned={2, 3, 4, 5, 6}) if len(table) > 1 else []
    out += others
    if any(isinstance(r, SessionLine) and r.steps_source == "analysed" for r in rows):
        out.append("* steps analysed now from the raw data (not stored; runsense analyse --save stores them)")
    return out


def format_load(lines: Sequence[SessionLine]) -> list[str]:
    """Weekly distance per runner with the 10 % warning, then shoe mileage with the 480 km warning."""
    dated = [line.info for line in lines if line.info.start is not None]
    sessions = [
        LoadSession(i.runner or "(unnamed)", i.start.date(), i.distance_km, i.shoes)
        for i in dated
        if i.start is not None
    ]
    out = ["training load: weekly running distance (ISO weeks); warned above +10 % over the previous 4 weeks"]
    for runner, weeks in weekly_load(sessions).items():
        out.append(f"{runner}:")
        for w in weeks:
            base = "" if w.baseline_km is None else f"  4-week mean {w.baseline_km:6.1f} km"
            rise = "" if w.rise_pct is None else f"  {w.rise_pct:+4.0f} %"
            flag = f"  WARNING: {w.warning_text()}" if w.warning else ""
            out.append(f"  {w.label}  {w.distance_km:6.1f} km  {w.n_sessions:2d} sessions{base}{rise}{flag}")
    out.append("shoes: distance per pair; warned from 300 miles (480 km)")
    shoes = shoe_mileage(sessions)
    for s in shoes:
        flag = f"  WARNING: {s.warning_text()}" if s.worn else ""
        out.append(
            f"  {s.shoes}: {s.distance_km:.1f} km ({s.distance_miles:.0f} miles), "
            f"{s.n_sessions} sessions{flag}"
        )
    if not shoes:
        hint = "set them per session (metadata 'shoes') or with: runsense config set shoes NAME"
        out.append(f"  no shoes named; {hint}")
    unknown = sum(1 for s in sessions if s.distance_km is None)
    undated = len(lines) - len(dated)
    if unknown:
        out.append(
            f"{unknown} session(s) without a known distance (no treadmill speed, no FIT distance) add 0 km"
        )
    if undated:
        out.append(f"{undated} session(s) without a date are not counted")
    return out
