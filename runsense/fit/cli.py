"""The ``export`` subcommand, kept here so runsense/cli.py only wires it in (two lines).

``runsense import X.fit`` is routed to ``runsense.fit.import_fit_file`` by runsense/cli.py
(``is_fit_file``); only ``export`` needs its own parser.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeVar

from runsense.cli_args import positive_float
from runsense.fit.export import export_recording, per_second_path

ParserT = TypeVar("ParserT", bound=argparse.ArgumentParser)


def add_export_command(sub: argparse._SubParsersAction[ParserT]) -> ParserT:
    """Register ``runsense export REC [--fit OUT.fit] [--csv OUT.csv] [--speed-kmh V]``."""
    export = sub.add_parser(
        "export",
        help="write a recording as a FIT activity and/or CSV tables",
        description="Export a recording for Garmin Connect, Strava, GoldenCheetah or intervals.icu: "
        "--fit writes an activity FIT file (1 s records, cadence in FIT's strides/min, runsense values as "
        "developer fields); --csv writes OUT.csv (one row per step) and OUT.per_second.csv. Existing "
        "output files are replaced. Layout: docs/fit.md.",
    )
    export.add_argument("recording", type=Path, metavar="REC", help="a .rsrec recording")
    export.add_argument("--fit", type=Path, metavar="OUT.fit", help="activity FIT file to write")
    export.add_argument(
        "--csv", type=Path, metavar="OUT.csv", help="per-step table; the per-second one goes next to it"
    )
    export.add_argument(
        "--speed-kmh",
        type=positive_float,
        metavar="V",
        help="treadmill speed, if the recording does not store it",
    )
    return export


def cmd_export(args: argparse.Namespace) -> None:
    """Run the export and say in one line what was written."""
    result = export_recording(args.recording, fit_out=args.fit, csv_out=args.csv, speed_kmh=args.speed_kmh)
    source = "steps analysed now" if result.analysed_now else "stored steps"
    what = [f"{result.n_seconds} records", f"{result.n_steps} {source}", f"{result.n_cues} cues"]
    if args.fit is not None:
        print(f"exported {args.recording} -> {args.fit}: {', '.join(what)}")
    if args.csv is not None:
        print(
            f"wrote {result.n_steps} steps to {args.csv} and {result.n_seconds} seconds to "
            f"{per_second_path(args.csv)}"
        )
