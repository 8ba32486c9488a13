"""Every profile file loads, and every embedded example decodes to its documented values.

Parametrised over the files, so a new profile is tested as soon as it is added.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from runsense.profiles import (
    ProfileEncoder,
    check_example,
    commands_for,
    default_profiles_dir,
    encode_command,
    expected_reply,
    load_default_profiles,
    load_profile,
)
from runsense.profiles.commands import placeholders
from runsense.profiles.schema import Profile

FILES = sorted(default_profiles_dir().glob("*.toml"))
PROFILES = load_default_profiles()
CONTRACT_NAMES = {
    "rsc-footpod",
    "heart-rate",
    "stryd-power",
    "ftms-treadmill",
    "polar-h10",
    "polar-verity",
    "movesense",
    "metamotion",
    "runsense-imu",
}
COMMAND_PARAMS = {
    "total_distance_m": 1234.5,
    "sensor_location": 2,
    "target_speed_kmh": 10.5,
    "target_incline_pct": -1.5,
}


def _examples() -> list[tuple[Profile, int]]:
    return [(p, i) for p in PROFILES.values() for i in range(len(p.examples))]


def test_the_contract_short_names_are_all_there() -> None:
    assert set(PROFILES) == CONTRACT_NAMES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_profile_file_loads_and_has_examples_of_each_decoded_characteristic(path: Path) -> None:
    profile = load_profile(path)
    decodable = {c.name for c in profile.characteristics if c.frames or c.codec}
    assert decodable <= {e.characteristic for e in profile.examples}
    assert len(profile.examples) >= 5
    assert any(e.error for e in profile.examples), "each profile documents at least one malformed packet"


@pytest.mark.parametrize(
    ("profile", "index"), _examples(), ids=lambda x: x.short_name if isinstance(x, Profile) else str(x)
)
def test_embedded_example_decodes_to_its_expected_values(profile: Profile, index: int) -> None:
    assert check_example(profile, profile.examples[index]) == []


@pytest.mark.parametrize("profile", PROFILES.values(), ids=lambda p: p.short_name)
def test_every_command_and_reply_renders_with_default_settings(profile: Profile) -> None:
    for command in profile.commands:
        params = {k: v for k, v in COMMAND_PARAMS.items() if k in placeholders(command.template)}
        assert ProfileEncoder(profile).encode_command(command.name, **params)
        expected_reply(profile, command)


def test_polar_start_commands_are_the_documented_bytes() -> None:
    h10 = encode_command(PROFILES["polar-h10"], "start_acc")
    assert h10 == bytes.fromhex("02 02 00 01 C8 00 01 01 10 00 02 01 08 00")
    verity = encode_command(PROFILES["polar-verity"], "start_acc")
    assert verity == bytes.fromhex("02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03")
    assert encode_command(PROFILES["polar-h10"], "stop_acc") == bytes.fromhex("03 02")


def test_control_point_exchanges_are_data() -> None:
    rsc = PROFILES["rsc-footpod"]
    assert encode_command(rsc, "set_total_distance", total_distance_m=1234.5) == bytes.fromhex(
        "01 39 30 00 00"
    )
    assert expected_reply(rsc, rsc.command("set_total_distance")) == bytes.fromhex("10 01 01")
    movesense = PROFILES["movesense"]
    subscribe = encode_command(movesense, "subscribe", settings={"resource": "IMU6", "fs_hz": 208})
    assert subscribe == b"\x01\x63/Meas/IMU6/208"
    metamotion = PROFILES["metamotion"]
    start = [encode_command(metamotion, c.name) for c in commands_for(metamotion, "start")]
    assert start == [bytes.fromhex(h) for h in ("03 03 28 08", "03 04 01", "03 02 01 00", "03 01 01")]
    assert encode_command(
        metamotion, "write_config", settings={"fs_hz": 12.5, "range_g": 2}
    ) == bytes.fromhex("03 03 25 03")
    imu = PROFILES["runsense-imu"]
    assert [encode_command(imu, c.name) for c in commands_for(imu, "start")] == [
        b"\x03\x0b",
        b"\x04\x03",
        b"\x01",
    ]
