"""Pilot-driven behaviour of the dashboard on the demo recording (real session, real analyser)."""

from __future__ import annotations

import time
from contextlib import ExitStack

from textual.widgets import Static

from runsense.analysis.cues import CueSettings
from runsense.dashboard.bignumber import BigNumber
from runsense.dashboard.summary_screen import SummaryScreen
from tests.dashboard.helpers import demo_app, play_until

SIZE = (100, 32)


async def test_shows_cadence_and_a_cue_while_replaying() -> None:
    with ExitStack() as stack:
        app, clock = demo_app(stack)
        async with app.run_test(size=SIZE) as pilot:
            await play_until(pilot, app, clock, 8.0)
            assert 7.5 <= app.session.elapsed_s <= 8.5
            digits = app.query_one("#cadence", BigNumber).value
            assert digits.strip().isdigit()
            assert 140 <= int(digits) <= 175
            # the slowest trials come first (force plate 150 and 167 spm, below 170)
            assert str(app.query_one("#banner", Static).content) == "RAISE CADENCE"
            await play_until(pilot, app, clock, 17.0)
            assert 170 <= int(app.query_one("#cadence", BigNumber).value) <= 185
            assert str(app.query_one("#banner", Static).content) == "ON TARGET"


async def test_pause_stops_the_replay_and_resume_continues() -> None:
    with ExitStack() as stack:
        app, clock = demo_app(stack)
        async with app.run_test(size=SIZE) as pilot:
            await play_until(pilot, app, clock, 5.0)
            await pilot.press("p")
            assert str(app.query_one("#banner", Static).content) == "PAUSED"
            at_pause = app.session.elapsed_s
            clock.advance(10.0)
            await pilot.pause()
            assert app.session.elapsed_s <= at_pause + 0.11
            await pilot.press("p")
            await play_until(pilot, app, clock, at_pause + 3.0)
            assert app.session.elapsed_s > at_pause + 2.5


async def test_target_keys_shift_the_band_and_lap_is_recorded() -> None:
    with ExitStack() as stack:
        app, clock = demo_app(stack)
        async with app.run_test(size=SIZE) as pilot:
            await play_until(pilot, app, clock, 3.0)
            await pilot.press("plus", "plus", "minus")
            assert app.session.cues.target_spm == (171.0, 181.0)
            await pilot.press("l")
            assert len(app.session.record.laps_s) == 1
            assert "lap 1" in str(app.query_one("#message", Static).content)


async def test_treadmill_speed_keys_change_step_length() -> None:
    with ExitStack() as stack:
        app, clock = demo_app(stack)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("up", "up")
            assert app.session.speed_mps is not None
            assert abs(app.session.speed_mps * 3.6 - 13.0) < 1e-9
            await play_until(pilot, app, clock, 8.0)
            snap = app.snapshot()
            assert snap.step_length_m is not None
            assert snap.cadence_spm is not None
            assert abs(snap.step_length_m - 13.0 / 3.6 * 60 / snap.cadence_spm) < 1e-9


async def test_seek_forward_reanalyses_from_the_start() -> None:
    with ExitStack() as stack:
        app, clock = demo_app(stack)
        async with app.run_test(size=SIZE) as pilot:
            await play_until(pilot, app, clock, 4.0)
            await pilot.press("right")
            await play_until(pilot, app, clock, 14.0)
            assert app.session.elapsed_s >= 13.8
            # a fresh session re-ran every packet before the seek target: steps start near 0 s
            assert app.session.record.steps[0].t_s < 1.0


async def test_summary_screen_at_the_end_and_redraws_are_bounded() -> None:
    with ExitStack() as stack:
        app, _ = demo_app(stack, speed=float("inf"))
        started_s = time.monotonic()
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(500):
                if isinstance(app.screen, SummaryScreen):
                    break
                await pilot.pause()
            assert isinstance(app.screen, SummaryScreen)
            text = str(app.screen.query_one("#summary", Static).content)
            assert "Time in 170-180 spm" in text
            assert "Cues:" in text
            assert app.ended
            # Redraws come from a timer at <= 15 Hz, however fast the data arrive (190 steps here).
            assert app.redraws <= 15 * (time.monotonic() - started_s) + 3
            await pilot.press("q")
        assert app.return_value is not None
        assert len(app.return_value.steps) == len(app.session.record.steps) > 150


async def test_summary_offers_to_save_the_measured_preferred_cadence() -> None:
    saved: list[float] = []

    def save(cadence_spm: float) -> str:
        saved.append(cadence_spm)
        return f"Saved: preferred cadence {cadence_spm:.0f} spm"

    with ExitStack() as stack:
        app, _ = demo_app(
            stack, speed=float("inf"), cue_settings=CueSettings(preferred_measure_s=30.0), save_preferred=save
        )
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(500):
                if isinstance(app.screen, SummaryScreen):
                    break
                await pilot.pause()
            measured = app.session.cues.preferred_cadence_spm
            assert measured is not None  # measured over the first 30 s of steady running
            await pilot.press("s")
            assert saved == [round(measured, 1)]
            assert "Saved: preferred cadence" in str(app.screen.query_one("#summary", Static).content)


async def test_an_outside_link_status_is_shown_and_kept_fresh() -> None:
    states = ["MQTT mqtt://broker:1883 connecting"]
    with ExitStack() as stack:
        app, clock = demo_app(stack, link_status=lambda: states[-1])
        async with app.run_test(size=SIZE) as pilot:
            await play_until(pilot, app, clock, 2.0)
            assert "connecting" in str(app.query_one("#sensors", Static).content)
            states.append("MQTT mqtt://broker:1883 connected, 12 sent, 0 buffered")
            app.redraw()
            assert "12 sent" in str(app.query_one("#sensors", Static).content)
