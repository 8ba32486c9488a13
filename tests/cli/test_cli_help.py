"""``--help`` and ``--version`` of the real ``runsense`` command."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from runsense import __version__
from runsense.cli import build_parser, main
from tests.cli.helpers import run_cli


def subcommands() -> dict[str, argparse.ArgumentParser]:
    """Every subcommand the parser knows, so one added later is covered without editing this file."""
    parser = build_parser()
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
    return dict(action.choices)


def test_top_level_help_lists_both_subcommands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: runsense")
    for word in ("--version", *subcommands()):
        assert word in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (
            "analyse",
            "INPUT --placement --side --speed-kmh --rate-hz --steps-csv --save --summary-only",
        ),
        (
            "import",
            "INPUT.csv --placement --side --rate-hz --speed-kmh --runner --out",
        ),
    ],
)
def test_subcommand_help_mentions_every_option(command: str, options: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: runsense {command}")
    missing = [option for option in options.split() if option not in result.stdout]
    assert not missing, result.stdout
    assert "foot, shank, sacrum, chest, wrist" in " ".join(result.stdout.split())


def shown_names(action: argparse.Action) -> list[str]:
    """How --help shows an argument: its option strings, else its metavar, choices or name."""
    if action.option_strings:
        return list(action.option_strings)
    if action.metavar is not None:
        return [str(action.metavar)]
    if action.choices is not None:
        return ["{" + ",".join(str(choice) for choice in action.choices) + "}"]
    return [action.dest]


@pytest.mark.parametrize("command", list(subcommands()))
def test_every_subcommand_help_exits_0_and_lists_all_its_options(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: runsense {command}")
    for action in subcommands()[command]._actions:  # noqa: SLF001
        assert any(name in out for name in shown_names(action)), (shown_names(action), out)


def test_version_prints_the_package_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"runsense {__version__}"


def test_installed_console_script_runs() -> None:
    script = Path(sys.executable).parent / "runsense"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable} (pip install -e .)")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "analyse" in result.stdout
