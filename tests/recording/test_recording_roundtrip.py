"""Round trips through real .rsrec files: what is written is what is read back."""

from __future__ import annotations

import sqlite3
import time
import tracemalloc
from contextlib import closing
from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from runsense.errors import RecordingError
from runsense.model import Placement, RawPacket, Side, Step
from runsense.recording import (
    F32_CHAR_UUID,
    F32_PROFILE,
    Event,
    RecordingReader,
    RecordingWriter,
    SensorInfo,
    decode_f32_samples,
    encode_f32_samples,
    iter_sample_chunks,
    replace_steps,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

IMU = SensorInfo(
    "imu", F32_PROFILE, Placement.SHANK, Side.LEFT, 100.0, ("ax_g", "ay_g", "az_g"), F32_CHAR_UUID
)
HR_UUID = "00002a37-0000-1000-8000-00805f9b34fb"
BLE = SensorInfo(
    "hr", "polar-h10", Placement.CHEST, None, 130.0, ("az_g",), HR_UUID, {"fw": "3.1", "n": [1, 2]}
)


def make_step(t_s: float, **changes: object) -> Step:
    values: dict[str, object] = {
        "t_s": t_s,
        "sensor_id": "imu",
        "side": Side.LEFT,
        "cadence_spm": 172.5,
        "cadence_inst_spm": None,
        "impact_g": 3.25,
        "clipped": False,
        "contact_ms": 240.0,
        "flight_ms": None,
        "step_length_m": None,
        "confidence": 0.75,
        "flags": ("low_confidence",),
    }
    values.update(changes)
    return Step(**values)  # type: ignore[arg-type]


def f32_packets(n_packets: int, per_packet: int = 100, fs_hz: float = 100.0) -> Iterator[RawPacket]:
    rng = np.random.default_rng(0)
    for k in range(n_packets):
        t0_s = k * per_packet / fs_hz
        payload = encode_f32_samples(rng.normal(size=(per_packet, 3)))
        yield RawPacket("imu", F32_CHAR_UUID, t0_s, payload, t0_s, per_packet)


def test_packets_metadata_sensors_steps_and_events_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "run.rsrec"
    packets = [
        *f32_packets(3),
        RawPacket("hr", HR_UUID, 0.25, bytes(range(256))),
        RawPacket("hr", HR_UUID, 1.25, b"", t0_s=None, n_samples=None),
    ]
    steps = [make_step(1.0), make_step(0.5, side=None, clipped=True, flags=(), cadence_spm=None)]
    with RecordingWriter(path, metadata={"runner": "Ana", "speed_kmh": 12.5, "notes": None}) as writer:
        writer.add_sensor(IMU)
        writer.add_sensor(BLE)
        for packet in packets:
            writer.write_packet(packet)
        writer.write_steps(steps, analyser_version="0.3.1")
        writer.write_event(2.0, "cue", {"text": "shorter steps", "level": 2})
        writer.write_event(1.0, "lap")
        writer.set_metadata("notes", "windy")

    with RecordingReader(path) as reader:
        assert reader.format_version == 1
        assert reader.metadata["runner"] == "Ana"
        assert reader.metadata["speed_kmh"] == 12.5
        assert reader.metadata["notes"] == "windy"
        assert reader.metadata["format_version"] == 1
        assert isinstance(reader.metadata["created_utc"], str)
        assert reader.metadata["created_utc"].endswith("Z")
        assert "runsense_version" in reader.metadata
        assert reader.sensors == (IMU, BLE)
        assert list(reader.iter_packets()) == packets
        assert list(reader.iter_packets("hr")) == packets[3:]
        assert list(reader.iter_steps()) == sorted(steps, key=lambda step: step.t_s)
        assert reader.analyser_versions == ("0.3.1",)
        assert list(reader.iter_events()) == [
            Event(1.0, "lap", None),
            Event(2.0, "cue", {"text": "shorter steps", "level": 2}),
        ]
        assert reader.duration_s == pytest.approx(3.0)


def test_unknown_sensor_is_named_with_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "run.rsrec"
    with RecordingWriter(path, metadata={}) as writer:
        writer.add_sensor(IMU)
        with pytest.raises(ValueError, match="add_sensor first"):
            writer.write_packet(RawPacket("nope", F32_CHAR_UUID, 0.0, b""))
    with (
        RecordingReader(path) as reader,
        pytest.raises(RecordingError, match=r"has no sensor 'left' \(it has: 'imu'\)"),
    ):
        reader.iter_packets("left")
    with RecordingReader(path) as reader:
        assert reader.duration_s == 0.0
        assert list(reader.iter_steps()) == []
        assert reader.analyser_versions == ()


def test_sample_chunks_split_acc_and_gyro_and_skip_other_characteristics(tmp_path: Path) -> None:
    path = tmp_path / "run.rsrec"
    channels = ("ax_g", "gx_dps", "az_g", "temp_c", "gz_dps")
    sensor = SensorInfo("foot", F32_PROFILE, Placement.FOOT, Side.RIGHT, 50.0, channels, F32_CHAR_UUID)
    samples = np.arange(40, dtype=np.float64).reshape(8, 5)
    with RecordingWriter(path, metadata={}) as writer:
        writer.add_sensor(sensor)
        writer.write_packet(RawPacket("foot", F32_CHAR_UUID, 3.0, encode_f32_samples(samples[:5]), 3.0, 5))
        writer.write_packet(RawPacket("foot", "battery", 3.05, b"\x64"))
        writer.write_packet(RawPacket("foot", F32_CHAR_UUID, 3.1, encode_f32_samples(samples[5:]), 3.1, 3))

    with RecordingReader(path) as reader:
        chunks = list(iter_sample_chunks(reader, "foot"))
    assert [(c.sensor_id, c.t0_s, c.fs_hz, c.n_samples) for c in chunks] == [
        ("foot", 3.0, 50.0, 5),
        ("foot", 3.1, 50.0, 3),
    ]
    np.testing.assert_array_equal(np.vstack([c.acc_g for c in chunks]), samples[:, [0, 2]])
    gyro = [c.gyro_dps for c in chunks]
    assert all(g is not None for g in gyro)
    np.testing.assert_array_equal(np.vstack([g for g in gyro if g is not None]), samples[:, [1, 4]])
    assert chunks[0].acc_g.dtype == np.float64


def test_sample_chunks_refuse_other_profiles_and_damaged_packets(tmp_path: Path) -> None:
    path = tmp_path / "run.rsrec"
    with RecordingWriter(path, metadata={}) as writer:
        writer.add_sensor(BLE)
        writer.add_sensor(IMU)
        writer.write_packet(RawPacket("imu", F32_CHAR_UUID, 0.0, b"\x00" * 13, 0.0, 1))
    with RecordingReader(path) as reader:
        with pytest.raises(RecordingError, match="profile 'polar-h10'"):
            list(iter_sample_chunks(reader, "hr"))
        with pytest.raises(RecordingError, match=r"damaged packet at t=0\.000 s"):
            list(iter_sample_chunks(reader, "imu"))


@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(0, 50), st.integers(1, 6)),
        elements=st.floats(width=32, allow_nan=False, allow_infinity=False),
    )
)
def test_f32_encode_decode_round_trip(samples: np.ndarray) -> None:
    payload = encode_f32_samples(samples.astype(np.float64))
    assert len(payload) == 4 * samples.size
    decoded = decode_f32_samples(payload, samples.shape[1])
    assert decoded.dtype == np.float64
    np.testing.assert_array_equal(decoded, samples.reshape(-1, samples.shape[1]))


