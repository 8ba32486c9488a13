"""Errors of the profile layer: a bad profile file, and values an encoder cannot put on the wire.

``DecodeError`` (a packet a profile cannot decode) lives in ``runsense.errors`` because the
shell counts it for every sensor; these two only concern profile authors and encoders.
"""

from __future__ import annotations

from pathlib import Path

from runsense.errors import ConfigError, RunsenseError


class ProfileError(ConfigError):
    """A firmware profile file is invalid; the message names the file, the key path and the fix.

    Attributes:
        profile_path: The TOML file (or ``<string>`` for profiles built from text).
        key_path: Dotted path of the offending key, e.g. ``characteristics[0].fields[2].length``.
        fix: What to change, in one sentence.
    """

    def __init__(self, profile_path: Path | str, key_path: str, problem: str, fix: str) -> None:
        """Keep the parts separately so tools can point at the key."""
        where = f"{profile_path}: {key_path}" if key_path else f"{profile_path}"
        super().__init__(f"{where}: {problem}; {fix}")
        self.profile_path = str(profile_path)
        self.key_path = key_path
        self.problem = problem
        self.fix = fix


class EncodeError(RunsenseError, ValueError):
    """Values that a profile's packet format cannot carry (out of range, missing, unknown field).

    Raised by encoders, i.e. by our own virtual sensors and tests, never by the live decode path.
    """
