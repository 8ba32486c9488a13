"""Run a session without the dashboard: one line per step and cue, then the summary."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from runsense.live.fanout import Fanout
from runsense.live.replay import Restart
from runsense.live.session import LiveSession
from runsense.model import Cue, Step
from runsense.sources.base import PacketSource


def step_line(step: Step) -> str:
    """One terse line per step for a log or a terminal."""
    cadence = "  -  " if step.cadence_spm is None else f"{step.cadence_spm:5.1f}"
    return (
        f"step {step.t_s:9.3f} s  cadence {cadence} spm  impact {step.impact_g:5.2f} g  "
        f"conf {step.confidence:.2f}"
    )


def cue_line(cue: Cue) -> str:
    """A cue as a coach reads it in a log."""
    return f"cue  {cue.t_s:9.3f} s  {cue.message.upper()}  ({cue.reason})"


async def run_headless(
    source: PacketSource,
    make_session: Callable[[], LiveSession],
    *,
    emit: Callable[[str], None],
    quiet_steps: bool = False,
    fanout: Fanout | None = None,
) -> LiveSession:
    """Pump every packet through a session, printing events and offering them to the sinks."""
    session = make_session()
    n_packets = 0
    async for item in source.packets():
        if isinstance(item, Restart):
            session = make_session()
            if fanout is not None:
                fanout.restart()
            continue
        events = session.on_packet(item)
        _print(events, emit, quiet_steps=quiet_steps)
        if fanout is not None:
            fanout.after_packet(session, events)
        n_packets += 1
        if n_packets % 64 == 0:
            await asyncio.sleep(0)  # at --speed max, let the sinks' tasks run
    events = session.finish()
    _print(events, emit, quiet_steps=quiet_steps)
    if fanout is not None:
        fanout.after_packet(session, events)
        fanout.end(session)
    return session


def _print(events: list[Step | Cue], emit: Callable[[str], None], *, quiet_steps: bool) -> None:
    for event in events:
        if isinstance(event, Cue):
            emit(cue_line(event))
        elif not quiet_steps:
            emit(step_line(event))
