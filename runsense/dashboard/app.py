"""RunsenseApp: the live dashboard. It pumps packets into the session and redraws from snapshots.

Data flows one way: source -> LiveSession -> snapshot -> widgets. Packets are handled
as they come, but the screen is redrawn from the latest snapshot on a timer
(``refresh_hz`` <= 15), never once per sample or per step, so a slow terminal cannot
slow the analysis or grow memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Header, Sparkline, Static

from runsense.clock import Clock, MonotonicClock
from runsense.dashboard.bignumber import BigNumber
from runsense.dashboard.metronome import Metronome
from runsense.dashboard.render import cadence_text, cue_banner, cue_timeline, gauge, sensor_line, stats_text
from runsense.dashboard.summary_screen import SummaryScreen
from runsense.live.fanout import Fanout
from runsense.live.replay import MAX_SPEED, MIN_SPEED, Restart
from runsense.live.session import LiveSession, MetricsSnapshot, SessionRecord
from runsense.sources.base import LinkStatusSource, PacketSource

MAX_REFRESH_HZ = 15.0
SEEK_STEP_S = 10.0
TARGET_STEP_SPM = 1.0
SPEED_STEP_KMH = 0.5
SPEEDS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
_UNSET = object()
METRONOME_TICK_S = 0.02
"""How often the metronome checks whether a tick is due (only while it is on)."""


class RunsenseApp(App[SessionRecord]):
    """Dashboard for a live or replayed session."""

    CSS_PATH = Path(__file__).with_name("runsense.tcss")
    TITLE = "runsense"
    BINDINGS = [  # noqa: RUF012 - Textual's declared class attribute
        Binding("q", "quit_session", "Quit"),
        Binding("p,space", "toggle_pause", "Pause"),
        Binding("l", "lap", "Lap"),
        Binding("plus,equals_sign", "target(1)", "Target +", key_display="+"),
        Binding("minus", "target(-1)", "Target -", key_display="-"),
        Binding("m", "metronome", "Metronome"),
        Binding("up", "treadmill(1)", "Speed +", show=False),
        Binding("down", "treadmill(-1)", "Speed -", show=False),
        Binding("left", "seek(-1)", "-10 s", show=False),
        Binding("right", "seek(1)", "+10 s", show=False),
        Binding("n", "next_cue", "Next cue", show=False),
        Binding("right_square_bracket", "replay_speed(1)", "Faster", show=False),
        Binding("left_square_bracket", "replay_speed(-1)", "Slower", show=False),
    ]

    def __init__(  # noqa: PLR0913 - keyword-only wiring, each with a default but the first two
        self,
        *,
        make_session: Callable[[], LiveSession],
        source: PacketSource,
        duration_s: float | None = None,
        title: str = "runsense",
        clock: Clock | None = None,
        refresh_hz: float = 5.0,
        show_summary: bool = True,
        fanout: Fanout | None = None,
        save_preferred: Callable[[float], str] | None = None,
        link_status: Callable[[], str] | None = None,
    ) -> None:
        """``make_session`` builds a fresh session (at start and after every seek)."""
        super().__init__()
        self._make_session = make_session
        self.session = make_session()
        self.source = source
        self.duration_s = duration_s
        self.sub_title = title
        self._clock = clock if clock is not None else MonotonicClock()
        self._refresh_s = 1.0 / min(refresh_hz, MAX_REFRESH_HZ)
        self._show_summary = show_summary
        self._fanout = fanout
        self._save_preferred = save_preferred
        self._link_status = link_status
        """One line about an outside link (e.g. the MQTT broker), shown under the sensors."""
        self.metronome = Metronome()
        self._metronome_timer: Timer | None = None
        self._shown: dict[str, object] = {}
        self.ended = False
        self.redraws = 0
        self._cadence = BigNumber("---", id="cadence")
        self._banner = Static("", id="banner", classes="idle")
        self._gauge = Static("", id="gauge")
        self._impacts = Sparkline([], id="impacts")
        self._stats = Static("", id="stats")
        self._sensors = Static("", id="sensors")
        self._timeline = Static("", id="timeline")
        self._message = Static("", id="message")

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Big cadence and banner on top, then gauge, impacts, numbers, sensors."""
        yield Header()
        with Horizontal(id="top"):
            with Vertical(id="cadence-box"):
                yield self._cadence
                yield Static("steps / min", id="cadence-unit")
            yield self._banner
        yield self._gauge
        yield Static("impact per step (g above 1 g)", id="impacts-label")
        yield self._impacts
        yield self._stats
        yield self._sensors
        yield self._timeline
        yield self._message
        yield Footer()

    def on_mount(self) -> None:
        """Start the packet pump and the bounded-rate redraw and metronome timers."""
        self.run_worker(self._pump(), exclusive=True, name="pump")
        self.set_interval(self._refresh_s, self.redraw)
        self.redraw()

    # -- data ------------------------------------------------------------------------

    async def _pump(self) -> None:
        fanout = self._fanout
        async for item in self.source.packets():
            if isinstance(item, Restart):
                speed_mps = self.session.speed_mps
                self.session = self._make_session()
                self.session.set_speed(speed_mps)
                if fanout is not None:
                    fanout.restart()
                continue
            events = self.session.on_packet(item)
            if fanout is not None:
                fanout.after_packet(self.session, events)
        events = self.session.finish()
        if fanout is not None:
            fanout.after_packet(self.session, events)
            fanout.end(self.session)
        self.ended = True
        self.redraw()
        if self._show_summary:
            self.push_screen(SummaryScreen(self.session, save_preferred=self._save_preferred))

    def snapshot(self) -> MetricsSnapshot:
        """The session's current snapshot (what the screen shows)."""
        return self.session.snapshot()

    def redraw(self) -> None:
        """Update the widgets whose content changed since the last redraw, from one snapshot."""
        self.redraws += 1
        snap = self.snapshot()
        width = max(20, self.size.width - 4)
        words, style = cue_banner(
            snap.active_cue, paused=self.source.transport.paused, stopped=snap.cadence_spm is None
        )
        self._show("cadence", cadence_text(snap.cadence_spm), self._cadence.update)
        self._show("banner", (words, style), self._set_banner)
        self._show(
            "gauge",
            (snap.cadence_spm, snap.target_spm, width),
            lambda _: self._gauge.update(gauge(snap.cadence_spm, snap.target_spm, width)),
        )
        self._show("impacts", snap.impacts_g, lambda value: setattr(self._impacts, "data", list(value)))
        self._show(
            "stats",
            (
                int(snap.elapsed_s),
                snap.n_steps,
                snap.speed_mps,
                snap.step_length_m,
                snap.preferred_cadence_spm,
                round(snap.distance_m, -1),
            ),
            lambda _: self._stats.update(stats_text(snap)),
        )
        sensors = snap.sensors
        if isinstance(self.source, LinkStatusSource):  # a live source knows at once when a link drops
            lost = self.source.lost_sensor_ids()
            sensors = tuple(replace(s, lost=True) if s.sensor_id in lost else s for s in sensors)
        link = "" if self._link_status is None else self._link_status()
        self._show(
            "sensors", (sensors, link), lambda _: self._sensors.update(sensor_line(sensors, link=link))
        )
        if self.duration_s:
            cues = self.session.record.cues
            self._show(
                "timeline",
                (len(cues), int(snap.elapsed_s * width / self.duration_s), width),
                lambda _: self._timeline.update(
                    cue_timeline(
                        cues, position_s=snap.elapsed_s, duration_s=self.duration_s or 1.0, width=width
                    )
                ),
            )

    def _set_banner(self, words_and_style: tuple[str, str]) -> None:
        words, style = words_and_style
        self._banner.update(words)
        self._banner.set_classes(style)

    def _show(self, key: str, value: object, apply: Callable[[Any], object]) -> None:
        """Apply ``value`` to its widget only when it differs from what is on screen (repaints cost CPU)."""
        if self._shown.get(key, _UNSET) != value:
            self._shown[key] = value
            apply(value)

    def _tick_metronome(self) -> None:
        snap_band = self.session.cues.target_spm
        cadence = self.session.snapshot().cadence_spm if self.metronome.enabled else None
        below = snap_band is not None and cadence is not None and cadence < snap_band[0]
        target = None if snap_band is None else sum(snap_band) / 2
        if self.metronome.due(self._clock.now_s(), target_spm=target, below_target=below):
            self.bell()

    def _say(self, message: str) -> None:
        self._message.update(message)

    # -- actions -----------------------------------------------------------------------

    def action_quit_session(self) -> None:
        """Leave, returning what the session produced."""
        self.exit(self.session.record)

    def action_toggle_pause(self) -> None:
        """Pause or resume the replay (the live source keeps recording underneath)."""
        transport = self.source.transport
        transport.set_paused(paused=not transport.paused)
        self._say("paused" if transport.paused else "playing")
        self.redraw()

    def action_lap(self) -> None:
        """Mark a lap at the current session time."""
        t_s = self.session.mark_lap()
        self._say(f"lap {len(self.session.record.laps_s)} at {t_s:.0f} s")

    def action_target(self, direction: int) -> None:
        """Shift the target band by 1 spm."""
        band = self.session.cues.target_spm
        if band is None:
            self._say("the personal target is still being measured")
            return
        lo, hi = band[0] + direction * TARGET_STEP_SPM, band[1] + direction * TARGET_STEP_SPM
        self.session.cues.set_target(lo, hi)
        self._say(f"target {lo:.0f}-{hi:.0f} spm")
        self.redraw()

    def action_metronome(self) -> None:
        """Metronome at the target cadence, ticking only while below target (its timer runs only when on)."""
        if self.metronome.toggle():
            self._metronome_timer = self.set_interval(METRONOME_TICK_S, self._tick_metronome)
            self._say("metronome on")
        else:
            if self._metronome_timer is not None:
                self._metronome_timer.stop()
                self._metronome_timer = None
            self._say("metronome off")

    def action_treadmill(self, direction: int) -> None:
        """Typed-in treadmill speed up or down (step length depends on it)."""
        kmh = (self.session.speed_mps or 0.0) * 3.6 + direction * SPEED_STEP_KMH
        kmh = max(0.0, round(kmh, 1))
        self.session.set_speed(kmh / 3.6 if kmh > 0 else None)
        self._say(f"treadmill {kmh:.1f} km/h")
        self.redraw()

    def action_seek(self, direction: int) -> None:
        """Replay: jump 10 s back or forward (re-analysed from the start, so state is exact)."""
        target_s = max(0.0, self.session.elapsed_s + direction * SEEK_STEP_S)
        self.source.seek(target_s)
        self._say(f"seek to {target_s:.0f} s")

    def action_next_cue(self) -> None:
        """Replay: jump to the next cue after the playhead (needs the cues analysed so far)."""
        now_s = self.session.elapsed_s
        later = [c.t_s for c in self.session.record.cues if c.t_s > now_s + 0.5]
        if not later:
            self._say("no later cue analysed yet")
            return
        self.source.seek(later[0] - 1.0)

    def action_replay_speed(self, direction: int) -> None:
        """Replay speed through 0.5x .. 20x."""
        current = self.source.transport.speed
        if math.isinf(current):
            return
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - current))
        new = SPEEDS[min(len(SPEEDS) - 1, max(0, index + direction))]
        self.source.transport.set_speed(min(MAX_SPEED, max(MIN_SPEED, new)))
        self._say(f"replay {new:g}x")
