"""HTML pages for ``runsense report`` and ``runsense compare``. Rendering only: values come in ready.

A report must survive being mailed to a runner or attached to a training log, so it is one
self-contained file: the PNG plots are embedded as ``data:`` URIs and the CSS is inline;
nothing is fetched. Every text that comes from a recording (runner, notes, shoes, file
names...) goes through ``html.escape``: metadata is user input.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Final

from runsense.coach.advice import RED_FLAGS, TRAINING_AID, Advice
from runsense.coach.load import ShoeMileage, WeekLoad
from runsense.coach.stats import BALANCE, CADENCE, CONTACT, IMPACT, STEP_LENGTH, DiffRow

SECTIONS: Final = (
    (CADENCE, "cadence", "Cadence over time", ("Steps per minute; the green band is the target, "
     "vertical lines are cues.")),
    (IMPACT, "impact", "Impact per step", ("Peak acceleration at landing above 1 g: its "
     "distribution and how it changed during the session.")),
    (BALANCE, "balance", "Left/right balance", "Left's share of left + right; 50 % is even."),
    (STEP_LENGTH, "step-length", "Step length against speed", ("Long steps at a low step rate for "
     "the speed are overstriding.")),
    (CONTACT, "contact", "Contact time", "How long each foot stays on the ground."),
)  # fmt: skip
"""(series key, HTML id, heading, caption) of every plot section, in page order."""

_CSS: Final = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}
td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #eee}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.warn{background:#fff4e0;border-left:4px solid #e69500;padding:.4em .8em;margin:.4em 0}
.info{background:#eef5ff;border-left:4px solid #4a7fd4;padding:.4em .8em;margin:.4em 0}
.na{color:#666;font-style:italic}.caption{color:#555;font-size:.9em}
footer{margin-top:2em;padding:1em;border:2px solid #c0392b;background:#fdecea}
"""


@dataclass(frozen=True, slots=True)
class Column:
    """One session as a page shows it; all strings are plain text (escaped when rendered)."""

    heading: str
    facts: Sequence[tuple[str, str]]
    summary: Sequence[tuple[str, str]]
    plots: Mapping[str, bytes | None]
    missing: Mapping[str, str]
    advice: Sequence[Advice] = ()
    notes: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class LoadView:
    """A runner's training load around the reported session."""

    runner: str
    weeks: Sequence[WeekLoad]
    shoes: Sequence[ShoeMileage]
    n_sessions: int
    n_without_distance: int = 0
    directory: str = ""
    warnings: Sequence[str] = field(default_factory=tuple)


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI, so the page needs no side files."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _advice(items: Sequence[Advice]) -> str:
    if not items:
        return '<p class="na">No specific advice for this session.</p>'
    return "".join(
        f'<div class="{a.level}"><strong>{escape(a.topic)}:</strong> {escape(a.text)}</div>' for a in items
    )


def _plot(column: Column, key: str, title: str) -> str:
    png = column.plots.get(key)
    if png is None:
        reason = column.missing.get(key, "Not available for this session.")
        return f'<p class="na">{escape(reason)}</p>'
    return f'<img src="{data_uri(png)}" alt="{escape(title)}: {escape(column.heading)}">'


def _footer() -> str:
    return (
        f'<footer id="red-flags"><p><strong>{escape(TRAINING_AID)}</strong></p>'
        f"<p>{escape(RED_FLAGS)}</p></footer>"
    )


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n{_footer()}\n"
        "</body></html>\n"
    )


def _load(view: LoadView) -> str:
    weeks = "".join(
        f"<tr><td>{escape(w.label)}</td><td class=num>{w.distance_km:.1f}</td>"
        f"<td class=num>{w.n_sessions}</td>"
        f"<td class=num>{'-' if w.baseline_km is None else f'{w.baseline_km:.1f}'}</td>"
        f"<td>{'more than +10 %' if w.warning else ''}</td></tr>"
        for w in view.weeks
    )
    shoes = "".join(
        f"<tr><td>{escape(s.shoes)}</td><td class=num>{s.distance_km:.1f}</td>"
        f"<td class=num>{s.distance_miles:.0f}</td><td class=num>{s.n_sessions}</td>"
        f"<td>{'replace soon' if s.worn else ''}</td></tr>"
        for s in view.shoes
    )
    unknown = (
        f"<p class=na>{view.n_without_distance} session(s) without a known distance add nothing.</p>"
        if view.n_without_distance
        else ""
    )
    warnings = "".join(f'<div class="warn">{escape(w)}</div>' for w in view.warnings)
    shoe_table = (
        "<table><tr><th>shoes</th><th class=num>km</th><th class=num>miles</th><th class=num>sessions</th>"
        f"<th></th></tr>{shoes}</table>"
        if shoes
        else '<p class="na">No shoes named (session metadata "shoes" or runsense config set shoes).</p>'
    )
    return (
        f'<section id="load"><h2>Training load: {escape(view.runner or "(unnamed runner)")}</h2>'
        f"<p class=caption>From {view.n_sessions} recordings in {escape(view.directory)}. "
        "Weekly running distance per ISO week against the mean of the previous four weeks "
        "(the 10 % rule), and distance per pair of shoes (replace after 300-500 miles).</p>"
        f"{warnings}<table><tr><th>week</th><th class=num>km</th><th class=num>sessions</th>"
        f"<th class=num>4-week mean km</th><th></th></tr>{weeks}</table>{unknown}{shoe_table}</section>"
    )


