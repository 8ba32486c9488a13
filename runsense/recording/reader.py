"""Open and read ``.rsrec`` recordings, refusing anything that is not a readable recording.

Every failure a user can cause (wrong path, foreign or damaged file, newer format)
becomes a one-sentence ``RecordingError``; raw ``sqlite3`` errors never escape.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Self

from runsense.errors import RecordingError
from runsense.model import Placement, RawPacket, SampleChunk, Side, Step
from runsense.recording.format import (
    F32_PROFILE,
    STEP_SELECT_SQL,
    Event,
    JsonValue,
    SensorInfo,
    damaged,
    decode_f32_samples,
    open_checked,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator
    from types import TracebackType

FETCH_ROWS: Final = 256
"""Rows fetched per round trip: bounds reader memory to a few hundred packets."""


def _opt_float(value: float | None) -> float | None:
    return None if value is None else float(value)


class RecordingReader:
    """Read-only view of a recording; packets are streamed, never loaded as a whole."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open ``path`` and load its (small) metadata and sensor tables."""
        self.path = Path(path)
        self._conn = open_checked(self.path, read_only=True)
        try:
            with self._converted():
                self.format_version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
                self.metadata: dict[str, JsonValue] = {
                    str(key): json.loads(value)
                    for key, value in self._conn.execute("SELECT key, value FROM metadata ORDER BY key")
                }
                self.sensors: tuple[SensorInfo, ...] = tuple(
                    self._sensor_from_row(row)
                    for row in self._conn.execute(
                        "SELECT sensor_id, profile, placement, side, fs_hz, channels, char_uuid, extra "
                        "FROM sensors ORDER BY rowid"
                    )
                )
        except BaseException:
            self._conn.close()
            raise

    @staticmethod
    def _sensor_from_row(row: tuple[Any, ...]) -> SensorInfo:
        sensor_id, profile, placement, side, fs_hz, channels, char_uuid, extra = row
        return SensorInfo(
            sensor_id=str(sensor_id),
            profile=str(profile),
            placement=Placement(placement),
            side=None if side is None else Side(side),
            fs_hz=float(fs_hz),
            channels=tuple(str(name) for name in json.loads(channels)),
            char_uuid=str(char_uuid),
            extra=dict(json.loads(extra)),
        )

    @contextlib.contextmanager
    def _converted(self) -> Iterator[None]:
        """Turn SQLite and decoding failures met while reading into ``RecordingError``."""
        try:
            yield
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            if isinstance(exc, RecordingError):
                raise
            raise damaged(self.path, exc) from None

    def sensor(self, sensor_id: str) -> SensorInfo:
        """The sensor called ``sensor_id``; the error lists the ones the recording has."""
        for info in self.sensors:
            if info.sensor_id == sensor_id:
                return info
        known = ", ".join(repr(info.sensor_id) for info in self.sensors) or "none"
        raise RecordingError(str(self.path), f"has no sensor {sensor_id!r} (it has: {known})")

    def iter_packets(self, sensor_id: str | None = None) -> Iterator[RawPacket]:
        """Packets in arrival order, optionally of one sensor, fetched a batch at a time."""
        sql = "SELECT sensor_id, char_uuid, t_received_s, payload, t0_s, n_samples FROM packets"
        params: tuple[str, ...] = ()
        if sensor_id is not None:
            self.sensor(sensor_id)
            sql += " WHERE sensor_id = ?"
            params = (sensor_id,)
        return self._iter_packets(f"{sql} ORDER BY seq", params)

    def _iter_packets(self, sql: str, params: tuple[str, ...]) -> Iterator[RawPacket]:
        for sensor_id, char_uuid, t_received_s, payload, t0_s, n_samples in self._iter_rows(sql, params):
            yield RawPacket(
                sensor_id=sensor_id,
                char_uuid=char_uuid,
                t_received_s=t_received_s,
                payload=bytes(payload),
                t0_s=t0_s,
                n_samples=n_samples,
            )

    def _iter_rows(self, sql: str, params: tuple[str, ...] = ()) -> Iterator[tuple[Any, ...]]:
        with self._converted():
            cursor = self._conn.execute(sql, params)
            cursor.arraysize = FETCH_ROWS
            try:
                while rows := cursor.fetchmany():
                    yield from rows
            finally:
                # A reader closed before a half-read iterator is dropped: nothing left to release.
                with contextlib.suppress(sqlite3.ProgrammingError):
                    cursor.close()

    def iter_steps(self) -> Iterator[Step]:
        """Stored steps in time order."""
        for row in self._iter_rows(STEP_SELECT_SQL):
            with self._converted():
                yield Step(
                    t_s=float(row[0]),
                    sensor_id=str(row[1]),
                    side=None if row[2] is None else Side(row[2]),
                    cadence_spm=_opt_float(row[3]),
                    cadence_inst_spm=_opt_float(row[4]),
                    impact_g=float(row[5]),
                    clipped=bool(row[6]),
                    contact_ms=_opt_float(row[7]),
                    flight_ms=_opt_float(row[8]),
                    step_length_m=_opt_float(row[9]),
                    confidence=float(row[10]),
                    flags=tuple(str(flag) for flag in json.loads(row[11])),
                )

    @property
    def analyser_versions(self) -> tuple[str, ...]:
        """Versions of the analyser that produced the stored steps (empty when none)."""
        rows = self._iter_rows("SELECT DISTINCT analyser_version FROM steps ORDER BY 1")
        return tuple(str(row[0]) for row in rows)

    def iter_events(self) -> Iterator[Event]:
        """Stored events in time order."""
        for t_s, kind, payload in self._iter_rows("SELECT t_s, kind, payload FROM events ORDER BY t_s, id"):
            with self._converted():
                yield Event(t_s=float(t_s), kind=str(kind), payload=json.loads(payload))

    @property
    def duration_s(self) -> float:
        """Time from the first to the end of the last sample (or packet) of any sensor; 0 when empty."""
        sql = (
            "SELECT MIN(COALESCE(p.t0_s, p.t_received_s)), "
            "MAX(COALESCE(p.t0_s + p.n_samples / s.fs_hz, p.t_received_s)) "
            "FROM packets AS p JOIN sensors AS s USING (sensor_id)"
        )
        start_s, end_s = next(self._iter_rows(sql))
        if start_s is None or end_s is None:
            return 0.0
        return float(end_s) - float(start_s)

    def close(self) -> None:
        """Release the file; safe to call twice."""
        self._conn.close()

    def __enter__(self) -> Self:
        """Use as a context manager so the file is always released."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Close on leaving the block."""
        self.close()


