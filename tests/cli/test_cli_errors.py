"""User mistakes end with exit status 2 and one ``runsense: error:`` line, never a traceback.

Every case runs in its own scratch directory and checks that the failed command
changed no file there: nothing overwritten, no output or temporary file left.
The mistakes the brief lists run the real command as a subprocess; they are started
together (each spends about two seconds importing numpy, scipy and the dashboard),
so selecting one of them still runs them all. Further mistakes call ``main`` in-process.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from runsense.cli import main
from tests.cli.helpers import copy_demo, run_cli

Args = list[str | Path]


@dataclass(frozen=True)
class Mistake:
    """A command line that is wrong, built in a scratch directory, and what its message must say."""

    make_args: Callable[[Path], Args]
    says: str


SACRUM = ("--placement", "sacrum")


def out(directory: Path) -> Args:
    return ["--out", directory / "rec.rsrec"]


def good_csv(directory: Path, name: str = "run.csv") -> Path:
    path = directory / name
    path.write_text("t_s,ax_g,az_g\n" + "".join(f"{i / 100:.2f},0.0,1.0\n" for i in range(200)))
    return path


def written(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def new_directory(path: Path) -> Path:
    path.mkdir()
    return path


def truncated_demo(directory: Path) -> Path:
    recording = copy_demo(directory, "half.rsrec")
    with recording.open("r+b") as file:
        file.truncate(recording.stat().st_size // 2)
    return recording


def existing_output(directory: Path) -> Args:
    written(directory, "rec.rsrec", "my precious data\n")
    return ["import", good_csv(directory), *SACRUM, *out(directory)]


SEMICOLON_CSV = "t_s;ax_g\n0;1\n0.01;1\n"

MISTAKES: dict[str, Mistake] = {
    "missing input file": Mistake(lambda d: ["analyse", d / "nope.csv", *SACRUM], "does not exist"),
    "CSV without --placement": Mistake(lambda d: ["analyse", good_csv(d)], "add --placement"),
    "unknown placement": Mistake(
        lambda d: ["analyse", good_csv(d), "--placement", "knee"], "unknown placement 'knee'"
    ),
    "semicolon delimiter": Mistake(
        lambda d: ["analyse", written(d, "semi.csv", SEMICOLON_CSV), *SACRUM], "';' as delimiter"
    ),
    "non-numeric cell": Mistake(
        lambda d: ["analyse", written(d, "bad.csv", "t_s,ax_g\n0.00,1.0\n0.01,oops\n"), *SACRUM],
        "line 3, column 'ax_g': 'oops' is not a number",
    ),
    "truncated recording": Mistake(lambda d: ["analyse", truncated_demo(d)], "truncated"),
    "text file renamed .rsrec": Mistake(
        lambda d: ["analyse", written(d, "notes.rsrec", "just some notes\n")], "not a runsense recording"
    ),
    "import to an existing output": Mistake(existing_output, "already exists"),
    "steps CSV into a missing directory": Mistake(
        lambda d: ["analyse", copy_demo(d), "--steps-csv", d / "missing" / "steps.csv"], "does not exist"
    ),
    "--save with a CSV input": Mistake(
        lambda d: ["analyse", good_csv(d), *SACRUM, "--save"], "runsense import"
    ),
    "import of a semicolon CSV": Mistake(
        lambda d: ["import", written(d, "semi.csv", SEMICOLON_CSV), *SACRUM, *out(d)], "';' as delimiter"
    ),
    "import of a CSV with a non-numeric cell": Mistake(
        lambda d: ["import", written(d, "bad.csv", "t_s,ax_g\n0,1\n0.01,1\n0.02,NaN?\n"), *SACRUM, *out(d)],
        "line 4",
    ),
}

MORE_MISTAKES: dict[str, Mistake] = {
    "missing recording": Mistake(lambda d: ["analyse", d / "nope.rsrec"], "does not exist"),
    "negative speed": Mistake(lambda d: ["analyse", good_csv(d), *SACRUM, "--speed-kmh", "-3"], "'-3'"),
    "no subcommand": Mistake(lambda _: [], "COMMAND"),
    "misspelt option": Mistake(lambda d: ["analyse", good_csv(d), "--placemnet", "sacrum"], "--placemnet"),
    "no time column and no --rate-hz": Mistake(
        lambda d: ["analyse", written(d, "untimed.csv", "ax_g,az_g\n0,1\n0,1\n"), *SACRUM], "--rate-hz"
    ),
    "t_s disagrees with --rate-hz": Mistake(
        lambda d: ["analyse", good_csv(d), *SACRUM, "--rate-hz", "250"], "rate_hz is 250 Hz"
    ),
    "--save on a truncated recording": Mistake(
        lambda d: ["analyse", truncated_demo(d), "--save"], "truncated"
    ),
    "steps CSV onto a directory": Mistake(
        lambda d: ["analyse", copy_demo(d), "--steps-csv", new_directory(d / "out")], "is a directory"
    ),
    "import into a missing directory": Mistake(
        lambda d: ["import", good_csv(d), *SACRUM, "--out", d / "missing" / "rec.rsrec"],
        "directory does not exist",
    ),
    "import without --placement": Mistake(lambda d: ["import", good_csv(d), *out(d)], "--placement"),
    "import of a missing CSV": Mistake(
        lambda d: ["import", d / "nope.csv", *SACRUM, *out(d)], "does not exist"
    ),
}


def snapshot(directory: Path) -> dict[str, str]:
    """Every file and directory under ``directory`` with a hash of its content."""
    found: dict[str, str] = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs:
            found[os.path.relpath(Path(root, name), directory) + "/"] = "dir"
        for name in files:
            path = Path(root, name)
            found[os.path.relpath(path, directory)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def assert_one_error_line(stderr: str, says: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("runsense: error: "), stderr
    assert says in lines[0]


@dataclass(frozen=True)
class Outcome:
    directory: Path
    before: dict[str, str]
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    prepared = {}
    for name, mistake in MISTAKES.items():
        directory = tmp_path_factory.mktemp("mistake")
        args = mistake.make_args(directory)
        prepared[name] = (directory, args, snapshot(directory))
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        running = {name: pool.submit(run_cli, *args) for name, (_, args, _) in prepared.items()}
        return {
            name: Outcome(directory, before, running[name].result())
            for name, (directory, _, before) in prepared.items()
        }


@pytest.mark.parametrize("name", list(MISTAKES))
def test_user_mistake_gives_one_error_line_exit_2_and_changes_no_file(
    name: str, outcomes: dict[str, Outcome]
) -> None:
    outcome = outcomes[name]
    result = outcome.result
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert_one_error_line(result.stderr, MISTAKES[name].says)
    assert snapshot(outcome.directory) == outcome.before  # nothing created, removed or overwritten


@pytest.mark.parametrize("name", list(MORE_MISTAKES))
def test_more_mistakes_give_one_error_line_exit_2_and_change_no_file(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mistake = MORE_MISTAKES[name]
    args = [str(arg) for arg in mistake.make_args(tmp_path)]
    before = snapshot(tmp_path)
    status: int | str | None
    try:
        status = main(args)
    except SystemExit as exited:  # argparse's own checks exit rather than return
        status = exited.code
    assert status == 2
    assert_one_error_line(capsys.readouterr().err, mistake.says)
    assert snapshot(tmp_path) == before


def test_steps_csv_target_is_checked_before_the_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyse", str(copy_demo(tmp_path)), "--steps-csv", str(tmp_path / "no" / "s.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused up front, not after a long analysis
    assert str(tmp_path / "no") in captured.err


def test_error_names_the_file_the_user_gave(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = written(tmp_path, "bad.csv", "t_s,ax_g\n0.00,1.0\n0.01,oops\n")
    assert main(["analyse", str(bad), *SACRUM]) == 2
    assert capsys.readouterr().err.startswith(f"runsense: error: {bad}: line 3")
