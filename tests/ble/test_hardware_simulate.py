"""``runsense simulate``: virtual sensors served through a real Bumble HCI transport.

There is no Bluetooth hardware here, so the "dongle" is a Bumble software ``Controller`` behind a
``tcp-server`` transport on loopback: ``serve()`` opens ``tcp-client:127.0.0.1:PORT`` exactly as it
would open ``usb:0``, and its sensor's Bumble host drives that controller over HCI packets on a
socket. The controller sits on the test radio's link, so runsense's ``BleSource`` (bleak, the
Bumble central) scans, connects and streams from it. What this cannot cover: a real controller's
radio and firmware, BlueZ as the central (docs/ble-testing.md, "With hardware").
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Mapping

import pytest
from bumble.controller import Controller
from bumble.transport.common import Transport
from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

from runsense.cli import main
from runsense.errors import ConfigError
from runsense.model import Placement
from runsense.profiles import PacketDecoder, Profile
from runsense.simulate import VirtualRadio
from runsense.simulate.gatt_build import LEGACY_ADVERTISING_BYTES, legacy_advertising_data
from runsense.simulate.hardware import HciRadio, TransportError, open_hci_transport, serve
from runsense.simulate.scenario import DEVICE_NAMES, SimulateSpec, build_simulation
from runsense.sources.discovery import SensorSpec
from tests.ble.helpers import TIMEOUT_S, next_packet, source_for
from tests.conftest import DEMO


@pytest.fixture
async def dongle(radio: VirtualRadio) -> AsyncIterator[tuple[str, Transport]]:
    """A software controller on the radio's link, reachable as ``tcp-client:127.0.0.1:PORT``."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    transport = await open_tcp_server_transport_with_socket(sock)
    Controller("dongle", host_source=transport.source, host_sink=transport.sink, link=radio.link)
    yield f"tcp-client:127.0.0.1:{port}", transport
    await transport.close()  # Bumble's tcp-server transport leaves its server and connection open
    connection = getattr(transport.sink, "transport", None)
    if connection is not None:
        connection.close()
    server: asyncio.Server = getattr(transport, "server")  # noqa: B009 - not in Transport's type
    server.close()
    await server.wait_closed()


class Lines:
    """``emit`` for ``serve()``: keeps the lines and lets the test wait for one."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Event()

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self._changed.set()

    async def wait_for(self, prefix: str) -> str:
        async def seen() -> str:
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(seen(), TIMEOUT_S)


async def test_a_sensor_served_over_an_hci_transport_streams_to_a_central(
    radio: VirtualRadio, profiles: Mapping[str, Profile], dongle: tuple[str, Transport]
) -> None:
    spec, _ = dongle
    hci = HciRadio([spec])
    simulation = build_simulation(hci, [SimulateSpec("runsense-imu", DEMO)], profiles)
    (sensor,) = simulation.sensors
    lines, stop = Lines(), asyncio.Event()
    served = asyncio.create_task(serve(hci, simulation, emit=lines, stop=stop))
    advertised = await lines.wait_for("advertising")
    assert advertised == f"advertising 'RS-IMU 1' at {sensor.address} (runsense-imu) on {spec}"

    imu_uuid = profiles["runsense-imu"].characteristic("imu_data").uuid
    source = source_for(radio, [SensorSpec(sensor.address, Placement.SACRUM)], profiles)
    async with source:
        (info,) = source.sensors
        assert info.profile == "runsense-imu"  # recognised from what it advertises over HCI
        await lines.wait_for("a central connected to 'RS-IMU 1'")
        first = await next_packet(source.packets(), char_uuid=imu_uuid)
    decoded = PacketDecoder(info).decode_packet(first)
    assert decoded.chunk is not None
    assert decoded.chunk.n_samples > 0
    assert sensor.commands[-1] == "stop_streaming"  # the central's stop command crossed the socket
    stop.set()
    await asyncio.wait_for(served, TIMEOUT_S)
    with pytest.raises(RuntimeError, match="not started"):
        _ = sensor.device  # serve() powered it off on the way out


async def test_more_sensors_than_transports_is_a_clear_error(
    profiles: Mapping[str, Profile],
) -> None:
    hci = HciRadio(["tcp-client:127.0.0.1:9"])
    specs = [SimulateSpec("heart-rate", DEMO), SimulateSpec("rsc-footpod", DEMO)]
    simulation = build_simulation(hci, specs, profiles)
    with pytest.raises(ConfigError, match="one sensor per transport"):
        await serve(hci, simulation, emit=print)


async def test_a_transport_that_is_not_a_controller_is_a_clear_error(profiles: Mapping[str, Profile]) -> None:
    """Something answers on the port but never speaks HCI: power-on times out with one line."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    hci = HciRadio([f"tcp-client:127.0.0.1:{port}"], power_on_timeout_s=0.5)
    simulation = build_simulation(hci, [SimulateSpec("heart-rate", DEMO)], profiles)
    with pytest.raises(TransportError, match=r"did not answer within 0\.5 s"):
        await serve(hci, simulation, emit=print)
    for writer in accepted:
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("foo:1", "unknown or malformed transport 'foo:1'"),
        ("usb", "transport 'usb' needs a parameter"),
        ("tcp-client:127.0.0.1:x", "unknown or malformed transport"),
        ("serial:/nonexistent/ttyACM0,1000000", "no such device"),
        ("vhci:/nonexistent/vhci", "no /dev/vhci"),
    ],
)
async def test_transports_that_cannot_open_say_why(spec: str, message: str) -> None:
    with pytest.raises(TransportError, match=message):
        await open_hci_transport(spec)


