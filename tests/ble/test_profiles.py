"""Every firmware profile end to end: recognised from its advertisement, started, and its notifications
decode (with the decoder the live session uses) to the values the virtual sensor sent."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from runsense.decoding import PacketDecoder
from runsense.model import Placement
from runsense.profiles import (
    HeartRateReading,
    PowerReading,
    Profile,
    RunningReading,
    TreadmillReading,
    commands_for,
    load_default_profiles,
)
from runsense.profiles.readings import Reading
from runsense.simulate import VirtualRadio
from runsense.simulate.feeds import max_samples_per_packet
from runsense.sources.discovery import SensorSpec
from tests.ble.helpers import next_packet, source_for, start_sensor

ACC_G = np.array([[0.0, 0.0, 1.0], [0.5, -0.25, 1.0], [-1.0, 0.125, 0.75]])
ACC_TOLERANCE_G = 2e-3
"""Coarsest resolution among the profiles: Polar's 1 mG."""
READINGS: dict[str, Reading] = {
    "running": RunningReading(0.0, 3.0, 170.0, stride_length_m=1.2, total_distance_m=1234.5, running=True),
    "heart_rate": HeartRateReading(0.0, 142, rr_intervals_s=(0.421875,)),
    "power": PowerReading(0.0, 250),
    "treadmill": TreadmillReading(0.0, speed_mps=10.0 / 3.6, incline_pct=1.5),
}


PROFILE_CASES = sorted(load_default_profiles())


def _fields(reading: Reading) -> dict[str, object]:
    return {k: getattr(reading, k) for k in reading.__dataclass_fields__ if k != "t_s"}


def _assert_same_reading(got: Reading, sent: Reading) -> None:
    assert type(got) is type(sent)
    for name, value in _fields(sent).items():
        decoded = getattr(got, name)
        if value is None:
            continue
        if isinstance(value, float):
            assert decoded == pytest.approx(value, abs=0.01), name
        else:
            assert decoded == value, name


@pytest.mark.parametrize("short_name", PROFILE_CASES)
async def test_profile_streams_through_bleak_and_decodes(
    radio: VirtualRadio, profiles: Mapping[str, Profile], short_name: str
) -> None:
    profile = profiles[short_name]
    sensor = await start_sensor(radio, profile)
    placement = (
        Placement.SACRUM
        if profile.imu is not None and short_name not in ("polar-h10", "polar-verity")
        else None
    )
    async with source_for(radio, [SensorSpec(sensor.address, placement)], profiles) as source:
        (info,) = source.sensors
        assert info.profile == short_name  # recognised from what it advertises, as with hardware
        assert sensor.commands == [c.name for c in commands_for(profile, "start")]
        decoder = PacketDecoder(info)
        packets = source.packets()
        for char in (c for c in profile.characteristics if c.role == "data" and c.reading is not None):
            if char.reading == "imu":
                assert sensor.streaming
                acc_g = ACC_G[: max_samples_per_packet(profile)]  # MetaMotion: one sample a packet
                await sensor.send_imu(sensor.encoder.encode_imu(acc_g, sensor_time=123_456, sequence=7))
                decoded = decoder.decode_packet(await next_packet(packets, char_uuid=char.uuid))
                assert decoded.chunk is not None
                np.testing.assert_allclose(decoded.chunk.acc_g, acc_g, atol=ACC_TOLERANCE_G)
            else:
                assert char.reading is not None
                sent = READINGS[char.reading]
                await sensor.notify(char.name, sensor.encoder.encode_reading(sent))
                decoded = decoder.decode_packet(await next_packet(packets, char_uuid=char.uuid))
                (got,) = decoded.readings
                _assert_same_reading(got, sent)
    assert sensor.commands[-len(commands_for(profile, "stop")) or len(sensor.commands) :] == [
        c.name for c in commands_for(profile, "stop")
    ]
