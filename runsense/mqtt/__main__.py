"""``python -m runsense.mqtt log ...``: the logger on its own (what ``runsense log`` runs)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from runsense.errors import RunsenseError
from runsense.mqtt.cli import add_log_command, cmd_log


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run, and turn user mistakes into one line and exit status 2."""
    parser = argparse.ArgumentParser(prog="python -m runsense.mqtt")
    add_log_command(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        cmd_log(args)
    except RunsenseError as exc:
        sys.stderr.write(f"runsense: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
