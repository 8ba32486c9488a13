"""PNG plots of a session's series (matplotlib, Agg canvas). Rendering only: numbers come from ``stats``.

Figures are built on ``matplotlib.figure.Figure`` with an Agg canvas rather than pyplot, so
no global figure state, no display and no GUI backend is ever touched (reports run on
servers and in tests). Each function returns PNG bytes, or None when its section has
nothing to draw (the report then shows the reason from ``Series.missing``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from runsense.coach.stats import Series

CUE_STYLES: Final = {
    "raise_cadence": ("tab:orange", "-", 3.0),
    "shorten_stride": ("tab:purple", "--", 1.5),
    "land_softer": ("tab:red", ":", 2.0),
    "on_target": ("tab:green", "-.", 1.5),
}
"""Colour, line style and width per cue kind: cues that start at the same step stay distinguishable."""
BAND_COLOUR: Final = "#cfe8cf"
MINUTES_FROM_S: Final = 300.0
"""Sessions longer than this get a time axis in minutes."""
PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"


CUE_LINES_MAX: Final = 20
"""Up to this many cues get a full-height line; beyond, only their markers along the top stay readable."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Value-axis limits shared by the two columns of a comparison, so equal heights mean equal values.

    Time is not shared: a 20-minute session next to an hour-long one would be squeezed to a sliver.
    """

    cadence_spm: tuple[float, float] | None = None
    impact_g: tuple[float, float] | None = None
    contact_ms: tuple[float, float] | None = None
    step_length_m: tuple[float, float] | None = None


def _span(values: Sequence[float], pad: float) -> tuple[float, float] | None:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None
    lo, hi = min(finite), max(finite)
    margin = max(pad, 0.05 * (hi - lo))
    return lo - margin, hi + margin


def shared_limits(a: Series, b: Series) -> Limits:
    """Limits that fit both sessions (the band is always inside the cadence range)."""
    band = [*a.band_spm, *b.band_spm]
    return Limits(
        cadence_spm=_span([*a.cadence_spm, *b.cadence_spm, *band], 5.0),
        impact_g=_span([0.0, *a.impact_g, *b.impact_g], 0.5),
        contact_ms=_span([*a.contact_ms, *b.contact_ms], 10.0),
        step_length_m=_span([*a.stride_length_m, *b.stride_length_m], 0.05),
    )


def _dots(axes: Axes, x: Sequence[float], y: Sequence[float], colour: str) -> None:
    """Small translucent dots: thousands of steps stay readable."""
    axes.scatter(x, y, s=6, alpha=0.7, linewidths=0, color=colour)


def _broken_at_gaps(
    t_s: Sequence[float], values: Sequence[float], max_gap_s: float
) -> tuple[list[float], list[float]]:
    """Insert a NaN point into every gap longer than ``max_gap_s``, so the line does not bridge a stop."""
    out_t: list[float] = []
    out_v: list[float] = []
    for i, (t, v) in enumerate(zip(t_s, values, strict=True)):
        if i and t - t_s[i - 1] > max_gap_s:
            out_t.append(math.nan)
            out_v.append(math.nan)
        out_t.append(t)
        out_v.append(v)
    return out_t, out_v


def _figure(width_in: float = 8.0, height_in: float = 3.0) -> Figure:
    figure = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _time_axis(axes: Axes, t_s: Sequence[float]) -> tuple[float, str]:
    """Scale (divide seconds by) and label for the time axis; sets its limits."""
    end_s = max(t_s, default=0.0)
    scale, unit = (60.0, "min") if end_s > MINUTES_FROM_S else (1.0, "s")
    axes.set_xlabel(f"time ({unit})")
    axes.set_xlim(0, max(end_s, 1.0) / scale)
    return scale, unit


def _cue_marks(axes: Axes, series: Series, scale: float) -> None:
    """A row of markers per cue kind along the top; full-height lines too while there are few cues."""
    kinds = sorted(set(series.cue_kinds), key=lambda k: list(CUE_STYLES).index(k) if k in CUE_STYLES else 99)
    lines = len(series.cue_t_s) <= CUE_LINES_MAX
    for row, kind in enumerate(kinds):
        colour, style, width = CUE_STYLES.get(kind, ("grey", "--", 1.0))
        times = [t / scale for t, k in zip(series.cue_t_s, series.cue_kinds, strict=True) if k == kind]
        axes.plot(
            times, [0.97 - 0.06 * row] * len(times), ls="none", marker="v", color=colour,
            transform=axes.get_xaxis_transform(), label=f"cue: {kind.replace('_', ' ')} ({len(times)})",
        )  # fmt: skip
        if lines:
            for t in times:
                axes.axvline(t, color=colour, ls=style, lw=width, alpha=0.6)


def cadence_png(series: Series, limits: Limits | None = None) -> bytes | None:
    """Cadence over time with the target band shaded and a vertical line at every cue."""
    if not series.cadence_spm:
        return None
    limits = limits or Limits()
    figure = _figure()
    axes = figure.add_subplot()
    scale, _ = _time_axis(axes, series.cadence_t_s)
    lo, hi = series.band_spm
    axes.axhspan(lo, hi, color=BAND_COLOUR, label=f"target {lo:.0f}-{hi:.0f}")
    t_s, spm = _broken_at_gaps(series.cadence_t_s, series.cadence_spm, series.max_gap_s)
    axes.plot([t / scale for t in t_s], spm, lw=1, color="tab:blue")
    _cue_marks(axes, series, scale)
    axes.set_ylabel("cadence (steps/min)")
    if limits.cadence_spm:
        axes.set_ylim(*limits.cadence_spm)
    axes.legend(loc="best", fontsize="small")
    return _png(figure)


def impact_png(series: Series, limits: Limits | None = None) -> bytes | None:
    """Impact per step: its distribution (left) and over time (right)."""
    if not series.impact_g:
        return None
    limits = limits or Limits()
    figure = _figure()
    hist, over_time = figure.subplots(1, 2, width_ratios=(1, 2))
    hist.hist(series.impact_g, bins=30, range=limits.impact_g, color="tab:red", alpha=0.8)
    hist.set_xlabel("impact (g)")
    hist.set_ylabel("steps")
    hist.yaxis.set_major_locator(MaxNLocator(integer=True))
    scale, _ = _time_axis(over_time, series.impact_t_s)
    _dots(over_time, [t / scale for t in series.impact_t_s], series.impact_g, "tab:red")
    over_time.set_ylabel("impact (g)")
    if limits.impact_g:
        over_time.set_ylim(*limits.impact_g)
    return _png(figure)


def balance_png(series: Series) -> bytes | None:
    """Left's share against right's for each measured quantity (50 % is even)."""
    balance = series.balance
    if balance is None:
        return None
    shares = [(name, pct) for name, pct in (
        ("contact time", balance.contact_left_pct), ("impact", balance.impact_left_pct)
    ) if pct is not None]  # fmt: skip
    if not shares:
        return None
    figure = _figure(height_in=1.0 + 0.6 * len(shares))
    axes = figure.add_subplot()
    names = [name for name, _ in shares]
    left = [pct for _, pct in shares]
    axes.barh(names, left, color="tab:blue", label="left")
    axes.barh(names, [100 - pct for pct in left], left=left, color="tab:orange", label="right")
    axes.axvline(50, color="black", lw=1)
    for row, pct in enumerate(left):
        axes.text(2, row, f"L {pct:.1f} %", va="center", color="white")
        axes.text(98, row, f"R {100 - pct:.1f} %", va="center", ha="right", color="white")
    axes.set_xlim(0, 100)
    axes.set_xlabel("share of left + right (%)")
    return _png(figure)


def step_length_png(series: Series, limits: Limits | None = None) -> bytes | None:
    """Step length against speed (left) and against cadence (right): long, slow steps are overstriding."""
    if not series.stride_length_m:
        return None
    limits = limits or Limits()
    figure = _figure()
    by_speed, by_cadence = figure.subplots(1, 2, sharey=True)
    _dots(by_speed, series.stride_speed_kmh, series.stride_length_m, "tab:green")
    by_speed.set_xlabel("speed (km/h)")
    by_speed.set_ylabel("step length (m)")
    speeds = {round(v, 1) for v in series.stride_speed_kmh if math.isfinite(v)}
    if len(speeds) <= 1:
        note = f"constant {speeds.pop():.1f} km/h (treadmill)" if speeds else "speed not recorded"
        by_speed.text(0.5, 0.95, note, ha="center", va="top", transform=by_speed.transAxes)
    _dots(by_cadence, series.stride_cadence_spm, series.stride_length_m, "tab:green")
    by_cadence.set_xlabel("cadence (steps/min)")
    if limits.step_length_m:
        by_speed.set_ylim(*limits.step_length_m)
    return _png(figure)


def contact_png(series: Series, limits: Limits | None = None) -> bytes | None:
    """Ground contact time over time, with its mean."""
    if not series.contact_ms:
        return None
    limits = limits or Limits()
    figure = _figure()
    axes = figure.add_subplot()
    scale, _ = _time_axis(axes, series.contact_t_s)
    _dots(axes, [t / scale for t in series.contact_t_s], series.contact_ms, "tab:purple")
    mean_ms = sum(series.contact_ms) / len(series.contact_ms)
    axes.axhline(mean_ms, color="black", lw=1, label=f"mean {mean_ms:.0f} ms")
    axes.set_ylabel("contact time (ms)")
    if limits.contact_ms:
        axes.set_ylim(*limits.contact_ms)
    axes.legend(loc="upper right", fontsize="small")
    return _png(figure)
