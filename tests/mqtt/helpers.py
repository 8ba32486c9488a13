"""Shared pieces of the MQTT tests: play the demo into sinks, wait on conditions, read logs back."""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt

from runsense.analysis.cues import CueSettings
from runsense.clock import MonotonicClock
from runsense.live.build import session_factory
from runsense.live.events import EventSink
from runsense.live.fanout import Fanout
from runsense.live.headless import run_headless
from runsense.live.replay import ReplaySource, ReplayTransport, Restart
from runsense.live.session import LiveSession
from runsense.model import RawPacket
from runsense.mqtt.config import MqttConfig, QosSettings, broker_settings, parse_broker_url
from runsense.mqtt.schemas import SCHEMAS, validate
from runsense.recording import RecordingReader
from tests.conftest import DEMO

Hook = Callable[[], Awaitable[None]]
WAIT_S = 20.0
"""Failure bound of every wait: generous, since CI machines stall; passing runs take far less."""


def unique_runner(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sink_config(url: str, *, qos: str = "", buffer_max: int = 20_000, **kw: Any) -> MqttConfig:
    from runsense.mqtt.config import parse_qos

    return MqttConfig(
        broker=broker_settings(parse_broker_url(url), environ={}),
        qos=parse_qos(qos) if qos else QosSettings(),
        buffer_max=buffer_max,
        reconnect_max_s=0.5,
        **kw,
    )


async def wait_until(predicate: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Poll a condition; fail with ``what`` if it does not hold within the bound."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.01)


class HookedSource(ReplaySource):
    """The demo's packets as fast as possible, pausing at given packet indices to run a hook."""

    def __init__(self, reader: RecordingReader, sensor_ids: set[str], hooks: dict[int, Hook]) -> None:
        super().__init__(
            lambda: (p for p in reader.iter_packets() if p.sensor_id in sensor_ids),
            ReplayTransport(MonotonicClock(), speed=math.inf),
        )
        self._hooks = hooks

    async def packets(self) -> AsyncIterator[RawPacket | Restart]:
        index = 0
        async for item in super().packets():
            if index in self._hooks:
                await self._hooks[index]()
            index += 1
            yield item


async def play_demo(
    sinks: Sequence[EventSink], *, runner: str, hooks_at: dict[float, Hook] | None = None
) -> LiveSession:
    """Replay recordings/demo.rsrec at full speed through ``run_headless`` into the sinks.

    ``hooks_at`` maps a fraction of the packets (0..1) to a coroutine awaited there, e.g. to
    kill a broker mid-session.
    """
    with RecordingReader(DEMO) as reader:
        sensors = [s for s in reader.sensors if s.acc_channel_indices]
        ids = {s.sensor_id for s in sensors}
        n_packets = sum(1 for p in reader.iter_packets() if p.sensor_id in ids)
        hooks = {int(f * n_packets): hook for f, hook in (hooks_at or {}).items()}
        source = HookedSource(reader, ids, hooks)
        speed = reader.metadata.get("speed_kmh")
        make = session_factory(
            sensors, speed_kmh=float(speed) if isinstance(speed, int | float) else None,
            cue_settings=CueSettings(),
        )
        fanout = Fanout(sinks, runner=runner, source="demo", metadata=dict(reader.metadata))
        return await run_headless(source, make, emit=lambda _: None, fanout=fanout)


def expected_counts(session: LiveSession) -> dict[str, int]:
    """Messages the sink should have published for a session (status excluded)."""
    n_metrics = math.floor(session.elapsed_s)
    return {"step": len(session.record.steps), "cue": len(session.record.cues), "session": 2,
            "metrics": n_metrics}


def assert_valid(payload: dict[str, Any]) -> None:
    problems = validate(payload, SCHEMAS[payload["kind"]])
    assert not problems, f"{payload['kind']} payload breaks its schema: {problems}\n{payload}"


@dataclass
class Collector:
    """An independent subscriber (plain aiomqtt) that keeps every message it sees."""

    url: str
    topic: str
    messages: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)

    async def run(self, ready: asyncio.Event) -> None:
        parsed = parse_broker_url(self.url)
        async with aiomqtt.Client(parsed.host, parsed.port, protocol=aiomqtt.ProtocolVersion.V5) as client:
            await client.subscribe(self.topic, qos=1)
            ready.set()
            async for message in client.messages:
                self.messages.append((str(message.topic), json.loads(bytes(message.payload)), message.retain))

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [p for _, p, _ in self.messages if p.get("kind") == kind]


async def collecting(url: str, topic: str) -> tuple[Collector, asyncio.Task[None]]:
    collector = Collector(url, topic)
    ready = asyncio.Event()
    task = asyncio.create_task(collector.run(ready))
    await asyncio.wait_for(ready.wait(), WAIT_S)
    return collector, task


def log_rows(db_path: Path, where: str = "1", params: Sequence[object] = ()) -> list[sqlite3.Row]:
    """Rows of a logger database (read while the logger writes: WAL allows it)."""
    if not db_path.exists():
        return []
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(f"SELECT * FROM messages WHERE {where} ORDER BY id", params).fetchall()  # noqa: S608
    except sqlite3.OperationalError:
        return []  # the logger has not created its table yet
    finally:
        db.close()


def count_rows(db_path: Path, runner: str, kind: str) -> int:
    return len(log_rows(db_path, "runner = ? AND kind = ? AND error IS NULL", (runner, kind)))
