"""The ``.rsrec`` session format: constants, schema, value types and the ``runsense-f32`` codec.

A recording is one SQLite file. It keeps the raw packets exactly as received so that
a replay can re-run decoding and analysis with newer code; analysis outputs (steps,
events) are stored next to them and can be replaced as a whole.
See ``docs/recording-format.md``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeAlias

import numpy as np

from runsense.errors import RecordingError

if TYPE_CHECKING:
    import numpy.typing as npt

    from runsense.model import FloatArray, Placement, Side

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None

FILE_SUFFIX: Final = ".rsrec"
FORMAT_VERSION: Final = 1
"""Stored in ``PRAGMA user_version``; readers refuse files with a larger value."""
APPLICATION_ID: Final = 0x52534E53
"""``PRAGMA application_id`` of every recording: ASCII ``RSNS``, tells our files from other SQLite files."""

F32_PROFILE: Final = "runsense-f32"
"""Sample profile for data that did not come over BLE: little-endian float32, channel-interleaved."""
FIT_RECORD_PROFILE: Final = "fit-record"
"""Profile of FIT-imported per-second records (runsense.fit; docs/fit.md): metrics, not samples."""
F32_CHAR_UUID: Final = "72756e73-656e-7365-6633-320000000000"
"""Pseudo characteristic UUID of ``runsense-f32`` packets: ASCII ``runsensef32`` padded with zeros."""

ACC_SUFFIX: Final = "_g"
GYRO_SUFFIX: Final = "_dps"

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
SQLITE_HEADER_BYTES: Final = 100

# Append-only tables. Times are sample-domain seconds from the start of the input.
SCHEMA: Final[tuple[str, ...]] = (
    """CREATE TABLE metadata (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE sensors (
        sensor_id TEXT PRIMARY KEY NOT NULL,
        profile TEXT NOT NULL,
        placement TEXT NOT NULL,
        side TEXT CHECK (side IN ('L', 'R')),
        fs_hz REAL NOT NULL CHECK (fs_hz > 0),
        channels TEXT NOT NULL,
        char_uuid TEXT NOT NULL,
        extra TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE packets (
        seq INTEGER PRIMARY KEY,
        sensor_id TEXT NOT NULL REFERENCES sensors (sensor_id),
        char_uuid TEXT NOT NULL,
        t_received_s REAL NOT NULL,
        payload BLOB NOT NULL,
        t0_s REAL,
        n_samples INTEGER
    )""",
    "CREATE INDEX packets_by_sensor ON packets (sensor_id, seq)",
    """CREATE TABLE steps (
        id INTEGER PRIMARY KEY,
        t_s REAL NOT NULL,
        sensor_id TEXT NOT NULL,
        side TEXT CHECK (side IN ('L', 'R')),
        cadence_spm REAL,
        cadence_inst_spm REAL,
        impact_g REAL NOT NULL,
        clipped INTEGER NOT NULL CHECK (clipped IN (0, 1)),
        contact_ms REAL,
        flight_ms REAL,
        step_length_m REAL,
        confidence REAL NOT NULL,
        flags TEXT NOT NULL DEFAULT '[]',
        analyser_version TEXT NOT NULL
    )""",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        t_s REAL NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT 'null'
    )""",
)

# fmt: off
REQUIRED_COLUMNS: Final[dict[str, frozenset[str]]] = {
    "metadata": frozenset({"key", "value"}),
    "sensors": frozenset({
        "sensor_id", "profile", "placement", "side", "fs_hz", "channels", "char_uuid", "extra",
    }),
    "packets": frozenset({"seq", "sensor_id", "char_uuid", "t_received_s", "payload", "t0_s", "n_samples"}),
    "steps": frozenset({
        "id", "t_s", "sensor_id", "side", "cadence_spm", "cadence_inst_spm", "impact_g", "clipped",
        "contact_ms", "flight_ms", "step_length_m", "confidence", "flags", "analyser_version",
    }),
    "events": frozenset({"id", "t_s", "kind", "payload"}),
}
# fmt: on
STEP_INSERT_SQL: Final = (
    "INSERT INTO steps (t_s, sensor_id, side, cadence_spm, cadence_inst_spm, impact_g, clipped, contact_ms, "
    "flight_ms, step_length_m, confidence, flags, analyser_version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
STEP_SELECT_SQL: Final = (
    "SELECT t_s, sensor_id, side, cadence_spm, cadence_inst_spm, impact_g, clipped, contact_ms, flight_ms, "
    "step_length_m, confidence, flags FROM steps ORDER BY t_s, id"
)


@dataclass(frozen=True, slots=True)
class SensorInfo:
    """One row of ``sensors``: how to decode a sensor's packets and where it sat on the body.

    ``channels`` name the sample channels in payload order with their unit, e.g.
    ``("ax_g", "ay_g", "az_g")``; ``extra`` is free JSON for profile-specific details.
    """

    sensor_id: str
    profile: str
    placement: Placement
    side: Side | None
    fs_hz: float
    channels: tuple[str, ...]
    char_uuid: str
    extra: dict[str, JsonValue] = field(default_factory=dict, hash=False, compare=True)

    @property
    def acc_channel_indices(self) -> tuple[int, ...]:
        """Payload channels that are acceleration in g, in stored order."""
        return tuple(i for i, name in enumerate(self.channels) if name.endswith(ACC_SUFFIX))

    @property
    def gyro_channel_indices(self) -> tuple[int, ...]:
        """Payload channels that are angular rate in deg/s, in stored order."""
        return tuple(i for i, name in enumerate(self.channels) if name.endswith(GYRO_SUFFIX))


@dataclass(frozen=True, slots=True)
class Event:
    """A timestamped analysis output other than a step (e.g. a cue given to the runner)."""

    t_s: float
    kind: str
    payload: JsonValue = None


def encode_f32_samples(acc: npt.ArrayLike) -> bytes:
    """Pack samples ``(n_samples, n_channels)`` as a ``runsense-f32`` payload.

    A 1-D array is taken as a single channel. Values outside the float32 range
    become infinities, so callers should reject non-physical values first.
    """
    samples = np.asarray(acc)
    if samples.ndim == 1:
        samples = samples[:, np.newaxis]
    if samples.ndim != 2:
        raise ValueError(f"samples must be 1-D or 2-D, got shape {samples.shape}")
    return np.ascontiguousarray(samples, dtype="<f4").tobytes()


def decode_f32_samples(payload: bytes, n_channels: int) -> FloatArray:
    """Unpack a ``runsense-f32`` payload into float64 samples ``(n_samples, n_channels)``."""
    if n_channels < 1:
        raise ValueError(f"n_channels must be >= 1, got {n_channels}")
    frame_bytes = 4 * n_channels
    if len(payload) % frame_bytes:
        raise ValueError(
            f"payload of {len(payload)} bytes is not a whole number of {n_channels}-channel float32 frames"
        )
    return np.frombuffer(payload, dtype="<f4").reshape(-1, n_channels).astype(np.float64)


BUSY_TIMEOUT_MS: Final = 5000
_FIX: Final = "re-record or re-import it"


def damaged(path: Path, exc: Exception) -> RecordingError:
    """Wrap a low-level failure into the one-sentence error users see."""
    return RecordingError(str(path), f"is damaged or truncated (SQLite says: {exc}); {_FIX}")


def _check_file_bytes(path: Path) -> None:
    """Reject what SQLite would accept silently (empty file) or misreport (truncated file)."""
    where = str(path)
    try:
        with path.open("rb") as file:
            head = file.read(SQLITE_HEADER_BYTES)
            size_bytes = file.seek(0, 2)
    except FileNotFoundError:
        raise RecordingError(where, "does not exist; check the path") from None
    except IsADirectoryError:
        raise RecordingError(where, "is a directory, not a recording file; pass a .rsrec file") from None
    except OSError as exc:
        raise RecordingError(where, f"cannot be read ({exc.strerror}); check its permissions") from None
    if size_bytes == 0:
        raise RecordingError(where, f"is empty (0 bytes), so nothing was ever recorded in it; {_FIX}")
    if not head.startswith(SQLITE_MAGIC):
        raise RecordingError(where, "is not a runsense recording (not an SQLite file); pass a .rsrec file")
    if len(head) < SQLITE_HEADER_BYTES:
        raise RecordingError(where, f"is truncated ({size_bytes} bytes, shorter than its header); {_FIX}")
    page_bytes = int.from_bytes(head[16:18], "big")
    page_bytes = 65536 if page_bytes == 1 else page_bytes
    fixed_fields_ok = head[18] in (1, 2) and head[19] in (1, 2) and head[21:24] == b"\x40\x20\x20"
    if page_bytes < 512 or page_bytes & (page_bytes - 1) or not fixed_fields_ok:
        raise RecordingError(where, f"has a damaged SQLite header; {_FIX}")
    wal = path.with_name(path.name + "-wal")
    header_size_valid = head[24:28] == head[92:96]  # SQLite's rule for trusting the page count
    if header_size_valid and not (wal.exists() and wal.stat().st_size > 0):
        expected_bytes = page_bytes * int.from_bytes(head[28:32], "big")
        if size_bytes < expected_bytes:
            raise RecordingError(where, f"is truncated ({size_bytes} of {expected_bytes} bytes); {_FIX}")


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """Connect without creating anything, falling back to immutable mode on read-only media."""
    mode = "ro" if read_only else "rw"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA application_id").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        wal = path.with_name(path.name + "-wal")
        if not read_only or wal.exists():
            raise
        # A read-only directory cannot hold the -shm file; with no WAL nobody is writing.
        conn = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)
    return conn


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Tell foreign, newer and incomplete files apart, each with its own fix."""
    where = str(path)
    application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if application_id == 0 and conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0:
        raise RecordingError(
            where, f"holds no tables (its writer may have stopped before its first commit); {_FIX}"
        )
    if application_id != APPLICATION_ID:
        raise RecordingError(
            where,
            f"is an SQLite database of another application (application_id {application_id:#x}), "
            "not a runsense recording; pass a .rsrec file",
        )
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > FORMAT_VERSION:
        raise RecordingError(
            where,
            f"was written by a newer runsense (format version {version}, this one reads up to "
            f"{FORMAT_VERSION}); upgrade runsense to open it",
        )
    if version < 1:
        raise RecordingError(where, f"has an invalid format version ({version}); {_FIX}")
    for table, required in REQUIRED_COLUMNS.items():
        columns = {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")}
        if not columns:
            raise RecordingError(where, f"has no {table!r} table, so it is incomplete or damaged; {_FIX}")
        if missing := sorted(required - columns):
            raise RecordingError(where, f"lacks column(s) {', '.join(missing)} in {table!r}; {_FIX}")


def open_checked(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """Open a recording after checking it is one this version can use."""
    _check_file_bytes(path)
    try:
        conn = _connect(path, read_only=read_only)
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from None
    try:
        _check_schema(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise damaged(path, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn
