"""Control-point exchanges through bleak: PMD start/stop of the Polar straps, the RSC SC control point
(set distance, calibrate, locations), and a refused command reported once without stopping the run."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from runsense.profiles import Profile, ProfileDecoder
from runsense.simulate import VirtualRadio
from runsense.sources.base import CommandFailed, SensorConnected
from runsense.sources.discovery import SensorSpec
from tests.ble.helpers import EventLog, source_for, start_sensor


@pytest.mark.parametrize("short_name", ["polar-h10", "polar-verity"])
async def test_pmd_start_and_stop_exchange(
    radio: VirtualRadio, profiles: Mapping[str, Profile], short_name: str
) -> None:
    profile = profiles[short_name]
    sensor = await start_sensor(radio, profile)
    source = source_for(radio, [SensorSpec(sensor.address)], profiles)
    log = EventLog(source)
    async with source:
        assert sensor.commands == ["start_acc"]
        assert sensor.streaming
    assert sensor.commands == ["start_acc", "stop_acc"]  # stopped before the link went down
    assert not sensor.streaming
    assert [type(e) for e in log.events] == [SensorConnected]  # both replies said success

    control_uuid = profile.characteristic("pmd_control").uuid
    replies = [p async for p in source.packets() if p.char_uuid == control_uuid]
    decoder = ProfileDecoder(profile, sensor_id="strap")
    decoded = [decoder.decode(p).control for p in replies]
    assert [(c.request_opcode, c.ok) for c in decoded if c is not None] == [(2, True), (3, True)]


async def test_sc_control_point_exchanges(radio: VirtualRadio, profiles: Mapping[str, Profile]) -> None:
    sensor = await start_sensor(radio, profiles["rsc-footpod"])
    async with source_for(radio, [SensorSpec(sensor.address)], profiles) as source:
        (info,) = source.sensors
        distance = await source.send_command(info.sensor_id, "set_total_distance", total_distance_m=1234.5)
        calibration = await source.send_command(info.sensor_id, "start_calibration")
        locations = await source.send_command(info.sensor_id, "request_supported_locations")
    assert sensor.commands == ["set_total_distance", "start_calibration", "request_supported_locations"]
    assert distance is not None
    assert (distance.request_opcode, distance.ok) == (1, True)
    assert calibration is not None
    assert (calibration.request_opcode, calibration.ok) == (2, True)
    assert locations is not None
    assert locations.params["supported_locations"] == (0, 1, 2)


async def test_refused_command_is_reported_once_and_the_run_goes_on(
    radio: VirtualRadio, profiles: Mapping[str, Profile], caplog: pytest.LogCaptureFixture
) -> None:
    sensor = await start_sensor(radio, profiles["rsc-footpod"])
    sensor.refusals["start_calibration"] = 2  # op code not supported: a pod that cannot calibrate
    source = source_for(radio, [SensorSpec(sensor.address)], profiles)
    log = EventLog(source)
    async with source:
        (info,) = source.sensors
        first = await source.send_command(info.sensor_id, "start_calibration")
        second = await source.send_command(info.sensor_id, "start_calibration")
        still = await source.send_command(info.sensor_id, "set_total_distance", total_distance_m=0.0)
    assert first is not None
    assert (first.ok, first.result_code) == (False, 2)
    assert second is not None
    assert not second.ok
    assert still is not None
    assert still.ok
    failures = [e for e in log.events if isinstance(e, CommandFailed)]
    assert [(f.command, f.reason) for f in failures] == [("start_calibration", "refused with code 2")] * 2
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "start_calibration" in r.message]
    assert len(warnings) == 1  # one clear warning, not a flood
