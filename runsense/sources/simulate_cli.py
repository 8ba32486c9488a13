"""``runsense simulate --transport SPEC --sensor PROFILE[=RECORDING]``: virtual sensors over the air.

The serving itself is ``runsense.simulate.hardware``.
Bumble is imported inside the command (``--help`` stays fast). A transport that cannot be opened
is a ``TransportError``: one line, exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TypeVar

from runsense.cli_args import positive_float
from runsense.errors import ConfigError

ParserT = TypeVar("ParserT", bound=argparse.ArgumentParser)
PROFILE_NAMES = (
    "rsc-footpod, heart-rate, stryd-power, ftms-treadmill, polar-h10, polar-verity, movesense, "
    "metamotion, runsense-imu"
)


def add_simulate_command(sub: argparse._SubParsersAction[ParserT]) -> None:
    """Register ``simulate`` (with --help)."""
    simulate = sub.add_parser(
        "simulate",
        help="serve virtual sensors over a real Bluetooth controller (USB dongle, serial HCI board...)",
        description="Serve the virtual sensors of 'run --simulate' on a real Bluetooth controller through "
        "a Bumble transport, so a laptop's own adapter (BlueZ, runsense scan/run) connects to them over "
        "the air. One sensor per transport: give one --transport per sensor, in the same order. Streaming "
        "starts when a central connects; runs until Ctrl-C or --duration. A USB dongle must not be held by "
        "the kernel's btusb driver (see docs/ble-testing.md, 'With hardware').",
    )
    simulate.add_argument(
        "--transport",
        action="append",
        default=[],
        metavar="SPEC",
        help="a Bumble transport: usb:0, usb:2fe3:000b, serial:/dev/ttyACM0,1000000, tcp-client:HOST:PORT, "
        "vhci, ... (repeat for more sensors)",
    )
    simulate.add_argument(
        "--sensor",
        action="append",
        default=[],
        metavar="PROFILE[=RECORDING]",
        help=f"a virtual sensor streaming the recording (default: the demo); profiles: {PROFILE_NAMES}",
    )
    simulate.add_argument("--duration", type=positive_float, metavar="S", help="stop after S seconds")


def cmd_simulate(args: argparse.Namespace) -> None:
    """Open the transports, advertise, stream, until Ctrl-C or ``--duration``."""
    from runsense.profiles import load_default_profiles  # noqa: PLC0415 - Bumble only when used
    from runsense.simulate.hardware import HciRadio, serve  # noqa: PLC0415
    from runsense.simulate.scenario import build_simulation, parse_simulate  # noqa: PLC0415

    if not args.transport:
        raise ConfigError("give a --transport SPEC (e.g. usb:0) for the controller to serve the sensors on")
    if not args.sensor:
        raise ConfigError(f"give at least one --sensor PROFILE[=RECORDING]; profiles: {PROFILE_NAMES}")
    logging.getLogger("bumble").setLevel(logging.ERROR)  # in-flight packets at a disconnect are expected
    radio = HciRadio(args.transport)
    simulation = build_simulation(radio, [parse_simulate(s) for s in args.sensor], load_default_profiles())
    try:
        asyncio.run(serve(radio, simulation, emit=print, duration_s=args.duration))
    except KeyboardInterrupt:  # Ctrl-C is how a simulation normally ends; serve() has cleaned up
        sys.stdout.write("stopped\n")
