"""The CSV contract: what is accepted, how time is rebuilt, and that rejections name their line or column."""

from __future__ import annotations

import gzip
import io
import time
from typing import TYPE_CHECKING

import numpy as np
import pytest

from runsense.errors import InputFileError
from runsense.importers._csv_table import STANDARD_GRAVITY_MS2
from runsense.importers.csv_import import read_imu_csv

if TYPE_CHECKING:
    from pathlib import Path


def write_csv(tmp_path: Path, text: str, name: str = "run.csv") -> Path:
    path = tmp_path / name
    data = text.encode()
    path.write_bytes(gzip.compress(data, compresslevel=1) if name.endswith(".gz") else data)
    return path


def csv_text(t_s: np.ndarray, acc: np.ndarray, header: str = "t_s,ax_g,ay_g,az_g") -> str:
    rows = [
        ",".join([repr(float(t)), *(repr(float(a)) for a in row)]) for t, row in zip(t_s, acc, strict=True)
    ]
    return "\n".join([header, *rows]) + "\n"


def test_reads_t_s_and_acceleration(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "t_s,ax_g,ay_g,az_g\n0.00,0.1,0.2,1.0\n0.01,0.2,0.3,1.1\n0.02,0.3,0.4,1.2\n")
    imported = read_imu_csv(path)
    assert imported.fs_hz == pytest.approx(100.0)
    assert imported.channels == ("ax_g", "ay_g", "az_g")
    assert imported.source_name == "run.csv"
    [block] = imported.blocks
    assert (block.sensor_id, block.t0_s, block.gyro_dps) == ("imu", 0.0, None)
    np.testing.assert_allclose(block.acc_g, [[0.1, 0.2, 1.0], [0.2, 0.3, 1.1], [0.3, 0.4, 1.2]])


def test_ms2_is_converted_to_g_and_axes_are_ordered(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, f"az_ms2,t_s,ax_g\n{STANDARD_GRAVITY_MS2},0,0.5\n{-2 * STANDARD_GRAVITY_MS2},0.02,1\n"
    )
    imported = read_imu_csv(path)
    assert imported.channels == ("ax_g", "az_g")
    assert imported.columns == ("ax_g", "az_ms2")
    np.testing.assert_allclose(imported.blocks[0].acc_g, [[0.5, 1.0], [1.0, -2.0]])
    assert imported.fs_hz == pytest.approx(50.0)


def test_gyro_other_columns_whitespace_bom_and_crlf(tmp_path: Path) -> None:
    text = "\ufeff label , t_s , az_g ,gx_dps, gz_dps ,axis\r\nwalk,0,1,10,-5,x\r\nrun,0.01,2,20,-6,y\r\n\r\n"
    imported = read_imu_csv(write_csv(tmp_path, text))
    assert imported.channels == ("az_g", "gx_dps", "gz_dps")
    block = imported.blocks[0]
    np.testing.assert_array_equal(block.acc_g, [[1.0], [2.0]])
    assert block.gyro_dps is not None
    np.testing.assert_array_equal(block.gyro_dps, [[10.0, -5.0], [20.0, -6.0]])


def test_gzip_gives_the_same_samples(tmp_path: Path) -> None:
    text = csv_text(np.arange(50) / 100, np.random.default_rng(3).normal(size=(50, 3)))
    plain = read_imu_csv(write_csv(tmp_path, text, "run.csv"))
    packed = read_imu_csv(write_csv(tmp_path, text, "run.csv.gz"))
    np.testing.assert_array_equal(plain.blocks[0].acc_g, packed.blocks[0].acc_g)
    assert packed.source_name == "run.csv.gz"


def test_gaps_split_blocks_and_the_rate_ignores_them(tmp_path: Path) -> None:
    t_s = np.concatenate([12.3 + np.arange(100) / 100, 15.0 + np.arange(50) / 100])
    imported = read_imu_csv(write_csv(tmp_path, csv_text(t_s, np.ones((150, 3)))))
    assert [(b.t0_s, b.n_samples) for b in imported.blocks] == [(12.3, 100), (15.0, 50)]
    assert imported.fs_hz == pytest.approx(100.0)
    assert imported.n_samples == 150


