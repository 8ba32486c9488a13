"""The ``runsense`` command: parse arguments, wire the pieces, print results. No analysis logic here.

User mistakes (bad files, bad options) end with one line on stderr and exit status 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import NoReturn

from runsense import __version__
from runsense.analysis import ANALYSER_VERSION, analyse_chunks
from runsense.analysis.cues import cues_for_steps
from runsense.analysis.summary import SessionSummary, summarise
from runsense.cli_args import positive_float
from runsense.clock import MonotonicClock
from runsense.coach.cli import COACH_COMMANDS, add_coach_commands
from runsense.config import RunnerSettings, config_path, load_settings, save_settings, with_value
from runsense.dashboard.summary_screen import summary_text
from runsense.errors import ConfigError, InputFileError, RunsenseError
from runsense.fit import add_export_command, cmd_export, import_fit_file, is_fit_file
from runsense.importers.csv_import import import_csv
from runsense.inputs import SensorStream, csv_stream, is_recording, recording_streams
from runsense.live.build import cue_settings_for, open_replay, session_factory
from runsense.live.fanout import Fanout
from runsense.live.headless import run_headless
from runsense.model import Placement, Side, Step
from runsense.mqtt.cli import add_log_command, add_mqtt_options, cmd_log, mqtt_sink_from_args, run_with_sink
from runsense.recording import RecordingReader, replace_steps
from runsense.recording.events import cue_event
from runsense.sources.cli import BLE_COMMANDS, add_ble_commands
from runsense.sources.simulate_cli import add_simulate_command, cmd_simulate
from runsense.steps_csv import format_step_table, write_steps_csv

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr, like every other user mistake."""

    def error(self, message: str) -> NoReturn:
        """Print ``runsense: error: ...`` with a pointer to --help, and exit with status 2."""
        self.exit(EXIT_USAGE, f"runsense: error: {message} (see {self.prog} --help)\n")


def _placement(text: str) -> Placement:
    try:
        return Placement(text)
    except ValueError:
        choices = ", ".join(p.value for p in Placement)
        raise argparse.ArgumentTypeError(f"unknown placement {text!r}; choose one of {choices}") from None


def _side(text: str) -> Side:
    words = {"left": Side.LEFT, "l": Side.LEFT, "right": Side.RIGHT, "r": Side.RIGHT}
    if text.lower() not in words:
        raise argparse.ArgumentTypeError(f"unknown side {text!r}; use left or right")
    return words[text.lower()]




def _add_sensor_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--placement",
        type=_placement,
        required=required,
        help="where the sensor was worn: " + ", ".join(p.value for p in Placement),
    )
    parser.add_argument("--side", type=_side, help="left or right, for a sensor on one leg")
    parser.add_argument("--rate-hz", type=positive_float, help="sample rate, when the CSV has no t_s column")
    parser.add_argument("--speed-kmh", type=positive_float, help="treadmill speed, for step length")


def build_parser() -> argparse.ArgumentParser:
    """All subcommands and their options (each has --help)."""
    parser = _Parser(
        prog="runsense",
        description="Real-time running-form feedback from wearable sensors: cadence, impact, contact time.",
    )
    parser.add_argument("--version", action="version", version=f"runsense {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyse = sub.add_parser(
        "analyse",
        help="detect every step of a recording or CSV and summarise",
        description="Run the step analyser over a recording (.rsrec) or an IMU CSV; "
        "print the per-step table and a summary.",
    )
    analyse.add_argument(
        "input", type=Path, metavar="INPUT", help="a .rsrec recording or a CSV (.csv, .csv.gz)"
    )
    _add_sensor_options(analyse, required=False)
    analyse.add_argument("--steps-csv", type=Path, metavar="OUT.csv", help="write one row per step here")
    analyse.add_argument(
        "--save",
        action="store_true",
        help="store the steps in the recording, replacing older analysis output",
    )
    analyse.add_argument("--summary-only", action="store_true", help="print only the summary, not every step")

    imp = sub.add_parser(
        "import",
        help="turn an IMU CSV or a FIT activity into a recording",
        description="Import third-party IMU data (CSV with t_s or --rate-hz; ax/ay/az with "
        "_g or _ms2; optional gx_dps..) into a recording, analysed and ready to replay.",
    )
    imp.add_argument("input", type=Path, metavar="INPUT.csv|ACTIVITY.fit")
    _add_sensor_options(imp, required=False)
    imp.add_argument("--runner", help="runner's name, stored in the recording")
    imp.add_argument(
        "--out", type=Path, metavar="REC", help="recording to create (.rsrec); for a .fit default: next to it"
    )
    _add_session_commands(sub)
    add_export_command(sub)
    add_coach_commands(sub)
    add_ble_commands(sub)
    add_simulate_command(sub)
    add_log_command(sub)
    return parser


