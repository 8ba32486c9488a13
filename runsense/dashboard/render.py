"""Pure text renderers for the dashboard: snapshot values in, rich Text out (tested without a UI)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from runsense.live.session import MetricsSnapshot, SensorStatus
from runsense.model import Cue, CueKind

LOW_BATTERY_PCT = 15
"""At or below this the battery level is shown in yellow."""
GAUGE_SPAN_SPM = 30.0
"""The gauge shows the target band with this much room either side."""

CUE_STYLE = {
    CueKind.RAISE_CADENCE: "raise",
    CueKind.SHORTEN_STRIDE: "stride",
    CueKind.LAND_SOFTER: "soft",
    CueKind.ON_TARGET: "ok",
}


def cadence_text(cadence_spm: float | None) -> str:
    """Big digits: whole steps/min, or dashes when unknown (stopped, warming up, gap)."""
    return "---" if cadence_spm is None else f"{cadence_spm:3.0f}"


def gauge(cadence_spm: float | None, band_spm: tuple[float, float] | None, width: int) -> Text:
    """A one-line gauge: the target band in green, the runner's cadence as a marker."""
    width = max(width, 20)
    if band_spm is None:
        return Text("target: measuring your preferred cadence...", style="dim")
    lo, hi = band_spm
    left_spm, right_spm = lo - GAUGE_SPAN_SPM, hi + GAUGE_SPAN_SPM

    def column(spm: float) -> int:
        frac = (spm - left_spm) / (right_spm - left_spm)
        return min(width - 1, max(0, round(frac * (width - 1))))

    cells = ["─"] * width
    styles = ["grey50"] * width
    for i in range(column(lo), column(hi) + 1):
        cells[i], styles[i] = "━", "bold green"
    if cadence_spm is not None:
        i = column(cadence_spm)
        cells[i] = "▲"
        styles[i] = "bold white" if lo <= cadence_spm <= hi else "bold yellow"
    text = Text()
    for cell, style in zip(cells, styles, strict=True):
        text.append(cell, style=style)
    text.append(
        f"\n{left_spm:<6.0f}{'target ' + f'{lo:.0f}-{hi:.0f}':^{width - 12}}{right_spm:>6.0f}", style="dim"
    )
    return text


def cue_banner(cue: Cue | None, *, paused: bool, stopped: bool) -> tuple[str, str]:
    """Banner words and CSS class: one short instruction a runner can read from 2 m."""
    if paused:
        return "PAUSED", "paused"
    if stopped:
        return "waiting for steps", "idle"
    if cue is None:
        return "keep going", "idle"
    return cue.message.upper(), CUE_STYLE[cue.kind]


def stats_text(snap: MetricsSnapshot) -> Text:
    """Elapsed, distance, speed, step length, heart rate: the numbers a runner checks now and then."""
    minutes, seconds = divmod(int(snap.elapsed_s), 60)
    speed = "--" if snap.speed_mps is None else f"{snap.speed_mps * 3.6:.1f}"
    step = "--" if snap.step_length_m is None else f"{snap.step_length_m:.2f}"
    heart = "--" if snap.heart_rate_bpm is None else str(snap.heart_rate_bpm)
    preferred = (
        "" if snap.preferred_cadence_spm is None else f"   preferred {snap.preferred_cadence_spm:.0f} spm"
    )
    return Text.assemble(
        ("time ", "dim"),
        (f"{minutes:02d}:{seconds:02d}", "bold"),
        ("   distance ", "dim"),
        (f"{snap.distance_m / 1000:.2f} km", "bold"),
        ("   speed ", "dim"),
        (f"{speed} km/h", "bold"),
        ("\nstep ", "dim"),
        (f"{step} m", "bold"),
        ("   heart ", "dim"),
        (f"{heart} bpm", "bold"),
        ("   steps ", "dim"),
        (str(snap.n_steps), "bold"),
        (preferred, "dim"),
    )


def sensor_line(sensors: Sequence[SensorStatus], *, link: str = "") -> Text:
    """One line per sensor: connected or lost, battery (if reported), packets, errors, clipped impacts."""
    text = Text()
    for i, s in enumerate(sensors):
        if i:
            text.append("\n")
        text.append("● " if not s.lost else "○ ", style="green" if not s.lost else "red")
        text.append(f"{s.sensor_id} ({s.placement}) ")
        text.append("sensor lost" if s.lost else "streaming", style="red bold" if s.lost else "green")
        if s.battery_pct is not None:
            low = s.battery_pct <= LOW_BATTERY_PCT
            text.append(f"  bat {s.battery_pct} %", style="yellow" if low else "")
        text.append(
            f"  packets {s.packets}  lost {s.lost_packets}  errors {s.decode_errors}"
            f"  clipped {s.clipped_steps}",
            style="dim",
        )
    if link:
        text.append(("\n" if sensors else "") + link, style="dim")
    return text


def cue_timeline(cues: Sequence[Cue], *, position_s: float, duration_s: float, width: int) -> Text:
    """Replay: where cues happened over the session, and where the playhead is."""
    width = max(width, 10)
    cells = ["·"] * width
    styles = ["grey42"] * width
    marks = {
        CueKind.RAISE_CADENCE: "R",
        CueKind.SHORTEN_STRIDE: "S",
        CueKind.LAND_SOFTER: "L",
        CueKind.ON_TARGET: "✓",
    }
    for cue in cues:
        i = min(width - 1, int(cue.t_s / max(duration_s, 1e-9) * width))
        cells[i], styles[i] = marks[cue.kind], "yellow" if cue.kind is not CueKind.ON_TARGET else "green"
    head = min(width - 1, int(position_s / max(duration_s, 1e-9) * width))
    styles[head] = "reverse " + styles[head]
    text = Text()
    for cell, style in zip(cells, styles, strict=True):
        text.append(cell, style=style)
    return text
