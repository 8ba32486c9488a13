"""Files that are not usable recordings give one clear RecordingError, never a sqlite3 traceback."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from typing import TYPE_CHECKING

import numpy as np
import pytest

from runsense.errors import RecordingError
from runsense.model import Placement, RawPacket
from runsense.recording import (
    F32_CHAR_UUID,
    F32_PROFILE,
    RecordingReader,
    RecordingWriter,
    SensorInfo,
    encode_f32_samples,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

IMU = SensorInfo("imu", F32_PROFILE, Placement.SACRUM, None, 100.0, ("ax_g", "ay_g", "az_g"), F32_CHAR_UUID)
PAGE_BYTES = 4096


def write_recording(path: Path, n_packets: int = 300) -> Path:
    rng = np.random.default_rng(1)
    with RecordingWriter(path, metadata={"runner": "C"}) as writer:
        writer.add_sensor(IMU)
        for k in range(n_packets):
            payload = encode_f32_samples(rng.normal(size=(100, 3)))
            writer.write_packet(RawPacket("imu", F32_CHAR_UUID, k, payload, float(k), 100))
    return path


def read_everything(path: Path) -> None:
    with RecordingReader(path) as reader:
        list(reader.iter_packets())
        list(reader.iter_packets("imu"))
        list(reader.iter_steps())
        list(reader.iter_events())


def assert_one_clear_line(excinfo: pytest.ExceptionInfo[RecordingError], path: Path, *fragments: str) -> None:
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert excinfo.value.__cause__ is None  # no sqlite3 traceback chained to it
    assert excinfo.value.__context__ is None or excinfo.value.__suppress_context__
    for fragment in fragments:
        assert fragment in message


def sql(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for statement in statements:
            conn.execute(statement)


def truncate_to_half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def garbage_header(path: Path) -> None:
    with path.open("r+b") as file:
        file.write(b"\xa5" * 100)


def garbage_header_after_magic(path: Path) -> None:
    with path.open("r+b") as file:
        file.seek(16)
        file.write(b"\xa5" * 84)


def garbage_after_page_size(path: Path) -> None:
    with path.open("r+b") as file:
        file.seek(18)
        file.write(b"\xa5" * 82)


def garbage_in_schema_page(path: Path) -> None:
    with path.open("r+b") as file:
        file.seek(100)
        file.write(b"\xa5" * 200)


def garbage_page_in_the_middle(path: Path) -> None:
    n_pages = path.stat().st_size // PAGE_BYTES
    with path.open("r+b") as file:
        file.seek(n_pages // 2 * PAGE_BYTES)
        file.write(np.random.default_rng(2).bytes(PAGE_BYTES))


def newer_version(path: Path) -> None:
    sql(path, "PRAGMA user_version = 2")


def zero_version(path: Path) -> None:
    sql(path, "PRAGMA user_version = 0")


def drop_events(path: Path) -> None:
    sql(path, "DROP TABLE events")


def drop_a_column(path: Path) -> None:
    sql(path, "ALTER TABLE steps DROP COLUMN analyser_version")


@pytest.mark.parametrize(
    ("damage", "fragments"),
    [
        (truncate_to_half, ["is truncated", "re-record or re-import"]),
        (garbage_header, ["not an SQLite file"]),
        (garbage_header_after_magic, ["has a damaged SQLite header", "re-record or re-import"]),
        (garbage_after_page_size, ["has a damaged SQLite header"]),
        (garbage_in_schema_page, ["is damaged or truncated (SQLite says: ", "re-record or re-import"]),
        (garbage_page_in_the_middle, ["is damaged or truncated"]),
        (newer_version, ["newer runsense (format version 2", "upgrade runsense"]),
        (zero_version, ["invalid format version (0)"]),
        (drop_events, ["has no 'events' table"]),
        (drop_a_column, ["lacks column(s) analyser_version in 'steps'"]),
    ],
)
def test_damaged_recordings_are_refused_clearly(
    tmp_path: Path, damage: Callable[[Path], None], fragments: list[str]
) -> None:
    path = write_recording(tmp_path / "run.rsrec")
    damage(path)
    with pytest.raises(RecordingError) as excinfo:
        read_everything(path)
    assert_one_clear_line(excinfo, path, *fragments)


def test_missing_empty_text_directory_and_tiny_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.rsrec"
    empty.touch()
    text = tmp_path / "notes.rsrec"
    text.write_text("t_s,ax_g\n0,1\n")
    tiny = tmp_path / "tiny.rsrec"
    tiny.write_bytes(b"SQLite format 3\x00\x10")
    blank_db = tmp_path / "blank.rsrec"
    sql(blank_db, "PRAGMA journal_mode = WAL")
    cases = {
        blank_db: "holds no tables",
        tmp_path / "missing.rsrec": "does not exist",
        empty: "is empty (0 bytes)",
        text: "not an SQLite file",
        tmp_path: "is a directory",
        tiny: "shorter than its header",
    }
    for path, fragment in cases.items():
        with pytest.raises(RecordingError) as excinfo:
            RecordingReader(path)
        assert_one_clear_line(excinfo, path, fragment)


def test_sqlite_database_of_another_application(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    sql(path, "CREATE TABLE metadata (key, value)", "INSERT INTO metadata VALUES ('a', 'b')")
    with pytest.raises(RecordingError) as excinfo:
        RecordingReader(path)
    assert_one_clear_line(excinfo, path, "SQLite database of another application", "not a runsense recording")


CRASHING_WRITER = """
import sys
from runsense.model import Placement, RawPacket
from runsense.recording import F32_CHAR_UUID, F32_PROFILE, RecordingWriter, SensorInfo

writer = RecordingWriter(sys.argv[1], metadata={"runner": "D"}, commit_interval_s=3600.0)
writer.add_sensor(SensorInfo("imu", F32_PROFILE, Placement.SACRUM, None, 100.0, ("az_g",), F32_CHAR_UUID))
for k in range(int(sys.argv[2])):
    writer.write_packet(RawPacket("imu", F32_CHAR_UUID, k, bytes([k % 256]) * 400, float(k), 100))
writer.commit()
print("committed", flush=True)
for k in range(10**7):  # never committed; enough data for SQLite to spill pages into the WAL
    writer.write_packet(RawPacket("imu", F32_CHAR_UUID, k, b"\\xff" * 400, float(k), 100))
    if k == 20_000:
        print("writing", flush=True)
"""


@pytest.mark.parametrize("n_committed", [0, 250])
def test_killed_writer_leaves_a_file_with_everything_committed(tmp_path: Path, n_committed: int) -> None:
    path = tmp_path / "live.rsrec"
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(path), str(n_committed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "committed\n"
        assert process.stdout.readline() == "writing\n"
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    assert (tmp_path / "live.rsrec-wal").stat().st_size > 0

    with RecordingReader(path) as reader:
        assert reader.metadata["runner"] == "D"
        assert [s.sensor_id for s in reader.sensors] == ["imu"]
        packets = list(reader.iter_packets())
    assert [p.t0_s for p in packets] == [float(k) for k in range(n_committed)]
    assert all(p.payload == bytes([k % 256]) * 400 for k, p in enumerate(packets))
