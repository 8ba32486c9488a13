"""``runsense scan`` and ``runsense run`` (real sensors or ``--simulate``): arguments in, a live run out.

``runsense/cli.py`` adds the commands with ``add_ble_commands(sub)`` and dispatches through
``BLE_COMMANDS``; ``python -m runsense.sources`` runs them on their own. bleak, Bumble
and Textual are imported inside the commands: this module is imported on every
``runsense`` call, and they would slow ``--help`` by half a second.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from runsense.cli_args import positive_float
from runsense.errors import ConfigError
from runsense.model import Placement, Side
from runsense.mqtt.cli import add_mqtt_options

if TYPE_CHECKING:
    from runsense.config import RunnerSettings
    from runsense.live.session import LiveSession
    from runsense.sources.discovery import ScanResult, SensorSpec
    from runsense.sources.run import RunOptions

ParserT = TypeVar("ParserT", bound=argparse.ArgumentParser)
SIDES = {"left": Side.LEFT, "l": Side.LEFT, "right": Side.RIGHT, "r": Side.RIGHT}


def parse_sensor(text: str) -> SensorSpec:
    """``ADDRESS_OR_NAME[=PLACEMENT[:SIDE]]``, e.g. ``C4:7C:8D:6A:12:34=foot:left`` or ``Polar H10 1A2B``."""
    from runsense.sources.discovery import SensorSpec  # noqa: PLC0415 - bleak only when used

    query, _, where = text.partition("=")
    if not query.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: give the sensor's address or advertised name first")
    placement_text, _, side_text = where.partition(":")
    placement = None
    if placement_text:
        try:
            placement = Placement(placement_text.lower())
        except ValueError:
            choices = ", ".join(p.value for p in Placement)
            raise argparse.ArgumentTypeError(
                f"{text!r}: unknown placement {placement_text!r}; use {choices}"
            ) from None
    side = None
    if side_text:
        if side_text.lower() not in SIDES:
            raise argparse.ArgumentTypeError(f"{text!r}: unknown side {side_text!r}; use left or right")
        side = SIDES[side_text.lower()]
    return SensorSpec(query.strip(), placement, side)


def add_ble_commands(sub: argparse._SubParsersAction[ParserT]) -> None:
    """Register ``scan`` and ``run`` (each with --help)."""
    scan = sub.add_parser(
        "scan",
        help="list nearby BLE sensors and the firmware profile runsense recognises",
        description="Scan for Bluetooth LE devices: name, address, signal strength (RSSI, dBm) and the "
        "profile runsense would use (from the advertised services and name).",
    )
    scan.add_argument("--timeout", type=positive_float, default=5.0, metavar="S", help="seconds to scan (5)")
    run = sub.add_parser(
        "run",
        help="live session with BLE sensors (or virtual ones: --simulate)",
        description="Connect one or more sensors at once, analyse live, show the dashboard (or --no-ui). "
        "Sensors reconnect by themselves after a drop; the gap is recorded. "
        "--simulate PROFILE[=RECORDING] streams a recording (default: the demo) from in-process virtual "
        "sensors through the same Bluetooth path.",
    )
    run.add_argument(
        "--sensor",
        action="append",
        type=parse_sensor,
        default=[],
        metavar="ADDRESS_OR_NAME[=PLACEMENT[:SIDE]]",
        help="a sensor to use, e.g. 'Polar H10 1A2B3C4D' or C4:7C:8D:6A:12:34=foot:left (repeat for more)",
    )
    run.add_argument(
        "--simulate",
        action="append",
        default=[],
        metavar="PROFILE[=RECORDING]",
        help="a virtual sensor of this profile streaming the recording (repeat for more); profiles: "
        "rsc-footpod, heart-rate, stryd-power, ftms-treadmill, polar-h10, polar-verity, movesense, "
        "metamotion, runsense-imu",
    )
    run.add_argument("--runner", help="runner's name (else from the settings)")
    run.add_argument("--speed-kmh", type=positive_float, help="treadmill speed, for step length")
    run.add_argument("--record", type=Path, metavar="DIR", help="record raw packets to a new file in DIR")
    run.add_argument("--no-ui", action="store_true", help="no dashboard: print steps, cues and link events")
    run.add_argument("--duration", type=positive_float, metavar="S", help="stop after S seconds")
    run.add_argument("--quiet-steps", action="store_true", help="with --no-ui: cues and events only")
    run.add_argument(
        "--scan-timeout", type=positive_float, default=10.0, metavar="S", help="seconds to find sensors"
    )
    add_mqtt_options(run)  # --mqtt URL (and TLS, QoS, buffer); --runner is already there


def format_scan(results: list[ScanResult], timeout_s: float) -> str:
    """The scan table, or one line saying nothing was found."""
    if not results:
        return (
            f"no Bluetooth LE devices found in {timeout_s:g} s; wake the sensor (many advertise only for a "
            "minute after power-on or movement) and scan again"
        )
    rows = [("NAME", "ADDRESS", "RSSI", "PROFILE")]
    for r in results:
        profile = ", ".join(r.profiles[:2]) if r.profiles else "not recognised"
        rows.append((r.name or "(no name)", r.address, f"{r.rssi} dBm", profile))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}" for row in rows
    )


def cmd_scan(args: argparse.Namespace) -> None:
    """Scan with the system's adapter and print the table."""
    from runsense.profiles import load_default_profiles  # noqa: PLC0415 - heavy imports only when used
    from runsense.sources.discovery import BleBackends, scan  # noqa: PLC0415

    profiles = load_default_profiles()
    results = asyncio.run(scan(timeout_s=args.timeout, backends=BleBackends(), profiles=profiles))
    print(format_scan(results, args.timeout))


