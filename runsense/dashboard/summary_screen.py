"""End-of-session summary: time in band, cadence against preferred, impact trend, cues given."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from runsense.analysis.summary import summarise
from runsense.live.session import LiveSession


def summary_text(session: LiveSession) -> str:
    """Plain-language summary lines (also printed by the headless runner)."""
    steps = session.record.steps
    band = session.cues.target_spm or (170.0, 180.0)
    summary = summarise(steps, band_spm=band)
    lines = [f"Session: {session.elapsed_s / 60:.1f} min, {summary.n_steps} steps"]
    if summary.mean_cadence_spm is not None:
        line = f"Mean cadence: {summary.mean_cadence_spm:.0f} spm"
        if session.cues.preferred_cadence_spm is not None:
            delta = 100 * (summary.mean_cadence_spm / session.cues.preferred_cadence_spm - 1)
            line += f" ({delta:+.1f} % against your preferred {session.cues.preferred_cadence_spm:.0f})"
        lines.append(line)
    fraction = summary.in_band_fraction
    lines.append(
        f"Time in {band[0]:.0f}-{band[1]:.0f} spm: {summary.time_in_band_s:.0f} s"
        + ("" if fraction is None else f" ({100 * fraction:.0f} %)")
    )
    if len(steps) >= 6:
        third = len(steps) // 3
        first = sum(s.impact_g for s in steps[:third]) / third
        last = sum(s.impact_g for s in steps[-third:]) / third
        lines.append(
            f"Impact: {first:.2f} g in the first third, {last:.2f} g in the last ({last - first:+.2f} g)"
        )
    counts = Counter(c.kind.value.replace("_", " ") for c in session.record.cues)
    lines.append("Cues: " + (", ".join(f"{k} x{n}" for k, n in counts.items()) if counts else "none"))
    if session.record.laps_s:
        lines.append("Laps at: " + ", ".join(f"{t:.0f} s" for t in session.record.laps_s))
    return "\n".join(lines)


class SummaryScreen(Screen[None]):
    """Shown when the session ends; q leaves, s saves a newly measured preferred cadence."""

    BINDINGS = [  # noqa: RUF012 - Textual's declared class attribute
        Binding("q", "app.quit_session", "Quit"),
        Binding("escape", "app.pop_screen", "Back"),
        Binding("s", "save_preferred", "Save preferred cadence"),
    ]

    def __init__(self, session: LiveSession, *, save_preferred: Callable[[float], str] | None = None) -> None:
        """Summarise this session; ``save_preferred`` stores a cadence in the runner settings."""
        super().__init__()
        self._session = session
        self._save_preferred = save_preferred
        self._note = ""

    def compose(self) -> ComposeResult:
        """The summary box and the footer."""
        yield Static(self._text(), id="summary")
        yield Footer()

    def _text(self) -> str:
        text = summary_text(self._session)
        measured = self._session.cues.preferred_cadence_spm
        if measured is not None and self._save_preferred is not None and not self._note:
            text += f"\nPreferred cadence measured: {measured:.0f} spm (press s to keep it in your settings)"
        return text + (f"\n{self._note}" if self._note else "")

    def action_save_preferred(self) -> None:
        """Keep the measured preferred cadence for next time (personal target from the first step)."""
        measured = self._session.cues.preferred_cadence_spm
        if measured is None or self._save_preferred is None:
            return
        self._note = self._save_preferred(round(measured, 1))
        self.query_one("#summary", Static).update(self._text())