def render_report(column: Column, load: LoadView | None = None) -> str:
    """The single-session report page."""
    parts = [
        f"<h1>runsense report: {escape(column.heading)}</h1>",
        _table(column.facts),
        f'<section id="summary"><h2>Summary</h2>{_table(column.summary)}</section>',
        f'<section id="advice"><h2>Advice</h2>{_advice(column.advice)}</section>',
    ]
    for key, html_id, title, caption in SECTIONS:
        parts.append(
            f'<section id="{html_id}"><h2>{escape(title)}</h2><p class="caption">{escape(caption)}</p>'
            f"{_plot(column, key, title)}</section>"
        )
    if load is not None:
        parts.append(_load(load))
    if column.notes:
        notes = "".join(f"<li>{escape(n)}</li>" for n in column.notes)
        parts.append(f'<section id="notes"><h2>About the data</h2><ul>{notes}</ul></section>')
    return _page(f"runsense report: {column.heading}", "\n".join(parts))


_DECIMALS: Final = {"s": 0, "ms": 0, "count": 0, "%": 0, "spm": 1, "km": 2, "g": 2, "m": 2}


def _number(value: float | None, unit: str, *, signed: bool = False) -> str:
    if value is None:
        return "-"
    digits = _DECIMALS.get(unit, 2)
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _pair(html_id: str, title: str, left: str, right: str) -> str:
    return (
        f'<section id="{html_id}"><h2>{escape(title)}</h2><div class="grid"><div>{left}</div>'
        f"<div>{right}</div></div></section>"
    )


def render_compare(before: Column, after: Column, rows: Sequence[DiffRow]) -> str:
    """Two sessions side by side (same plots, same axes) with a table of differences."""
    diff_rows = "".join(
        f"<tr><td>{escape(r.label)} ({escape(r.unit)})</td><td class=num>{_number(r.before, r.unit)}</td>"
        f"<td class=num>{_number(r.after, r.unit)}</td>"
        f"<td class=num>{_number(r.change, r.unit, signed=True)}</td></tr>"
        for r in rows
    )
    heads = (
        f"<tr><th></th><th>before: {escape(before.heading)}</th><th>after: {escape(after.heading)}</th></tr>"
    )
    parts = [
        f"<h1>runsense compare: {escape(before.heading)} &rarr; {escape(after.heading)}</h1>",
        (
            f'<section id="differences"><h2>Differences</h2><table><tr><th></th><th class=num>before</th>'
            f"<th class=num>after</th><th class=num>after - before</th></tr>{diff_rows}</table></section>"
        ),
        _pair("sessions", "Sessions", _table(before.facts), _table(after.facts)),
        _pair("advice", "Advice", _advice(before.advice), _advice(after.advice)),
    ]
    for key, html_id, title, caption in SECTIONS:
        parts.append(
            f'<section id="{html_id}"><h2>{escape(title)}</h2><p class="caption">{escape(caption)}</p>'
            f'<table>{heads}</table><div class="grid"><div>{_plot(before, key, title)}</div>'
            f"<div>{_plot(after, key, title)}</div></div></section>"
        )
    notes = [f"before: {n}" for n in before.notes] + [f"after: {n}" for n in after.notes]
    if notes:
        items = "".join(f"<li>{escape(n)}</li>" for n in notes)
        parts.append(f'<section id="notes"><h2>About the data</h2><ul>{items}</ul></section>')
    return _page(f"runsense compare: {before.heading} -> {after.heading}", "\n".join(parts))
