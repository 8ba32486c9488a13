"""Read a FIT activity file into plain, JSON-safe Python values, or fail with one clear sentence.

fitdecode does the decoding (not Garmin's Python SDK, which we use for writing): it reads
compressed-timestamp headers (older Forerunners, footpods) and chained FIT files, which
garmin-fit-sdk 21.218 refuses, and it can be told to raise instead of warn on bad data.
Every value leaves this module JSON-safe so it can be stored in a recording unchanged.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Protocol

import fitdecode  # type: ignore[import-untyped]

from runsense.errors import InputFileError
from runsense.recording import JsonValue

FIT_EPOCH: Final = datetime(1989, 12, 31, tzinfo=UTC)
"""FIT timestamps count seconds from this instant."""
FIT_HEADER_MIN_BYTES: Final = 12
FIT_SIGNATURE: Final = b".FIT"
_AGAIN: Final = "copy the complete file from the device or service again"


class _FieldDef(Protocol):
    @property
    def is_dev(self) -> bool: ...


class _FieldData(Protocol):
    """The parts of a ``fitdecode.FieldData`` used here (fitdecode ships no type hints)."""

    name: str
    value: object
    units: str | None
    field_def: _FieldDef | None


class _DataMessage(Protocol):
    name: str
    fields: list[_FieldData]


@dataclass(frozen=True, slots=True)
class FitRecord:
    """One ``record`` message: its time in FIT seconds and its fields as decoded (scale applied)."""

    fit_time_s: int
    fields: dict[str, JsonValue]
    developer: dict[str, JsonValue]


@dataclass(slots=True)
class FitActivity:
    """The messages runsense uses from one FIT file (all chained parts together)."""

    file_types: list[str] = field(default_factory=list)
    file_id: dict[str, JsonValue] = field(default_factory=dict)
    sessions: list[dict[str, JsonValue]] = field(default_factory=list)
    sports: list[dict[str, JsonValue]] = field(default_factory=list)
    laps: list[dict[str, JsonValue]] = field(default_factory=list)
    activity: dict[str, JsonValue] = field(default_factory=dict)
    records: list[FitRecord] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    developer_units: dict[str, str] = field(default_factory=dict)
    utc_times: bool = True
    """False when the device had no clock (timestamps count from power-on, not from 1989)."""


def has_fit_header(head: bytes) -> bool:
    """True for a FIT file header: size byte 12 or 14 and the ``.FIT`` signature at bytes 8-11."""
    return len(head) >= FIT_HEADER_MIN_BYTES and head[0] in (12, 14) and head[8:12] == FIT_SIGNATURE


def fit_seconds(value: object) -> int | None:
    """A FIT ``date_time`` as seconds since the FIT epoch (absolute) or since power-on (relative)."""
    if isinstance(value, datetime):
        return int((value - FIT_EPOCH).total_seconds())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def utc_text(fit_time_s: int) -> str:
    """ISO 8601 UTC (``...Z``), the form ``created_utc`` uses."""
    return datetime.fromtimestamp(FIT_EPOCH.timestamp() + fit_time_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_safe(value: object) -> JsonValue:
    """A decoded FIT value as JSON: datetimes as ISO text, arrays as lists, bytes as hex, NaN as None."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, tuple | list):
        items = [json_safe(v) for v in value]
        return None if all(v is None for v in items) else items
    return str(value)


def _fields(
    frame: _DataMessage,
) -> tuple[dict[str, JsonValue], dict[str, JsonValue], dict[str, str], dict[str, str]]:
    """Native and developer fields of a data message, with the units fitdecode knows for them."""
    native: dict[str, JsonValue] = {}
    developer: dict[str, JsonValue] = {}
    units: dict[str, str] = {}
    dev_units: dict[str, str] = {}
    for data in frame.fields:
        value = json_safe(data.value)
        if value is None:
            continue
        name = str(data.name)
        is_dev = data.field_def is not None and bool(data.field_def.is_dev)
        (developer if is_dev else native)[name] = value
        if is_dev:  # every developer field is listed, with "" when its description has no units
            dev_units[name] = str(data.units or "")
        elif data.units:
            units[name] = str(data.units)
    return native, developer, units, dev_units


def _raw(frame: _DataMessage, name: str) -> object:
    """A field's decoded value before JSON conversion (datetimes stay datetimes)."""
    return next((d.value for d in frame.fields if d.name == name), None)


def _collect(frame: _DataMessage, activity: FitActivity) -> None:
    name = str(frame.name)
    native, developer, units, dev_units = _fields(frame)
    if name == "record":
        raw_time = _raw(frame, "timestamp")
        time_s = fit_seconds(raw_time)
        if time_s is None:
            return  # a record without a time cannot be placed on the session's timeline
        activity.utc_times = activity.utc_times and isinstance(raw_time, datetime)
        activity.records.append(FitRecord(time_s, native, developer))
        activity.units.update(units)
        activity.developer_units.update(dev_units)
    elif name == "file_id":
        activity.file_types.append(str(native.get("type", "unknown")))
        activity.file_id = activity.file_id or native
    elif name == "session":
        start_s = fit_seconds(_raw(frame, "start_time"))
        activity.sessions.append(native if start_s is None else {**native, "start_fit_s": start_s})
    elif name == "sport":
        activity.sports.append(native)
    elif name == "lap":
        start_s = fit_seconds(_raw(frame, "start_time"))
        if start_s is not None:
            activity.laps.append({**native, "start_fit_s": start_s})
    elif name == "activity":
        end_s = fit_seconds(_raw(frame, "timestamp"))
        activity.activity = native if end_s is None else {**native, "end_fit_s": end_s}


def _failure(path: Path, exc: Exception) -> InputFileError:
    where = str(path)
    if isinstance(exc, fitdecode.FitCRCError):
        return InputFileError(
            where, f"fails its FIT CRC check, so it was damaged after it was written; {_AGAIN}"
        )
    if isinstance(exc, fitdecode.FitEOFError):
        return InputFileError(where, f"is truncated (it ends inside a FIT message); {_AGAIN}")
    if isinstance(exc, fitdecode.FitHeaderError):
        return InputFileError(where, f"has a damaged FIT header ({exc}); {_AGAIN}")
    detail = str(exc) or type(exc).__name__
    return InputFileError(where, f"is damaged and cannot be decoded as FIT (decoder: {detail}); {_AGAIN}")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, with the usual path mistakes turned into one sentence each."""
    where = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(where, "does not exist; check the path") from None
    except IsADirectoryError:
        raise InputFileError(where, "is a directory, not a FIT file; pass an activity .fit file") from None
    except OSError as exc:
        raise InputFileError(where, f"cannot be read ({exc.strerror}); check its permissions") from None
    if not data:
        raise InputFileError(where, "is empty (0 bytes); export the activity again")
    if not has_fit_header(data[:FIT_HEADER_MIN_BYTES]):
        raise InputFileError(
            where, "is not a FIT file (its header has no .FIT signature); pass an activity .fit file"
        )
    return data


def read_fit(path: Path) -> FitActivity:
    """Decode every message of ``path`` with CRC checks on; any defect raises ``InputFileError``.

    The whole file is decoded before anything is written anywhere, so a file that is
    damaged near its end never produces a partial recording.
    """
    data = read_bytes(path)
    activity = FitActivity()
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    _collect(frame, activity)
    # Damaged bytes surface as any of these from inside fitdecode (it validates with assert
    # too); found by flipping and cutting bytes of a real file. All of them mean "bad file".
    except (fitdecode.FitError, ValueError, LookupError, TypeError, struct.error, AssertionError) as exc:
        raise _failure(path, exc) from None
    return activity
