"""``--sensor ADDRESS_OR_NAME[=PLACEMENT[:SIDE]]`` parsing and the scan table, without a radio."""

from __future__ import annotations

import argparse

import pytest

from runsense.model import Placement, Side
from runsense.sources.cli import format_scan, parse_sensor
from runsense.sources.discovery import ScanResult


def test_sensor_options_parse() -> None:
    spec = parse_sensor("C4:7C:8D:6A:12:34=foot:left")
    assert (spec.query, spec.placement, spec.side) == ("C4:7C:8D:6A:12:34", Placement.FOOT, Side.LEFT)
    spec = parse_sensor("Polar H10 1A2B3C4D")
    assert (spec.query, spec.placement, spec.side) == ("Polar H10 1A2B3C4D", None, None)
    assert parse_sensor("RS-IMU 2=shank:R").side is Side.RIGHT


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=foot", "address or advertised name first"),
        ("pod=knee", "unknown placement 'knee'"),
        ("pod=foot:up", "use left or right"),
    ],
)
def test_bad_sensor_options_say_why(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse_sensor(text)


def test_empty_scan_says_what_to_do() -> None:
    assert "wake the sensor" in format_scan([], 5.0)
    line = format_scan([ScanResult("AA:BB:CC:DD:EE:FF", None, -71, (), ())], 5.0).splitlines()[1]
    assert line.split() == ["(no", "name)", "AA:BB:CC:DD:EE:FF", "-71", "dBm", "not", "recognised"]
