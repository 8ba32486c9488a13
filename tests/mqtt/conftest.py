"""A real broker for the MQTT tests: Debian's mosquitto on a free loopback port, started by the suite.

Skipped with a reason when mosquitto is not installed (scripts/test installs it). Run as
root, mosquitto drops to the ``mosquitto`` user, so its work directory is world-readable
and a persistence directory is handed to that user.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

MOSQUITTO = shutil.which("mosquitto") or next(
    (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
)
START_TIMEOUT_S = 10.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "broker: needs Debian's mosquitto (started on a free loopback port); skipped with a reason "
        "when it is not installed",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mosquitto:
    """One mosquitto process with its own config; can be stopped and started again on the same port."""

    def __init__(self, workdir: Path, *, port: int | None = None, persistence: bool = False,
                 extra_conf: str = "") -> None:
        assert MOSQUITTO is not None
        self.workdir = workdir
        self.port = port or free_port()
        self.persistence = persistence
        self.extra_conf = extra_conf
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o755)
        self.db_dir = workdir / "db"
        self.log_path = workdir / "mosquitto.log"

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _write_conf(self) -> Path:
        lines = [
            "per_listener_settings false",
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "set_tcp_nodelay true",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "max_queued_messages 100000",
            f"persistence {'true' if self.persistence else 'false'}",
        ]
        if self.persistence:
            self.db_dir.mkdir(exist_ok=True)
            if os.geteuid() == 0:
                user = pwd.getpwnam("mosquitto")
                os.chown(self.db_dir, user.pw_uid, user.pw_gid)
            lines.append(f"persistence_location {self.db_dir}/")
        conf = self.workdir / "mosquitto.conf"
        conf.write_text("\n".join([*lines, self.extra_conf, ""]))
        conf.chmod(0o644)
        return conf

    def start(self) -> None:
        assert self.proc is None, "already running"
        conf = self._write_conf()
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([str(MOSQUITTO), "-c", str(conf)], stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                time.sleep(0.02)
            else:
                return
        self.stop(signal.SIGKILL)
        pytest.fail(f"mosquitto did not start on port {self.port}:\n{self.log_path.read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: mosquitto saves its persistence file and exits; SIGKILL: a crash."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="session")
def broker_root() -> Iterator[Path]:
    """Outside pytest's 0700 temp tree, so the ``mosquitto`` user can reach its files."""
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed (scripts/test installs it: apt-get install mosquitto)")
    root = Path(tempfile.mkdtemp(prefix="runsense-mqtt-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def broker(broker_root: Path) -> Iterator[Mosquitto]:
    """One broker for every test that does not stop it (tests use their own runner names)."""
    server = Mosquitto(broker_root / "shared")
    server.start()
    yield server
    server.stop()


BrokerFactory = Callable[..., Mosquitto]


@pytest.fixture
def broker_factory(broker_root: Path, request: pytest.FixtureRequest) -> Iterator[BrokerFactory]:
    """Private brokers a test may kill and restart; all stopped at the end of the test."""
    made: list[Mosquitto] = []

    def make(*, port: int | None = None, persistence: bool = False, extra_conf: str = "") -> Mosquitto:
        name = re.sub(r"[^\w.-]", "_", request.node.name)
        workdir = broker_root / f"{name}-{len(made)}"
        server = Mosquitto(workdir, port=port, persistence=persistence, extra_conf=extra_conf)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop(signal.SIGKILL)
