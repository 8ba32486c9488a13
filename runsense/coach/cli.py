"""The coach commands: ``runsense sessions``, ``runsense report`` and ``runsense compare``.

``runsense/cli.py`` adds them to its parser with ``add_coach_commands(sub)`` and dispatches
through ``COACH_COMMANDS``; its ``main`` turns ``RunsenseError`` into one line and exit
status 2. ``main`` here does the same on its own (``python -m runsense.coach``), so the
commands work and are tested before and independently of that wiring.

The computing modules are imported inside the commands: ``runsense.cli`` imports this module
on every run, and matplotlib plus the FIT decoders would add about 0.7 s to ``runsense --help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, NoReturn, TypeVar

from runsense.coach.paths import ENV_DATA_DIR, default_data_dir, find_recordings
from runsense.coach.progress import Progress
from runsense.config import load_settings
from runsense.errors import ConfigError, RunsenseError

EXIT_USAGE: Final = 2
ParserT = TypeVar("ParserT", bound=argparse.ArgumentParser)


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def add_coach_commands(sub: argparse._SubParsersAction[ParserT]) -> None:
    """Register ``sessions``, ``report`` and ``compare`` (each with --help) on a subparsers action."""
    sessions = sub.add_parser(
        "sessions",
        help="list recordings: date, runner, duration, distance, cadence, time in band, cues",
        description="One line per recording (.rsrec) in DIR and its subfolders. Unreadable files get a "
        "line saying why. Recordings without stored steps are analysed on the fly (nothing is written).",
    )
    sessions.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIR",
        help=f"folder of recordings (default: ${ENV_DATA_DIR}, else the runsense user data directory)",
    )
    sessions.add_argument(
        "--load",
        action="store_true",
        help="also show training load: weekly distance per runner (10 %% rule) and shoe mileage (480 km)",
    )
    report = sub.add_parser(
        "report",
        help="write a self-contained HTML report of one session",
        description="Write REC-report.html: plots (cadence with target band and cues, impact, left/right, "
        "step length against speed, contact time), summary numbers, advice and training load.",
    )
    report.add_argument("recording", type=Path, metavar="REC", help="a .rsrec recording")
    report.add_argument(
        "--out", type=Path, default=Path(), metavar="DIR", help="folder for the report (default: here)"
    )
    compare = sub.add_parser(
        "compare",
        help="before/after retraining: two sessions side by side",
        description="Write REC_A-vs-REC_B.html: the same plots for both sessions on shared axes and a "
        "table of differences (cadence, time in band, impact, step length, cues).",
    )
    compare.add_argument("before", type=Path, metavar="REC_A", help="the earlier session (before)")
    compare.add_argument("after", type=Path, metavar="REC_B", help="the later session (after)")
    compare.add_argument(
        "--out", type=Path, default=Path(), metavar="DIR", help="folder for the page (default: here)"
    )


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder (it is created when missing)")


def cmd_sessions(args: argparse.Namespace) -> None:
    """List the recordings of a folder, and with ``--load`` the training load."""
    explicit = args.directory is not None
    root: Path = args.directory if explicit else default_data_dir()
    if not root.exists():
        if explicit:
            raise ConfigError(f"{root} does not exist; give a folder of recordings (.rsrec)")
        _out(f"no recordings yet: {root} does not exist (give a folder of recordings as DIR)")
        return
    paths = find_recordings(root)
    if not paths:
        _out(f"no recordings (*.rsrec) in {root}")
        return
    from runsense.coach.listing import SessionLine, format_load, format_sessions, list_sessions  # noqa: PLC0415

    settings = load_settings()
    rows = list_sessions(paths, settings)
    for line in format_sessions(rows, root, (settings.band_low_spm, settings.band_high_spm)):
        _out(line)
    if args.load:
        _out()
        for line in format_load([r for r in rows if isinstance(r, SessionLine)]):
            _out(line)


def cmd_report(args: argparse.Namespace) -> None:
    """Write the HTML report of one recording and say where it is."""
    from runsense.coach.report import write_report  # noqa: PLC0415 -- see the module docstring

    _check_out_dir(args.out)
    out = write_report(args.recording, args.out, load_settings(), Progress.for_stderr())
    _out(f"wrote {out}")


def cmd_compare(args: argparse.Namespace) -> None:
    """Write the before/after page of two recordings and say where it is."""
    from runsense.coach.report import write_compare  # noqa: PLC0415 -- see the module docstring

    _check_out_dir(args.out)
    out = write_compare(args.before, args.after, args.out, load_settings(), Progress.for_stderr())
    _out(f"wrote {out}")


COACH_COMMANDS: Final[dict[str, Callable[[argparse.Namespace], None]]] = {
    "sessions": cmd_sessions,
    "report": cmd_report,
    "compare": cmd_compare,
}


class _Parser(argparse.ArgumentParser):
    """A usage mistake is one line on stderr, as in ``runsense.cli``."""

    def error(self, message: str) -> NoReturn:
        """Print ``runsense: error: ...`` with a pointer to --help, and exit with status 2."""
        self.exit(EXIT_USAGE, f"runsense: error: {message} (see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one coach command standalone; user mistakes are one line on stderr and exit status 2."""
    parser = _Parser(prog="runsense", description="runsense coach tools: sessions, reports, comparisons.")
    add_coach_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        COACH_COMMANDS[args.command](args)
    except RunsenseError as exc:
        sys.stderr.write(f"runsense: error: {exc}\n")
        return EXIT_USAGE
    except OSError as exc:
        sys.stderr.write(f"runsense: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ") + "\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0
