"""Command-line options and settings: URLs, credentials, TLS files, QoS; one-line errors for mistakes."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from runsense.cli import _Parser
from runsense.errors import ConfigError
from runsense.mqtt.cli import add_log_command, add_mqtt_options, logger_config_from_args, mqtt_sink_from_args
from runsense.mqtt.config import (
    PASSWORD_ENV,
    USERNAME_ENV,
    QosSettings,
    broker_settings,
    parse_broker_url,
    parse_qos,
)


def session_parser(*, with_runner: bool = False) -> argparse.ArgumentParser:
    parser = _Parser(prog="runsense replay")
    if with_runner:
        parser.add_argument("--runner", default="from-the-command")
    add_mqtt_options(parser)
    return parser


def test_urls() -> None:
    assert str(parse_broker_url("mqtt://localhost")) == "mqtt://localhost:1883"
    assert str(parse_broker_url("mqtts://broker.example:8884")) == "mqtts://broker.example:8884"
    assert parse_broker_url("mqtt://coach@h:1").username == "coach"
    assert str(parse_broker_url("mqtt://[::1]:1883")) == "mqtt://[::1]:1883"
    for bad, needle in [
        ("http://h:1883", "use mqtt://HOST:PORT"),
        ("localhost:1883", "use mqtt://HOST:PORT"),
        ("mqtt://h:99999", "Port out of range"),
        ("mqtt://u:secret@h:1883", "contains a password"),
        ("mqtt://h:1883/topic", "no path"),
    ]:
        with pytest.raises(ConfigError, match=needle):
            parse_broker_url(bad)


def test_a_bad_url_on_the_command_line_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        session_parser().parse_args(["--mqtt", "mqtt://u:pw@h:1883"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("runsense: error: argument --mqtt: broker URL 'mqtt://u:pw@h:1883' contains a pass")
    assert "\n" not in err


def test_qos_spec() -> None:
    assert parse_qos("") == QosSettings(step=0, metrics=0, cue=1, session=1)
    assert parse_qos("step=1, metrics=2") == QosSettings(step=1, metrics=2, cue=1, session=1)
    assert parse_qos("all=1,step=0") == QosSettings(step=0, metrics=1, cue=1, session=1)
    assert QosSettings().for_kind("status") == 1
    for bad in ("step=3", "steps=1", "step", "cue=x"):
        with pytest.raises(ConfigError, match="use KIND=0"):
            parse_qos(bad)


def test_runner_option_is_added_only_once() -> None:
    args = session_parser(with_runner=True).parse_args(["--mqtt", "mqtt://h:1"])
    assert args.runner == "from-the-command"
    args = session_parser().parse_args(["--mqtt", "mqtt://h:1", "--runner", "Ada / Lovelace"])
    sink = mqtt_sink_from_args(args)
    assert sink is not None
    assert sink.runner == "ada-lovelace"
    assert sink.status_topic == "runsense/v1/ada-lovelace/status"


def test_no_mqtt_no_sink_but_mqtt_options_alone_are_a_mistake() -> None:
    assert mqtt_sink_from_args(session_parser().parse_args([])) is None
    assert mqtt_sink_from_args(argparse.Namespace()) is None  # a command without the options
    with pytest.raises(ConfigError, match="--mqtt-qos needs --mqtt URL"):
        mqtt_sink_from_args(session_parser().parse_args(["--mqtt-qos", "step=1"]))


def test_sink_options_reach_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    monkeypatch.setenv(USERNAME_ENV, "coach")
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    args = session_parser().parse_args([
        "--mqtt", "mqtt://h:1884", "--runner", "ada", "--mqtt-password-file", str(secret),
        "--mqtt-client-id", "treadmill-3", "--mqtt-qos", "step=1", "--mqtt-buffer", "50",
    ])
    sink = mqtt_sink_from_args(args)
    assert sink is not None
    assert sink.client_id == "treadmill-3"
    config = sink._config  # noqa: SLF001
    assert (config.broker.username, config.broker.password) == ("coach", "s3cret")
    assert "s3cret" not in repr(config)
    assert (config.qos.step, config.buffer_max) == (1, 50)


def test_credentials_and_tls_mistakes(tmp_path: Path) -> None:
    plain, tls = parse_broker_url("mqtt://h:1883"), parse_broker_url("mqtts://h:8883")
    cert = tmp_path / "client.pem"
    cert.write_text("x")
    from_env = broker_settings(plain, environ={PASSWORD_ENV: "pw", USERNAME_ENV: "u"})
    assert (from_env.username, from_env.password) == ("u", "pw")
    cases: list[tuple[dict[str, object], str]] = [
        ({"url": plain, "ca_file": cert}, "use an mqtts:// URL"),
        ({"url": tls, "cert_file": cert}, "needs both the certificate and its key"),
        ({"url": tls, "ca_file": tmp_path / "missing.pem"}, "CA file .*missing.pem: no such file"),
        ({"url": tls, "cert_file": cert, "key_file": tmp_path / "nokey"}, "key file .*nokey: no such file"),
        ({"url": plain, "password_file": tmp_path / "nope"}, "password file .*nope"),
        ({"url": plain, "environ": {PASSWORD_ENV: "pw"}}, "a password needs a user name"),
        ({"url": plain, "client_id": "has space"}, "client id 'has space'"),
    ]
    for kwargs, needle in cases:
        kwargs.setdefault("environ", {})
        with pytest.raises(ConfigError, match=needle):
            broker_settings(**kwargs)  # type: ignore[arg-type]
    settings = broker_settings(tls, ca_file=cert, cert_file=cert, key_file=cert, environ={})
    assert settings.tls is not None
    assert settings.tls.ca_file == cert


def test_log_command_options(tmp_path: Path) -> None:
    parser = _Parser(prog="runsense")
    add_log_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args([
        "log", "--broker", "mqtt://h:1", "--out", str(tmp_path / "log.sqlite"), "--share", "loggers",
        "--max-messages", "5",
    ])
    config = logger_config_from_args(args)
    assert config.subscription == "$share/loggers/runsense/v1/#"
    assert config.max_messages == 5
    assert config.client_id.startswith("runsense-log-")
    assert config.client_id == logger_config_from_args(args).client_id  # fixed: the session resumes
    with pytest.raises(ConfigError, match="--share 'a/b'"):
        logger_config_from_args(
            parser.parse_args(["log", "--broker", "mqtt://h:1", "--out", "x", "--share", "a/b"])
        )
