"""A live run: BLE source -> (recording) -> session -> dashboard or terminal lines, until stopped.

The same function runs real sensors and ``--simulate``: the only differences are the bleak
backends the source uses and the ``Player`` that makes the virtual sensors stream. The run
ends when the runner quits, after ``duration_s``, or when a simulation's recording ends.
Whatever happens, the recording is closed with what was received.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from runsense.clock import Clock
from runsense.config import RunnerSettings
from runsense.live.build import cue_settings_for, session_factory
from runsense.live.fanout import Fanout
from runsense.live.headless import run_headless
from runsense.live.session import LiveSession
from runsense.recording import RecordingWriter
from runsense.simulate.player import Player
from runsense.sources.base import PacketSource, describe
from runsense.sources.ble import BleSource
from runsense.sources.record import RecordingTee, recording_path

END_DRAIN_S = 0.2
"""After a simulation's last payload: time for it to cross the link before the source stops."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What the runner chose on the command line (and in the settings file)."""

    runner: RunnerSettings
    speed_kmh: float | None = None
    record_dir: Path | None = None
    no_ui: bool = False
    duration_s: float | None = None
    quiet_steps: bool = False
    title: str = "live"
    source_label: str = "ble"
    """Stored as the recording's ``source``: ``ble`` for sensors, ``simulate`` for virtual ones."""


async def _stop_later(source: BleSource, *, duration_s: float | None, player: Player | None) -> None:
    """End the run after ``duration_s``, or when the simulation played everything."""
    waits: list[asyncio.Task[object]] = []
    if duration_s is not None:
        waits.append(asyncio.create_task(asyncio.sleep(duration_s)))
    if player is not None:
        waits.append(asyncio.create_task(player.play()))
    if not waits:
        return
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        if player is not None:
            await asyncio.sleep(END_DRAIN_S)
    finally:
        for task in waits:
            task.cancel()
    await source.stop()


async def run_live(  # noqa: PLR0913 - the source, options, and injectable shell pieces
    source: BleSource,
    options: RunOptions,
    *,
    emit: Callable[[str], None],
    clock: Clock | None = None,
    player: Player | None = None,
    fanout: Fanout | None = None,
) -> LiveSession:
    """Start the source, run the session to its end, and return the session (recording closed)."""
    source.add_listener(lambda event: emit(describe(event)))
    async with source:
        runner = options.runner
        speed_kmh = options.speed_kmh or runner.speed_kmh
        make_session = session_factory(
            source.sensors, speed_kmh=speed_kmh, cue_settings=cue_settings_for(runner)
        )
        tee: RecordingTee | None = None
        if options.record_dir is not None:
            path = recording_path(options.record_dir)
            metadata = {
                "runner": runner.name,
                "source": options.source_label,
                "speed_kmh": speed_kmh,
                "shoes": runner.shoes,
            }
            tee = RecordingTee(source, RecordingWriter(path, metadata=metadata))
            emit(f"recording to {path}")
        feed: PacketSource = tee if tee is not None else source
        stopper = asyncio.create_task(_stop_later(source, duration_s=options.duration_s, player=player))
        session = make_session()
        try:
            if options.no_ui:
                session = await run_headless(
                    feed, make_session, emit=emit, quiet_steps=options.quiet_steps, fanout=fanout
                )
            else:
                session = await _run_dashboard(feed, make_session, options.title, clock, fanout)
        finally:
            stopper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stopper
            if tee is not None:
                tee.finish(session)
    return session


async def _run_dashboard(
    feed: PacketSource,
    make_session: Callable[[], LiveSession],
    title: str,
    clock: Clock | None,
    fanout: Fanout | None,
) -> LiveSession:
    from runsense.dashboard.app import RunsenseApp  # noqa: PLC0415 - Textual only when a screen is wanted

    app = RunsenseApp(make_session=make_session, source=feed, title=title, clock=clock, fanout=fanout)
    await app.run_async()
    return app.session


def runner_with_name(runner: RunnerSettings, name: str | None) -> RunnerSettings:
    """The runner settings with ``--runner`` applied."""
    return replace(runner, name=name) if name else runner
