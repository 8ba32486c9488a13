"""A bounded, append-only window of recent samples indexed by absolute sample number.

The detectors look back (to find a contact's onset) and ahead (to confirm a peak) a
fixed number of samples; this buffer keeps exactly that much history without
re-allocating on every chunk, so a 1-sample chunk costs about as little as it can.
"""

from __future__ import annotations

import numpy as np

from runsense.model import FloatArray


class SampleHistory:
    """Keeps the last ``keep_samples`` rows of a 2-D float stream, addressed by absolute index."""

    def __init__(self, *, n_columns: int, keep_samples: int) -> None:
        """Allocate room for twice the kept history, so compaction is rare."""
        self._keep = keep_samples
        self._data = np.zeros((max(2 * keep_samples, 64), n_columns))
        self._len = 0
        self.start_idx = 0  # absolute index of row 0

    @property
    def end_idx(self) -> int:
        """Absolute index one past the newest sample."""
        return self.start_idx + self._len

    def append(self, rows: FloatArray) -> None:
        """Append rows, dropping the oldest beyond the kept history."""
        n = rows.shape[0]
        if self._len + n > self._data.shape[0]:
            keep = min(self._len, self._keep)
            tail = self._data[self._len - keep : self._len]
            if keep + n > self._data.shape[0]:
                grown = np.zeros((2 * (keep + n), self._data.shape[1]))
                grown[:keep] = tail
                self._data = grown
            else:
                self._data[:keep] = tail.copy()
            self.start_idx += self._len - keep
            self._len = keep
        self._data[self._len : self._len + n] = rows
        self._len += n

    def view(self, first_idx: int, stop_idx: int) -> FloatArray:
        """Rows ``first_idx .. stop_idx-1`` (clipped to what is kept), without copying."""
        lo = max(first_idx, self.start_idx) - self.start_idx
        hi = min(stop_idx, self.end_idx) - self.start_idx
        return self._data[lo:max(lo, hi)]

    def value(self, idx: int, column: int) -> float:
        """One kept value, as a Python float: cheaper than a one-row ``view`` per contact."""
        return float(self._data[idx - self.start_idx, column])
