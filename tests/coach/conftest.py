"""Fixtures for the coach tools: isolated settings and data folder, recordings made from the demo."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from runsense.model import Placement, RawPacket, Side, Step
from runsense.recording import JsonValue, RecordingWriter, SensorInfo, replace_steps
from tests.conftest import DEMO

FIT_CHAR_UUID = "72756e73-656e-7365-6669-740000000000"


@pytest.fixture(autouse=True)
def isolated_user_files(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read the developer's own runner settings or data folder."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("RUNSENSE_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("RUNSENSE_DATA_DIR", str(home / "data"))


@pytest.fixture(autouse=True)
def demo_recording_is_never_modified() -> Iterator[None]:
    before = hashlib.sha256(DEMO.read_bytes()).hexdigest()
    yield
    assert hashlib.sha256(DEMO.read_bytes()).hexdigest() == before, f"{DEMO} was modified"


def demo_copy(
    directory: Path,
    name: str = "demo.rsrec",
    *,
    metadata: Mapping[str, JsonValue] | None = None,
    without_steps: bool = False,
    without_cues: bool = False,
) -> Path:
    """A writable demo copy with metadata set (None deletes a key), optionally without steps or cues."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    shutil.copyfile(DEMO, target)
    target.chmod(0o644)
    if metadata:
        with sqlite3.connect(target) as conn:
            for key, value in metadata.items():
                if value is None:
                    conn.execute("DELETE FROM metadata WHERE key = ?", (key,))
                else:
                    conn.execute(
                        "INSERT OR REPLACE INTO metadata (key, value) VALUES (?, ?)", (key, json.dumps(value))
                    )
        conn.close()
    if without_steps:
        replace_steps(target, [], "none")
    if without_cues:
        with sqlite3.connect(target) as conn:
            conn.execute("DELETE FROM events WHERE kind = 'cue'")
        conn.close()
    return target


def fit_like_recording(
    path: Path, seconds: list[dict[str, JsonValue]], metadata: Mapping[str, JsonValue] | None = None
) -> Path:
    """A recording shaped like a FIT import (docs/fit.md): a fit-record sensor and fit_record events."""
    meta: dict[str, JsonValue] = {
        "source": "fit-import:test.fit",
        "start_utc": "2026-03-02T07:00:00Z",
        "created_utc": "2026-03-02T07:00:00Z",
        "fit_time_base": "utc",
    }
    meta.update(metadata or {})
    with RecordingWriter(path, metadata=meta) as writer:
        writer.add_sensor(
            SensorInfo("fit", "fit-record", Placement.WRIST, None, 1.0, ("record_json",), FIT_CHAR_UUID, {})
        )
        for t, payload in enumerate(seconds):
            writer.write_packet(RawPacket("fit", FIT_CHAR_UUID, float(t), b"{}"))
            writer.write_event(float(t), "fit_record", payload)
    return path


def step(  # noqa: PLR0913 -- a Step has many fields; tests name the ones they need
    t_s: float,
    cadence_spm: float | None = 170.0,
    impact_g: float = 3.0,
    *,
    side: Side | None = None,
    contact_ms: float | None = None,
    step_length_m: float | None = None,
) -> Step:
    """A hand-made step with sensible defaults."""
    return Step(
        t_s, "imu", side, cadence_spm, cadence_spm, impact_g, False, contact_ms, None, step_length_m, 0.9
    )


def png_chunks(html: str) -> list[bytes]:
    """Every embedded PNG of a page, decoded."""
    return [base64.b64decode(m) for m in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)]