def test_rate_from_jittery_t_s(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    t_s = np.arange(1000) / 50 + rng.uniform(-0.004, 0.004, 1000)  # +-20 % of an interval
    t_s[0], t_s[-1] = 0.0, 999 / 50
    imported = read_imu_csv(write_csv(tmp_path, csv_text(t_s, np.zeros((1000, 3)))))
    assert len(imported.blocks) == 1
    assert imported.fs_hz == pytest.approx(50.0, rel=1e-9)


def test_rate_hz_without_t_s_and_agreeing_with_t_s(tmp_path: Path) -> None:
    no_time = read_imu_csv(write_csv(tmp_path, "ax_g\n1\n2\n3\n"), rate_hz=25.0)
    assert (no_time.fs_hz, no_time.blocks[0].t0_s, no_time.blocks[0].n_samples) == (25.0, 0.0, 3)
    t_s = 5 + np.arange(200) / 100
    both = read_imu_csv(write_csv(tmp_path, csv_text(t_s, np.zeros((200, 3))), "b.csv"), rate_hz=100.9)
    assert both.fs_hz == pytest.approx(100.0)
    assert both.blocks[0].t0_s == 5.0
    single = read_imu_csv(write_csv(tmp_path, "t_s,ax_g\n7.5,1\n", "c.csv"), rate_hz=10.0)
    assert (single.fs_hz, single.blocks[0].t0_s) == (10.0, 7.5)


HEADER = "t_s,ax_g,ay_g,az_g\n"
OK_ROW = "0.00,0,0,1\n"


@pytest.mark.parametrize(
    ("text", "rate_hz", "expected"),
    [
        ("", None, "is empty"),
        ("  \n\n", None, "is empty"),
        ("\nt_s,ax_g\n0,1\n", None, "line 1 is empty"),
        (HEADER, None, "has a header (line 1) but no data rows"),
        ("t_s;ax_g;ay_g\n0;1;2\n", None, "uses ';' as delimiter; runsense expects commas"),
        ("t_s\tax_g\n0\t1\n", None, "uses tab as delimiter; runsense expects commas"),
        ("t_s,gx_dps,speed\n0,1,2\n", None, "has no acceleration column (header: 't_s', 'gx_dps', 'speed')"),
        (
            "t_s,ax_mg\n0,1\n",
            None,
            "column 'ax_mg' has unknown unit suffix '_mg'; acceleration columns end in _g or _ms2",
        ),
        ("t_s,ax\n0,1\n", None, "column 'ax' has no unit suffix"),
        (
            "t_s,ax_g,gx_rads\n0,1,2\n",
            None,
            "column 'gx_rads' has unknown unit suffix '_rads'; gyro columns end in _dps",
        ),
        ("t_s,ax_g,ax_ms2\n0,1,9.8\n", None, "columns 'ax_g' and 'ax_ms2' both give the x acceleration"),
        ("t_s,t_s,ax_g\n0,0,1\n", None, "column 't_s' appears twice"),
        (HEADER + OK_ROW + "0.01,0,abc,1\n", None, "line 3, column 'ay_g': 'abc' is not a number"),
        (HEADER + OK_ROW + "0.01,0,1_0,1\n", None, "line 3, column 'ay_g': '1_0' is not a number"),
        (
            HEADER + OK_ROW + "0.01,0,0,1\n0.02,nan,0,1\n",
            None,
            "line 4, column 'ax_g': 'nan' is not a finite number",
        ),
        (HEADER + OK_ROW + "0.01,0,0,-inf\n", None, "line 3, column 'az_g': '-inf' is not a finite number"),
        (HEADER + OK_ROW + "0.01,0,0, \n", None, "line 3, column 'az_g': empty cell"),
        ("ax_g\n1\n\n2\n", 10.0, "line 3 is empty"),
        (HEADER + OK_ROW + "\n0.02,0,0,1\n", None, "line 3 is empty"),
        (HEADER + OK_ROW + "0.01,0,1\n", None, "line 3 has 3 fields but the header has 4"),
        (HEADER + OK_ROW + "0.01,0,1,1,5\n", None, "line 3 has 5 fields but the header has 4"),
        (HEADER + OK_ROW + "0.01,0,0,1\n0.01,0,0,1\n", None, "line 4: t_s 0.01 repeats line 3 (t_s 0.01)"),
        (
            HEADER + OK_ROW + "0.02,0,0,1\n0.01,0,0,1\n",
            None,
            "line 4: t_s 0.01 is earlier than line 3 (t_s 0.02)",
        ),
        (
            "ax_g,ay_g\n1,2\n",
            None,
            "has no 't_s' column; add a time column in seconds or give the sample rate",
        ),
        (HEADER + OK_ROW, None, "has a single data row (line 2)"),
        (HEADER + OK_ROW + "0.01,0,0,1\n", 0.0, "rate_hz must be a positive number"),
        (HEADER + OK_ROW + "0.01,0,0,1\n", -5.0, "rate_hz must be a positive number"),
        (HEADER + OK_ROW + "0.01,0,0,1\n", float("nan"), "rate_hz must be a positive number"),
        (HEADER + OK_ROW + "0.01,0,0,1\n", 98.0, "column 't_s' gives 100 Hz but rate_hz is 98 Hz"),
    ],
)
def test_rejections_name_the_line_or_column(
    tmp_path: Path, text: str, rate_hz: float | None, expected: str
) -> None:
    path = write_csv(tmp_path, text)
    with pytest.raises(InputFileError) as excinfo:
        read_imu_csv(path, rate_hz=rate_hz)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message
    assert excinfo.value.path == str(path)


def test_unreadable_files(tmp_path: Path) -> None:
    broken_gz = tmp_path / "run.csv.gz"
    broken_gz.write_bytes(gzip.compress(b"t_s,ax_g\n0,1\n")[:-12])
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("t_s,ax_g\n0,1\n0.1,2 \xb5\n".encode("latin-1"))
    cases = {
        tmp_path / "missing.csv": "does not exist",
        tmp_path: "is a directory",
        broken_gz: "is not a valid gzip file",
        latin1: "line 3 is not UTF-8 text",
    }
    for path, expected in cases.items():
        with pytest.raises(InputFileError, match=expected):
            read_imu_csv(path)


@pytest.mark.parametrize("bad_cell", ["oops", "nan", ""])
def test_errors_deep_in_a_large_gzip_file_name_the_line(tmp_path: Path, bad_cell: str) -> None:
    n_rows = 150_000
    rows = [f"{k / 100:.2f},0.01,-0.02,1.0" for k in range(n_rows)]
    rows[123_456] = f"{123_456 / 100:.2f},0.01,{bad_cell},1.0"
    path = write_csv(tmp_path, "\n".join(["t_s,ax_g,ay_g,az_g", *rows]), "big.csv.gz")
    with pytest.raises(InputFileError, match="line 123458, column 'ay_g'"):
        read_imu_csv(path)


def test_150k_row_gzip_file_parses_fast(tmp_path: Path) -> None:
    acc = np.random.default_rng(5).normal(size=(150_000, 3)).round(5)
    text = io.StringIO()
    np.savetxt(
        text,
        np.column_stack([np.arange(150_000) / 100, acc]),
        fmt="%.5f",
        delimiter=",",
        header="t_s,ax_g,ay_g,az_g",
        comments="",
    )
    path = write_csv(tmp_path, text.getvalue(), "big.csv.gz")
    started_s = time.perf_counter()
    imported = read_imu_csv(path)
    assert time.perf_counter() - started_s < 1.0
    np.testing.assert_array_equal(imported.blocks[0].acc_g, acc)