def iter_sample_chunks(reader: RecordingReader, sensor_id: str) -> Iterator[SampleChunk]:
    """Decode a ``runsense-f32`` sensor's packets back into samples, one chunk per packet.

    Channels ending in ``_g`` become ``acc_g`` columns and ``_dps`` ones ``gyro_dps``
    columns, both in stored order; packets of other characteristics are skipped.
    """
    sensor = reader.sensor(sensor_id)
    where = str(reader.path)
    if sensor.profile != F32_PROFILE:
        raise RecordingError(
            where, f"sensor {sensor_id!r} uses profile {sensor.profile!r}, which needs its own decoder"
        )
    acc_idx, gyro_idx = list(sensor.acc_channel_indices), list(sensor.gyro_channel_indices)
    if not 1 <= len(acc_idx) <= 3:
        raise RecordingError(
            where, f"sensor {sensor_id!r} has {len(acc_idx)} acceleration channels (*_g); 1 to 3 are needed"
        )
    for packet in reader.iter_packets(sensor_id):
        if packet.char_uuid != sensor.char_uuid or packet.t0_s is None:
            continue
        try:
            samples = decode_f32_samples(packet.payload, len(sensor.channels))
        except ValueError as exc:
            raise RecordingError(
                where, f"has a damaged packet at t={packet.t0_s:.3f} s ({exc}); re-import it"
            ) from None
        if packet.n_samples is not None and packet.n_samples != samples.shape[0]:
            raise RecordingError(
                where,
                f"has a packet at t={packet.t0_s:.3f} s claiming {packet.n_samples} samples but holding "
                f"{samples.shape[0]}; re-import it",
            )
        if samples.shape[0]:
            yield SampleChunk(
                sensor_id=sensor_id,
                t0_s=packet.t0_s,
                fs_hz=sensor.fs_hz,
                acc_g=samples[:, acc_idx],
                gyro_dps=samples[:, gyro_idx] if gyro_idx else None,
            )
