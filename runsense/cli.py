"""The ``runsense`` command: parse arguments, wire the pieces, print results. No analysis logic here.

User mistakes (bad files, bad options) end with one line on stderr and exit status 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from runsense import __version__
from runsense.analysis import ANALYSER_VERSION, Analyser
from runsense.analysis.summary import SessionSummary, summarise
from runsense.errors import ConfigError, RunsenseError
from runsense.importers.csv_import import import_csv
from runsense.inputs import SensorStream, csv_stream, is_recording, recording_streams
from runsense.model import Placement, Side, Step
from runsense.recording import RecordingReader, replace_steps
from runsense.steps_csv import format_step_table, write_steps_csv

EXIT_USAGE = 2


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


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def _add_sensor_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--placement", type=_placement, required=required,
                        help="where the sensor was worn: " + ", ".join(p.value for p in Placement))
    parser.add_argument("--side", type=_side, help="left or right, for a sensor on one leg")
    parser.add_argument("--rate-hz", type=_positive, help="sample rate, when the CSV has no t_s column")
    parser.add_argument("--speed-kmh", type=_positive, help="treadmill speed, for step length")


def build_parser() -> argparse.ArgumentParser:
    """All subcommands and their options (each has --help)."""
    parser = argparse.ArgumentParser(prog="runsense", description="Real-time running-form feedback from "
                                     "wearable sensors: cadence, impact, contact time.")
    parser.add_argument("--version", action="version", version=f"runsense {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyse = sub.add_parser("analyse", help="detect every step of a recording or CSV and summarise",
                             description="Run the step analyser over a recording (.rsrec) or an IMU CSV; "
                             "print the per-step table and a summary.")
    analyse.add_argument("input", type=Path, metavar="INPUT",
                         help="a .rsrec recording or a CSV (.csv, .csv.gz)")
    _add_sensor_options(analyse, required=False)
    analyse.add_argument("--steps-csv", type=Path, metavar="OUT.csv", help="write one row per step here")
    analyse.add_argument("--save", action="store_true",
                         help="store the steps in the recording, replacing older analysis output")
    analyse.add_argument("--summary-only", action="store_true", help="print only the summary, not every step")

    imp = sub.add_parser("import", help="turn an IMU CSV into a recording",
                         description="Import third-party IMU data (CSV with t_s or --rate-hz; ax/ay/az with "
                         "_g or _ms2; optional gx_dps..) into a recording, analysed and ready to replay.")
    imp.add_argument("input", type=Path, metavar="INPUT.csv")
    _add_sensor_options(imp, required=True)
    imp.add_argument("--runner", help="runner's name, stored in the recording")
    imp.add_argument("--out", type=Path, required=True, metavar="REC", help="recording to create (.rsrec)")
    return parser


def _analyse_stream(stream: SensorStream, speed_kmh: float | None) -> list[Step]:
    analyser = Analyser(placement=stream.placement, side=stream.side,
                        speed_mps=None if speed_kmh is None else speed_kmh / 3.6)
    steps: list[Step] = []
    for chunk in stream.chunks:
        steps += analyser.feed(chunk)
    steps += analyser.finish()
    return steps


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
        f"mean impact: {impact}" + (f" ({summary.clipped_steps} steps clipped by the sensor range)"
                                   if summary.clipped_steps else ""),
    ]
    return "\n".join(lines)


def _cmd_analyse(args: argparse.Namespace) -> None:
    path: Path = args.input
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
        replace_steps(path, all_steps, ANALYSER_VERSION)
        print(f"stored {len(all_steps)} steps in {path}")


def _cmd_import(args: argparse.Namespace) -> None:
    out = import_csv(args.input, placement=args.placement, side=args.side, rate_hz=args.rate_hz,
                     out_path=args.out, runner=args.runner, speed_kmh=args.speed_kmh)
    with RecordingReader(out) as reader:
        streams = recording_streams(reader, placement=None, side=None)
        steps = [st for s in streams for st in _analyse_stream(s, args.speed_kmh)]
    replace_steps(out, steps, ANALYSER_VERSION)
    print(f"imported {args.input} -> {out}: {len(steps)} steps")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``runsense`` console script."""
    args = build_parser().parse_args(argv)
    commands = {"analyse": _cmd_analyse, "import": _cmd_import}
    try:
        commands[args.command](args)
    except RunsenseError as exc:
        print(f"runsense: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # e.g. an output directory that does not exist, a full disk
        print(f"runsense: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0
