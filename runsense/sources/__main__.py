"""``python -m runsense.sources scan|run ...``: the BLE commands on their own, apart from ``runsense``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from runsense.errors import RunsenseError
from runsense.sources.cli import BLE_COMMANDS, add_ble_commands

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run, and turn a ``RunsenseError`` into one line and exit status 2."""
    parser = argparse.ArgumentParser(prog="python -m runsense.sources")
    add_ble_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        BLE_COMMANDS[args.command](args)
    except RunsenseError as exc:
        sys.stderr.write(f"runsense: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
