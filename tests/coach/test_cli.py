"""The coach commands' arguments, --help, and that they plug into the ``runsense`` parser as documented."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from runsense.cli import build_parser
from runsense.coach.cli import COACH_COMMANDS, add_coach_commands, main
from tests.coach.conftest import demo_copy
from tests.conftest import REPO

OPTIONS = {
    "sessions": ("DIR", "--load", "RUNSENSE_DATA_DIR"),
    "report": ("REC", "--out"),
    "compare": ("REC_A", "REC_B", "--out"),
}


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_every_command_has_help_listing_its_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith(f"usage: runsense {command}")
    for option in OPTIONS[command]:
        assert option in out


def test_a_usage_mistake_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["compare", "only-one.rsrec"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("runsense: error: the following arguments are required: REC_B")
    assert err.count("\n") == 1


def test_the_commands_plug_into_the_runsense_parser() -> None:
    """What the wiring in runsense/cli.py will do: add the commands to its subparsers action."""
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
    if "report" not in sub.choices:  # not wired yet
        add_coach_commands(sub)
    args = parser.parse_args(["compare", "a.rsrec", "b.rsrec", "--out", "x"])
    assert (args.command, args.before, args.after, args.out) == (
        "compare",
        Path("a.rsrec"),
        Path("b.rsrec"),
        Path("x"),
    )
    assert parser.parse_args(["sessions", "--load"]).directory is None
    assert parser.parse_args(["report", "r.rsrec"]).out == Path()
    assert set(COACH_COMMANDS) == {"sessions", "report", "compare"}


def test_python_dash_m_runs_the_commands(tmp_path: Path) -> None:
    demo_copy(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "runsense.coach", "sessions", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "demo.rsrec" in result.stdout
    assert result.stderr == ""
