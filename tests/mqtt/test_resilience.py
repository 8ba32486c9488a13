"""Nothing is lost when the broker or the logger goes away mid-session, and the session never waits.

QoS 1 for every kind here: MQTT queues only QoS >= 1 messages for a subscriber that is away.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from runsense.mqtt.logger import MqttLogger
from runsense.mqtt.sink import MqttSink
from tests.conftest import REPO
from tests.mqtt.conftest import BrokerFactory
from tests.mqtt.helpers import (
    WAIT_S,
    count_rows,
    expected_counts,
    log_rows,
    play_demo,
    sink_config,
    unique_runner,
    wait_until,
)
from tests.mqtt.test_publish import logger_config

pytestmark = pytest.mark.broker


def logged_step_times(out: Path, runner: str) -> list[float]:
    rows = log_rows(out, "runner = ? AND kind = 'step' AND error IS NULL", (runner,))
    return [json.loads(r["payload"])["t_s"] for r in rows]


async def test_broker_restart_mid_session_loses_no_qos1_step(
    broker_factory: BrokerFactory, tmp_path: Path
) -> None:
    """SIGTERM, not SIGKILL: a broker keeps acknowledged messages across a restart only via its
    persistence file, which mosquitto writes on a clean shutdown (or every autosave_interval)."""
    server = broker_factory(persistence=True)
    server.start()
    runner, out = unique_runner("restart"), tmp_path / "log.sqlite"
    logger = MqttLogger(logger_config(server.url, out))
    stop = asyncio.Event()
    logger_task = asyncio.create_task(logger.run(stop))
    await asyncio.wait_for(logger.ready.wait(), WAIT_S)
    sink = MqttSink(sink_config(server.url, qos="all=1"), runner=runner)
    sink_task = asyncio.create_task(sink.run())

    async def kill_broker() -> None:
        await wait_until(lambda: count_rows(out, runner, "step") >= 10, "some steps logged before the kill")
        server.stop(signal.SIGTERM)
        await wait_until(lambda: not sink.status.connected, "the sink to notice")

    async def restart_broker() -> None:
        assert sink.status.buffered > 0  # the session went on while the broker was away
        server.start()

    session = await play_demo([sink], runner=runner, hooks_at={0.3: kill_broker, 0.6: restart_broker})
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    assert sink.status.dropped == 0
    assert sink.status.connections >= 2
    expected = [round(s.t_s, 4) for s in session.record.steps]
    await wait_until(lambda: len(logged_step_times(out, runner)) == len(expected), "every step in the log")
    stop.set()
    await logger_task
    assert logged_step_times(out, runner) == expected
    assert logger.stats.connections >= 2


async def test_logger_killed_and_restarted_mid_session_loses_nothing(
    broker_factory: BrokerFactory, tmp_path: Path
) -> None:
    server = broker_factory()
    server.start()
    runner, out = unique_runner("relog"), tmp_path / "log.sqlite"
    command = [sys.executable, "-m", "runsense.mqtt", "log", "--broker", server.url, "--out", str(out)]

    async def start_logger() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            *command, cwd=REPO, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )

    first = await start_logger()
    sink = MqttSink(sink_config(server.url, qos="all=1"), runner=runner)
    sink_task = asyncio.create_task(sink.run())
    await wait_until(lambda: count_rows(out, runner, "status") == 1, "the first logger to subscribe")
    processes = [first]

    async def kill_logger() -> None:
        await wait_until(lambda: count_rows(out, runner, "step") >= 10, "some steps logged before the kill")
        first.send_signal(signal.SIGKILL)
        await first.wait()

    async def restart_logger() -> None:
        processes.append(await start_logger())

    session = await play_demo([sink], runner=runner, hooks_at={0.3: kill_logger, 0.6: restart_logger})
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    expected = expected_counts(session)
    try:
        await wait_until(
            lambda: all(count_rows(out, runner, k) == n for k, n in expected.items()),
            "every message in the log",
        )
    finally:
        processes[-1].send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(processes[-1].communicate(), WAIT_S)
    assert processes[-1].returncode == 0, stderr.decode()
    assert logged_step_times(out, runner) == [round(s.t_s, 4) for s in session.record.steps]
    assert not log_rows(out, "error IS NOT NULL")


@pytest.mark.parametrize("buffer_max", [20_000, 10])
async def test_broker_down_at_start_session_runs_and_buffer_flushes_later(
    broker_factory: BrokerFactory, tmp_path: Path, buffer_max: int
) -> None:
    # The logger's persistent session is made first, then the broker goes down before the sink starts.
    server = broker_factory(persistence=True)
    server.start()
    runner, out = unique_runner("late"), tmp_path / "log.sqlite"
    logger = MqttLogger(logger_config(server.url, out))
    stop = asyncio.Event()
    logger_task = asyncio.create_task(logger.run(stop))
    await asyncio.wait_for(logger.ready.wait(), WAIT_S)
    server.stop(signal.SIGTERM)

    sink = MqttSink(sink_config(server.url, qos="all=1", buffer_max=buffer_max), runner=runner)
    sink_task = asyncio.create_task(sink.run())
    session = await asyncio.wait_for(play_demo([sink], runner=runner), WAIT_S)  # never waits on the broker
    expected = expected_counts(session)
    total = sum(expected.values())
    status = sink.status
    assert (status.connected, status.sent) == (False, 0)
    assert status.last_error
    assert status.buffered == min(total, buffer_max)
    assert status.dropped == max(0, total - buffer_max)
    assert "OFFLINE" in status.line()

    server.start()
    await wait_until(lambda: sink.status.buffered == 0 and sink.status.in_flight == 0, "the buffer to flush")
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    n_published = min(total, buffer_max)
    assert sink.status.sent == n_published
    await wait_until(
        lambda: len(log_rows(out, "runner = ? AND seq IS NOT NULL", (runner,))) == n_published, "the log"
    )
    stop.set()
    await logger_task
    rows = log_rows(out, "runner = ? AND seq IS NOT NULL", (runner,))
    seqs = [r["seq"] for r in rows]
    assert seqs == sorted(seqs)  # republished in order
    kinds = [r["kind"] for r in rows]
    if buffer_max >= total:
        assert seqs == list(range(total))
    else:  # the small buffer kept the session's start and end and every cue, and dropped steps
        assert kinds[0] == "session"
        assert kinds[-1] == "session"
        assert kinds.count("cue") == expected["cue"]
        end = json.loads(rows[-1]["payload"])
        assert end["event"] == "end"
        assert end["n_dropped"] > 0


async def test_stalled_broker_makes_the_sink_republish_in_order_and_the_log_dedupes(
    broker_factory: BrokerFactory, tmp_path: Path
) -> None:
    """SIGSTOP the broker while messages are in flight: the acknowledgements time out, the sink
    reconnects and republishes them; the broker then also delivers the first copies, and the
    log keeps one of each."""
    server = broker_factory()
    server.start()
    assert server.proc is not None
    runner, out = unique_runner("stall"), tmp_path / "log.sqlite"
    logger = MqttLogger(logger_config(server.url, out))
    stop = asyncio.Event()
    logger_task = asyncio.create_task(logger.run(stop))
    await asyncio.wait_for(logger.ready.wait(), WAIT_S)
    sink = MqttSink(sink_config(server.url, qos="all=1", ack_timeout_s=0.5), runner=runner)
    sink_task = asyncio.create_task(sink.run())

    async def freeze() -> None:
        await wait_until(lambda: count_rows(out, runner, "step") >= 10, "some steps logged first")
        server.proc.send_signal(signal.SIGSTOP)  # type: ignore[union-attr]

    async def thaw() -> None:
        await wait_until(lambda: not sink.status.connected, "the acknowledgements to time out")
        server.proc.send_signal(signal.SIGCONT)  # type: ignore[union-attr]

    try:
        session = await play_demo([sink], runner=runner, hooks_at={0.3: freeze, 0.6: thaw})
    finally:
        server.proc.send_signal(signal.SIGCONT)
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    assert sink.status.requeued > 0
    assert sink.status.dropped == 0
    expected = [round(s.t_s, 4) for s in session.record.steps]
    await wait_until(lambda: len(logged_step_times(out, runner)) == len(expected), "every step in the log")
    stop.set()
    await logger_task
    assert logged_step_times(out, runner) == expected
    seqs = [r["seq"] for r in log_rows(out, "runner = ? AND seq IS NOT NULL", (runner,))]
    assert seqs == list(range(len(seqs)))
    assert logger.stats.duplicates > 0


async def test_closing_without_a_broker_ends_within_the_timeout() -> None:
    from runsense.live.events import SessionStarted
    from tests.mqtt.conftest import free_port

    sink = MqttSink(sink_config(f"mqtt://127.0.0.1:{free_port()}"), runner=unique_runner("nobroker"))
    task = asyncio.create_task(sink.run())
    sink.offer(SessionStarted("x", "test", {}))
    await wait_until(lambda: sink.status.last_error is not None, "a failed connection attempt")
    started = asyncio.get_running_loop().time()
    await sink.aclose(timeout_s=0.5)
    await asyncio.wait_for(task, WAIT_S)
    assert asyncio.get_running_loop().time() - started < 2.0
    status = sink.status
    assert (status.closed, status.buffered, status.sent) == (True, 1, 0)
    assert "Connection refused" in (status.last_error or "")
