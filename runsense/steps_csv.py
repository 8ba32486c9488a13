"""The per-step CSV table: a contract other tools and checks read (column names must not change)."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from runsense.model import Step

STEP_COLUMNS: tuple[str, ...] = (
    # The first six are the documented contract; later ones may be added, never renamed.
    "t_s",
    "cadence_spm",
    "impact_g",
    "contact_ms",
    "side",
    "confidence",
    "cadence_inst_spm",
    "flight_ms",
    "step_length_m",
    "clipped",
    "sensor_id",
    "flags",
)


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def step_row(step: Step) -> list[str]:
    """One CSV row; empty cells where a value was not estimated."""
    return [
        f"{step.t_s:.3f}",
        _fmt(step.cadence_spm, 1),
        f"{step.impact_g:.2f}",
        _fmt(step.contact_ms, 0),
        "" if step.side is None else step.side.value,
        f"{step.confidence:.2f}",
        _fmt(step.cadence_inst_spm, 1),
        _fmt(step.flight_ms, 0),
        _fmt(step.step_length_m, 2),
        "1" if step.clipped else "0",
        step.sensor_id,
        ";".join(step.flags),
    ]


def write_steps_csv(path: Path, steps: Iterable[Step]) -> None:
    """Write the table in one go through a temporary file, so a failure leaves no half file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STEP_COLUMNS)
    writer.writerows(step_row(s) for s in steps)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:  # name the file the user asked for, not the temporary one, and remove that
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def format_step_table(steps: Sequence[Step]) -> str:
    """The table printed on the terminal: fixed-width, the contract columns first."""
    header = (f"{'t_s':>9} {'cadence_spm':>11} {'impact_g':>8} {'contact_ms':>10} {'side':>4} "
              f"{'confidence':>10}  flags")
    lines = [header]
    for s in steps:
        row = step_row(s)
        lines.append(f"{row[0]:>9} {row[1]:>11} {row[2]:>8} {row[3]:>10} {row[4]:>4} {row[5]:>10}  {row[11]}")
    return "\n".join(lines)
