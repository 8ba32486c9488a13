"""The logging subscriber against a real broker: bad payloads, shared subscriptions, limits, TLS."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import aiomqtt
import pytest

from runsense.errors import ConfigError, RunsenseError
from runsense.mqtt.config import MqttConfig, broker_settings, parse_broker_url
from runsense.mqtt.logger import LoggerConfig, MqttLogger
from runsense.mqtt.sink import MqttSink
from tests.mqtt.conftest import BrokerFactory, Mosquitto
from tests.mqtt.helpers import (
    WAIT_S,
    count_rows,
    log_rows,
    play_demo,
    sink_config,
    unique_runner,
    wait_until,
)
from tests.mqtt.test_publish import logger_config

pytestmark = pytest.mark.broker


async def start_logger(config: LoggerConfig) -> tuple[MqttLogger, asyncio.Event, asyncio.Task[object]]:
    logger, stop = MqttLogger(config), asyncio.Event()
    task: asyncio.Task[object] = asyncio.create_task(logger.run(stop))
    await asyncio.wait_for(logger.ready.wait(), WAIT_S)
    return logger, stop, task


async def test_malformed_payloads_are_logged_as_errors_and_logging_goes_on(
    broker: Mosquitto, tmp_path: Path
) -> None:
    runner, out = unique_runner("bad"), tmp_path / "log.sqlite"
    logger, stop, task = await start_logger(logger_config(broker.url, out, csv_dir=tmp_path / "csv"))
    no_session = json.dumps({"schema": 1, "kind": "metrics", "runner": runner}).encode()
    bad = [
        (f"runsense/v1/{runner}/step", b"\x00\xffbinary"),
        (f"runsense/v1/{runner}/step", b"{not json"),
        (f"runsense/v1/{runner}/cue", b"[1, 2, 3]"),
        (f"runsense/v1/{runner}/metrics", no_session),
        (f"runsense/v1/{runner}/step", json.dumps({"schema": 1, "kind": "cue", "runner": runner}).encode()),
        (f"runsense/v1/{runner}", b"{}"),
    ]
    url = parse_broker_url(broker.url)
    async with aiomqtt.Client(url.host, url.port) as client:
        for topic, payload in bad:
            await client.publish(topic, payload, qos=1)
    sink = MqttSink(sink_config(broker.url, qos="all=1"), runner=runner)
    sink_task = asyncio.create_task(sink.run())
    session = await play_demo([sink], runner=runner)
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    n_steps = len(session.record.steps)
    await wait_until(lambda: count_rows(out, runner, "step") == n_steps, "the good steps after the bad ones")
    stop.set()
    await task
    errors = log_rows(out, "error IS NOT NULL AND topic LIKE ?", (f"runsense/v1/{runner}%",))
    assert [(r["topic"], r["payload"][:9]) for r in errors] == [
        (t, p.decode("utf-8", "replace")[:9]) for t, p in bad
    ]
    reasons = [r["error"] for r in errors]
    assert reasons[0].startswith("not UTF-8 JSON")
    assert reasons[1].startswith("not UTF-8 JSON")
    assert reasons[2] == "payload is a JSON list, not an object"
    assert reasons[3].startswith("schema: $: missing 'session_id'")
    assert reasons[4] == "kind 'cue' does not match the topic's 'step'"
    assert reasons[5] == "topic is not runsense/v1/<runner>/<kind>"
    assert logger.stats.errors >= len(bad)
    error_csv = (tmp_path / "csv" / "errors.csv").read_text()
    assert "does not match the topic" in error_csv


async def test_shared_subscription_splits_messages_between_loggers(broker: Mosquitto, tmp_path: Path) -> None:
    runner = unique_runner("share")
    topic = f"runsense/v1/{runner}/#"
    outs = [tmp_path / "a.sqlite", tmp_path / "b.sqlite"]
    loggers = [await start_logger(logger_config(broker.url, out, topic=topic, share_group="loggers"))
               for out in outs]
    assert loggers[0][0].config.client_id != loggers[1][0].config.client_id
    sink = MqttSink(sink_config(broker.url, qos="all=1"), runner=runner)
    sink_task = asyncio.create_task(sink.run())
    session = await play_demo([sink], runner=runner)
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    n_steps = len(session.record.steps)
    await wait_until(lambda: sum(count_rows(o, runner, "step") for o in outs) == n_steps, "all steps, split")
    for _, stop, task in loggers:
        stop.set()
        await task
    per_logger = [{r["seq"] for r in log_rows(o, "kind = 'step'")} for o in outs]
    assert all(per_logger)  # both took a share
    assert not per_logger[0] & per_logger[1]  # and no message went to both


async def test_logger_stops_after_max_messages_or_duration(broker: Mosquitto, tmp_path: Path) -> None:
    runner = unique_runner("limit")
    topic = f"runsense/v1/{runner}/#"
    quiet = MqttLogger(logger_config(broker.url, tmp_path / "quiet.sqlite", topic=topic, duration_s=0.3))
    assert (await asyncio.wait_for(quiet.run(), WAIT_S)).stored == 0
    logger = MqttLogger(logger_config(broker.url, tmp_path / "five.sqlite", topic=topic, max_messages=5))
    task = asyncio.create_task(logger.run())
    await asyncio.wait_for(logger.ready.wait(), WAIT_S)
    sink = MqttSink(sink_config(broker.url), runner=runner)
    sink_task = asyncio.create_task(sink.run())
    await play_demo([sink], runner=runner)
    stats = await asyncio.wait_for(task, WAIT_S)
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    assert stats.stored == 5
    assert len(log_rows(tmp_path / "five.sqlite")) == 5


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=WAIT_S)


def make_certificates(folder: Path) -> None:
    """A throw-away CA, a server certificate for 127.0.0.1 and a client certificate."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=runsense test CA",
             "-days", "2", cwd=folder)
    for name, extra in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"), ("client", "")):
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
                 cwd=folder)
        ext = folder / f"{name}.ext"
        ext.write_text(extra + "\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.crt", "-days", "2", "-extfile", ext.name, cwd=folder)
    for path in folder.iterdir():
        path.chmod(0o644)  # mosquitto reads them as its own user


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
async def test_tls_with_a_client_certificate(broker_factory: BrokerFactory) -> None:
    server = broker_factory()
    certs = server.workdir / "certs"
    certs.mkdir()
    certs.chmod(0o755)
    make_certificates(certs)
    server.extra_conf = "\n".join([
        f"cafile {certs / 'ca.crt'}", f"certfile {certs / 'server.crt'}", f"keyfile {certs / 'server.key'}",
        "require_certificate true",
    ])
    server.start()
    url = parse_broker_url(f"mqtts://127.0.0.1:{server.port}")
    settings = broker_settings(
        url, environ={}, ca_file=certs / "ca.crt", cert_file=certs / "client.crt",
        key_file=certs / "client.key",
    )
    runner, out = unique_runner("tls"), server.workdir / "log.sqlite"
    _, stop, task = await start_logger(LoggerConfig(broker=settings, out=out))
    sink = MqttSink(MqttConfig(broker=settings, reconnect_max_s=0.5), runner=runner)
    sink_task = asyncio.create_task(sink.run())
    session = await play_demo([sink], runner=runner)
    await sink.aclose(timeout_s=WAIT_S)
    await sink_task
    await wait_until(lambda: count_rows(out, runner, "step") == len(session.record.steps), "steps over TLS")
    stop.set()
    await task
    # Without the client certificate the broker refuses the handshake: a clear error at the start.
    no_cert = broker_settings(url, environ={}, ca_file=certs / "ca.crt")
    with pytest.raises(RunsenseError, match=f"cannot reach the MQTT broker at {url}"):
        await MqttLogger(LoggerConfig(broker=no_cert, out=server.workdir / "x.sqlite", timeout_s=1.0)).run()



def test_refused_subscriptions_and_bad_filters_are_recognised(tmp_path: Path) -> None:
    """mosquitto grants any subscription and filters on delivery, so the refusal check is tested here."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.reasoncodes import ReasonCode

    from runsense.mqtt.logger import _refused

    assert not _refused(ReasonCode(PacketTypes.SUBACK, "Granted QoS 1"))
    assert _refused(ReasonCode(PacketTypes.SUBACK, "Not authorized"))
    assert _refused(0x80)
    assert not _refused(1)
    settings = broker_settings(parse_broker_url("mqtt://h:1"), environ={})
    for bad in ("runsense/v1/a#", "runsense/#/step", "runsense/v1/x+", ""):
        with pytest.raises(ConfigError, match="--topic"):
            LoggerConfig(broker=settings, out=tmp_path / "x", topic=bad)
    LoggerConfig(broker=settings, out=tmp_path / "x", topic="runsense/v1/+/step")
