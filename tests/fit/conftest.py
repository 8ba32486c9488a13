"""Shared helpers for the FIT tests: the bundled device files, Garmin's decoder, a writable demo copy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from garmin_fit_sdk import Decoder, Stream

from runsense.fit import export_recording
from tests.conftest import DEMO

DATA = Path(__file__).resolve().parent / "data"
"""Real device files (MIT, see data/README.md); bundled so the tests never need ../shared."""

Messages = dict[str, list[dict[str, Any]]]


def garmin_read(data: bytes) -> Messages:
    """Decode with Garmin's official SDK and require a clean result.

    ``check_integrity()`` leaves the stream at its end, after which ``read()`` on the same
    decoder returns no messages and no errors (garmin-fit-sdk 21.218): so each step gets
    its own decoder, and the messages are required to be non-empty.
    """
    checker = Decoder(Stream.from_byte_array(bytearray(data)))
    assert checker.is_fit()
    assert checker.check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    assert messages.get("record_mesgs"), "the decoder returned no records"
    return dict(messages)  # type: ignore[arg-type]


def copy_demo(directory: Path) -> Path:
    """A writable copy of the bundled demo recording; the repository's file is never touched."""
    target = directory / "demo.rsrec"
    shutil.copyfile(DEMO, target)
    target.chmod(0o644)
    return target


def dev_names(messages: Messages) -> dict[int, tuple[str, str | None]]:
    """Developer field key -> (name, units) from the file's field descriptions."""
    return {
        int(d["key"]): (str(d["field_name"]), d.get("units"))
        for d in messages.get("field_description_mesgs", [])
    }


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo recording exported once per module: FIT plus the two CSV tables in one directory."""
    directory = tmp_path_factory.mktemp("demo_export")
    rec = copy_demo(directory)
    export_recording(rec, fit_out=directory / "demo.fit", csv_out=directory / "demo.csv")
    return directory
