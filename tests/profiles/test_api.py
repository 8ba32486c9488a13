"""The API the shell builds on: recognition for scan, the drop-in PacketDecoder, settings and commands."""

from __future__ import annotations

import numpy as np
import pytest

from runsense.errors import ConfigError, RunsenseError
from runsense.model import Placement, RawPacket
from runsense.profiles import (
    EncodeError,
    PacketDecoder,
    ProfileDecoder,
    ProfileEncoder,
    encode_command,
    load_default_profiles,
    normalize_uuid,
    recognise,
)
from runsense.recording import F32_CHAR_UUID, F32_PROFILE, SensorInfo, encode_f32_samples

PROFILES = load_default_profiles()


@pytest.mark.parametrize(
    ("name", "services", "best"),
    [
        ("Polar H10 A1B2C3D4", ["180d"], "polar-h10"),
        ("Stryd", ["1814", "1818"], "stryd-power"),
        ("TICKR X 1234", ["1814"], "rsc-footpod"),
        (None, ["0x1814"], "rsc-footpod"),
        (None, ["0000180d-0000-1000-8000-00805f9b34fb"], "heart-rate"),
        ("Movesense 220330000123", ["fdf3"], "movesense"),
        ("MetaWear", [], "metamotion"),
        ("Polar Sense B5", [], "polar-verity"),
        ("KICKR RUN", ["1826"], "ftms-treadmill"),
        ("runsense-imu left", ["11d80001-e74f-4c14-a74d-137172ff05fe"], "runsense-imu"),
    ],
)
def test_scan_recognises_profiles_by_name_before_services(
    name: str | None, services: list[str], best: str
) -> None:
    found = recognise(PROFILES, name=name, service_uuids=services)
    assert found
    assert found[0].short_name == best


def test_unknown_device_is_not_recognised() -> None:
    assert recognise(PROFILES, name="Kettle", service_uuids=["180f"]) == []
    assert normalize_uuid("2A53") == "00002a53-0000-1000-8000-00805f9b34fb"


def test_packet_decoder_is_a_drop_in_for_f32_and_profiles() -> None:
    f32 = SensorInfo("s", F32_PROFILE, Placement.SACRUM, None, 100.0, ("ax_g", "ay_g", "az_g"), F32_CHAR_UUID)
    chunk = PacketDecoder(f32).decode(
        RawPacket("s", F32_CHAR_UUID, 0.0, encode_f32_samples([[0, 0, 1.0]]), 0.5, 1)
    )
    assert chunk is not None
    assert chunk.t0_s == 0.5
    profile = PROFILES["runsense-imu"]
    uuid = profile.characteristic("imu_data").uuid
    sensor = SensorInfo(
        "foot",
        "runsense-imu",
        Placement.FOOT,
        None,
        100.0,
        ("ax_g", "ay_g", "az_g"),
        uuid,
        extra={"profile_settings": {"range_g": 8}},
    )
    payload = ProfileEncoder(profile, settings={"fs_hz": 100.0, "range_g": 8}).encode_imu(
        np.array([[0, 0, 1.0]])
    )
    decoder = PacketDecoder(sensor)
    chunk = decoder.decode(RawPacket("foot", uuid, 3.0, payload))
    assert chunk is not None
    np.testing.assert_allclose(chunk.acc_g, [[0, 0, 1.0]])
    control = profile.characteristic("imu_control").uuid
    assert decoder.decode(RawPacket("foot", control, 3.1, bytes.fromhex("80 01 01"))) is None
    assert (
        decoder.decode_packet(RawPacket("foot", control, 3.1, bytes.fromhex("80 01 01"))).control is not None
    )


def test_packet_decoder_refuses_an_unknown_profile_with_the_known_ones() -> None:
    sensor = SensorInfo("x", "acme-pod", Placement.FOOT, None, 100.0, ("ax_g",), "u")
    with pytest.raises(RunsenseError, match="known profiles: ftms-treadmill, heart-rate"):
        PacketDecoder(sensor)


def test_bad_user_setting_fails_early_with_the_accepted_values() -> None:
    with pytest.raises(ConfigError, match="not one of 25, 50, 100, 200"):
        ProfileDecoder(PROFILES["polar-h10"], sensor_id="h10", fs_hz=130.0)
    with pytest.raises(ConfigError, match="has no setting 'cadence'"):
        ProfileDecoder(PROFILES["rsc-footpod"], sensor_id="pod", settings={"cadence": "steps"})


def test_commands_refuse_values_the_wire_cannot_carry() -> None:
    with pytest.raises(EncodeError, match="does not fit in u32"):
        encode_command(PROFILES["rsc-footpod"], "set_total_distance", total_distance_m=1e12)
    with pytest.raises(EncodeError, match="needs a value for total_distance_m"):
        encode_command(PROFILES["rsc-footpod"], "set_total_distance")


def test_encoder_refuses_samples_beyond_the_range() -> None:
    encoder = ProfileEncoder(PROFILES["metamotion"], settings={"range_g": 2})
    with pytest.raises(EncodeError, match="outside the 16-bit range"):
        encoder.encode_imu(np.array([[0.0, 0.0, 3.0]]))
