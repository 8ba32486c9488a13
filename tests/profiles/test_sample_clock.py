"""The sample clock: sensor time, not arrival time; wraps, gaps, reboots and 100 ppm of drift."""

from __future__ import annotations

import random

import numpy as np
import pytest

from runsense.model import RawPacket
from runsense.profiles import ProfileDecoder, ProfileEncoder, SampleClock, Unwrapper, load_default_profiles

PROFILES = load_default_profiles()


def test_unwrapper_counts_through_wraps_and_sees_backward_steps() -> None:
    unwrap = Unwrapper(16)
    values = [unwrap.update(i % 65536) for i in range(65530, 65545)]
    assert values == list(range(65530, 65545))
    assert unwrap.update(65544 % 65536 - 100) < values[-1]


def _simulate(
    *, drift_ppm: float, duration_s: float, fs_hz: float = 200.0, n: int = 10
) -> list[tuple[float, float]]:
    """(reconstructed t0 - true t0) and t0 per packet, with a jittery radio and a drifting crystal."""
    rng = random.Random(7)  # noqa: S311 - reproducible jitter, not crypto
    clock = SampleClock(fs_hz=fs_hz)
    rate = 1 + drift_ppm * 1e-6
    out = []
    for j in range(int(duration_s * fs_hz / n)):
        first, last = j * n, j * n + n - 1
        true_first_s = 1.0 + first / fs_hz / rate
        arrival_s = 1.0 + last / fs_hz / rate + 0.005 + rng.expovariate(1 / 0.015)
        placed = clock.place(sensor_t0_s=3.0 + first / fs_hz, n_samples=n, t_received_s=arrival_s)
        out.append((placed.t0_s - true_first_s, placed.t0_s))
        assert placed.gap_s is None
        assert not placed.resynced
    return out


