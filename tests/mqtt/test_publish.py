"""A replayed session published through a real mosquitto and read back three ways.

``runsense log`` in-process and as a command, an independent aiomqtt subscriber, and
``mosquitto_sub``; every payload is checked against its JSON Schema.
"""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from runsense.analysis.cues import CueSettings
from runsense.mqtt.config import broker_settings, parse_broker_url
from runsense.mqtt.logger import LoggerConfig, MqttLogger
from runsense.mqtt.sink import MqttSink
from tests.conftest import REPO
from tests.mqtt.conftest import Mosquitto
from tests.mqtt.helpers import (
    WAIT_S,
    assert_valid,
    collecting,
    count_rows,
    expected_counts,
    log_rows,
    play_demo,
    sink_config,
    unique_runner,
    wait_until,
)

pytestmark = pytest.mark.broker


def logger_config(url: str, out: Path, **kw: object) -> LoggerConfig:
    settings = broker_settings(parse_broker_url(url), environ={})
    return LoggerConfig(broker=settings, out=out, reconnect_max_s=0.5, **kw)  # type: ignore[arg-type]


async def test_replayed_session_is_published_and_logged(broker: Mosquitto, tmp_path: Path) -> None:
    runner = unique_runner("replay")
    out, csv_dir, jsonl = tmp_path / "log.sqlite", tmp_path / "csv", tmp_path / "log.jsonl"
    logger = MqttLogger(logger_config(broker.url, out, csv_dir=csv_dir, jsonl=jsonl))
    stop = asyncio.Event()
    logger_task = asyncio.create_task(logger.run(stop))
    await asyncio.wait_for(logger.ready.wait(), WAIT_S)
    collector, collector_task = await collecting(broker.url, f"runsense/v1/{runner}/#")

    sink = MqttSink(sink_config(broker.url), runner=runner)
    sink_task = asyncio.create_task(sink.run())
    session = await play_demo([sink], runner=runner)
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    expected = expected_counts(session)
    assert expected["step"] > 100
    assert expected["cue"] > 0

    def all_there() -> bool:
        return all(count_rows(out, runner, kind) == n for kind, n in expected.items()) and any(
            p["state"] == "offline" for p in collector.of_kind("status")
        )

    await wait_until(all_there, "every message in the log and at the collector")
    stop.set()
    stats = await logger_task
    collector_task.cancel()

    status = sink.status
    assert (status.sent, status.dropped, status.buffered) == (sum(expected.values()), 0, 0)
    assert not status.connected
    assert status.line().startswith(f"MQTT {broker.url} closed, {status.sent} sent")
    for topic, payload, _ in collector.messages:
        assert topic == f"runsense/v1/{runner}/{payload['kind']}"
        assert_valid(payload)
    for kind, n in expected.items():
        assert len(collector.of_kind(kind)) == n, kind
    states = [(p["state"], p["reason"]) for p in collector.of_kind("status")]
    assert states == [("online", "running"), ("offline", "closed")]
    starts = [p for p in collector.of_kind("session") if p["event"] == "start"]
    assert starts[0]["runner_name"] == runner
    assert starts[0]["metadata"]["speed_kmh"] == 12.0

    steps = log_rows(out, "runner = ? AND kind = 'step'", (runner,))
    assert [json.loads(r["payload"])["t_s"] for r in steps] == [round(s.t_s, 4) for s in session.record.steps]
    seqs = [r["seq"] for r in log_rows(out, "runner = ? AND seq IS NOT NULL", (runner,))]
    assert seqs == sorted(seqs)
    assert seqs == list(range(len(seqs)))  # nothing dropped, nothing duplicated, in order
    assert all(r["sent_unix_s"] <= r["received_unix_s"] + 0.01 for r in steps)
    assert stats.errors == 0

    with (csv_dir / runner / "step.csv").open() as handle:
        csv_steps = list(csv.DictReader(handle))
    assert len(csv_steps) == expected["step"]
    assert csv_steps[0]["t_s"] == str(round(session.record.steps[0].t_s, 4))
    assert (csv_dir / runner / "cue.csv").exists()
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert sum(1 for r in records if r["topic"] == f"runsense/v1/{runner}/step") == expected["step"]


