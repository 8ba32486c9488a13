"""Shared helpers for the end-to-end tests of the ``runsense`` command."""

from __future__ import annotations

import csv
import gzip
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from runsense.model import FloatArray
from runsense.recording import RecordingReader, iter_sample_chunks
from tests.conftest import DEMO, REPO

CONTRACT_COLUMNS = ("t_s", "cadence_spm", "impact_g", "contact_ms", "side", "confidence")
STANDARD_GRAVITY_MS2 = 9.80665
TABLE_HEADER = re.compile(r"^\s*t_s\s+cadence_spm\s+impact_g\s+contact_ms\s+side\s+confidence\s+flags$")


def run_cli(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run the real command (``python -m runsense``) as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "runsense", *(str(a) for a in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_demo(directory: Path, name: str = "demo.rsrec") -> Path:
    """A writable copy of the bundled demo recording, so the repository file is never modified."""
    target = directory / name
    shutil.copyfile(DEMO, target)
    target.chmod(0o644)
    return target


@dataclass(frozen=True)
class Samples:
    """Every sample of the demo recording's sensor with its time (seconds from the start)."""

    t_s: FloatArray
    acc_g: FloatArray
    fs_hz: float


def demo_samples() -> Samples:
    """Decode the demo recording the way the analyser reads it, chunk by chunk."""
    with RecordingReader(DEMO) as reader:
        [sensor] = reader.sensors
        chunks = list(iter_sample_chunks(reader, sensor.sensor_id))
    t_s = np.concatenate([c.t0_s + np.arange(c.n_samples) / c.fs_hz for c in chunks])
    return Samples(t_s, np.concatenate([c.acc_g for c in chunks]), chunks[0].fs_hz)


def write_imu_csv(path: Path, samples: Samples, *, unit: str = "g", with_time: bool = True) -> Path:
    """Write the samples as an IMU CSV (``t_s,ax_<unit>,az_<unit>``), gzipped when the name ends .gz."""
    scale = STANDARD_GRAVITY_MS2 if unit == "ms2" else 1.0
    header = ["t_s"] if with_time else []
    header += [f"ax_{unit}", f"az_{unit}"]
    lines = [",".join(header)]
    for t, (ax, az) in zip(samples.t_s, samples.acc_g * scale, strict=True):
        cells = [f"{t:.6f}"] if with_time else []
        lines.append(",".join([*cells, repr(float(ax)), repr(float(az))]))
    text = "\n".join(lines) + "\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def read_steps_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a steps CSV written by ``--steps-csv``."""
    with path.open(newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def step_times(path: Path) -> list[float]:
    """The ``t_s`` column of a steps CSV."""
    return [float(row["t_s"]) for row in read_steps_csv(path)[1]]


SUMMARY_KEYS = ("steps", "mean cadence", "time in 170-180 spm", "mean impact", "mean contact time")


def summary_of(stdout: str) -> dict[str, str]:
    """The summary lines of ``runsense analyse`` output, by label (``"steps"`` -> ``"190 over 60.8 s"``)."""
    found: dict[str, str] = {}
    for line in stdout.splitlines():
        label, sep, value = line.partition(": ")
        if sep and label in SUMMARY_KEYS:
            assert label not in found, f"summary line {label!r} printed twice"
            found[label] = value
    return found


def summary_step_count(stdout: str) -> int:
    """N from the summary line ``steps: N over D s``."""
    match = re.fullmatch(r"(\d+) over \d+\.\d s", summary_of(stdout)["steps"])
    assert match, stdout
    return int(match.group(1))


def table_rows(stdout: str) -> list[str]:
    """The rows of the per-step table: the lines between its header and the summary."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if TABLE_HEADER.match(line))
    stop = next(i for i, line in enumerate(lines) if line.startswith("steps: "))
    assert start < stop, stdout
    return lines[start + 1 : stop]
