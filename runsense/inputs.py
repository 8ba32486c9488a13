"""Open what the user points the CLI at (a recording or an IMU CSV) as sample chunks per sensor.

A CSV is read through the same float32 rounding as an import, so analysing a CSV and
analysing the recording imported from it give the same steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from runsense.errors import InputFileError
from runsense.importers.csv_import import read_imu_csv
from runsense.model import Placement, SampleChunk, Side
from runsense.recording import F32_PROFILE, FILE_SUFFIX, RecordingReader, iter_sample_chunks
from runsense.recording.format import FIT_RECORD_PROFILE


@dataclass(frozen=True, slots=True)
class SensorStream:
    """One sensor's samples and what the analyser must know about it."""

    sensor_id: str
    placement: Placement
    side: Side | None
    chunks: Iterator[SampleChunk]


_SQLITE_MAGIC = b"SQLite format 3\x00"


def is_recording(path: Path) -> bool:
    """A ``.rsrec`` file, or any SQLite file (e.g. imported with another suffix); the rest is CSV."""
    if path.suffix == FILE_SUFFIX:
        return True
    try:
        with path.open("rb") as file:
            return file.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:  # missing, a directory, unreadable: the CSV reader reports it
        return False


def csv_stream(path: Path, *, placement: Placement | None, side: Side | None,
               rate_hz: float | None) -> SensorStream:
    """A CSV file as one sensor stream; the placement must be given because a CSV cannot say it."""
    if placement is None:
        raise InputFileError(str(path), "a CSV file does not say where the sensor was worn; add --placement")
    imported = read_imu_csv(path, rate_hz=rate_hz)
    chunks = (
        SampleChunk(b.sensor_id, b.t0_s, b.fs_hz, b.acc_g.astype(np.float32).astype(np.float64), b.gyro_dps)
        for b in imported.blocks
    )
    return SensorStream(imported.blocks[0].sensor_id, placement, side, iter(list(chunks)))


def recording_streams(reader: RecordingReader, *, placement: Placement | None,
                      side: Side | None) -> list[SensorStream]:
    """Every acceleration sensor of a recording; command-line placement/side override the stored ones."""
    streams = [
        SensorStream(
            sensor.sensor_id,
            placement if placement is not None else sensor.placement,
            side if side is not None else sensor.side,
            iter_sample_chunks(reader, sensor.sensor_id),
        )
        for sensor in reader.sensors
        if sensor.profile == F32_PROFILE and sensor.acc_channel_indices
    ]
    if not streams and any(s.profile == FIT_RECORD_PROFILE for s in reader.sensors):
        raise InputFileError(
            str(reader.path),
            "is a FIT import: it keeps the device's 1 Hz metrics, not raw sensor data to detect steps in; "
            "use runsense report or runsense export on it",
        )
    if not streams:
        raise InputFileError(
            str(reader.path), "holds no acceleration sensor that this version of runsense can decode"
        )
    return streams
