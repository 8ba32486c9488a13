"""The numpy sliding maximum equals scipy's maximum_filter1d (mode nearest) exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.ndimage import maximum_filter1d

from runsense.analysis.window import is_window_max, sliding_max


@given(
    x=arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e6, 1e6, allow_nan=False)),
    half=st.integers(0, 80),
)
def test_equals_scipy_maximum_filter1d(x: np.ndarray, half: int) -> None:
    size = 2 * half + 1
    assert np.array_equal(sliding_max(x, size), maximum_filter1d(x, size=size, mode="nearest"))


@pytest.mark.parametrize("size", [0, 2, -3])
def test_rejects_even_or_non_positive_sizes(size: int) -> None:
    with pytest.raises(ValueError, match="odd"):
        sliding_max(np.zeros(5), size)


@given(
    x=arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e6, 1e6, allow_nan=False)),
    half=st.integers(0, 80),
    data=st.data(),
)
def test_window_max_at_some_points(x: np.ndarray, half: int, data: st.DataObject) -> None:
    """Every way of checking candidates (a few: own windows; sparse: gathered windows; dense: sliding max)
    matches scipy exactly."""
    size = 2 * half + 1
    idx = np.array(data.draw(st.lists(st.integers(0, x.size - 1), min_size=1, max_size=200)), dtype=np.intp)
    expected = x[idx] >= maximum_filter1d(x, size=size, mode="nearest")[idx]
    assert np.array_equal(is_window_max(x, idx, size), expected)
