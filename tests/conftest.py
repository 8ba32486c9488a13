"""Shared fixtures: the bundled demo recording and where the force-plate data lives."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from runsense.model import FloatArray, SampleChunk
from runsense.recording import RecordingReader, iter_sample_chunks

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "recordings" / "demo.rsrec"
SHARED_DATA = Path(os.environ.get("RUNSENSE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def demo_acc_g() -> FloatArray:
    """All samples of the demo recording's sacrum sensor, (n, 2) in g at 500 Hz."""
    with RecordingReader(DEMO) as reader:
        chunks = list(iter_sample_chunks(reader, "sacrum"))
    return np.concatenate([c.acc_g for c in chunks])


def chunks_of(
    acc_g: FloatArray, sizes: list[int], *, fs_hz: float = 500.0, t0_s: float = 0.0
) -> list[SampleChunk]:
    """Split samples into consecutive chunks of the given sizes (the rest goes in a last chunk)."""
    out, start = [], 0
    for size in [*sizes, acc_g.shape[0]]:
        stop = min(acc_g.shape[0], start + size)
        if stop > start:
            out.append(SampleChunk("imu", t0_s + start / fs_hz, fs_hz, acc_g[start:stop]))
        start = stop
    return out


def load_benchmark_script(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import ``benchmarks/<name>.py`` by path; dataclasses need it in sys.modules while it loads."""
    spec = importlib.util.spec_from_file_location(
        f"runsense_{name}_benchmark", REPO / "benchmarks" / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module
