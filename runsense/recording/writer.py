"""Write ``.rsrec`` recordings append-only, committing about once a second so a crash loses little.

The file is in SQLite WAL mode while it is written: a killed process leaves a file
that opens with everything up to the last commit. A clean close checkpoints and
switches back to a rollback journal, so a finished recording is exactly one file.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
import time
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Final, Self

from runsense.errors import RecordingError
from runsense.recording.format import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    FORMAT_VERSION,
    SCHEMA,
    STEP_INSERT_SQL,
    Event,
    JsonValue,
    SensorInfo,
    open_checked,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from types import TracebackType

    from runsense.model import RawPacket, Step

PACKET_BATCH: Final = 512
"""Packets buffered before an ``executemany``; bounds memory during large imports."""
_PACKET_INSERT: Final = (
    "INSERT INTO packets (sensor_id, char_uuid, t_received_s, payload, t0_s, n_samples) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_PacketRow = tuple[str, str, float, bytes, float | None, int | None]


def _json(value: JsonValue) -> str:
    """Strict, compact JSON: NaN is not JSON and would break other SQLite tools."""
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def _runsense_version() -> str:
    try:
        return importlib_metadata.version("runsense")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def _opt_float(value: float | None) -> float | None:
    """Plain floats only: SQLite cannot bind numpy float32."""
    return None if value is None else float(value)


def _step_row(step: Step, analyser_version: str) -> tuple[object, ...]:
    return (
        float(step.t_s), step.sensor_id, None if step.side is None else step.side.value,
        _opt_float(step.cadence_spm), _opt_float(step.cadence_inst_spm), float(step.impact_g),
        int(bool(step.clipped)), _opt_float(step.contact_ms), _opt_float(step.flight_ms),
        _opt_float(step.step_length_m), float(step.confidence), _json(list(step.flags)), analyser_version,
    )  # fmt: skip


def remove_with_side_files(path: Path) -> None:
    """Delete a recording together with SQLite's -wal/-shm/-journal files, if any."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


