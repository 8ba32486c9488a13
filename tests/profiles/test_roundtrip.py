"""decode(encode(x)) == x within the format's resolution, for every profile (Hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from runsense.model import RawPacket
from runsense.profiles import (
    ControlResponse,
    DecodedPacket,
    HeartRateReading,
    PowerReading,
    ProfileDecoder,
    ProfileEncoder,
    RunningReading,
    TreadmillReading,
    load_default_profiles,
)
from runsense.profiles.errors import EncodeError
from runsense.profiles.schema import SettingValue

PROFILES = load_default_profiles()
FAST = settings(max_examples=60, deadline=None)


def _roundtrip(name: str, characteristic: str, payload: bytes, **decoder_kw: object) -> DecodedPacket:
    profile = PROFILES[name]
    decoder = ProfileDecoder(profile, sensor_id="rt", **decoder_kw)  # type: ignore[arg-type]
    return decoder.decode(RawPacket("rt", profile.characteristic(characteristic).uuid, 5.0, payload))


def _close(a: float | None, b: float | None, resolution: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=resolution / 2 + 1e-9)


optional = st.one_of(st.none(), st.floats(0, 5))


@FAST
@given(
    speed=st.floats(0, 19.9),
    cadence=st.integers(0, 127),
    stride=st.one_of(st.none(), st.floats(0, 4.9)),
    distance=st.one_of(st.none(), st.floats(0, 4e8)),
    running=st.booleans(),
    unit=st.sampled_from(["steps", "strides"]),
    name=st.sampled_from(["rsc-footpod", "stryd-power"]),
)
def test_running_reading_round_trips(  # noqa: PLR0913 - one Hypothesis argument per field
    *,
    speed: float,
    cadence: int,
    stride: float | None,
    distance: float | None,
    running: bool,
    unit: str,
    name: str,
) -> None:
    cadence_spm = float(cadence * 2)
    reading = RunningReading(5.0, speed, cadence_spm, stride, distance, running)
    user: dict[str, SettingValue] = {"cadence_unit": unit}
    payload = ProfileEncoder(PROFILES[name], settings=user).encode_reading(reading)
    decoded = _roundtrip(name, "rsc_measurement", payload, settings=user).readings[0]
    assert isinstance(decoded, RunningReading)
    assert _close(decoded.speed_mps, speed, 1 / 256)
    assert decoded.cadence_spm == cadence_spm
    assert _close(decoded.stride_length_m, stride, 0.01)
    assert _close(decoded.total_distance_m, distance, 0.1)
    assert decoded.running is running


@FAST
@given(
    hr=st.integers(0, 300),
    rr=st.lists(st.floats(0, 4.99), max_size=8),
    energy=st.one_of(st.none(), st.integers(0, 65535)),
    contact=st.one_of(st.none(), st.booleans()),
    name=st.sampled_from(["heart-rate", "polar-h10"]),
)
def test_heart_rate_reading_round_trips(
    *, hr: int, rr: list[float], energy: int | None, contact: bool | None, name: str
) -> None:
    reading = HeartRateReading(5.0, hr, tuple(rr), energy, contact)
    payload = ProfileEncoder(PROFILES[name]).encode_reading(reading)
    decoded = _roundtrip(name, "heart_rate_measurement", payload).readings[0]
    assert isinstance(decoded, HeartRateReading)
    assert (decoded.heart_rate_bpm, decoded.energy_expended_kj, decoded.sensor_contact) == (
        hr,
        energy,
        contact,
    )
    assert len(decoded.rr_intervals_s) == len(rr)
    assert all(_close(a, b, 1 / 1024) for a, b in zip(decoded.rr_intervals_s, rr, strict=True))


@FAST
@given(power=st.integers(-2000, 3000))
def test_power_reading_round_trips(power: int) -> None:
    payload = ProfileEncoder(PROFILES["stryd-power"]).encode_reading(PowerReading(5.0, power))
    assert _roundtrip("stryd-power", "cycling_power_measurement", payload).readings[0] == PowerReading(
        5.0, power
    )


@FAST
@given(
    speed=st.one_of(st.none(), st.floats(0, 13.8)),
    incline=st.one_of(st.none(), st.floats(-20, 20)),
    distance=st.one_of(st.none(), st.integers(0, 2**24 - 1)),
    elapsed=st.one_of(st.none(), st.integers(0, 65535)),
)
def test_treadmill_reading_round_trips(
    speed: float | None, incline: float | None, distance: int | None, elapsed: int | None
) -> None:
    ramp = None if incline is None else 0.0
    reading = TreadmillReading(
        5.0, speed, incline, None if distance is None else float(distance), ramp, elapsed
    )
    payload = ProfileEncoder(PROFILES["ftms-treadmill"]).encode_reading(reading)
    decoded = _roundtrip("ftms-treadmill", "treadmill_data", payload).readings[0]
    assert isinstance(decoded, TreadmillReading)
    assert _close(decoded.speed_mps, speed, 0.01 / 3.6)
    assert _close(decoded.incline_pct, incline, 0.1)
    assert decoded.total_distance_m == (None if distance is None else float(distance))
    assert decoded.elapsed_s == elapsed


def _samples(max_n: int, limit_g: float) -> st.SearchStrategy[np.ndarray]:
    return st.integers(1, max_n).flatmap(
        lambda n: arrays(np.float64, (n, 3), elements=st.floats(-limit_g, limit_g, allow_subnormal=False))
    )


IMU_CASES: list[tuple[str, dict[str, SettingValue], dict[str, int], int, float]] = [
    # profile, settings, extra header values, max samples, resolution in g
    ("runsense-imu", {}, {}, 40, 16 / 32768),
    ("runsense-imu", {"fs_hz": 833.0, "range_g": 2}, {}, 40, 2 / 32768),
    ("polar-h10", {}, {}, 36, 0.001),
    ("polar-verity", {}, {"frame_type": 0x81}, 60, 0.001),
    ("polar-verity", {"factor": 0.5}, {"frame_type": 0x81}, 60, 0.0005),
    ("movesense", {}, {}, 8, 1e-5),
    ("metamotion", {"range_g": 4}, {}, 1, 4 / 32768),
]


@pytest.mark.parametrize(("name", "user", "extra", "max_n", "resolution_g"), IMU_CASES)
def test_imu_samples_round_trip(
    name: str, user: dict[str, SettingValue], extra: dict[str, int], max_n: int, resolution_g: float
) -> None:
    profile = PROFILES[name]
    encoder = ProfileEncoder(profile, settings=user)
    limit_g = float(encoder.settings["range_g"]) * 0.999

    @FAST
    @given(acc=_samples(max_n, limit_g), sensor_time=st.integers(0, 2**31))
    def run(acc: np.ndarray, sensor_time: int) -> None:
        payload = encoder.encode_imu(acc, sensor_time=sensor_time, extra=extra)
        decoded = _roundtrip(name, profile.imu.characteristic if profile.imu else "", payload, settings=user)
        assert decoded.chunk is not None
        np.testing.assert_allclose(decoded.chunk.acc_g, acc, atol=resolution_g / 2 + 1e-6 * limit_g)

    run()


@FAST
@given(acc=_samples(3, 7.99), gyro=arrays(np.float64, (3, 3), elements=st.floats(-2000, 2000)))
def test_movesense_imu6_round_trips_acceleration_and_gyro(acc: np.ndarray, gyro: np.ndarray) -> None:
    acc = np.resize(acc, (3, 3))
    user: dict[str, SettingValue] = {"resource": "IMU6"}
    payload = ProfileEncoder(PROFILES["movesense"], settings=user).encode_imu(
        acc, gyro_dps=gyro, sensor_time=5
    )
    chunk = _roundtrip("movesense", "gsp_notify", payload, settings=user).chunk
    assert chunk is not None
    assert chunk.gyro_dps is not None
    np.testing.assert_allclose(chunk.acc_g, acc, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(chunk.gyro_dps, gyro, rtol=1e-6, atol=1e-4)


def test_metamotion_packed_frame_round_trips() -> None:
    acc = np.array([[0.0, 0.0, 1.0], [0.5, -0.25, 1.0], [-7.5, 7.5, 0.0]])
    payload = ProfileEncoder(PROFILES["metamotion"]).encode_values(
        "metawear_notify", {}, frame="packed_acceleration", samples=acc
    )
    assert payload[:2] == b"\x03\x1c"
    chunk = _roundtrip("metamotion", "metawear_notify", payload).chunk
    assert chunk is not None
    np.testing.assert_allclose(chunk.acc_g, acc)


def test_metamotion_packed_frame_needs_exactly_three_samples() -> None:
    encoder = ProfileEncoder(PROFILES["metamotion"])
    with pytest.raises(EncodeError, match=r"\(3\.\.3\)"):
        encoder.encode_values("metawear_notify", {}, frame="packed_acceleration", samples=np.zeros((2, 3)))


@pytest.mark.parametrize(
    ("name", "characteristic", "reply", "expected"),
    [
        ("rsc-footpod", "sc_control_point", ControlResponse(1, 1, ok=True), "10 01 01"),
        ("ftms-treadmill", "fitness_machine_control_point", ControlResponse(0, 1, ok=True), "80 00 01"),
        ("runsense-imu", "imu_control", ControlResponse(3, 2, ok=False), "80 03 02"),
        ("polar-h10", "pmd_control", ControlResponse(2, 0, ok=True), "f0 02 02 00 00"),
        (
            "polar-verity",
            "pmd_control",
            ControlResponse(2, 0, ok=True, params={"factor": (1.0,)}),
            "f0 02 02 00 00 05 01 00 00 80 3f",
        ),
        ("movesense", "gsp_notify", ControlResponse(99, 200, ok=True), "01 63 c8 00"),
    ],
)
def test_control_replies_encode_as_sensors_send_them_and_decode_back(
    name: str, characteristic: str, reply: ControlResponse, expected: str
) -> None:
    payload = ProfileEncoder(PROFILES[name]).encode_control_reply(characteristic, reply)
    assert payload == bytes.fromhex(expected)
    decoded = _roundtrip(name, characteristic, payload)
    assert decoded.control is not None
    assert (decoded.control.request_opcode, decoded.control.result_code, decoded.control.ok) == (
        reply.request_opcode,
        reply.result_code,
        reply.ok,
    )
