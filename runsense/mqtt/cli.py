"""Command-line glue for MQTT: session options (``--mqtt URL`` ...) and the ``runsense log`` command.

runsense/cli.py calls these; nothing here knows about the other commands. aiomqtt (and paho)
are imported only when a sink or the logger is actually built, so ``runsense --help`` and
sessions without ``--mqtt`` do not pay for them.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from runsense.config import load_settings
from runsense.errors import ConfigError
from runsense.mqtt.config import (
    DEFAULT_BUFFER,
    PASSWORD_ENV,
    USERNAME_ENV,
    BrokerUrl,
    MqttConfig,
    broker_settings,
    parse_broker_url,
    parse_qos,
)
from runsense.mqtt.topics import DEFAULT_TOPIC

if TYPE_CHECKING:
    from runsense.mqtt.logger import LoggerConfig, LoggerStats
    from runsense.mqtt.sink import MqttSink

P = TypeVar("P", bound=argparse.ArgumentParser)
T = TypeVar("T")
CLOSE_TIMEOUT_S = 5.0
"""At the end of a session, how long the sink may keep flushing to a slow or absent broker."""
_CREDENTIALS_HELP = (
    f"User name from the URL (mqtt://USER@HOST:PORT) or ${USERNAME_ENV}; "
    f"password from ${PASSWORD_ENV} or --%spassword-file, never from the command line"
)


def _url(text: str) -> BrokerUrl:
    try:
        return parse_broker_url(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _qos_spec(text: str) -> str:
    try:
        parse_qos(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def add_mqtt_options(parser: argparse.ArgumentParser) -> None:
    """Publishing options of every session command (``demo``, ``replay``, ``run``)."""
    group = parser.add_argument_group(
        "MQTT", "publish steps, cues and 1 Hz metrics (docs/mqtt.md). " + _CREDENTIALS_HELP % "mqtt-"
    )
    add = group.add_argument
    add("--mqtt", type=_url, metavar="URL", help="broker, mqtt://HOST:PORT or mqtts://HOST:PORT")
    if "--runner" not in parser._option_string_actions:  # noqa: SLF001 - argparse has no public lookup
        add("--runner", metavar="NAME", help="runner's name in the topics (default: the config's name)")
    add("--mqtt-ca", type=Path, metavar="FILE", help="CA certificates for mqtts:// (else the system's)")
    add("--mqtt-cert", type=Path, metavar="FILE", help="client certificate (PEM), with --mqtt-key")
    add("--mqtt-key", type=Path, metavar="FILE", help="client certificate's private key (PEM)")
    add("--mqtt-password-file", type=Path, metavar="FILE", help="file holding the broker password")
    add("--mqtt-client-id", metavar="ID", help="client id (default: runsense-RUNNER-random)")
    add(
        "--mqtt-qos",
        type=_qos_spec,
        metavar="SPEC",
        help="QoS per kind, e.g. step=1,cue=1 (defaults step=0,metrics=0,cue=1,session=1; all=1)",
    )
    add(
        "--mqtt-buffer",
        type=_count,
        metavar="N",
        help=f"messages kept while the broker is away before the oldest steps are dropped "
        f"(default {DEFAULT_BUFFER})",
    )


_NEEDS_URL = (
    "mqtt_ca", "mqtt_cert", "mqtt_key", "mqtt_password_file", "mqtt_client_id", "mqtt_qos", "mqtt_buffer"
)


def mqtt_sink_from_args(args: argparse.Namespace) -> MqttSink | None:
    """The sink the options ask for, or ``None`` without ``--mqtt``; must run inside no loop or any."""
    url: BrokerUrl | None = getattr(args, "mqtt", None)
    if url is None:
        given = [name for name in _NEEDS_URL if getattr(args, name, None) is not None]
        if given:
            raise ConfigError(f"--{given[0].replace('_', '-')} needs --mqtt URL")
        return None
    settings = broker_settings(
        url,
        ca_file=args.mqtt_ca,
        cert_file=args.mqtt_cert,
        key_file=args.mqtt_key,
        password_file=args.mqtt_password_file,
        client_id=args.mqtt_client_id,
    )
    config = MqttConfig(
        broker=settings,
        qos=parse_qos(args.mqtt_qos or ""),
        buffer_max=args.mqtt_buffer or DEFAULT_BUFFER,
    )
    runner = getattr(args, "runner", None) or load_settings().name or "runner"
    from runsense.mqtt.sink import MqttSink  # noqa: PLC0415 - aiomqtt only when MQTT is used

    return MqttSink(config, runner=runner)


async def run_with_sink(
    sink: MqttSink | None, work: Awaitable[T], *, close_timeout_s: float = CLOSE_TIMEOUT_S
) -> T:
    """Await ``work`` (the headless runner, or the dashboard's ``run_async()``) while the sink publishes.

    The sink's task runs in the same event loop as the session; when the work ends (or
    fails), the sink flushes for up to ``close_timeout_s``, says ``offline`` and disconnects.
    """
    if sink is None:
        return await work
    publisher = asyncio.create_task(sink.run())
    try:
        return await work
    finally:
        await sink.aclose(close_timeout_s)
        await publisher


def add_log_command(sub: argparse._SubParsersAction[P]) -> None:
    """The ``log`` subcommand: ``--broker URL --out LOG.sqlite [--topic T] [--csv DIR] [--share G]``."""
    log = sub.add_parser(
        "log",
        help="log runsense MQTT messages of any number of runners to SQLite",
        description="Subscribe (MQTT v5, QoS 1, persistent session) and write one row per message to "
        "SQLite, and on request CSV per runner and kind or JSONL. Malformed payloads become error rows. "
        "Stops on Ctrl-C/SIGTERM. " + _CREDENTIALS_HELP % "",
    )
    add = log.add_argument
    add("--broker", type=_url, required=True, metavar="URL", help="mqtt://HOST:PORT or mqtts://HOST:PORT")
    add("--topic", default=DEFAULT_TOPIC, help=f"topic filter (default {DEFAULT_TOPIC})")
    add("--out", type=Path, required=True, metavar="LOG.sqlite", help="SQLite file (appended to)")
    add("--csv", type=Path, metavar="DIR", help="also write DIR/RUNNER/KIND.csv and DIR/errors.csv")
    add("--jsonl", type=Path, metavar="FILE", help="also append one JSON object per message")
    add("--share", metavar="GROUP", help="shared subscription $share/GROUP/...: loggers split the load")
    add("--client-id", metavar="ID", help="fixed client id (default: from the host and --out)")
    add("--ca", type=Path, metavar="FILE", help="CA certificates for mqtts:// (else the system's)")
    add("--cert", type=Path, metavar="FILE", help="client certificate (PEM), with --key")
    add("--key", type=Path, metavar="FILE", help="client certificate's private key (PEM)")
    add("--password-file", type=Path, metavar="FILE", help="file holding the broker password")
    add("--max-messages", type=_count, metavar="N", help="stop after writing N rows")
    add("--duration", type=_seconds, metavar="S", help="stop after S seconds")


def logger_config_from_args(args: argparse.Namespace) -> LoggerConfig:
    """The logger's settings from ``runsense log``'s options."""
    from runsense.mqtt.logger import LoggerConfig  # noqa: PLC0415 - aiomqtt only when MQTT is used

    settings = broker_settings(
        args.broker,
        ca_file=args.ca,
        cert_file=args.cert,
        key_file=args.key,
        password_file=args.password_file,
        client_id=args.client_id,
    )
    return LoggerConfig(
        broker=settings,
        out=args.out,
        topic=args.topic,
        share_group=args.share,
        csv_dir=args.csv,
        jsonl=args.jsonl,
        max_messages=args.max_messages,
        duration_s=args.duration,
    )


def cmd_log(args: argparse.Namespace) -> None:
    """Run ``runsense log`` until Ctrl-C/SIGTERM or its limits; print what was logged."""
    config = logger_config_from_args(args)
    _say(f"logging {config.subscription} from {config.broker.url} to {config.out} "
         f"(client id {config.client_id}); Ctrl-C stops")
    stats = asyncio.run(_log_until_signal(config))
    _say(
        f"logged {stats.stored} messages ({stats.errors} malformed, {stats.duplicates} duplicates skipped) "
        f"to {config.out}"
    )


async def _log_until_signal(config: LoggerConfig) -> LoggerStats:
    from runsense.mqtt.logger import MqttLogger  # noqa: PLC0415 - aiomqtt only when MQTT is used

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        return await MqttLogger(config).run(stop)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
