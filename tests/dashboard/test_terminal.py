"""`runsense demo` in a real terminal (tmux): the captured screen shows a cadence and a cue."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)"
)


def _capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-t", session, "-p"], check=True, capture_output=True, text=True
    ).stdout


def test_demo_in_tmux_shows_cadence_and_a_cue() -> None:
    session = f"runsense-{uuid.uuid4().hex[:8]}"
    command = f"TERM=xterm-256color {sys.executable} -m runsense demo --speed 2"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "32", "-c", str(REPO), command],
        check=True,
    )
    try:
        screen = ""
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
        ):  # polls the real terminal for a condition; the timeout is a failure bound
            screen = _capture(session)
            if "RAISE CADENCE" in screen and "steps / min" in screen:
                break
            time.sleep(0.5)
        assert "steps / min" in screen, screen
        assert "RAISE CADENCE" in screen, screen
        assert "sacrum (sacrum) streaming" in screen, screen
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)
