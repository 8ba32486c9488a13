"""Centred sliding maximum in O(n) with numpy alone (van Herk / Gil-Werman), and its test at a few points.

Equivalent to ``scipy.ndimage.maximum_filter1d(x, size, mode="nearest")`` (a test checks it),
without importing scipy on the live path: scipy.ndimage alone took 0.3 s to import here.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from runsense.model import FloatArray

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
_FEW_POINTS = 8
"""Up to this many points, ``is_window_max`` slices each one's window instead of a sliding max."""
_GATHER_FACTOR = 4
"""Beyond this many window samples per sample of ``x``, one sliding max is cheaper than gathering windows."""


def sliding_max(x: FloatArray, size: int) -> FloatArray:
    """Max of ``x`` over a centred window of odd ``size``; edges repeat the end values."""
    if size < 1 or size % 2 == 0:
        raise ValueError(f"size must be a positive odd number, got {size}")
    n = x.size
    if n == 0 or size == 1:
        return x.copy()
    half = size // 2
    padded = np.concatenate((np.full(half, x[0]), x, np.full(half, x[-1])))
    n_blocks = -(-padded.size // size)
    flat = np.full(n_blocks * size, -np.inf)
    flat[: padded.size] = padded
    blocks = flat.reshape(n_blocks, size)
    prefix = np.maximum.accumulate(blocks, axis=1).ravel()
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    # window [i, i + size - 1] of ``padded`` spans at most two blocks
    return np.maximum(suffix[:n], prefix[size - 1 : size - 1 + n])


def is_window_max(x: FloatArray, idx: IntArray, size: int) -> BoolArray:
    """``x[idx] >= sliding_max(x, size)[idx]``: which of the points ``idx`` are their window's max.

    A live chunk has one or two points, where slicing their own windows is cheapest; a whole
    recording has thousands of peaks, a few percent of its samples, whose windows are gathered in
    one go; only points dense enough that their windows overlap many times over get one sliding
    maximum. The max over a window clipped to ``x`` (or padded with -inf) equals the max over
    ``sliding_max``'s edge-repeated padding, so every way agrees exactly.
    """
    half = size // 2
    if idx.size > _FEW_POINTS and idx.size * size > _GATHER_FACTOR * x.size:
        return x[idx] >= sliding_max(x, size)[idx]
    if idx.size > _FEW_POINTS:  # sparse points (a whole recording's peaks): gather only their windows
        padded = np.concatenate((np.full(half, -np.inf), x, np.full(half, -np.inf)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, size)[idx]
        in_window: BoolArray = x[idx] >= windows.max(axis=1)
        return in_window
    return np.array([x[i] >= x[max(0, i - half) : i + half + 1].max() for i in idx.tolist()], dtype=bool)
