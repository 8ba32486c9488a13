"""Where recordings are looked for. Kept light (no numpy, matplotlib or FIT) for the command line's sake.

``runsense/cli.py`` imports the coach commands for every invocation, so what argument
parsing needs must not pull in the plotting and FIT stacks (about 0.7 s).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import platformdirs

from runsense.recording.format import FILE_SUFFIX

ENV_DATA_DIR: Final = "RUNSENSE_DATA_DIR"


def default_data_dir() -> Path:
    """Where runsense keeps recordings: ``$RUNSENSE_DATA_DIR``, else the platform's user data directory."""
    if env := os.environ.get(ENV_DATA_DIR):
        return Path(env)
    return platformdirs.user_data_path("runsense")


def find_recordings(root: Path) -> list[Path]:
    """Every ``.rsrec`` under ``root`` (subfolders too), in path order; a file root is itself."""
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob(f"*{FILE_SUFFIX}") if p.is_file())
