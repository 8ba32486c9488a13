"""``runsense sessions [DIR] [--load]`` over a folder of demo copies with varied metadata and broken files."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from runsense.coach.cli import main
from runsense.coach.data import open_info, start_time
from runsense.coach.listing import SessionLine, Unreadable, list_sessions
from runsense.config import RunnerSettings
from tests.coach.conftest import demo_copy, fit_like_recording
from tests.conftest import DEMO


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three good recordings (one without stored steps, one FIT-like) in subfolders, and three bad files."""
    root = tmp_path / "runs"
    demo_copy(root, "ana-1.rsrec", metadata={"runner": "ana", "created_utc": "2026-03-04T07:00:00Z",
                                             "shoes": "Pegasus 40"})  # fmt: skip
    demo_copy(root / "ben", "raw.rsrec", metadata={"runner": "ben", "created_utc": "2026-03-11T18:30:00Z"},
              without_steps=True)  # fmt: skip
    (root / "watch" / "2026").mkdir(parents=True)
    fit_like_recording(
        root / "watch" / "2026" / "morning.rsrec",
        [{"cadence_spm": 176.0, "speed_mps": 3.0, "distance_m": 3.0 * t} for t in range(30)],
        {"fit_session": {"distance_m": 5012.0}, "start_utc": "2026-03-01T06:00:00Z"},
    )
    (root / "garbage.rsrec").write_text("not a recording\n")
    (root / "cut.rsrec").write_bytes(DEMO.read_bytes()[:8192])
    with sqlite3.connect(root / "foreign.rsrec") as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    (root / "notes.txt").write_text("ignored: not a recording name\n")
    return root


def test_one_line_per_recording_then_one_per_unreadable_file(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = folder / "ben" / "raw.rsrec"
    before = hashlib.sha256(raw.read_bytes()).hexdigest()
    assert main(["sessions", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    header, *rows = out
    assert header.split() == [
        "date",
        "runner",
        "duration",
        "distance",
        "cadence",
        "in",
        "170-180",
        "cues",
        "file",
    ]
    # by date: the FIT-like one (1 March), ana (4 March), ben (11 March), then the broken files by path
    assert rows[0].startswith("2026-03-01 06:00 UTC  -")
    assert rows[0].endswith("watch/2026/morning.rsrec (FIT)")
    assert "5.01 km" in rows[0]
    assert "176.0 spm" in rows[0]
    assert rows[1].split()[:4] == ["2026-03-04", "07:00", "UTC", "ana"]
    assert "1:01" in rows[1]
    assert "0.20 km" in rows[1]
    assert "185.6 spm" in rows[1]
    assert "10 s (16 %)" in rows[1]
    assert rows[1].split()[-2:] == ["3", "ana-1.rsrec"]
    assert rows[2].split()[3] == "ben"
    assert rows[2].endswith("ben/raw.rsrec *")
    assert "185.6 spm" in rows[2]  # analysed on the fly: the same steps as stored in the demo
    assert rows[3].startswith("cut.rsrec: unreadable: is truncated")
    assert rows[4].startswith("foreign.rsrec: unreadable: is an SQLite database of another application")
    assert rows[5].startswith("garbage.rsrec: unreadable: is not a runsense recording")
    assert rows[6].startswith("* steps analysed now")
    assert len(rows) == 7
    assert hashlib.sha256(raw.read_bytes()).hexdigest() == before, "listing must not write to recordings"


def test_band_comes_from_the_runner_settings(folder: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    config = folder.parent / "config.toml"
    config.write_text("band_low_spm = 180.0\nband_high_spm = 190.0\n")
    monkeypatch.setenv("RUNSENSE_CONFIG", str(config))
    assert main(["sessions", str(folder / "ben")]) == 0
    header, row, _ = capsys.readouterr().out.splitlines()
    assert "in 180-190" in header
    assert "17 s (29 %)" in row


def test_load_shows_weekly_distance_and_warns_on_the_ten_percent_rule_and_worn_shoes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for week, km in enumerate([100, 100, 100, 100, 120]):
        day = f"2026-03-{2 + 7 * week:02d}" if week < 5 else ""
        demo_copy(tmp_path, f"w{week}.rsrec", metadata={"runner": "ana", "created_utc": f"{day}T07:00:00Z",
                                                        "distance_km": km, "shoes": "Old pair"})  # fmt: skip
    assert main(["sessions", str(tmp_path), "--load"]) == 0
    out = capsys.readouterr().out
    load = out[out.index("training load") :].splitlines()
    assert load[1] == "ana:"
    assert load[2].split()[:2] == ["2026-W10", "100.0"]
    assert "WARNING" not in load[5]
    assert load[6].split()[:3] == ["2026-W14", "120.0", "km"]
    assert "4-week mean  100.0 km   +20 %  WARNING: 2026-W14: 120.0 km is 20 % over" in load[6]
    assert "Old pair: 520.0 km (323 miles), 5 sessions  WARNING:" in out
    assert "300-500 miles" in out


def test_settings_name_and_shoes_fill_in_what_a_recording_does_not_say(tmp_path: Path) -> None:
    path = demo_copy(tmp_path, metadata={"runner": None})
    info = open_info(path, RunnerSettings(name="ana", shoes="Pegasus 40"))
    assert (info.runner, info.shoes) == ("ana", "Pegasus 40")
    other = open_info(
        demo_copy(tmp_path, "b.rsrec", metadata={"runner": "ben"}), RunnerSettings(name="ana", shoes="X")
    )
    assert (other.runner, other.shoes) == ("ben", "")  # ana's shoes are not ben's
    assert info.distance_km == pytest.approx(12.0 * info.duration_s / 3600)


def test_start_time_prefers_the_run_over_the_import_and_never_trusts_a_clockless_device() -> None:
    assert str(start_time({"start_utc": "2017-06-11T14:34:09Z", "created_utc": "2026-01-01T00:00:00Z"})) == (
        "2017-06-11 14:34:09"
    )
    clockless = {"fit_time_base": "device-relative", "start_utc": None, "created_utc": "2026-01-01T00:00:00Z"}
    assert start_time(clockless) is None
    assert str(start_time({**clockless, "start_local": "2012-05-01T18:00:00"})) == "2012-05-01 18:00:00"
    assert start_time({"created_utc": "yesterday"}) is None


def test_list_sessions_keeps_going_past_any_failure(folder: Path) -> None:
    rows = list_sessions(sorted(folder.rglob("*.rsrec")), RunnerSettings())
    assert [type(r) for r in rows] == [SessionLine] * 3 + [Unreadable] * 3


def test_default_folder_and_missing_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("RUNSENSE_DATA_DIR", str(tmp_path / "nothing-yet"))
    assert main(["sessions"]) == 0
    assert "no recordings yet" in capsys.readouterr().out
    monkeypatch.setenv("RUNSENSE_DATA_DIR", str(tmp_path))
    assert main(["sessions"]) == 0
    assert capsys.readouterr().out == f"no recordings (*.rsrec) in {tmp_path}\n"
    demo_copy(tmp_path)
    assert main(["sessions"]) == 0
    assert "demo.rsrec" in capsys.readouterr().out
    assert main(["sessions", str(tmp_path / "typo")]) == 2
    captured = capsys.readouterr()
    assert (
        captured.err
        == f"runsense: error: {tmp_path / 'typo'} does not exist; give a folder of recordings (.rsrec)\n"
    )
