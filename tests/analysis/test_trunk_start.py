"""A trunk sensor's first contact right after the data start: kept when the trough before it reads as
flight (|a| near 0 g: the runner was airborne), dropped when it does not (the runner may have been on
the ground before the data began, so the onset is unknown)."""

from __future__ import annotations

import numpy as np

from runsense.analysis import Analyser, AnalyserSettings
from runsense.model import FloatArray, Placement, Step
from tests.conftest import chunks_of

FS_HZ = 500.0


def _steps(acc_g: FloatArray) -> list[Step]:
    analyser = Analyser(placement=Placement.SACRUM)
    steps: list[Step] = []
    for chunk in chunks_of(acc_g, [50] * 200, fs_hz=FS_HZ):
        steps += analyser.feed(chunk)
    return steps + analyser.finish()


def test_the_demo_starts_in_flight_and_its_first_contact_is_kept(demo_acc_g: FloatArray) -> None:
    settings = AnalyserSettings()
    guard_n = int(settings.edge_guard_s * FS_HZ)
    head = np.linalg.norm(demo_acc_g[:guard_n], axis=1)
    assert head.min() < settings.trunk_flight_max_g  # the premise: airborne at the start
    first = _steps(demo_acc_g[: int(4 * FS_HZ)])[0]
    assert first.t_s < settings.edge_guard_s  # an onset inside the edge guard, kept


def test_a_start_trough_that_is_not_flight_is_dropped(demo_acc_g: FloatArray) -> None:
    settings = AnalyserSettings()
    acc = demo_acc_g[: int(4 * FS_HZ)].copy()
    guard_n = int(settings.edge_guard_s * FS_HZ)
    norm = np.linalg.norm(acc[:guard_n], axis=1, keepdims=True)
    floor_g = settings.trunk_flight_max_g + 0.2
    # lift the start's magnitude above the flight level, direction unchanged
    acc[:guard_n] *= np.maximum(norm, floor_g) / np.maximum(norm, 1e-9)
    steps = _steps(acc)
    assert steps, "the rest of the data still gives steps"
    assert steps[0].t_s >= settings.edge_guard_s