def test_drift_of_100_ppm_is_recovered_and_chunks_stay_continuous() -> None:
    errors = _simulate(drift_ppm=100.0, duration_s=600.0)
    late = [e for e, _ in errors[len(errors) // 5 :]]  # after the first 2 minutes
    # Constant error = the radio's minimum latency (5 ms), not growing with time (uncorrected: 60 ms)
    assert max(late) - min(late) < 0.002
    assert abs(np.mean(late) - 0.005) < 0.002
    steps = np.diff([t for _, t in errors])
    # after the 2 s warm-up the offset only slews: at most max_slew_ppm (1000) of a 50 ms packet
    assert np.all(np.abs(steps[41:] - 10 / 200.0) < 1000e-6 * 0.05 + 1e-9)
    assert np.median(np.abs(steps[-1000:] - 10 / 200.0)) == pytest.approx(5e-6, rel=0.1)  # the 100 ppm


def test_drift_estimate_matches_the_crystal() -> None:
    clock = SampleClock(fs_hz=100.0)
    for j in range(6000):
        clock.place(sensor_t0_s=j * 0.1 * (1 + 100e-6), n_samples=10, t_received_s=2.0 + j * 0.1 + 0.0999)
    assert clock.drift_ppm == pytest.approx(100.0, abs=5.0)


def test_without_drift_times_follow_the_sensor_not_the_jitter() -> None:
    errors = [e for e, _ in _simulate(drift_ppm=0.0, duration_s=60.0)]
    assert np.std(errors[200:]) < 0.0005  # arrival jitter is 15 ms; sample times do not see it


def test_lost_packets_are_a_gap_with_true_times() -> None:
    clock = SampleClock(fs_hz=100.0)
    clock.place(sensor_t0_s=0.0, n_samples=10, t_received_s=0.1)
    placed = clock.place(sensor_t0_s=0.1, n_samples=10, t_received_s=0.2)
    assert placed.gap_s is None
    placed = clock.place(sensor_t0_s=1.2, n_samples=10, t_received_s=1.3)
    assert placed.gap_s == pytest.approx(1.0)
    assert not placed.resynced
    assert placed.t0_s == pytest.approx(1.2 + 0.01)


def test_sensor_time_going_backwards_re_anchors_on_arrival() -> None:
    clock = SampleClock(fs_hz=100.0)
    for j in range(10):
        clock.place(sensor_t0_s=50.0 + j * 0.1, n_samples=10, t_received_s=0.1 + j * 0.1)
    placed = clock.place(sensor_t0_s=0.0, n_samples=10, t_received_s=5.0)  # the sensor rebooted
    assert placed.resynced
    assert placed.t0_s == pytest.approx(5.0 - 0.09)
    assert placed.gap_s == pytest.approx(4.91 - 1.01)  # from the end of the last chunk before the reboot


def test_counting_source_re_anchors_after_a_silence() -> None:
    clock = SampleClock(fs_hz=100.0, late_resync_s=1.0)
    clock.place(sensor_t0_s=0.0, n_samples=3, t_received_s=0.03)
    placed = clock.place(sensor_t0_s=0.03, n_samples=3, t_received_s=5.06)
    assert placed.resynced
    assert placed.gap_s == pytest.approx(5.04 - 0.04)


def _imu_packet(encoder: ProfileEncoder, seq: int, t_us: int) -> bytes:
    return encoder.encode_imu(np.tile([0.0, 0.0, 1.0], (4, 1)), sensor_time=t_us % 2**32, sequence=seq)


def test_runsense_imu_sequence_wrap_is_not_a_loss_but_a_jump_is() -> None:
    profile = PROFILES["runsense-imu"]
    encoder = ProfileEncoder(profile, settings={"fs_hz": 100.0})
    decoder = ProfileDecoder(profile, sensor_id="imu")
    uuid = profile.characteristic("imu_data").uuid
    start_us = 2**32 - 80_000  # the microsecond timestamp wraps too
    seqs = [65534, 65535, 0, 1, 5]
    decoded = [
        decoder.decode(
            RawPacket("imu", uuid, 10.0 + i * 0.04, _imu_packet(encoder, s, start_us + i * 40_000))
        )
        for i, s in enumerate(seqs[:4])
    ]
    assert [d.lost_packets for d in decoded] == [0, 0, 0, 0]
    assert all(d.gap_s is None and not d.resynced for d in decoded)
    t0s = [d.chunk.t0_s for d in decoded if d.chunk is not None]
    assert np.allclose(np.diff(t0s), 0.04)
    late = decoder.decode(RawPacket("imu", uuid, 10.28, _imu_packet(encoder, 5, start_us + 7 * 40_000)))
    assert late.lost_packets == 3
    assert late.gap_s == pytest.approx(0.12)
    assert late.chunk is not None
    assert late.chunk.t0_s == pytest.approx(t0s[0] + 0.28)


def test_movesense_split_packet_is_joined() -> None:
    profile = PROFILES["movesense"]
    user = {"resource": "IMU6"}
    acc = np.array([[0.0, 0.0, 1.0], [0.5, 0.0, 1.0]])
    gyro = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    whole = ProfileEncoder(profile, settings=user).encode_imu(acc, gyro_dps=gyro, sensor_time=1000)
    first, rest = whole[:20], b"\x03\x63" + whole[20:]
    decoder = ProfileDecoder(profile, sensor_id="ms", settings=user)
    uuid = profile.characteristic("gsp_notify").uuid
    part = decoder.decode(RawPacket("ms", uuid, 1.0, first))
    assert part.chunk is None
    assert part.frame == "data_part1"
    joined = decoder.decode(RawPacket("ms", uuid, 1.01, rest))
    assert joined.chunk is not None
    np.testing.assert_allclose(joined.chunk.acc_g, acc, atol=1e-6)
    assert joined.chunk.gyro_dps is not None
    np.testing.assert_allclose(joined.chunk.gyro_dps, gyro)


def test_verity_learns_the_factor_from_the_start_reply() -> None:
    profile = PROFILES["polar-verity"]
    decoder = ProfileDecoder(profile, sensor_id="v")
    control, data = (profile.characteristic(n).uuid for n in ("pmd_control", "pmd_data"))
    frame = next(e.payload for e in profile.examples if e.payload[9:10] == b"\x81")
    before = decoder.decode(RawPacket("v", data, 1.0, frame)).chunk
    decoder.decode(
        RawPacket("v", control, 1.1, bytes.fromhex("f0 02 02 00 00 05 01 00 00 00 40"))
    )  # factor 2.0
    after = decoder.decode(RawPacket("v", data, 1.2, frame)).chunk
    assert before is not None
    assert after is not None
    np.testing.assert_allclose(after.acc_g, 2 * before.acc_g)


def test_polar_timestamps_stamp_the_last_sample() -> None:
    profile = PROFILES["polar-h10"]
    encoder = ProfileEncoder(profile)
    decoder = ProfileDecoder(profile, sensor_id="h10")
    uuid = profile.characteristic("pmd_data").uuid
    t0s = []
    for j in range(3):
        last_ns = 10**9 + (j + 1) * 36 * 5_000_000 - 5_000_000
        payload = encoder.encode_imu(np.zeros((36, 3)), sensor_time=last_ns)
        chunk = decoder.decode(RawPacket("h10", uuid, 2.0 + j * 0.18 + 0.01 * (j % 2), payload)).chunk
        assert chunk is not None
        t0s.append(chunk.t0_s)
    assert np.allclose(np.diff(t0s), 0.18)  # arrival jitter does not move samples