DEMO_RECORDING = Path(__file__).resolve().parent.parent / "recordings" / "demo.rsrec"


def _replay_speed(text: str) -> float:
    if text == "max":
        return math.inf
    value = positive_float(text)
    if not 0.5 <= value <= 20:
        raise argparse.ArgumentTypeError(f"{text!r}: replay speed must be 0.5 to 20, or max")
    return value


def _band(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give the band as LOW-HIGH, e.g. 170-180") from None
    return lo, hi


def _add_session_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-ui", action="store_true", help="no dashboard: print steps, cues and a summary")
    parser.add_argument(
        "--speed-kmh", type=positive_float, help="treadmill speed (else from the recording or config)"
    )
    parser.add_argument(
        "--target-mode",
        choices=("band", "personal"),
        help="fixed band, or +N %% over the preferred cadence measured at the start",
    )
    parser.add_argument("--band", type=_band, metavar="LOW-HIGH", help="target band in spm (default 170-180)")
    parser.add_argument("--preferred-spm", type=positive_float, help="preferred cadence, if already known")
    parser.add_argument(
        "--quiet-steps", action="store_true", help="with --no-ui: print cues and the summary only"
    )
    add_mqtt_options(parser)  # --mqtt URL --runner NAME, TLS, QoS, buffer


def _add_session_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    demo = sub.add_parser(
        "demo",
        help="the bundled recording, played in real time into the dashboard",
        description="Play recordings/demo.rsrec through the live pipeline: no hardware needed.",
    )
    demo.add_argument("--speed", type=_replay_speed, default=1.0, help="replay speed 0.5-20, or max")
    _add_session_options(demo)
    replay = sub.add_parser(
        "replay",
        help="replay a recording through the analyser and the dashboard",
        description="Re-run decoding and analysis of a recording from its raw packets. Keys: "
        "space pause, left/right seek 10 s, n next cue, [ ] speed, q quit.",
    )
    replay.add_argument("recording", type=Path, metavar="REC")
    replay.add_argument("--speed", type=_replay_speed, default=1.0, help="replay speed 0.5-20, or max")
    _add_session_options(replay)
    config = sub.add_parser(
        "config",
        help="show or change the runner settings",
        description="Runner settings (name, height, shoes, target) live in a TOML file; "
        "the command line overrides them.",
    )
    config.add_argument("action", nargs="?", choices=("show", "set", "path"), default="show")
    config.add_argument("key", nargs="?")
    config.add_argument("value", nargs="?")


def _runner_settings(args: argparse.Namespace) -> RunnerSettings:
    settings = load_settings()
    changes: dict[str, object] = {}
    if args.target_mode:
        changes["target_mode"] = args.target_mode
    if args.band:
        changes["band_low_spm"], changes["band_high_spm"] = args.band
    if args.preferred_spm:
        changes["preferred_cadence_spm"] = args.preferred_spm
    return replace(settings, **changes) if changes else settings  # type: ignore[arg-type]


def _cmd_session(args: argparse.Namespace) -> None:
    path: Path = DEMO_RECORDING if args.command == "demo" else args.recording
    if args.command == "demo" and not path.exists():
        raise InputFileError(str(path), "the demo recording is missing; run from a runsense checkout")
    runner = _runner_settings(args)
    sink = mqtt_sink_from_args(args)  # option mistakes fail before anything opens
    with RecordingReader(path) as reader:
        replay = open_replay(reader, clock=MonotonicClock(), speed=args.speed)
        speed_kmh = args.speed_kmh or replay.speed_kmh or runner.speed_kmh
        make = session_factory(replay.sensors, speed_kmh=speed_kmh, cue_settings=cue_settings_for(runner))
        fanout = None
        if sink is not None:
            runner_name = getattr(args, "runner", None) or runner.name or sink.runner
            fanout = Fanout([sink], runner=runner_name, source=path.name, metadata=dict(reader.metadata))
        if args.no_ui:
            headless = run_headless(
                replay.source, make, emit=print, quiet_steps=args.quiet_steps, fanout=fanout
            )
            session = asyncio.run(run_with_sink(sink, headless))
            print(summary_text(session))
            if sink is not None:
                print(sink.status.line())
            measured = session.cues.preferred_cadence_spm
            if measured is not None and runner.preferred_cadence_spm is None:
                print(
                    f"Preferred cadence measured: {measured:.0f} spm "
                    f"(keep it: runsense config set preferred_cadence_spm {measured:.0f})"
                )
            return
        from runsense.dashboard.app import RunsenseApp  # noqa: PLC0415 - Textual only when a screen is wanted

        app = RunsenseApp(
            make_session=make,
            source=replay.source,
            duration_s=replay.duration_s,
            title=f"{path.name}" + (f" - {runner.name}" if runner.name else ""),
            save_preferred=None if runner.preferred_cadence_spm is not None else _save_preferred,
            fanout=fanout,
            link_status=None if sink is None else lambda: sink.status.line(),  # noqa: PLW0108 - status is a fresh snapshot each call
        )
        record = app.run() if sink is None else asyncio.run(run_with_sink(sink, app.run_async()))
    if record is not None:
        print(f"{len(record.steps)} steps, {len(record.cues)} cues")


def _save_preferred(cadence_spm: float) -> str:
    """Store a measured preferred cadence in the runner settings (from the summary screen)."""
    path = config_path()
    save_settings(replace(load_settings(path), preferred_cadence_spm=cadence_spm), path)
    return f"Saved: preferred cadence {cadence_spm:.0f} spm in {path}"


def _cmd_config(args: argparse.Namespace) -> None:
    path = config_path()
    if args.action == "path":
        print(path)
        return
    settings = load_settings(path)
    if args.action == "set":
        if not args.key or args.value is None:
            raise ConfigError(
                "usage: runsense config set KEY VALUE (e.g. runsense config set shoes 'Pegasus 40')"
            )
        settings = with_value(settings, args.key, args.value, path)
        save_settings(settings, path)
    print(f"# {path}")
    for key, value in asdict(settings).items():
        print(f"{key} = {'' if value is None else value}")


def _analyse_stream(stream: SensorStream, speed_kmh: float | None) -> list[Step]:
    speed_mps = None if speed_kmh is None else speed_kmh / 3.6
    table = analyse_chunks(stream.chunks, placement=stream.placement, side=stream.side, speed_mps=speed_mps)
    return table.steps()


def _format_summary(summary: SessionSummary) -> str:
    lo, hi = summary.band_spm
    cadence = "-" if summary.mean_cadence_spm is None else f"{summary.mean_cadence_spm:.1f} spm"
    impact = "-" if summary.mean_impact_g is None else f"{summary.mean_impact_g:.2f} g above 1 g"
    fraction = summary.in_band_fraction
    share = "" if fraction is None else f" ({100 * fraction:.0f} % of the time with a cadence)"
    lines = [
        f"steps: {summary.n_steps} over {summary.duration_s:.1f} s",
        f"mean cadence: {cadence}",
        f"time in {lo:.0f}-{hi:.0f} spm: {summary.time_in_band_s:.1f} s{share}",
        f"mean impact: {impact}"
        + (f" ({summary.clipped_steps} steps clipped by the sensor range)" if summary.clipped_steps else ""),
        "mean contact time: "
        + (
            "- (estimated from a shank sensor while running)"
            if summary.mean_contact_ms is None
            else f"{summary.mean_contact_ms:.0f} ms ({summary.contact_steps} of {summary.n_steps} steps)"
        ),
    ]
    return "\n".join(lines)


def _check_steps_csv_target(out: Path | None) -> None:
    """Refuse an unusable --steps-csv before the analysis, not after it."""
    if out is None:
        return
    if out.is_dir():
        raise ConfigError(f"--steps-csv {out} is a directory; give a file name such as {out / 'steps.csv'}")
    if not out.parent.is_dir():
        raise ConfigError(f"--steps-csv {out}: the directory {out.parent} does not exist; create it first")


def _cmd_analyse(args: argparse.Namespace) -> None:
    path: Path = args.input
    _check_steps_csv_target(args.steps_csv)
    if is_recording(path):
        with RecordingReader(path) as reader:
            speed = args.speed_kmh
            stored_speed = reader.metadata.get("speed_kmh")
            if speed is None and isinstance(stored_speed, int | float):
                speed = float(stored_speed)
            streams = recording_streams(reader, placement=args.placement, side=args.side)
            results = [(s, _analyse_stream(s, speed)) for s in streams]
    else:
        if args.save:
            raise ConfigError("--save stores steps in a recording; import the CSV first (runsense import)")
        stream = csv_stream(path, placement=args.placement, side=args.side, rate_hz=args.rate_hz)
        results = [(stream, _analyse_stream(stream, args.speed_kmh))]
    all_steps = sorted((st for _, steps in results for st in steps), key=lambda st: st.t_s)
    for stream, steps in results:
        side = f", {stream.side.value}" if stream.side else ""
        print(f"== sensor {stream.sensor_id} ({stream.placement.value}{side}): {len(steps)} steps")
        if not args.summary_only:
            print(format_step_table(steps))
        print(_format_summary(summarise(steps)))
    if args.steps_csv is not None:
        write_steps_csv(args.steps_csv, all_steps)
        print(f"wrote {len(all_steps)} steps to {args.steps_csv}")
    if args.save:
        speed_mps = None if speed is None else speed / 3.6
        cues = cues_for_steps(all_steps, settings=cue_settings_for(load_settings()), speed_mps=speed_mps)
        replace_steps(path, all_steps, ANALYSER_VERSION, events=[cue_event(c) for c in cues])
        print(f"stored {len(all_steps)} steps in {path}")
        print(f"stored {len(cues)} cues (target and speed from the runner settings and the recording)")


def _cmd_import(args: argparse.Namespace) -> None:
    if args.input.suffix.lower() == ".fit" or is_fit_file(args.input):
        fit_out = import_fit_file(args.input, args.out, runner=args.runner)
        print(f"imported {args.input} -> {fit_out}: FIT activity (1 Hz device metrics, no steps)")
        return
    if args.placement is None:
        raise ConfigError("a CSV import needs --placement (where the sensor was worn; see --help)")
    if args.out is None:
        raise ConfigError("a CSV import needs --out REC.rsrec (the recording to create)")
    out = import_csv(
        args.input,
        placement=args.placement,
        side=args.side,
        rate_hz=args.rate_hz,
        out_path=args.out,
        runner=args.runner,
        speed_kmh=args.speed_kmh,
    )
    with RecordingReader(out) as reader:
        streams = recording_streams(reader, placement=None, side=None)
        steps = [st for s in streams for st in _analyse_stream(s, args.speed_kmh)]
    replace_steps(out, steps, ANALYSER_VERSION)
    print(f"imported {args.input} -> {out}: {len(steps)} steps")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``runsense`` console script."""
    args = build_parser().parse_args(argv)
    commands = {
        "analyse": _cmd_analyse,
        "import": _cmd_import,
        "demo": _cmd_session,
        "replay": _cmd_session,
        "config": _cmd_config,
        "export": cmd_export,
        **COACH_COMMANDS,
        **BLE_COMMANDS,
        "simulate": cmd_simulate,
        "log": cmd_log,
    }
    try:
        commands[args.command](args)
    except RunsenseError as exc:
        print(f"runsense: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `runsense analyse ... | head`: the reader left, nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:  # e.g. an output directory that does not exist, a full disk
        print(f"runsense: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0
