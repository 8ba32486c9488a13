"""A runner's speed calibration (per shoe, from the config) reaches the sensors whose profile has it."""

from __future__ import annotations

import pytest

from runsense.config import RunnerSettings
from runsense.errors import ConfigError
from runsense.model import RawPacket
from runsense.profiles import load_default_profiles
from runsense.profiles.decoder import ProfileDecoder
from runsense.profiles.encoders import ProfileEncoder
from runsense.profiles.readings import RunningReading
from runsense.sources.cli import with_runner
from runsense.sources.discovery import SensorSpec, _with_runner_settings


def test_speed_factor_applies_to_a_footpod_but_not_to_an_imu() -> None:
    profiles = load_default_profiles()
    (spec,) = with_runner([SensorSpec("pod")], RunnerSettings(speed_factor=1.04))
    assert _with_runner_settings(spec, profiles["rsc-footpod"]).settings == {"speed_factor": 1.04}
    assert _with_runner_settings(spec, profiles["runsense-imu"]).settings == {}


def test_a_sensor_setting_given_on_the_command_line_wins() -> None:
    spec = SensorSpec("pod", settings={"speed_factor": 0.98}, runner_settings={"speed_factor": 1.04})
    footpod = load_default_profiles()["rsc-footpod"]
    assert _with_runner_settings(spec, footpod).settings == {"speed_factor": 0.98}


def test_no_calibration_leaves_the_specs_alone() -> None:
    specs = [SensorSpec("pod")]
    assert with_runner(specs, RunnerSettings()) is specs


def test_the_calibrated_footpod_reports_calibrated_speed() -> None:
    profile = load_default_profiles()["rsc-footpod"]
    (spec,) = with_runner([SensorSpec("pod")], RunnerSettings(speed_factor=1.1))
    settings = _with_runner_settings(spec, profile).settings
    wire = ProfileEncoder(profile).encode_reading(RunningReading(0.0, speed_mps=3.0, cadence_spm=170.0))
    data_uuid = next(c.uuid for c in profile.characteristics if c.reading == "running")
    decoded = ProfileDecoder(profile, sensor_id="pod", settings=dict(settings)).decode(
        RawPacket("pod", data_uuid, 1.0, wire)
    )
    (reading,) = decoded.readings
    assert isinstance(reading, RunningReading)
    assert reading.speed_mps == pytest.approx(3.3, abs=0.01)


def test_an_implausible_factor_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"speed_factor = 2: use 0\.5 to 1\.5"):
        RunnerSettings(speed_factor=2.0)
