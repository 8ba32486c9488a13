"""The sensor status line shows a battery level only for sensors that report one (low in yellow)."""

from __future__ import annotations

from runsense.dashboard.render import LOW_BATTERY_PCT, sensor_line
from runsense.live.session import SensorStatus


def _status(sensor_id: str, battery_pct: int | None) -> SensorStatus:
    return SensorStatus(sensor_id, "chest", 10, 0, 0, 1.0, lost=False, battery_pct=battery_pct)


def test_battery_is_shown_per_sensor_that_has_one() -> None:
    text = sensor_line([_status("chest", 87), _status("sacrum", None)])
    chest, sacrum = text.plain.split("\n")
    assert "chest (chest) streaming  bat 87 %  packets 10" in chest
    assert "bat" not in sacrum


def test_a_low_battery_stands_out() -> None:
    text = sensor_line([_status("chest", LOW_BATTERY_PCT)])
    start = text.plain.index("bat")
    styles = {str(span.style) for span in text.spans if span.start <= start < span.end}
    assert styles == {"yellow"}
    full = sensor_line([_status("chest", 90)])
    start = full.plain.index("bat")
    assert not any("yellow" in str(s.style) for s in full.spans if s.start <= start < s.end)
