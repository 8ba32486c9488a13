"""A publisher process for the last-will test: connect, say online, then wait to be killed.

Run as ``python -m tests.mqtt.publisher_proc URL RUNNER``; prints ``online`` once the
retained status is acknowledged by the broker.
"""

from __future__ import annotations

import asyncio
import sys

from runsense.live.events import SessionStarted
from runsense.mqtt.sink import MqttSink
from tests.mqtt.helpers import sink_config, wait_until


async def main(url: str, runner: str) -> None:
    sink = MqttSink(sink_config(url), runner=runner)
    task = asyncio.create_task(sink.run())
    sink.offer(SessionStarted(runner, "will-test", {}))
    await wait_until(lambda: sink.status.sent == 1, "the session start to be acknowledged")
    print("online", flush=True)  # noqa: T201
    await task  # runs until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