class RecordingWriter:
    """Append a session to a new ``.rsrec`` file; use as a context manager.

    Writes are buffered in one open transaction that is committed on the first write
    at least ``commit_interval_s`` after the previous commit, and on close.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        metadata: Mapping[str, JsonValue],
        commit_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        overwrite: bool = False,
    ) -> None:
        """Create ``path`` (refusing an existing file unless ``overwrite``) and write the schema."""
        if not math.isfinite(commit_interval_s) or commit_interval_s < 0:
            raise ValueError(f"commit_interval_s must be >= 0, got {commit_interval_s}")
        self.path = Path(path)
        self._commit_interval_s = commit_interval_s
        self._clock = clock
        self._packets: list[_PacketRow] = []
        self._sensors: dict[str, SensorInfo] = {}
        self._closed = False
        self._create_file(overwrite=overwrite)
        try:
            with self._converted():
                self._conn = sqlite3.connect(self.path, isolation_level=None)
                try:
                    self._init_schema(metadata)
                except BaseException:
                    self._conn.close()
                    raise
        except BaseException:
            self._closed = True
            remove_with_side_files(self.path)
            raise
        self._last_commit_s = clock()

    def _create_file(self, *, overwrite: bool) -> None:
        where = str(self.path)
        if overwrite:
            try:
                remove_with_side_files(self.path)
            except OSError as exc:
                raise RecordingError(
                    where, f"cannot be replaced ({exc.strerror}); choose another name"
                ) from None
        try:
            self.path.open("xb").close()
        except FileExistsError:
            raise RecordingError(
                where, "already exists; choose another file name or allow overwriting"
            ) from None
        except FileNotFoundError:
            raise RecordingError(where, "cannot be created because its directory does not exist") from None
        except OSError as exc:
            raise RecordingError(where, f"cannot be created ({exc.strerror}); check the path") from None

    def _init_schema(self, metadata: Mapping[str, JsonValue]) -> None:
        conn = self._conn
        if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
            raise sqlite3.OperationalError("the file system does not support WAL mode")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("BEGIN")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
        for statement in SCHEMA:
            conn.execute(statement)
        defaults: dict[str, JsonValue] = {
            "created_utc": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "runsense_version": _runsense_version(),
        }
        items = {**defaults, **metadata, "format_version": FORMAT_VERSION}
        conn.executemany(
            "INSERT INTO metadata (key, value) VALUES (?, ?)", [(k, _json(v)) for k, v in items.items()]
        )
        conn.execute("COMMIT")

    def _failed(self, exc: sqlite3.DatabaseError) -> RecordingError:
        return RecordingError(
            str(self.path), f"could not be written ({exc}); check free disk space and permissions"
        )

    @contextlib.contextmanager
    def _converted(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise self._failed(exc) from None

    def _begin(self) -> None:
        if self._closed:
            raise ValueError(f"recording {self.path} is already closed")
        if not self._conn.in_transaction:
            self._conn.execute("BEGIN")

    def _flush_packets(self) -> None:
        if self._packets:
            self._begin()
            self._conn.executemany(_PACKET_INSERT, self._packets)
            self._packets.clear()

    def _maybe_commit(self) -> None:
        if self._clock() - self._last_commit_s >= self._commit_interval_s:
            self.commit()

    def add_sensor(self, sensor: SensorInfo) -> None:
        """Declare a sensor; its packets can be written from now on."""
        if sensor.sensor_id in self._sensors:
            raise ValueError(f"sensor {sensor.sensor_id!r} was already added")
        if not (math.isfinite(sensor.fs_hz) and sensor.fs_hz > 0) or not sensor.channels:
            raise ValueError(f"sensor {sensor.sensor_id!r} needs fs_hz > 0 and at least one channel")
        with self._converted():
            self._begin()
            self._conn.execute(
                "INSERT INTO sensors (sensor_id, profile, placement, side, fs_hz, channels, char_uuid, "
                "extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sensor.sensor_id, sensor.profile, sensor.placement.value,
                    None if sensor.side is None else sensor.side.value, float(sensor.fs_hz),
                    _json(list(sensor.channels)), sensor.char_uuid, _json(sensor.extra),
                ),
            )  # fmt: skip
            self._sensors[sensor.sensor_id] = sensor
            self._maybe_commit()

    def _packet_row(self, packet: RawPacket) -> _PacketRow:
        if packet.sensor_id not in self._sensors:
            raise ValueError(f"packet of unknown sensor {packet.sensor_id!r}; call add_sensor first")
        return (
            packet.sensor_id, packet.char_uuid, float(packet.t_received_s), bytes(packet.payload),
            _opt_float(packet.t0_s), None if packet.n_samples is None else int(packet.n_samples),
        )  # fmt: skip

    def write_packet(self, packet: RawPacket) -> None:
        """Append one packet as received."""
        self.write_packets((packet,))

    def write_packets(self, packets: Iterable[RawPacket]) -> int:
        """Append packets in order, batched; returns how many were written."""
        if self._closed:
            raise ValueError(f"recording {self.path} is already closed")
        count = 0
        with self._converted():
            for packet in packets:
                self._packets.append(self._packet_row(packet))
                count += 1
                if len(self._packets) >= PACKET_BATCH:
                    self._flush_packets()
            self._maybe_commit()
        return count

    def write_steps(self, steps: Iterable[Step], analyser_version: str) -> None:
        """Append analysis output produced by ``analyser_version``."""
        with self._converted():
            self._begin()
            self._conn.executemany(STEP_INSERT_SQL, (_step_row(step, analyser_version) for step in steps))
            self._maybe_commit()

    def write_event(self, t_s: float, kind: str, payload: JsonValue = None) -> None:
        """Append a timestamped event (e.g. a cue); ``payload`` is any JSON value."""
        with self._converted():
            self._begin()
            self._conn.execute(
                "INSERT INTO events (t_s, kind, payload) VALUES (?, ?, ?)", (float(t_s), kind, _json(payload))
            )
            self._maybe_commit()

    def set_metadata(self, key: str, value: JsonValue) -> None:
        """Set or replace one metadata entry (``format_version`` is owned by the writer)."""
        if key == "format_version":
            raise ValueError("format_version is set by the writer and cannot be changed")
        with self._converted():
            self._begin()
            self._conn.execute(
                "INSERT OR REPLACE INTO metadata (key, value) VALUES (?, ?)", (key, _json(value))
            )
            self._maybe_commit()

    def commit(self) -> None:
        """Make everything written so far durable now."""
        with self._converted():
            self._flush_packets()
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")
        self._last_commit_s = self._clock()

    def close(self) -> None:
        """Commit, then leave a single self-contained file when no one else has it open."""
        if self._closed:
            return
        try:
            self.commit()
            with contextlib.suppress(sqlite3.OperationalError):  # a live reader keeps it in WAL mode
                self._conn.execute("PRAGMA busy_timeout = 0")
                self._conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            self._closed = True
            self._conn.close()

    def __enter__(self) -> Self:
        """Use as a context manager so the last second is always committed."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Commit and close, also when the block failed: what was recorded is kept."""
        self.close()


def replace_steps(
    path: str | os.PathLike[str],
    steps: Iterable[Step],
    analyser_version: str,
    *,
    events: Iterable[Event] | None = None,
    events_kind: str = "cue",
) -> int:
    """Atomically replace all stored steps, e.g. after re-analysing with a newer analyser.

    With ``events``, the stored events of ``events_kind`` (the analysis's cues) are replaced
    in the same transaction, so steps and the cues they triggered never disagree. Returns the
    number of steps written; on any error the old steps (and events) are kept.
    """
    where = Path(path)
    conn = open_checked(where, read_only=False)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM steps")
            cursor = conn.executemany(STEP_INSERT_SQL, (_step_row(step, analyser_version) for step in steps))
            count = cursor.rowcount
            if events is not None:
                conn.execute("DELETE FROM events WHERE kind = ?", (events_kind,))
                conn.executemany(
                    "INSERT INTO events (t_s, kind, payload) VALUES (?, ?, ?)",
                    ((e.t_s, e.kind, _json(e.payload)) for e in events),
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.DatabaseError as exc:
        raise RecordingError(
            str(where),
            f"steps could not be replaced ({exc}); the old steps are kept, try again",
        ) from None
    finally:
        conn.close()
    return count
