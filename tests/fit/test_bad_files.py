"""Bad FIT inputs end in one clear ``InputFileError`` sentence, and nothing is written."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from garmin_fit_sdk import Encoder, Profile

from runsense.errors import InputFileError
from runsense.fit import import_fit_file, is_fit_file
from tests.fit.conftest import DATA

GOOD = (DATA / "garmin-fenix-5-run.fit").read_bytes()
MESG = Profile["mesg_num"]
T0 = datetime(2024, 5, 1, 7, 0, tzinfo=UTC)


def _fit(file_type: str, *, sport: str | None = "running", records: int = 5) -> bytes:
    """A small FIT file written with Garmin's encoder."""
    encoder = Encoder()
    encoder.write_mesg({"mesg_num": MESG["FILE_ID"], "type": file_type, "manufacturer": "development",
                        "product": 0, "time_created": T0})  # fmt: skip
    for k in range(records):
        encoder.write_mesg({"mesg_num": MESG["RECORD"], "timestamp": T0 + timedelta(seconds=k),
                            "cadence": 85})  # fmt: skip
    if sport is not None:
        end = T0 + timedelta(seconds=records)
        encoder.write_mesg({"mesg_num": MESG["SESSION"], "timestamp": end, "start_time": T0, "sport": sport,
                            "total_elapsed_time": float(records)})  # fmt: skip
    return encoder.close()


def _refused(tmp_path: Path, data: bytes, match: str, name: str = "bad.fit") -> InputFileError:
    source = tmp_path / name
    source.write_bytes(data)
    with pytest.raises(InputFileError, match=match) as excinfo:
        import_fit_file(source)
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"{source}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no recording, no temporary file
    return excinfo.value


def test_truncated(tmp_path: Path) -> None:
    _refused(tmp_path, GOOD[: len(GOOD) // 2], "is truncated")


def test_header_only(tmp_path: Path) -> None:
    _refused(tmp_path, GOOD[:14], "is truncated")


def test_wrong_crc(tmp_path: Path) -> None:
    _refused(tmp_path, GOOD[:-1] + bytes([GOOD[-1] ^ 0xFF]), "fails its FIT CRC check")


def test_not_fit(tmp_path: Path) -> None:
    _refused(tmp_path, b"t_s,ax_g\n0.0,1.0\n" * 4, r"is not a FIT file \(its header has no \.FIT signature\)")


def test_empty(tmp_path: Path) -> None:
    _refused(tmp_path, b"", r"is empty \(0 bytes\)")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="does not exist"):
        import_fit_file(tmp_path / "nope.fit")
    with pytest.raises(InputFileError, match="is a directory"):
        import_fit_file(tmp_path, tmp_path / "out.rsrec")
    assert list(tmp_path.iterdir()) == []


def test_not_an_activity(tmp_path: Path) -> None:
    _refused(tmp_path, _fit("course"), "is a FIT course file, not an activity")


def test_cycling_is_not_steps(tmp_path: Path) -> None:
    _refused(tmp_path, _fit("activity", sport="cycling"), "is a cycling activity")


def test_activity_without_records(tmp_path: Path) -> None:
    _refused(tmp_path, _fit("activity", records=0), "without record messages")


def test_a_minimal_activity_written_by_garmins_encoder_imports(tmp_path: Path) -> None:
    source = tmp_path / "ok.fit"
    source.write_bytes(_fit("activity", sport=None))
    assert import_fit_file(source).exists()


@pytest.mark.parametrize("seed", range(40))
def test_damaged_bytes_never_escape_as_another_exception(seed: int, tmp_path: Path) -> None:
    """Flipped or cut bytes anywhere: always InputFileError (fitdecode raises many types inside)."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible damage, not cryptography
    data = bytearray(GOOD)
    if seed % 2:
        data = data[: rng.randrange(15, len(data))]
    else:
        position = rng.randrange(14, len(data) - 2)
        data[position : position + 3] = bytes(rng.randrange(256) for _ in range(3))
    if bytes(data) == GOOD:
        pytest.skip("the random change happened to change nothing")
    _refused(tmp_path, bytes(data), ".")


@pytest.mark.parametrize(
    ("data", "expected"),
    [(GOOD, True), (GOOD[:14], True), (b"", False), (b"SQLite format 3\x00" + bytes(100), False)],
)
def test_is_fit_file_reads_the_header_not_the_name(data: bytes, expected: bool, tmp_path: Path) -> None:  # noqa: FBT001
    path = tmp_path / "activity.csv"
    path.write_bytes(data)
    assert is_fit_file(path) is expected
    assert is_fit_file(tmp_path / "missing.fit") is False