def test_f32_payload_layout_is_little_endian_interleaved() -> None:
    payload = encode_f32_samples(np.array([[1.0, -2.0], [0.5, 3.0]]))
    assert payload == np.array([1.0, -2.0, 0.5, 3.0], dtype="<f4").tobytes()
    assert encode_f32_samples(np.array([1.0, 2.0])) == np.array([1.0, 2.0], dtype="<f4").tobytes()
    with pytest.raises(ValueError, match="not a whole number"):
        decode_f32_samples(payload, 3)


def test_writer_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "run.rsrec"
    path.write_text("precious")
    with pytest.raises(RecordingError, match="already exists"):
        RecordingWriter(path, metadata={})
    assert path.read_text() == "precious"
    with RecordingWriter(path, metadata={"runner": "B"}, overwrite=True):
        pass
    with RecordingReader(path) as reader:
        assert reader.metadata["runner"] == "B"
    with pytest.raises(RecordingError, match="directory does not exist"):
        RecordingWriter(tmp_path / "missing" / "run.rsrec", metadata={})
    with pytest.raises(RecordingError, match="cannot be replaced"):
        RecordingWriter(tmp_path, metadata={}, overwrite=True)


def test_commits_only_after_the_interval_and_on_close(tmp_path: Path) -> None:
    path = tmp_path / "live.rsrec"
    now = [100.0]
    packets = list(f32_packets(4))

    def count_committed() -> int:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM packets").fetchone()[0])

    writer = RecordingWriter(path, metadata={}, commit_interval_s=1.0, clock=lambda: now[0])
    writer.add_sensor(IMU)
    writer.write_packet(packets[0])
    now[0] += 0.5
    writer.write_packet(packets[1])
    assert count_committed() == 0
    now[0] += 0.5
    writer.write_packet(packets[2])
    assert count_committed() == 3
    writer.write_packet(packets[3])
    assert count_committed() == 3
    writer.close()
    assert count_committed() == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.rsrec"]
    with pytest.raises(ValueError, match="closed"):
        writer.write_packet(packets[0])


