"""Broker connection settings and sink options, checked once, with one-line errors that say the fix.

Passwords never come from the command line (other users can read it in ``ps``): they come
from ``RUNSENSE_MQTT_PASSWORD`` or a file, and a password inside the URL is refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from runsense.errors import ConfigError

USERNAME_ENV: Final = "RUNSENSE_MQTT_USERNAME"
PASSWORD_ENV: Final = "RUNSENSE_MQTT_PASSWORD"  # noqa: S105 - the variable's name, not a password
DEFAULT_PORTS: Final = {"mqtt": 1883, "mqtts": 8883}
DEFAULT_BUFFER: Final = 20_000
"""Messages held while the broker is slow or away (about 80 min of one runner at 4 msg/s)."""
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True, slots=True)
class BrokerUrl:
    """``mqtt://host:port`` (plain TCP) or ``mqtts://host:port`` (TLS)."""

    scheme: str
    host: str
    port: int
    username: str | None = None

    @property
    def tls(self) -> bool:
        """True for ``mqtts://``."""
        return self.scheme == "mqtts"

    def __str__(self) -> str:
        """The URL without credentials, for messages and the status line."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_broker_url(text: str) -> BrokerUrl:
    """Parse a broker URL; the port defaults to 1883 (mqtt) or 8883 (mqtts)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"broker URL {text!r}: {exc}") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError(f"broker URL {text!r}: use mqtt://HOST:PORT or mqtts://HOST:PORT")
    if parts.password is not None:
        raise ConfigError(
            f"broker URL {text!r} contains a password; put it in ${PASSWORD_ENV} or a file "
            "(--mqtt-password-file / --password-file) instead"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"broker URL {text!r}: no path or query allowed, only mqtt://HOST:PORT")
    return BrokerUrl(
        scheme=parts.scheme,
        host=parts.hostname,
        port=DEFAULT_PORTS[parts.scheme] if port is None else port,
        username=unquote(parts.username) if parts.username else None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsFiles:
    """CA bundle (else the system's) and an optional client certificate with its key."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokerSettings:
    """Everything needed to open a connection; the password is kept out of ``repr``."""

    url: BrokerUrl
    tls: TlsFiles | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    client_id: str | None = None


def check_client_id(text: str) -> str:
    """Brokers must accept 1-23 chars of [0-9a-zA-Z]; most take more. We allow 64 of a safe set."""
    if not _CLIENT_ID.match(text):
        raise ConfigError(f"client id {text!r}: use 1-64 letters, digits, '-', '_', '.' or ':'")
    return text


def _existing(path: Path | None, what: str) -> Path | None:
    if path is not None and not path.is_file():
        raise ConfigError(f"{what} {path}: no such file")
    return path


def broker_settings(  # noqa: PLR0913 - keyword-only, one per command-line option
    url: BrokerUrl,
    *,
    ca_file: Path | None = None,
    cert_file: Path | None = None,
    key_file: Path | None = None,
    password_file: Path | None = None,
    client_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> BrokerSettings:
    """Check TLS files and collect credentials (URL user, else the environment; password file or env)."""
    env = os.environ if environ is None else environ
    has_tls_files = any(p is not None for p in (ca_file, cert_file, key_file))
    if has_tls_files and not url.tls:
        raise ConfigError(f"TLS files given for {url}: use an mqtts:// URL")
    if (cert_file is None) != (key_file is None):
        raise ConfigError("a client certificate needs both the certificate and its key file")
    tls = None
    if url.tls:
        tls = TlsFiles(
            ca_file=_existing(ca_file, "CA file"),
            cert_file=_existing(cert_file, "certificate file"),
            key_file=_existing(key_file, "key file"),
        )
    password = env.get(PASSWORD_ENV) or None
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(f"password file {password_file}: {exc.strerror or exc}") from None
    username = url.username or env.get(USERNAME_ENV) or None
    if password is not None and username is None:
        raise ConfigError(f"a password needs a user name: mqtt://USER@HOST:PORT or ${USERNAME_ENV}")
    return BrokerSettings(
        url=url,
        tls=tls,
        username=username,
        password=password,
        client_id=None if client_id is None else check_client_id(client_id),
    )


QOS_KINDS: Final = ("step", "metrics", "cue", "session")


@dataclass(frozen=True, slots=True, kw_only=True)
class QosSettings:
    """QoS per message kind. Steps and metrics come again soon, so 0; cues and session edges matter, so 1."""

    step: int = 0
    metrics: int = 0
    cue: int = 1
    session: int = 1

    def for_kind(self, kind: str) -> int:
        """QoS of a kind; status is always 1 (it is retained and carries the last will)."""
        return int(getattr(self, kind)) if kind in QOS_KINDS else 1


def parse_qos(text: str, base: QosSettings | None = None) -> QosSettings:
    """``step=1,cue=1`` (or ``all=1``) over the defaults."""
    values = {k: getattr(base or QosSettings(), k) for k in QOS_KINDS}
    for item in filter(None, (s.strip() for s in text.split(","))):
        key, sep, raw = item.partition("=")
        keys = QOS_KINDS if key.strip() == "all" else (key.strip(),)
        if not sep or raw.strip() not in ("0", "1", "2") or not set(keys) <= set(QOS_KINDS):
            raise ConfigError(
                f"QoS {item!r}: use KIND=0|1|2 with KIND one of {', '.join(QOS_KINDS)} or all, "
                "e.g. step=1,cue=1"
            )
        values.update(dict.fromkeys(keys, int(raw)))
    return QosSettings(**values)


@dataclass(frozen=True, slots=True, kw_only=True)
class MqttConfig:
    """How the sink publishes: broker, QoS, buffer bound, pipelining and reconnect pacing."""

    broker: BrokerSettings
    qos: QosSettings = QosSettings()
    buffer_max: int = DEFAULT_BUFFER
    in_flight_max: int = 100
    """Messages published before their acknowledgements come back (pipelining)."""
    ack_timeout_s: float = 10.0
    reconnect_min_s: float = 0.1
    reconnect_max_s: float = 5.0

    def __post_init__(self) -> None:
        """Refuse values that would make the sink useless."""
        if self.buffer_max < 1:
            raise ConfigError(f"MQTT buffer {self.buffer_max}: must hold at least 1 message")
        if self.in_flight_max < 1:
            raise ConfigError(f"MQTT in-flight window {self.in_flight_max}: must be at least 1")
