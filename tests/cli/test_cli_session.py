"""Headless replay/demo, cue storage with --save, and runner settings (`runsense config`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runsense.model import CueKind
from runsense.recording import RecordingReader
from runsense.recording.events import cue_from_event
from tests.cli.helpers import copy_demo, run_cli


@pytest.fixture
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "runsense.toml"
    monkeypatch.setenv("RUNSENSE_CONFIG", str(path))
    return path


@pytest.mark.usefixtures("isolated_config")
def test_headless_replay_prints_cues_and_summary(tmp_path: Path) -> None:
    rec = copy_demo(tmp_path)
    result = run_cli("replay", rec, "--speed", "max", "--no-ui", "--quiet-steps")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    cue_lines = [line for line in lines if line.startswith("cue ")]
    assert any("RAISE CADENCE" in line for line in cue_lines)
    assert not any(line.startswith("step ") for line in lines)
    assert any(line.startswith("Time in 170-180 spm") for line in lines)


@pytest.mark.usefixtures("isolated_config")
def test_headless_demo_with_a_lower_band_gives_other_cues() -> None:
    default = run_cli("demo", "--speed", "max", "--no-ui", "--quiet-steps")
    lower = run_cli("demo", "--speed", "max", "--no-ui", "--quiet-steps", "--band", "150-160")
    assert default.returncode == lower.returncode == 0
    assert "Time in 150-160 spm" in lower.stdout
    assert [ln for ln in default.stdout.splitlines() if ln.startswith("cue ")] != [
        ln for ln in lower.stdout.splitlines() if ln.startswith("cue ")
    ]


@pytest.mark.usefixtures("isolated_config")
def test_save_stores_the_cues_with_the_steps(tmp_path: Path) -> None:
    rec = copy_demo(tmp_path)
    result = run_cli("analyse", rec, "--save", "--summary-only")
    assert result.returncode == 0, result.stderr
    with RecordingReader(rec) as reader:
        cues = [cue_from_event(e) for e in reader.iter_events() if e.kind == "cue"]
        steps = list(reader.iter_steps())
    assert cues
    assert cues[0].kind is CueKind.RAISE_CADENCE
    step_times = {round(s.t_s, 6) for s in steps}
    assert all(round(c.t_s, 6) in step_times for c in cues)  # every cue is tied to its step
    again = run_cli("analyse", rec, "--save", "--summary-only")
    assert again.returncode == 0
    with RecordingReader(rec) as reader:
        assert len([e for e in reader.iter_events() if e.kind == "cue"]) == len(cues)  # replaced, not added


def test_config_set_show_and_path(isolated_config: Path) -> None:
    assert run_cli("config", "path").stdout.strip() == str(isolated_config)
    assert run_cli("config", "set", "shoes", "Pegasus 40").returncode == 0
    assert run_cli("config", "set", "target_mode", "personal").returncode == 0
    assert run_cli("config", "set", "preferred_cadence_spm", "168").returncode == 0
    shown = run_cli("config").stdout
    assert "shoes = Pegasus 40" in shown
    assert "target_mode = personal" in shown
    assert "preferred_cadence_spm = 168.0" in shown
    assert 'shoes = "Pegasus 40"' in isolated_config.read_text()


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("colour", "red", "unknown setting 'colour'"),
        ("band_low_spm", "300", "need 100 <= low < high <= 250"),
        ("height_cm", "tall", "is not a number"),
        ("target_mode", "fast", "use 'band' or 'personal'"),
    ],
)
def test_config_mistakes_are_one_line_errors(
    isolated_config: Path, key: str, value: str, needle: str
) -> None:
    result = run_cli("config", "set", key, value)
    assert result.returncode == 2
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not isolated_config.exists()  # nothing written


def test_a_broken_config_file_is_named(isolated_config: Path) -> None:
    isolated_config.parent.mkdir(parents=True)
    isolated_config.write_text("shoes = [unclosed\n")
    result = run_cli("demo", "--no-ui", "--speed", "max")
    assert result.returncode == 2
    assert str(isolated_config) in result.stderr
    assert "not valid TOML" in result.stderr
    assert os.environ.get("RUNSENSE_CONFIG") == str(isolated_config)
