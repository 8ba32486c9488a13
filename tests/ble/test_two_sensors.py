"""Two sensors at once, streaming a recording in virtual time: every packet arrives, in order, and both
sensors' steps come out of the live session."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from runsense.clock import ManualClock
from runsense.live.session import LiveSession
from runsense.model import RawPacket
from runsense.profiles import Profile, ProfileDecoder
from runsense.simulate import VirtualRadio
from runsense.simulate.player import Player
from runsense.simulate.scenario import SimulateSpec, build_simulation
from tests.ble.helpers import source_for

PLAY_S = 6.0
PLAY_TIMEOUT_S = 30.0
"""Failure bound for playing PLAY_S of both streams (tier 2 widens it: BlueZ under emulation)."""


async def test_two_imus_stream_concurrently_in_order(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    simulation = build_simulation(radio, [SimulateSpec("runsense-imu"), SimulateSpec("polar-h10")], profiles)
    await simulation.start()
    clock = ManualClock()
    source = source_for(radio, simulation.specs, profiles, clock=clock)
    async with source:
        by_address = {s.extra["address"]: s for s in source.sensors}
        imu_info, h10_info = (by_address[sensor.address] for sensor in simulation.sensors)
        assert (imu_info.profile, h10_info.profile) == ("runsense-imu", "polar-h10")
        player = Player(radio, simulation.feeds, clock=clock)
        await asyncio.wait_for(player.play(until_s=PLAY_S), PLAY_TIMEOUT_S)
    received: dict[str, list[RawPacket]] = {}
    async for packet in source.packets():
        received.setdefault(packet.sensor_id, []).append(packet)

    imu_packets = [p for p in received[imu_info.sensor_id] if p.char_uuid == imu_info.char_uuid]
    h10_packets = [p for p in received[h10_info.sensor_id] if p.char_uuid == h10_info.char_uuid]
    assert len(imu_packets) == round(PLAY_S * 200 / 8)  # 200 Hz, 8 samples a packet, none lost
    assert len(h10_packets) == round(PLAY_S * 200 / 8)
    decoder = ProfileDecoder(profiles["runsense-imu"], sensor_id="imu", fs_hz=200.0)
    sequence = [decoder.decode(p).values["seq"] for p in imu_packets]
    assert sequence == list(range(len(imu_packets)))  # in order, no gap
    times = [p.t_received_s for p in imu_packets]
    assert times == sorted(times)
    hr_uuid = profiles["polar-h10"].characteristic("heart_rate_measurement").uuid
    assert sum(p.char_uuid == hr_uuid for p in received[h10_info.sensor_id]) == int(PLAY_S)  # 1 Hz

    session = LiveSession(source.sensors, speed_mps=12 / 3.6)
    for packets in received.values():
        for packet in packets:
            session.on_packet(packet)
    session.finish()
    steps = {
        sensor_id: [s for s in session.record.steps if s.sensor_id == sensor_id] for sensor_id in received
    }
    assert all(len(s) >= 10 for s in steps.values()), {k: len(v) for k, v in steps.items()}
    assert not any(s.decode_errors for s in session.snapshot().sensors)