def test_closing_while_a_reader_is_mid_session_neither_blocks_nor_loses_data(tmp_path: Path) -> None:
    path = tmp_path / "live.rsrec"
    writer = RecordingWriter(path, metadata={})
    writer.add_sensor(IMU)
    writer.write_packets(f32_packets(600))
    writer.commit()
    with RecordingReader(path) as reader:
        packets = reader.iter_packets()
        next(packets)
        started_s = time.perf_counter()
        writer.close()
        assert time.perf_counter() - started_s < 1.0
        assert sum(1 for _ in packets) == 599
    with RecordingReader(path) as reader:
        assert len(list(reader.iter_packets())) == 600


def test_what_was_written_is_kept_when_the_block_fails(tmp_path: Path) -> None:
    path = tmp_path / "run.rsrec"

    def record_then_fail() -> None:
        with RecordingWriter(path, metadata={}, commit_interval_s=60) as writer:
            writer.add_sensor(IMU)
            writer.write_packets(f32_packets(2))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        record_then_fail()
    with RecordingReader(path) as reader:
        assert len(list(reader.iter_packets())) == 2


def test_replace_steps_swaps_all_steps_in_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "run.rsrec"
    with RecordingWriter(path, metadata={}) as writer:
        writer.add_sensor(IMU)
        writer.write_steps([make_step(1.0), make_step(2.0)], "0.1")

    def failing_steps() -> Iterator[Step]:
        yield make_step(9.0)
        raise RuntimeError

    with pytest.raises(RuntimeError):
        replace_steps(path, failing_steps(), "0.2")
    with RecordingReader(path) as reader:
        assert [s.t_s for s in reader.iter_steps()] == [1.0, 2.0]
        assert reader.analyser_versions == ("0.1",)

    assert replace_steps(path, [make_step(3.0, impact_g=np.float32(2.5))], "0.2") == 1
    with RecordingReader(path) as reader:
        assert list(reader.iter_steps()) == [make_step(3.0, impact_g=2.5)]
        assert reader.analyser_versions == ("0.2",)


def test_replace_steps_refuses_foreign_files(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE steps (x)")
        conn.commit()
    with pytest.raises(RecordingError, match="another application"):
        replace_steps(path, [], "0.2")


def test_reader_streams_packets_instead_of_loading_the_session(tmp_path: Path) -> None:
    path = tmp_path / "long.rsrec"
    n_packets, payload_bytes = 20_000, 1200
    with RecordingWriter(path, metadata={}) as writer:
        writer.add_sensor(IMU)
        writer.write_packets(
            RawPacket("imu", F32_CHAR_UUID, k / 10, bytes([k % 256]) * payload_bytes, k / 10, 100)
            for k in range(n_packets)
        )
    with RecordingReader(path) as reader:
        tracemalloc.start()
        try:
            n_read = sum(len(packet.payload) == payload_bytes for packet in reader.iter_packets())
            _, peak_bytes = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert n_read == n_packets
    assert peak_bytes < n_packets * payload_bytes / 8  # the session is 24 MB


def test_a_25_minute_import_writes_well_under_a_second(tmp_path: Path) -> None:
    packets = list(f32_packets(1500))  # 150 000 samples at 100 Hz, 3 axes
    started_s = time.perf_counter()
    with RecordingWriter(tmp_path / "big.rsrec", metadata={}) as writer:
        writer.add_sensor(IMU)
        writer.write_packets(packets)
    assert time.perf_counter() - started_s < 0.5
