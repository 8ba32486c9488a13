"""Import IMU samples from CSV files (plain or gzip) into ``.rsrec`` recordings.

The CSV rules are a contract, documented in ``docs/recording-format.md``: a header
row, ``t_s`` in seconds (or a given sample rate), ``ax``/``ay``/``az`` with a ``_g``
or ``_ms2`` suffix, optional ``gx_dps``/``gy_dps``/``gz_dps``; other columns are
ignored. Here the validated table becomes a time base (gaps split it into blocks,
never interpolated) and then a recording of ``runsense-f32`` packets.
"""

from __future__ import annotations

import itertools
import math
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from runsense.errors import ConfigError, InputFileError, RecordingError
from runsense.importers._csv_table import read_table
from runsense.model import RawPacket, SampleChunk
from runsense.recording.format import F32_CHAR_UUID, F32_PROFILE, JsonValue, SensorInfo, encode_f32_samples
from runsense.recording.writer import RecordingWriter, remove_with_side_files

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator

    from runsense.model import FloatArray, Placement, Side

GAP_FACTOR: Final = 1.5
"""An interval longer than this many nominal (median) intervals is a gap that splits blocks."""
RATE_TOLERANCE: Final = 0.01
"""Largest relative disagreement accepted between ``t_s`` and an explicitly given rate."""
DEFAULT_SENSOR_ID: Final = "imu"


@dataclass(frozen=True, slots=True)
class ImportedCsv:
    """Samples of one CSV file, in g and deg/s, split into gap-free blocks.

    ``channels`` names the stored channels in sample order (acceleration axes, then
    gyro axes), always in the canonical units ``_g`` and ``_dps``.
    """

    source_name: str
    columns: tuple[str, ...]
    channels: tuple[str, ...]
    fs_hz: float
    blocks: tuple[SampleChunk, ...]

    @property
    def n_samples(self) -> int:
        """Samples over all blocks."""
        return sum(block.n_samples for block in self.blocks)


def _blocks(where: str, t_s: FloatArray, rows: list[str], t_index: int) -> list[tuple[int, int]]:
    """Split at gaps (interval > 1.5 median interval) after checking that time increases."""
    dt_s = np.diff(t_s)
    if (backwards := np.flatnonzero(dt_s <= 0)).size:
        k = int(backwards[0])
        now, before = (rows[i].split(",")[t_index].strip() for i in (k + 1, k))
        how = "repeats" if dt_s[k] == 0 else "is earlier than"
        raise InputFileError(
            where, f"line {k + 3}: t_s {now} {how} line {k + 2} (t_s {before}); time must strictly increase"
        )
    bounds = [0, *(np.flatnonzero(dt_s > GAP_FACTOR * np.median(dt_s)) + 1).tolist(), len(t_s)]
    return list(itertools.pairwise(bounds))


def _time_base(
    where: str, t_s: FloatArray | None, rows: list[str], t_index: int | None, rate_hz: float | None
) -> tuple[FloatArray, float, list[tuple[int, int]]]:
    """Sample times, rate and gap-free blocks; the rate pools all blocks so gaps do not bias it."""
    if t_s is None or t_index is None or len(t_s) == 1:
        if rate_hz is None:
            raise InputFileError(
                where,
                "has a single data row (line 2), too few to estimate the sample rate; give it (--rate-hz)",
            )
        return (np.arange(len(rows)) / rate_hz if t_s is None else t_s), float(rate_hz), [(0, len(rows))]
    spans = _blocks(where, t_s, rows, t_index)
    n_intervals = sum(stop - start - 1 for start, stop in spans)
    fs_hz = n_intervals / sum(float(t_s[stop - 1] - t_s[start]) for start, stop in spans)
    if rate_hz is not None and abs(fs_hz - rate_hz) > RATE_TOLERANCE * rate_hz:
        raise InputFileError(
            where, f"column 't_s' gives {fs_hz:.4g} Hz but rate_hz is {rate_hz:g} Hz (more than 1 % apart)"
        )
    return t_s, fs_hz, spans