async def test_a_refused_connection_says_which_transport() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransportError, match=f"cannot reach 'tcp-client:127.0.0.1:{port}'"):
        await open_hci_transport(f"tcp-client:127.0.0.1:{port}")


@pytest.mark.parametrize("transport", ["usb:0", "foo:1", "vhci:/nonexistent/vhci"])
def test_cli_without_a_controller_is_one_line_and_exit_2(
    transport: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--transport", transport, "--sensor", "heart-rate", "--duration", "1"]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("runsense: error: ")
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_cli_needs_a_transport_and_a_sensor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--sensor", "heart-rate"]) == 2
    assert "give a --transport SPEC" in capsys.readouterr().err
    assert main(["simulate", "--transport", "usb:0"]) == 2
    assert "give at least one --sensor" in capsys.readouterr().err


def test_every_profile_advertises_within_legacy_pdus(profiles: Mapping[str, Profile]) -> None:
    """A real controller refuses more than 31 bytes: service UUIDs first, the name where it fits."""
    for name, profile in profiles.items():
        data, response = legacy_advertising_data(DEVICE_NAMES[name].format(n=1), profile.advertised_services)
        assert len(data) <= LEGACY_ADVERTISING_BYTES, name
        assert len(response) <= LEGACY_ADVERTISING_BYTES, name
        assert DEVICE_NAMES[name].format(n=1).encode() in data + response, name


CONTROLLER = textwrap.dedent(
    """
    import asyncio, socket
    from bumble.controller import Controller
    from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

    async def main():
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        transport = await open_tcp_server_transport_with_socket(sock)
        Controller("dongle", host_source=transport.source, host_sink=transport.sink)
        print(sock.getsockname()[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


def test_cli_serves_on_a_controller_until_the_duration_ends() -> None:
    """The whole command in its own process, against a software controller in another one."""
    controller = subprocess.Popen(
        [sys.executable, "-c", CONTROLLER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert controller.stdout is not None
        port = int(controller.stdout.readline())
        transport = f"tcp-client:127.0.0.1:{port}"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "runsense",
                "simulate",
                "--transport",
                transport,
                "--sensor",
                "heart-rate",
                "--duration",
                "1",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        controller.terminate()
        controller.wait(timeout=10)
        if controller.stdout is not None:
            controller.stdout.close()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"advertising 'HR strap 1' at D0:52:53:00:00:01 (heart-rate) on {transport}"
    assert lines[1].startswith("waiting for a central to connect")
    assert "Traceback" not in result.stderr
