"""Malformed and truncated notifications travel the real path to the session, which counts and skips them;
the count reaches the dashboard line and the recording."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from runsense.dashboard.render import sensor_line
from runsense.live.headless import run_headless
from runsense.live.session import LiveSession
from runsense.model import Placement
from runsense.profiles import Profile
from runsense.recording import RecordingReader, RecordingWriter
from runsense.simulate import VirtualRadio
from runsense.sources.discovery import SensorSpec
from runsense.sources.record import RecordingTee
from tests.ble.helpers import TIMEOUT_S, source_for, start_sensor

GOOD = np.array([[0.0, 0.0, 1.0], [0.1, 0.0, 1.1]])


async def test_malformed_packets_are_counted_not_fatal(
    radio: VirtualRadio, profiles: Mapping[str, Profile], tmp_path: Path
) -> None:
    sensor = await start_sensor(radio, profiles["runsense-imu"], settings={"fs_hz": 200.0})
    source = source_for(
        radio, [SensorSpec(sensor.address, Placement.SACRUM, settings={"fs_hz": 200.0})], profiles
    )
    lines: list[str] = []
    async with source:
        tee = RecordingTee(source, RecordingWriter(tmp_path / "bad.rsrec", metadata={"source": "test"}))
        pump = asyncio.create_task(
            run_headless(tee, lambda: LiveSession(source.sensors), emit=lines.append, quiet_steps=True)
        )
        good = sensor.encoder.encode_imu(GOOD, sensor_time=1_000_000, sequence=1)
        later = sensor.encoder.encode_imu(GOOD, sensor_time=1_010_000, sequence=2)
        delivered_before = radio.notifications_delivered
        for payload in (
            good,
            b"\x01\x02",  # truncated header
            good[:-3],  # samples cut in the middle
            b"\x02" + good[1:],  # a future format version
            later,
        ):
            await sensor.send_imu(payload)
        await radio.settle(delivered_before + 5)  # all five reached bleak before the source stops
    session = await asyncio.wait_for(pump, TIMEOUT_S)

    (status,) = session.snapshot().sensors
    assert status.decode_errors == 3
    assert status.last_sample_s is not None  # the good packets before and after were analysed
    assert "errors 3" in sensor_line(session.snapshot().sensors).plain
    tee.finish(session)
    with RecordingReader(tmp_path / "bad.rsrec") as reader:
        assert reader.metadata["decode_errors"] == {status.sensor_id: 3}
        data_uuid = sensor.profile.characteristic("imu_data").uuid
        payloads = [p.payload for p in reader.iter_packets() if p.char_uuid == data_uuid]
    assert payloads == [good, b"\x01\x02", good[:-3], b"\x02" + good[1:], later]  # recorded raw, as received
