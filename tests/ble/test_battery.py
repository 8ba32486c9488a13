"""Battery level: read after connecting and followed by notifications, carried to the snapshot, the
dashboard's sensor line and the MQTT metrics; a sensor without the Battery Service shows none, silently."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Mapping

import pytest

from runsense.dashboard.render import sensor_line
from runsense.live.session import LiveSession, SensorStatus
from runsense.model import Placement, RawPacket
from runsense.mqtt.payloads import metrics_fields
from runsense.mqtt.schemas import SCHEMAS, validate
from runsense.profiles import Profile
from runsense.simulate import VirtualRadio, VirtualSensor
from runsense.simulate.scenario import DEVICE_NAMES
from runsense.sources.discovery import SensorSpec
from runsense.sources.link import BATTERY_LEVEL_UUID
from tests.ble.helpers import TIMEOUT_S, next_packet, source_for, start_sensor

SENSOR_ITEM = SCHEMAS["metrics"]["properties"]["sensors"]["items"]


def _status(session: LiveSession) -> SensorStatus:
    (status,) = session.snapshot().sensors
    return status


async def _feed_until(session: LiveSession, packets: AsyncIterator[RawPacket], char_uuid: str) -> RawPacket:
    """Feed the session every packet up to and including the next one on ``char_uuid``."""

    async def wanted() -> RawPacket:
        async for packet in packets:
            session.on_packet(packet)
            if packet.char_uuid == char_uuid:
                return packet
        raise AssertionError("the source ended")

    return await asyncio.wait_for(wanted(), TIMEOUT_S)


@pytest.mark.parametrize("short_name", ["heart-rate", "polar-h10", "stryd-power"])
async def test_battery_level_is_read_then_notified_into_snapshot_dashboard_and_mqtt(
    radio: VirtualRadio, profiles: Mapping[str, Profile], short_name: str
) -> None:
    sensor = await start_sensor(radio, profiles[short_name])
    spec = SensorSpec(sensor.address, profile=short_name)
    async with source_for(radio, [spec], profiles) as source:
        session = LiveSession(source.sensors)
        packets = source.packets()
        read = await _feed_until(session, packets, BATTERY_LEVEL_UUID)
        assert read.payload == bytes([87])  # the profile's example value, read after connecting
        status = _status(session)
        assert status.battery_pct == 87
        assert status.decode_errors == 0
        assert "bat 87 %" in sensor_line(session.snapshot().sensors).plain
        (item,) = metrics_fields(session.snapshot())["sensors"]
        assert item["battery_pct"] == 87
        assert validate(item, SENSOR_ITEM) == []

        assert sensor.subscribers("battery_level") == 1  # runsense subscribed: the device notifies
        assert await sensor.set_battery_level(12) == 1
        notified = await _feed_until(session, packets, BATTERY_LEVEL_UUID)
        assert notified.payload == bytes([12])
        assert _status(session).battery_pct == 12
        assert "bat 12 %" in sensor_line(session.snapshot().sensors).plain


def _without_battery(profile: Profile) -> Profile:
    """The same device, but its firmware lacks the Battery Service."""
    chars = tuple(c for c in profile.characteristics if c.uuid != BATTERY_LEVEL_UUID)
    examples = tuple(e for e in profile.examples if e.characteristic != "battery_level")
    return dataclasses.replace(profile, characteristics=chars, examples=examples)


async def test_a_device_without_the_battery_service_shows_no_battery_and_no_warning(
    radio: VirtualRadio, profiles: Mapping[str, Profile], caplog: pytest.LogCaptureFixture
) -> None:
    profile = profiles["heart-rate"]
    assert any(c.uuid == BATTERY_LEVEL_UUID for c in profile.characteristics)  # runsense will look for it
    sensor = VirtualSensor(radio, _without_battery(profile), name=DEVICE_NAMES["heart-rate"].format(n=1))
    await sensor.start()
    caplog.set_level(logging.WARNING, logger="runsense")
    async with source_for(radio, [SensorSpec(sensor.address, profile="heart-rate")], profiles) as source:
        session = LiveSession(source.sensors)
        packets = source.packets()
        await sensor.notify("heart_rate_measurement", bytes.fromhex("00 48"))
        first = await next_packet(packets)
        session.on_packet(first)
    assert first.char_uuid == profile.characteristic("heart_rate_measurement").uuid  # not a battery packet
    status = _status(session)
    assert (status.battery_pct, status.decode_errors) == (None, 0)
    assert "bat" not in sensor_line(session.snapshot().sensors).plain
    (item,) = metrics_fields(session.snapshot())["sensors"]
    assert "battery_pct" not in item
    assert validate(item, SENSOR_ITEM) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_profile_without_battery_reads_none(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    """A runsense-imu board has no Battery Service in its profile: streaming starts, no battery appears."""
    sensor = await start_sensor(radio, profiles["runsense-imu"], settings={"fs_hz": 100})
    spec = SensorSpec(sensor.address, Placement.SACRUM, profile="runsense-imu")
    async with source_for(radio, [spec], profiles) as source:
        session = LiveSession(source.sensors)
        payload = bytes.fromhex("01 02 01 40 42 0f 00 03 02 02 00 00 00 00 00 10 00 f0 00 08 00 10")
        await asyncio.wait_for(sensor.wait_command("start_streaming"), TIMEOUT_S)
        assert await sensor.send_imu(payload) == 1
        packet = await next_packet(source.packets())
        session.on_packet(packet)
    assert packet.char_uuid != BATTERY_LEVEL_UUID
    assert _status(session).battery_pct is None
    assert _status(session).decode_errors == 0
