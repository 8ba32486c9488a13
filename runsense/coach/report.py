"""``runsense report`` and ``runsense compare``: read sessions, compute, plot, write one HTML file.

The wiring only: numbers from ``stats``/``load``/``advice``, pictures from ``plots``, page
from ``html``. The page is written under a temporary name and renamed into place, so an
interrupted run never leaves half a report where the old one was.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Final

from runsense.coach import plots
from runsense.coach.advice import advice_for
from runsense.coach.data import Session, SessionInfo, load_session, open_info
from runsense.coach.formatting import date_text, optional, summary_rows
from runsense.coach.html import Column, LoadView, render_compare, render_report
from runsense.coach.load import LoadSession, load_warnings, monday_of, shoe_mileage, weekly_load
from runsense.coach.paths import find_recordings
from runsense.coach.progress import Progress
from runsense.coach.stats import (
    BALANCE,
    CADENCE,
    CONTACT,
    IMPACT,
    STEP_LENGTH,
    Series,
    differences,
    session_series,
    session_stats,
)
from runsense.config import RunnerSettings
from runsense.errors import RunsenseError

LOAD_WEEKS_SHOWN: Final = 8
"""Weeks of training load shown in a report, ending with the session's week."""


def band_of(settings: RunnerSettings) -> tuple[float, float]:
    """The runner's fixed target band (170-180 unless configured)."""
    return settings.band_low_spm, settings.band_high_spm


def _facts(session: Session) -> list[tuple[str, str]]:
    info = session.info
    sensors = ", ".join(
        f"{s.sensor_id} ({s.placement.value}{', ' + s.side.value if s.side else ''})" for s in info.sensors
    )
    source = {"stored": "stored in the recording", "analysed": "analysed now (not stored)", "none": "none"}
    notes = info.metadata.get("notes")
    rows = [
        ("file", info.path.name),
        ("date", date_text(info)),
        ("runner", info.runner or "-"),
        ("shoes", info.shoes or "-"),
        ("treadmill speed", optional(info.speed_kmh, ".1f", "km/h")),
        ("sensors", sensors or "-"),
        ("source", str(info.metadata.get("source", "-"))),
        ("steps", source[session.steps_source]),
    ]
    device = info.metadata.get("device")
    if isinstance(device, dict):
        rows.append(("device", " ".join(str(device[k]) for k in ("manufacturer", "product") if k in device)))
    if session.seconds:
        rows.append(("device records", f"{len(session.seconds)} (FIT, about 1 per second)"))
    if isinstance(notes, str) and notes:
        rows.append(("notes", notes))
    return rows


def _column(
    session: Session,
    settings: RunnerSettings,
    limits: plots.Limits | None,
    warnings: list[str],
    tick: Callable[[], None],
) -> Column:
    band = band_of(settings)
    stats = session_stats(session, band)
    series: Series = session_series(session, band)
    drawn: dict[str, bytes | None] = {}
    renderers: list[tuple[str, Callable[[], bytes | None]]] = [
        (CADENCE, partial(plots.cadence_png, series, limits)),
        (IMPACT, partial(plots.impact_png, series, limits)),
        (BALANCE, partial(plots.balance_png, series)),
        (STEP_LENGTH, partial(plots.step_length_png, series, limits)),
        (CONTACT, partial(plots.contact_png, series, limits)),
    ]
    for key, draw in renderers:
        drawn[key] = draw()
        tick()
    placements = [s.placement.value for s in session.info.sensors]
    return Column(
        heading=session.info.path.name,
        facts=_facts(session),
        summary=summary_rows(stats),
        plots=drawn,
        missing=series.missing,
        advice=advice_for(stats, placements, warnings),
        notes=session.notes,
    )


def training_load(info: SessionInfo, settings: RunnerSettings) -> LoadView | None:
    """The runner's load from the recordings next to this one; None when it is the only one."""
    sessions: list[LoadSession] = []
    unknown = 0
    for path in find_recordings(info.path.parent) if info.path.parent.is_dir() else []:
        try:
            other = info if path.resolve() == info.path.resolve() else open_info(path, settings)
        except RunsenseError:
            continue  # unreadable neighbours are listed by `runsense sessions`, not here
        if other.runner != info.runner or other.start is None:
            continue
        unknown += other.distance_km is None
        sessions.append(LoadSession(other.runner, other.start.date(), other.distance_km, other.shoes))
    if len(sessions) < 2 or info.start is None:
        return None
    this_week = monday_of(info.start.date())
    weeks = [w for w in weekly_load(sessions)[info.runner] if w.monday <= this_week][-LOAD_WEEKS_SHOWN:]
    shoes = shoe_mileage(sessions)
    relevant_weeks = [w for w in weeks if w.monday == this_week]
    relevant_shoes = [s for s in shoes if s.shoes == info.shoes]
    return LoadView(
        runner=info.runner,
        weeks=weeks,
        shoes=shoes,
        n_sessions=len(sessions),
        n_without_distance=unknown,
        directory=str(info.path.parent),
        warnings=load_warnings(relevant_weeks, relevant_shoes),
    )


def _read(path: Path, settings: RunnerSettings, progress: Progress) -> Session:
    progress.start("reading", open_info(path, settings).duration_s)
    try:
        return load_session(path, settings, progress.update)
    finally:
        progress.finish()


def _write_atomically(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{secrets.token_hex(4)}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _ticker(progress: Progress, label: str, duration_s: float, total: int) -> Callable[[], None]:
    progress.start(label, duration_s)
    done = [0]

    def tick() -> None:
        done[0] += 1
        progress.update(done[0] / total)

    return tick


def write_report(
    path: Path, out_dir: Path, settings: RunnerSettings, progress: Progress | None = None
) -> Path:
    """Write ``<name>-report.html`` for the recording at ``path`` into ``out_dir``; returns its path."""
    progress = progress or Progress(None)
    session = _read(path, settings, progress)
    load = training_load(session.info, settings)
    tick = _ticker(progress, "plotting", session.info.duration_s, 5)
    column = _column(session, settings, None, list(load.warnings) if load else [], tick)
    progress.finish()
    return _write_atomically(out_dir / f"{path.stem}-report.html", render_report(column, load))


def write_compare(
    before: Path, after: Path, out_dir: Path, settings: RunnerSettings, progress: Progress | None = None
) -> Path:
    """Write ``<before>-vs-<after>.html``: both sessions side by side on shared axes, and the differences."""
    progress = progress or Progress(None)
    a, b = _read(before, settings, progress), _read(after, settings, progress)
    band = band_of(settings)
    limits = plots.shared_limits(session_series(a, band), session_series(b, band))
    tick = _ticker(progress, "plotting", max(a.info.duration_s, b.info.duration_s), 10)
    col_a, col_b = (_column(s, settings, limits, [], tick) for s in (a, b))
    progress.finish()
    rows = differences(session_stats(a, band), session_stats(b, band))
    return _write_atomically(
        out_dir / f"{before.stem}-vs-{after.stem}.html", render_compare(col_a, col_b, rows)
    )
