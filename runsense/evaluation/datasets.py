"""Loaders for the force-plate-labelled trials in ``<repo>/../shared/data``.

The data stays outside the repository (one set is GPL), so it is found at run time:
``$RUNSENSE_SHARED_DATA`` if set, else ``../shared/data`` beside the repository root.
Each folder has ``trials.csv`` plus ``trial_NN.csv`` (``t_s`` and acceleration columns
``*_g``) and ``trial_NN.contacts.csv`` (``ic_s, to_s, contact_ms``).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from runsense.errors import InputFileError
from runsense.model import Placement

if TYPE_CHECKING:
    from collections.abc import Iterator

    from runsense.model import FloatArray

SACRUM_DATASET = "alcantara2022_sacrum"
SHANK_DATASET = "bach2022_shank"
DATASET_NAMES: tuple[str, ...] = (SACRUM_DATASET, SHANK_DATASET)

Activity = Literal["walking", "running"]
_CONTACT_COLUMNS = ["ic_s", "to_s", "contact_ms"]


@dataclass(frozen=True, slots=True, eq=False)
class Trial:
    """One labelled trial: the raw sensor signal and the force-plate contacts.

    For a single-leg placement (shank) the contacts are the instrumented leg's only,
    one per stride; ``force_cadence_spm`` is always steps per minute (both legs).
    """

    dataset: str
    name: str
    activity: Activity
    placement: Placement
    fs_hz: float
    t_s: FloatArray
    acc_g: FloatArray
    axis_names: tuple[str, ...]
    ic_s: FloatArray
    to_s: FloatArray
    contact_ms: FloatArray
    force_cadence_spm: float
    speed_mps: float | None

    @property
    def steps_per_contact(self) -> int:
        """Steps each labelled contact stands for: 2 when only one leg is labelled."""
        return 2 if self.placement.single_leg else 1

    @property
    def t_end_s(self) -> float:
        """End of the recording: the time the sample after the last would be taken."""
        return float(self.t_s[-1]) + 1.0 / self.fs_hz


def shared_data_dir() -> Path:
    """Where the shared data lives; it may not exist (tests and benchmarks then skip)."""
    override = os.environ.get("RUNSENSE_SHARED_DATA")
    if override:
        return Path(override)
    repo_root = Path(__file__).resolve().parents[2]
    return (repo_root / ".." / "shared" / "data").resolve()


def _read_numeric_csv(path: Path) -> tuple[list[str], FloatArray]:
    """Header names and a 2-D float array; any unreadable file becomes an InputFileError."""
    try:
        with path.open(encoding="utf-8") as handle:
            header = handle.readline().strip().split(",")
            values = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as exc:
        raise InputFileError(str(path), f"cannot read numeric CSV: {exc}") from exc
    if values.shape[1] != len(header):
        raise InputFileError(str(path), f"{values.shape[1]} columns but header names {len(header)}")
    if not np.all(np.isfinite(values)):
        raise InputFileError(str(path), "contains NaN or infinite values")
    return header, values


def _float_or_none(row: dict[str, str], key: str) -> float | None:
    """Optional numeric column of trials.csv."""
    text = row.get(key, "").strip()
    return float(text) if text else None


def _speed_mps(row: dict[str, str]) -> float | None:
    """Treadmill speed from whichever unit the data set uses."""
    speed_ms = _float_or_none(row, "speed_ms")
    if speed_ms is not None:
        return speed_ms
    speed_kmh = _float_or_none(row, "speed_kmh")
    return None if speed_kmh is None else speed_kmh / 3.6


def _read_signal(path: Path, fs_hz: float) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    """Time column, acceleration columns and their names, with the time base checked against fs."""
    header, values = _read_numeric_csv(path)
    acc_names = tuple(header[1:])
    if header[0] != "t_s" or not acc_names or not all(name.endswith("_g") for name in acc_names):
        raise InputFileError(str(path), f"expected columns t_s, *_g; got {header}")
    t_s = values[:, 0].copy()
    if t_s.size < 2:
        raise InputFileError(str(path), "fewer than two samples")
    step_s = float(np.median(np.diff(t_s)))
    # Times are rounded to 1 ms in the files, so only a gross mismatch is an error.
    if abs(step_s * fs_hz - 1.0) > 0.1:
        raise InputFileError(str(path), f"sample spacing {step_s} s does not match rate_hz {fs_hz}")
    return t_s, values[:, 1:].copy(), acc_names


def _read_contacts(path: Path, expected: int) -> FloatArray:
    """Contacts as an (n, 3) array ``ic_s, to_s, contact_ms`` in time order."""
    header, contacts = _read_numeric_csv(path)
    if header != _CONTACT_COLUMNS:
        raise InputFileError(str(path), f"expected columns {_CONTACT_COLUMNS}; got {header}")
    if contacts.shape[0] != expected:
        raise InputFileError(str(path), f"{contacts.shape[0]} contacts but trials.csv says {expected}")
    if np.any(np.diff(contacts[:, 0]) <= 0.0):
        raise InputFileError(str(path), "ic_s is not strictly increasing")
    return contacts


def _load_row(folder: Path, dataset: str, row: dict[str, str]) -> Trial:
    """Build one Trial from its trials.csv row and its two CSV files."""
    index_path = folder / "trials.csv"
    name = row.get("trial") or "?"
    activity = row.get("activity")
    if activity not in ("walking", "running"):
        raise InputFileError(str(index_path), f"{name}: unknown activity {activity!r}")
    try:
        placement = Placement(row["placement"])
        fs_hz = float(row["rate_hz"])
        force_cadence_spm = float(row["force_cadence_spm"])
        n_contacts = int(row["contacts"])
        speed_mps = _speed_mps(row)
    except (KeyError, ValueError) as exc:
        raise InputFileError(str(index_path), f"{name}: bad or missing column: {exc}") from exc
    t_s, acc_g, axis_names = _read_signal(folder / f"{name}.csv", fs_hz)
    contacts = _read_contacts(folder / f"{name}.contacts.csv", n_contacts)
    return Trial(
        dataset=dataset,
        name=name,
        activity="walking" if activity == "walking" else "running",
        placement=placement,
        fs_hz=fs_hz,
        t_s=t_s,
        acc_g=acc_g,
        axis_names=axis_names,
        ic_s=contacts[:, 0].copy(),
        to_s=contacts[:, 1].copy(),
        contact_ms=contacts[:, 2].copy(),
        force_cadence_spm=force_cadence_spm,
        speed_mps=speed_mps,
    )


def load_dataset(dataset: str, *, data_dir: Path | None = None) -> Iterator[Trial]:
    """Yield every trial of one data set in trials.csv order, reading each file lazily.

    Args:
        dataset: Folder name, one of :data:`DATASET_NAMES`.
        data_dir: Folder holding the data sets; defaults to :func:`shared_data_dir`.

    Raises:
        InputFileError: When the folder, its index or a trial file is missing or malformed.
    """
    folder = (data_dir if data_dir is not None else shared_data_dir()) / dataset
    index_path = folder / "trials.csv"
    if not index_path.is_file():
        raise InputFileError(str(index_path), "not found; set RUNSENSE_SHARED_DATA to the shared data folder")
    with index_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        yield _load_row(folder, dataset, row)