def read_imu_csv(
    path: str | os.PathLike[str], *, rate_hz: float | None = None, sensor_id: str = DEFAULT_SENSOR_ID
) -> ImportedCsv:
    """Read and validate an IMU CSV file; ``rate_hz`` is required when there is no ``t_s`` column."""
    file = Path(path)
    where = str(file)
    if rate_hz is not None and not (math.isfinite(rate_hz) and rate_hz > 0):
        raise InputFileError(where, f"rate_hz must be a positive number of samples per second, got {rate_hz}")
    table = read_table(file)
    if table.t_index is None and rate_hz is None:
        raise InputFileError(
            where, "has no 't_s' column; add a time column in seconds or give the sample rate (--rate-hz)"
        )
    columns, values, t_index = table.columns, table.values, table.t_index
    samples = values[:, : len(columns)] * np.array([column.scale for column in columns])
    t_s, fs_hz, spans = _time_base(
        where, values[:, -1] if t_index is not None else None, table.rows, t_index, rate_hz
    )
    n_acc = sum(column.channel.endswith("_g") for column in columns)
    blocks = tuple(
        SampleChunk(
            sensor_id=sensor_id,
            t0_s=float(t_s[start]),
            fs_hz=fs_hz,
            acc_g=samples[start:stop, :n_acc],
            gyro_dps=samples[start:stop, n_acc:] if n_acc < len(columns) else None,
        )
        for start, stop in spans
    )
    return ImportedCsv(
        source_name=file.name,
        columns=tuple(column.name for column in columns),
        channels=tuple(column.channel for column in columns),
        fs_hz=fs_hz,
        blocks=blocks,
    )


def _packets(imported: ImportedCsv, sensor_id: str) -> Iterator[RawPacket]:
    """About one second of samples per packet, never spanning a gap."""
    per_packet = max(1, round(imported.fs_hz))
    frame_bytes = 4 * len(imported.channels)
    for block in imported.blocks:
        parts = [block.acc_g] if block.gyro_dps is None else [block.acc_g, block.gyro_dps]
        payload = encode_f32_samples(np.hstack(parts))
        for start in range(0, block.n_samples, per_packet):
            n_samples = min(per_packet, block.n_samples - start)
            t0_s = block.t0_s + start / block.fs_hz
            chunk = payload[start * frame_bytes : (start + n_samples) * frame_bytes]
            yield RawPacket(sensor_id, F32_CHAR_UUID, t0_s, chunk, t0_s, n_samples)


def import_csv(  # noqa: PLR0913 -- the brief fixes this keyword-only signature
    path: str | os.PathLike[str],
    *,
    placement: Placement,
    side: Side | None,
    rate_hz: float | None,
    out_path: str | os.PathLike[str],
    runner: str | None = None,
    speed_kmh: float | None = None,
    sensor_id: str = DEFAULT_SENSOR_ID,
    overwrite: bool = False,
) -> Path:
    """Convert a CSV file into a recording at ``out_path``, atomically.

    The recording is written next to ``out_path`` under a temporary name and renamed
    into place only when complete, so a failure never leaves a partial file behind.
    """
    out = Path(out_path)
    if out.exists() and not overwrite:
        raise RecordingError(str(out), "already exists; choose another output file or allow overwriting")
    if not out.parent.is_dir():
        raise RecordingError(str(out), "cannot be created because its directory does not exist")
    if speed_kmh is not None and not (math.isfinite(speed_kmh) and speed_kmh > 0):
        raise ConfigError(f"speed_kmh must be a positive number of km/h, got {speed_kmh}")
    imported = read_imu_csv(path, rate_hz=rate_hz, sensor_id=sensor_id)
    metadata: dict[str, JsonValue] = {"source": f"csv-import:{imported.source_name}"}
    if runner is not None:
        metadata["runner"] = runner
    if speed_kmh is not None:
        metadata["speed_kmh"] = float(speed_kmh)
    tmp = out.with_name(f"{out.name}.tmp-{secrets.token_hex(4)}")
    done = False
    try:
        with RecordingWriter(tmp, metadata=metadata) as writer:
            extra: dict[str, JsonValue] = {
                "csv_columns": list(imported.columns),
                "n_blocks": len(imported.blocks),
            }
            writer.add_sensor(
                SensorInfo(
                    sensor_id,
                    F32_PROFILE,
                    placement,
                    side,
                    imported.fs_hz,
                    imported.channels,
                    F32_CHAR_UUID,
                    extra,
                )
            )
            writer.write_packets(_packets(imported, sensor_id))
        try:
            tmp.replace(out)
        except OSError as exc:
            raise RecordingError(
                str(out), f"cannot be written ({exc.strerror}); choose another output file"
            ) from None
        done = True
    finally:
        if not done:
            remove_with_side_files(tmp)
    return out
