"""Typed errors: every user-facing failure is a RunsenseError with a message that says what to do.

The CLI turns these into one line on stderr and exit status 2; anything else is a
bug and is allowed to crash loudly.
"""

from __future__ import annotations


class RunsenseError(Exception):
    """Base of every error runsense raises on purpose."""


class InputFileError(RunsenseError, ValueError):
    """An input file (CSV, FIT...) cannot be used; the message names the row or column."""

    def __init__(self, path: str, message: str) -> None:
        """Keep the path so callers can report it."""
        super().__init__(f"{path}: {message}")
        self.path = path


class RecordingError(RunsenseError, ValueError):
    """A recording is corrupt, truncated, foreign or from a newer format version."""

    def __init__(self, path: str, message: str) -> None:
        """Keep the path so callers can report it."""
        super().__init__(f"{path}: {message}")
        self.path = path


class ConfigError(RunsenseError, ValueError):
    """A setting or command-line value is out of range; the message gives the fix."""


class DecodeError(RunsenseError, ValueError):
    """A packet its sensor's profile cannot decode; the shell counts and skips it visibly."""

    def __init__(self, sensor_id: str, message: str, payload: bytes) -> None:
        """Keep the sensor and the payload (hex) for the status line and the log."""
        super().__init__(f"sensor {sensor_id}: {message} (payload {payload[:16].hex()})")
        self.sensor_id = sensor_id
        self.payload_hex = payload.hex()
