"""The retained status topic: online while running, offline on a clean close and by last will."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from runsense.mqtt.sink import MqttSink
from runsense.mqtt.topics import slug_runner
from tests.conftest import REPO
from tests.mqtt.conftest import Mosquitto
from tests.mqtt.helpers import WAIT_S, assert_valid, collecting, sink_config, unique_runner, wait_until

pytestmark = pytest.mark.broker


async def retained_status(url: str, runner: str) -> dict[str, object]:
    """What a subscriber arriving now gets (must be a retained message)."""
    collector, task = await collecting(url, f"runsense/v1/{runner}/status")
    try:
        await wait_until(lambda: bool(collector.messages), "the retained status")
    finally:
        task.cancel()
    _, payload, retained = collector.messages[0]
    assert retained
    assert_valid(payload)
    return payload


async def test_status_is_online_while_running_and_offline_after_a_clean_close(broker: Mosquitto) -> None:
    runner = unique_runner("Status Test")
    sink = MqttSink(sink_config(broker.url), runner=runner)
    task = asyncio.create_task(sink.run())
    await wait_until(lambda: sink.status.connected, "the sink to connect")
    slug = slug_runner(runner)
    await wait_until(lambda: sink.status.connections == 1, "the first connection")
    online = await retained_status(broker.url, slug)
    assert (online["state"], online["reason"], online["client_id"]) == ("online", "running", sink.client_id)
    await sink.aclose(timeout_s=WAIT_S)
    await task
    offline = await retained_status(broker.url, slug)
    assert (offline["state"], offline["reason"]) == ("offline", "closed")


async def test_last_will_marks_a_killed_publisher_offline(broker: Mosquitto) -> None:
    runner = unique_runner("will")
    collector, collector_task = await collecting(broker.url, f"runsense/v1/{runner}/status")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.mqtt.publisher_proc", broker.url, runner,
        cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), WAIT_S)
        assert line.strip() == b"online"
        await wait_until(lambda: bool(collector.of_kind("status")), "the online status")
        assert collector.of_kind("status")[0]["state"] == "online"
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    await wait_until(lambda: len(collector.of_kind("status")) == 2, "the last will")
    collector_task.cancel()
    will = collector.of_kind("status")[1]
    assert (will["state"], will["reason"], will["t_unix_s"]) == ("offline", "connection lost", None)
    later = await retained_status(broker.url, runner)
    assert later == will
