"""import_csv writes a complete recording atomically, or nothing at all."""

from __future__ import annotations

import gzip
import itertools
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runsense.errors import ConfigError, InputFileError, RecordingError
from runsense.importers.csv_import import import_csv
from runsense.model import Placement, Side
from runsense.recording import F32_CHAR_UUID, F32_PROFILE, RecordingReader, iter_sample_chunks


def write_rows(path: Path, t_s: np.ndarray, acc: np.ndarray, gyro: np.ndarray | None = None) -> Path:
    header = "t_s,ax_g,ay_g,az_g" + (",gx_dps,gy_dps,gz_dps" if gyro is not None else "")
    values = np.column_stack([t_s, acc] if gyro is None else [t_s, acc, gyro])
    lines = [header, *(",".join(repr(float(v)) for v in row) for row in values)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_import_writes_one_second_packets_sensor_and_metadata(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    t_s = np.concatenate([np.arange(250) / 100, 10 + np.arange(30) / 100])
    acc, gyro = rng.normal(size=(280, 3)), rng.normal(scale=200, size=(280, 3))
    csv = write_rows(tmp_path / "track 3.csv", t_s, acc, gyro)
    out = import_csv(
        csv,
        placement=Placement.SHANK,
        side=Side.RIGHT,
        rate_hz=None,
        out_path=tmp_path / "track3.rsrec",
        runner="Ana",
        speed_kmh=11.0,
    )
    assert out == tmp_path / "track3.rsrec"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["track 3.csv", "track3.rsrec"]
    with RecordingReader(out) as reader:
        assert reader.metadata["source"] == "csv-import:track 3.csv"
        assert (reader.metadata["runner"], reader.metadata["speed_kmh"]) == ("Ana", 11.0)
        [sensor] = reader.sensors
        assert (sensor.sensor_id, sensor.profile, sensor.char_uuid) == ("imu", F32_PROFILE, F32_CHAR_UUID)
        assert (sensor.placement, sensor.side) == (Placement.SHANK, Side.RIGHT)
        assert sensor.fs_hz == pytest.approx(100.0)
        assert sensor.channels == ("ax_g", "ay_g", "az_g", "gx_dps", "gy_dps", "gz_dps")
        packets = list(reader.iter_packets())
        chunks = list(iter_sample_chunks(reader, "imu"))
    assert [p.n_samples for p in packets] == [100, 100, 50, 30]
    assert all(p.t_received_s == p.t0_s for p in packets)
    assert [c.t0_s for c in chunks] == pytest.approx([0.0, 1.0, 2.0, 10.0])
    np.testing.assert_array_equal(np.vstack([c.acc_g for c in chunks]), acc.astype(np.float32))
    gyro_read = [c.gyro_dps for c in chunks if c.gyro_dps is not None]
    np.testing.assert_array_equal(np.vstack(gyro_read), gyro.astype(np.float32))


def test_import_without_optional_metadata_and_with_rate_hz(tmp_path: Path) -> None:
    csv = tmp_path / "wrist.csv.gz"
    csv.write_bytes(gzip.compress(b"az_ms2\n9.80665\n0\n"))
    out = import_csv(csv, placement=Placement.WRIST, side=None, rate_hz=2.0, out_path=tmp_path / "w.rsrec")
    with RecordingReader(out) as reader:
        assert "runner" not in reader.metadata
        assert "speed_kmh" not in reader.metadata
        [chunk] = iter_sample_chunks(reader, "imu")
        assert reader.duration_s == pytest.approx(1.0)
    assert (chunk.t0_s, chunk.fs_hz) == (0.0, 2.0)
    np.testing.assert_allclose(chunk.acc_g, [[1.0], [0.0]])


def test_failed_imports_leave_nothing_behind(tmp_path: Path) -> None:
    good = write_rows(tmp_path / "good.csv", np.arange(10) / 10, np.zeros((10, 3)))
    bad = tmp_path / "bad.csv"
    bad.write_text("t_s,ax_g\n0,1\n0.1,x\n")
    existing = tmp_path / "existing.rsrec"
    existing.write_text("keep me")
    occupied = tmp_path / "occupied.rsrec"
    (occupied / "inner").mkdir(parents=True)
    before = sorted(p.name for p in tmp_path.iterdir())

    with pytest.raises(InputFileError, match="line 3"):
        import_csv(bad, placement=Placement.FOOT, side=Side.LEFT, rate_hz=None, out_path=tmp_path / "a.rsrec")
    with pytest.raises(RecordingError, match="already exists"):
        import_csv(good, placement=Placement.FOOT, side=Side.LEFT, rate_hz=None, out_path=existing)
    with pytest.raises(RecordingError, match="cannot be written"):  # fails at the final rename
        import_csv(good, placement=Placement.FOOT, side=None, rate_hz=None, out_path=occupied, overwrite=True)
    with pytest.raises(RecordingError, match="directory does not exist"):
        import_csv(
            good, placement=Placement.FOOT, side=None, rate_hz=None, out_path=tmp_path / "no" / "x.rsrec"
        )
    with pytest.raises(ConfigError, match="speed_kmh"):
        import_csv(
            good, placement=Placement.FOOT, side=None, rate_hz=None, out_path=tmp_path / "b", speed_kmh=-1
        )

    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert existing.read_text() == "keep me"


def test_overwrite_replaces_an_existing_recording(tmp_path: Path) -> None:
    out = tmp_path / "run.rsrec"
    first = write_rows(tmp_path / "a.csv", np.arange(5) / 10, np.zeros((5, 3)))
    second = write_rows(tmp_path / "b.csv", np.arange(7) / 10, np.ones((7, 3)))
    import_csv(first, placement=Placement.SACRUM, side=None, rate_hz=None, out_path=out)
    import_csv(second, placement=Placement.SACRUM, side=None, rate_hz=None, out_path=out, overwrite=True)
    with RecordingReader(out) as reader:
        assert reader.metadata["source"] == "csv-import:b.csv"
        assert sum(c.n_samples for c in iter_sample_chunks(reader, "imu")) == 7


@settings(max_examples=25, deadline=None)
@given(
    fs_hz=st.floats(20.0, 400.0),
    # >= 3 samples a block: the nominal interval is the median one, so gaps must be the minority
    block_sizes=st.lists(st.integers(3, 300), min_size=1, max_size=4),
    n_axes=st.integers(1, 3),
    t_start_s=st.floats(0.0, 1000.0),
)
def test_import_round_trip_keeps_samples_and_time_base(
    fs_hz: float, block_sizes: list[int], n_axes: int, t_start_s: float
) -> None:
    starts, t0_s = [], t_start_s
    for size in block_sizes:
        starts.append(t0_s)
        t0_s += size / fs_hz + 1.0  # one second of gap, always > 1.5 intervals
    t_s = np.concatenate(
        [start + np.arange(size) / fs_hz for start, size in zip(starts, block_sizes, strict=True)]
    )
    acc = np.random.default_rng(len(t_s)).normal(size=(len(t_s), n_axes)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "p.csv"
        header = ",".join(["t_s", *("ax_g", "ay_g", "az_g")[:n_axes]])
        rows = [
            ",".join([repr(float(t)), *(repr(float(a)) for a in row)])
            for t, row in zip(t_s, acc, strict=True)
        ]
        csv.write_text("\n".join([header, *rows]))
        out = import_csv(
            csv, placement=Placement.CHEST, side=None, rate_hz=None, out_path=Path(tmp) / "p.rsrec"
        )
        with RecordingReader(out) as reader:
            chunks = list(iter_sample_chunks(reader, "imu"))
    assert chunks[0].fs_hz == pytest.approx(fs_hz, rel=1e-6)
    np.testing.assert_array_equal(np.vstack([c.acc_g for c in chunks]), acc)
    block_t0_s = sorted({c.t0_s for c in chunks} & set(starts))
    assert block_t0_s == sorted(set(starts))
    per_packet = round(chunks[0].fs_hz)
    assert all(c.n_samples <= per_packet for c in chunks)
    for previous, chunk in itertools.pairwise(chunks):
        contiguous = chunk.t0_s - previous.end_s
        assert contiguous == pytest.approx(0.0, abs=1e-6) or contiguous > 0.99
