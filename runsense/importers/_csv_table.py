"""Parse and validate the CSV table of an IMU import; every rejection names its line or column.

The user has to fix a rejected file by hand, so each error says where and what.
Parsing is vectorised with numpy; a slow line-by-line pass runs only after the
fast pass failed, to find the first offending line.
"""

from __future__ import annotations

import gzip
import math
import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

from runsense.errors import InputFileError

if TYPE_CHECKING:
    from pathlib import Path

    from runsense.model import FloatArray

STANDARD_GRAVITY_MS2: Final = 9.80665
_AXIS_COLUMN: Final = re.compile(r"([ag])([xyz])(?:_(.*))?")
_ACC_SCALE_TO_G: Final = {"g": 1.0, "ms2": 1.0 / STANDARD_GRAVITY_MS2}
_OTHER_DELIMITERS: Final = ((";", "';'"), ("\t", "tab"), ("|", "'|'"))


@dataclass(frozen=True, slots=True)
class Column:
    """A sensor column: where it is, what it is called, and its scale to g or deg/s."""

    index: int
    name: str
    channel: str
    scale: float


def _read_text(path: Path) -> str:
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(where, "does not exist; check the path") from None
    except IsADirectoryError:
        raise InputFileError(where, "is a directory, not a CSV file") from None
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror}); check its permissions") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputFileError(
                where, f"is not a valid gzip file ({exc}); re-compress or unpack it"
            ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(where, f"line {line} is not UTF-8 text; save the file as UTF-8 CSV") from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _parse_header(where: str, header: str) -> tuple[list[str], int | None, list[Column]]:
    """Find the time and sensor columns; the other columns are ignored."""
    if not header.strip():
        raise InputFileError(
            where, "line 1 is empty; the first line must be a header such as t_s,ax_g,ay_g,az_g"
        )
    if "," not in header:
        for delimiter, name in _OTHER_DELIMITERS:
            if delimiter in header:
                raise InputFileError(where, f"uses {name} as delimiter; runsense expects commas")
    names = [name.strip() for name in header.split(",")]
    t_index: int | None = None
    by_axis: dict[tuple[str, str], Column] = {}
    for index, name in enumerate(names):
        if name == "t_s":
            if t_index is not None:
                raise InputFileError(where, "column 't_s' appears twice in the header; keep one")
            t_index = index
        elif match := _AXIS_COLUMN.fullmatch(name):
            kind, axis, unit = match.groups()
            by_axis[kind, axis] = _sensor_column(where, index, name, by_axis.get((kind, axis)), unit)
    columns = [by_axis[key] for key in sorted(by_axis)]
    if not any(column.channel.endswith("_g") for column in columns):
        shown = ", ".join(repr(name) for name in names[:8]) + (", ..." if len(names) > 8 else "")
        raise InputFileError(
            where,
            f"has no acceleration column (header: {shown}); name them ax/ay/az with a _g or _ms2 suffix",
        )
    return names, t_index, columns


def _sensor_column(where: str, index: int, name: str, previous: Column | None, unit: str | None) -> Column:
    kind, axis = name[0], name[1]
    what = "no unit suffix" if unit is None else f"unknown unit suffix '_{unit}'"
    if kind == "a" and unit not in _ACC_SCALE_TO_G:
        raise InputFileError(
            where, f"column {name!r} has {what}; acceleration columns end in _g or _ms2 (e.g. a{axis}_g)"
        )
    if kind == "g" and unit != "dps":
        raise InputFileError(
            where, f"column {name!r} has {what}; gyro columns end in _dps (e.g. g{axis}_dps)"
        )
    if previous is not None:
        quantity = "acceleration" if kind == "a" else "angular rate"
        raise InputFileError(
            where, f"columns {previous.name!r} and {name!r} both give the {axis} {quantity}; keep one"
        )
    if kind == "a":
        return Column(index, name, f"a{axis}_g", _ACC_SCALE_TO_G[str(unit)])
    return Column(index, name, f"g{axis}_dps", 1.0)


def _check_field_counts(where: str, rows: list[str], n_fields: int) -> None:
    counts = [row.count(",") for row in rows]
    if counts.count(n_fields - 1) == len(counts):
        return
    for i, count in enumerate(counts):
        if count != n_fields - 1:
            if not rows[i].strip():
                raise InputFileError(where, f"line {i + 2} is empty; remove blank lines between data rows")
            raise InputFileError(where, f"line {i + 2} has {count + 1} fields but the header has {n_fields}")


def _to_float(cell: str) -> float | None:
    """Like ``float`` but rejecting ``1_000``, which numpy's fast path rejects too."""
    if "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _cell_value(where: str, line: int, name: str, text: str) -> float:
    cell = text.strip()
    if not cell:
        raise InputFileError(where, f"line {line}, column {name!r}: empty cell; every row needs a value")
    value = _to_float(cell)
    if value is None:
        raise InputFileError(where, f"line {line}, column {name!r}: {cell!r} is not a number")
    if not math.isfinite(value):
        raise InputFileError(where, f"line {line}, column {name!r}: {cell!r} is not a finite number")
    return value


def _parse_values(where: str, rows: list[str], names: list[str], used: list[int]) -> FloatArray:
    """Parse the used columns; fast with numpy, exact line numbers from a slow pass on failure."""
    try:
        values = np.loadtxt(rows, delimiter=",", usecols=used, dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        values = None
    if values is not None and values.shape[0] == len(rows):
        bad = np.argwhere(~np.isfinite(values))
        if not bad.size:
            return values
        i, j = (int(k) for k in bad[0])
        _cell_value(where, i + 2, names[used[j]], rows[i].split(",")[used[j]])
    slow = np.empty((len(rows), len(used)))
    for i, row in enumerate(rows):
        if not row.strip():
            raise InputFileError(where, f"line {i + 2} is empty; remove blank lines between data rows")
        fields = row.split(",")
        slow[i] = [_cell_value(where, i + 2, names[col], fields[col]) for col in used]
    return slow


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A validated CSV file: ``values`` holds the sensor columns, then ``t_s`` if present."""

    names: list[str]
    t_index: int | None
    columns: list[Column]
    rows: list[str]
    values: FloatArray


def read_table(path: Path) -> CsvTable:
    """Read ``path`` (plain or gzip) and check the header, field counts and every used cell."""
    where = str(path)
    lines = _read_text(path).split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise InputFileError(
            where, "is empty; expected a header row such as t_s,ax_g,ay_g,az_g and data rows"
        )
    names, t_index, columns = _parse_header(where, lines[0])
    rows = lines[1:]
    if not rows:
        raise InputFileError(where, "has a header (line 1) but no data rows")
    _check_field_counts(where, rows, len(names))
    used = [column.index for column in columns] + ([] if t_index is None else [t_index])
    return CsvTable(names, t_index, columns, rows, _parse_values(where, rows, names, used))
