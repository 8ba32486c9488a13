"""Where the logger writes: SQLite (WAL) always, CSV per runner and kind and JSONL on request.

One row per message. QoS 1 is at-least-once, so a message can arrive twice (a publisher
republishing after a reconnect, a broker redelivering to a restarted logger); a unique
index on (topic, session_id, seq) keeps one copy, and CSV/JSONL get only what SQLite
accepted. Rows without a sequence number (status, error rows) are never deduplicated.
Commits are batched by the caller; with WAL and ``synchronous=NORMAL`` a commit does
not wait for the disk, and a crash loses at most the uncommitted batch, which the broker
redelivers because the logger acknowledges messages only after committing them.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import IO, Any, Final

from runsense.errors import ConfigError, RunsenseError
from runsense.mqtt.logrows import LogRow
from runsense.mqtt.schemas import field_names
from runsense.mqtt.topics import slug_runner

LOG_FORMAT_VERSION: Final = 1
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    received_unix_s REAL NOT NULL,
    sent_unix_s REAL,
    topic TEXT NOT NULL,
    runner TEXT,
    kind TEXT,
    session_id TEXT,
    seq INTEGER,
    qos INTEGER NOT NULL,
    retained INTEGER NOT NULL,
    payload TEXT NOT NULL,
    error TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_once ON messages (topic, session_id, seq);
CREATE INDEX IF NOT EXISTS messages_by_runner ON messages (runner, kind, received_unix_s);
CREATE VIEW IF NOT EXISTS errors AS
    SELECT id, received_unix_s, topic, error, payload FROM messages WHERE error IS NOT NULL;
"""
_INSERT: Final = (
    "INSERT OR IGNORE INTO messages (received_unix_s, sent_unix_s, topic, runner, kind, session_id, seq,"
    " qos, retained, payload, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ERROR_COLUMNS: Final = ["received_unix_s", "topic", "error", "payload"]


def open_log_db(path: Path) -> sqlite3.Connection:
    """Open or create a log database; a file that is not one is a clear error."""
    if path.is_dir():
        raise ConfigError(f"--out {path} is a directory; give a file name such as {path / 'log.sqlite'}")
    if not path.parent.is_dir():
        raise ConfigError(f"--out {path}: the directory {path.parent} does not exist; create it first")
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {LOG_FORMAT_VERSION}")
        db.commit()
    except sqlite3.DatabaseError as exc:
        db.close()
        raise ConfigError(f"--out {path}: not a runsense log database ({exc})") from None
    return db


class LogStore:
    """Writes rows to SQLite and the optional CSV directory and JSONL file."""

    def __init__(self, db_path: Path, *, csv_dir: Path | None = None, jsonl_path: Path | None = None) -> None:
        """Open every output now, so a bad path fails before connecting to the broker."""
        if csv_dir is not None and csv_dir.exists() and not csv_dir.is_dir():
            raise ConfigError(f"--csv {csv_dir} is a file; give a directory")
        if jsonl_path is not None and not jsonl_path.parent.is_dir():
            raise ConfigError(f"--jsonl {jsonl_path}: the directory {jsonl_path.parent} does not exist")
        self.path = db_path
        self.db = open_log_db(db_path)
        self._csv_dir = csv_dir
        self._csv: dict[tuple[str, str], tuple[IO[str], csv.DictWriter[str]]] = {}
        self._jsonl: IO[str] | None = None
        if jsonl_path is not None:
            self._jsonl = jsonl_path.open("a", encoding="utf-8")
        if csv_dir is not None:
            csv_dir.mkdir(parents=True, exist_ok=True)
        self.stored = 0
        self.duplicates = 0
        self.errors = 0

    def add(self, row: LogRow) -> bool:
        """Store one row (uncommitted); False if it was a duplicate."""
        values = (
            row.received_unix_s, row.sent_unix_s, row.topic, row.runner, row.kind, row.session_id,
            row.seq, row.qos, int(row.retained), row.payload, row.error,
        )
        try:
            cursor = self.db.execute(_INSERT, values)
        except sqlite3.Error as exc:  # e.g. the disk is full: stop with a clear message
            raise RunsenseError(f"{self.path}: cannot write the log: {exc}") from None
        if cursor.rowcount == 0:
            self.duplicates += 1
            return False
        self.stored += 1
        self.errors += row.error is not None
        if self._csv_dir is not None:
            self._write_csv(self._csv_dir, row)
        if self._jsonl is not None:
            self._jsonl.write(json.dumps(_jsonl_record(row), ensure_ascii=False) + "\n")
        return True

    def commit(self) -> None:
        """Make everything added so far durable (and flush CSV/JSONL alongside)."""
        try:
            self.db.commit()
        except sqlite3.Error as exc:
            raise RunsenseError(f"{self.path}: cannot write the log: {exc}") from None
        for handle, _ in self._csv.values():
            handle.flush()
        if self._jsonl is not None:
            self._jsonl.flush()

    def close(self) -> None:
        """Commit and close every output."""
        self.commit()
        self.db.close()
        for handle, _ in self._csv.values():
            handle.close()
        if self._jsonl is not None:
            self._jsonl.close()

    def _write_csv(self, root: Path, row: LogRow) -> None:
        if row.error is not None or row.kind is None or row.body is None:
            key, columns = ("", "errors"), _ERROR_COLUMNS
            record: dict[str, Any] = {
                "received_unix_s": row.received_unix_s, "topic": row.topic, "error": row.error,
                "payload": row.payload,
            }
        else:
            key = (slug_runner(row.runner or ""), row.kind)
            columns = ["received_unix_s", *field_names(row.kind)]
            record = {k: _cell(v) for k, v in row.body.items()} | {"received_unix_s": row.received_unix_s}
        if key not in self._csv:
            path = root / key[0] / f"{key[1]}.csv" if key[0] else root / "errors.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            new = not path.exists() or path.stat().st_size == 0
            handle = path.open("a", encoding="utf-8", newline="")
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            if new:
                writer.writeheader()
            self._csv[key] = (handle, writer)
        self._csv[key][1].writerow(record)


def _cell(value: object) -> object:
    """Lists and objects go into one CSV cell as JSON; null becomes an empty cell."""
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _jsonl_record(row: LogRow) -> dict[str, Any]:
    record: dict[str, Any] = {"received_unix_s": row.received_unix_s, "topic": row.topic}
    if row.error is None:
        record["payload"] = row.body
    else:
        record |= {"error": row.error, "raw": row.payload}
    return record