@pytest.mark.skipif(shutil.which("mosquitto_sub") is None, reason="mosquitto-clients is not installed")
async def test_mosquitto_sub_reads_what_runsense_publishes(broker: Mosquitto) -> None:
    runner = unique_runner("cli-sub")
    ready_topic = f"test/ready/{runner}"
    marker = await asyncio.create_subprocess_exec(
        "mosquitto_pub", "-p", str(broker.port), "-t", ready_topic, "-m", "ready", "-r", "-q", "1"
    )
    assert await asyncio.wait_for(marker.wait(), WAIT_S) == 0
    sub = await asyncio.create_subprocess_exec(
        "mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-v", "-q", "1", "-V", "mqttv5",
        "-t", f"runsense/v1/{runner}/#", "-t", ready_topic, "-W", str(int(WAIT_S * 2)),
        stdout=asyncio.subprocess.PIPE,
    )
    assert sub.stdout is not None
    first = await asyncio.wait_for(sub.stdout.readline(), WAIT_S)
    assert first.decode().strip() == f"{ready_topic} ready"  # subscribed: the retained marker came back

    sink = MqttSink(sink_config(broker.url, qos="all=1"), runner=runner)
    sink_task = asyncio.create_task(sink.run())
    session = await play_demo([sink], runner=runner)
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task

    seen: dict[str, int] = {}
    while True:
        line = await asyncio.wait_for(sub.stdout.readline(), WAIT_S)
        topic, _, text = line.decode().rstrip("\n").partition(" ")
        payload = json.loads(text)
        assert topic == f"runsense/v1/{runner}/{payload['kind']}"
        assert_valid(payload)
        seen[payload["kind"]] = seen.get(payload["kind"], 0) + 1
        if payload["kind"] == "status" and payload["state"] == "offline":
            break
    sub.terminate()
    await sub.wait()
    assert seen == {**expected_counts(session), "status": 2}


async def test_runsense_log_command_logs_until_sigterm(broker: Mosquitto, tmp_path: Path) -> None:
    runner = unique_runner("cmd")
    out = tmp_path / "log.sqlite"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "runsense.mqtt", "log", "--broker", broker.url, "--out", str(out),
        "--topic", f"runsense/v1/{runner}/#", "--csv", str(tmp_path / "csv"),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    # Subscribed once the retained status of a probe publisher shows up in the log.
    probe = MqttSink(sink_config(broker.url), runner=runner)
    probe_task = asyncio.create_task(probe.run())
    await wait_until(lambda: count_rows(out, runner, "status") >= 1, "the logger to subscribe")
    session = await play_demo([probe], runner=runner)
    await probe.aclose(timeout_s=WAIT_S)
    await probe_task
    n_steps = len(session.record.steps)
    await wait_until(lambda: count_rows(out, runner, "step") == n_steps, "every step in the log")
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(proc.communicate(), WAIT_S)
    assert proc.returncode == 0, stderr.decode()
    lines = stdout.decode().splitlines()
    assert lines[0].startswith(f"logging runsense/v1/{runner}/# from {broker.url} to {out}")
    assert lines[-1].startswith("logged ")
    assert "0 malformed" in lines[-1]
    assert count_rows(out, runner, "step") == n_steps


def test_log_command_reports_an_unreachable_broker_in_one_line(tmp_path: Path) -> None:
    from tests.mqtt.conftest import free_port

    proc = subprocess.run(
        [sys.executable, "-m", "runsense.mqtt", "log", "--broker", f"mqtt://127.0.0.1:{free_port()}",
         "--out", str(tmp_path / "log.sqlite")],
        cwd=REPO, capture_output=True, text=True, timeout=WAIT_S, check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("runsense: error: cannot reach the MQTT broker at mqtt://127.0.0.1:")
    assert len(proc.stderr.strip().splitlines()) == 1


async def test_session_command_wiring(broker: Mosquitto) -> None:
    """What runsense/cli.py does for ``replay REC --no-ui --mqtt URL --runner NAME``."""
    import math

    from runsense.clock import MonotonicClock
    from runsense.live.build import open_replay, session_factory
    from runsense.live.fanout import Fanout
    from runsense.live.headless import run_headless
    from runsense.mqtt.cli import add_mqtt_options, mqtt_sink_from_args, run_with_sink
    from runsense.recording import RecordingReader
    from tests.conftest import DEMO
    from tests.mqtt.test_options import session_parser

    runner = unique_runner("Wired Runner")
    args = session_parser().parse_args(["--mqtt", broker.url, "--runner", runner, "--mqtt-qos", "all=1"])
    assert add_mqtt_options is not None
    sink = mqtt_sink_from_args(args)
    assert sink is not None
    collector, collector_task = await collecting(broker.url, f"runsense/v1/{sink.runner}/#")
    with RecordingReader(DEMO) as reader:
        replay = open_replay(reader, clock=MonotonicClock(), speed=math.inf)
        make = session_factory(replay.sensors, speed_kmh=replay.speed_kmh, cue_settings=CueSettings())
        fanout = Fanout([sink], runner=runner, source=DEMO.name, metadata=dict(reader.metadata))
        headless = run_headless(replay.source, make, emit=lambda _: None, fanout=fanout)
        session = await run_with_sink(sink, headless)
    await wait_until(lambda: any(p["state"] == "offline" for p in collector.of_kind("status")), "offline")
    collector_task.cancel()
    assert len(collector.of_kind("step")) == len(session.record.steps)
    assert sink.status.line() == f"MQTT {broker.url} closed, {sink.status.sent} sent, 0 buffered"
