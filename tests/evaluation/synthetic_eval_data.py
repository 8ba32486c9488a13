"""Small synthetic data sets in the shared-data layout, so loaders and the benchmark run without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from runsense.evaluation.datasets import SACRUM_DATASET, SHANK_DATASET


def write_dataset(root: Path, dataset: str, *, fs_hz: float, step_s: float, n_axes: int) -> Path:
    """One 6 s running trial: 1 g baseline with a 3 g spike 20 ms after each labelled contact."""
    folder = root / dataset
    folder.mkdir(parents=True)
    t_s = np.arange(int(6.0 * fs_hz)) / fs_hz
    acc_g = np.zeros((t_s.size, n_axes))
    acc_g[:, 0] = 1.0
    ic_s = np.arange(0.2, 5.6, step_s)
    for ic in ic_s:
        acc_g[round((ic + 0.02) * fs_hz), 0] = 3.0
    axes = ["ax_g", "ay_g", "az_g"][:n_axes]
    np.savetxt(
        folder / "trial_01.csv",
        np.column_stack((np.round(t_s, 3), acc_g)),
        delimiter=",",
        header=",".join(["t_s", *axes]),
        comments="",
        fmt="%.6f",
    )
    contacts = np.column_stack((ic_s, ic_s + 0.2, np.full(ic_s.size, 200.0)))
    np.savetxt(
        folder / "trial_01.contacts.csv",
        contacts,
        delimiter=",",
        header="ic_s,to_s,contact_ms",
        comments="",
        fmt="%.3f",
    )
    placement = "shank" if dataset == SHANK_DATASET else "sacrum"
    speed = "speed_kmh,8.5" if dataset == SHANK_DATASET else "speed_ms,3.0"
    speed_col, speed_val = speed.split(",")
    steps_per_contact = 2 if dataset == SHANK_DATASET else 1
    cadence = 60.0 / step_s * steps_per_contact
    (folder / "trials.csv").write_text(
        f"trial,activity,placement,{speed_col},rate_hz,force_cadence_spm,contacts\n"
        f"trial_01,running,{placement},{speed_val},{fs_hz},{cadence:.2f},{ic_s.size}\n",
        encoding="utf-8",
    )
    return folder


def make_synthetic_data(root: Path) -> Path:
    """A data folder holding both data sets, one synthetic trial each."""
    write_dataset(root, SACRUM_DATASET, fs_hz=500.0, step_s=0.3, n_axes=2)
    write_dataset(root, SHANK_DATASET, fs_hz=142.8571, step_s=0.75, n_axes=3)
    return root
