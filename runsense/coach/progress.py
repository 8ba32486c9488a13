"""A one-line progress bar on stderr, so a report on a long session does not look hung.

Analysing an hour of raw 500 Hz data takes several seconds, and so does plotting tens of
thousands of steps. The bar is drawn only on a terminal (never into a log file or a pipe,
where carriage returns are noise) and only for sessions long enough to be slow; it needs
no extra dependency.
"""

from __future__ import annotations

import sys
from typing import Final, TextIO

LONG_SESSION_S: Final = 300.0
"""Sessions shorter than this are done before a bar would be read."""
BAR_WIDTH: Final = 30


class Progress:
    """``start`` a phase, ``update`` it with the fraction done, ``finish`` to clear the line."""

    def __init__(self, stream: TextIO | None, *, min_duration_s: float = LONG_SESSION_S) -> None:
        """Draw on ``stream`` (None: never draw) for sessions of at least ``min_duration_s``."""
        self._stream = stream
        self._min_duration_s = min_duration_s
        self._active = False
        self._label = ""
        self._shown_pct = -1

    @classmethod
    def for_stderr(cls) -> Progress:
        """A bar on stderr when it is a terminal, else one that never draws."""
        return cls(sys.stderr if sys.stderr.isatty() else None)

    def start(self, label: str, session_duration_s: float) -> None:
        """Begin a phase (e.g. 'analysing') of a session of ``session_duration_s``."""
        self._active = self._stream is not None and session_duration_s >= self._min_duration_s
        self._label = label
        self._shown_pct = -1
        self.update(0.0)

    def update(self, fraction: float) -> None:
        """Redraw when the whole percentage changed (cheap to call per chunk)."""
        if not self._active or self._stream is None:
            return
        pct = int(100 * min(1.0, max(0.0, fraction)))
        if pct == self._shown_pct:
            return
        self._shown_pct = pct
        filled = BAR_WIDTH * pct // 100
        self._stream.write(f"\r{self._label:<10} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {pct:3d} %")
        self._stream.flush()

    def finish(self) -> None:
        """End the phase and leave the terminal on a fresh line."""
        if self._active and self._stream is not None:
            self.update(1.0)
            self._stream.write("\n")
            self._stream.flush()
        self._active = False