def run_options(args: argparse.Namespace) -> RunOptions:
    """Runner settings, speed, recording and display choices from the command line."""
    from runsense.config import load_settings  # noqa: PLC0415
    from runsense.sources.run import RunOptions, runner_with_name  # noqa: PLC0415

    runner = runner_with_name(load_settings(), args.runner)
    if args.sensor and args.simulate:
        raise ConfigError("use --sensor (real sensors) or --simulate (virtual ones), not both in one run")
    if not args.sensor and not args.simulate:
        raise ConfigError(
            "give at least one --sensor ADDRESS_OR_NAME (see runsense scan) or --simulate PROFILE"
        )
    title = "simulated: " + ", ".join(args.simulate) if args.simulate else "live"
    return RunOptions(
        runner=runner,
        speed_kmh=args.speed_kmh,
        record_dir=args.record,
        no_ui=args.no_ui,
        duration_s=args.duration,
        quiet_steps=args.quiet_steps,
        title=title + (f" - {runner.name}" if runner.name else ""),
        source_label="simulate" if args.simulate else "ble",
    )


async def _run(args: argparse.Namespace, options: RunOptions, emit: list[str] | None) -> LiveSession:
    from runsense.clock import MonotonicClock  # noqa: PLC0415 - heavy imports only when used
    from runsense.live.fanout import Fanout  # noqa: PLC0415
    from runsense.mqtt.cli import mqtt_sink_from_args, run_with_sink  # noqa: PLC0415
    from runsense.profiles import load_default_profiles  # noqa: PLC0415
    from runsense.sources.ble import BleSource  # noqa: PLC0415
    from runsense.sources.run import run_live  # noqa: PLC0415

    say = print if emit is None else emit.append
    clock = MonotonicClock()
    sink = mqtt_sink_from_args(args)
    fanout = None
    if sink is not None:
        fanout = Fanout([sink], runner=options.runner.name or sink.runner, source=options.source_label)
    profiles = load_default_profiles()
    if not args.simulate:
        specs = with_runner(args.sensor, options.runner)
        source = BleSource(specs, clock=clock, profiles=profiles, scan_timeout_s=args.scan_timeout)
        return await run_with_sink(sink, run_live(source, options, emit=say, clock=clock, fanout=fanout))
    from runsense.simulate import VirtualRadio  # noqa: PLC0415 - Bumble only for --simulate
    from runsense.simulate.player import Player  # noqa: PLC0415
    from runsense.simulate.scenario import build_simulation, parse_simulate  # noqa: PLC0415

    async with VirtualRadio() as radio:
        simulation = build_simulation(radio, [parse_simulate(s) for s in args.simulate], profiles)
        await simulation.start()
        specs = with_runner(simulation.specs, options.runner)
        source = BleSource(specs, clock=clock, backends=simulation.backends, profiles=profiles)
        player = Player(radio, simulation.feeds, clock=clock)
        if options.speed_kmh is None and simulation.speed_kmh is not None:
            options = replace(options, speed_kmh=simulation.speed_kmh)  # the recording's treadmill speed
        return await run_with_sink(
            sink, run_live(source, options, emit=say, clock=clock, player=player, fanout=fanout)
        )


def with_runner(specs: list[SensorSpec], runner: RunnerSettings) -> list[SensorSpec]:
    """Give every sensor the runner's calibration; profiles without the setting ignore it."""
    if runner.speed_factor == 1.0:
        return specs
    return [replace(s, runner_settings={"speed_factor": runner.speed_factor}) for s in specs]


def cmd_run(args: argparse.Namespace) -> None:
    """Run a live session; with the dashboard, link events are printed once it closes."""
    from runsense.dashboard.summary_screen import summary_text  # noqa: PLC0415

    options = run_options(args)
    logging.getLogger("bumble").setLevel(logging.ERROR)  # in-flight packets at a drop are expected
    deferred: list[str] | None = None if options.no_ui else []
    session = asyncio.run(_run(args, options, deferred))
    for line in deferred or []:
        print(line)
    if options.no_ui:
        print(summary_text(session))
    else:
        print(f"{len(session.record.steps)} steps, {len(session.record.cues)} cues")


BLE_COMMANDS: Final[dict[str, Callable[[argparse.Namespace], None]]] = {"scan": cmd_scan, "run": cmd_run}
"""Command name -> handler, for ``runsense/cli.py``'s dispatch table."""
