"""A sensor that drops mid-run: the source reports it lost, reconnects by itself when the sensor is back,
restarts its stream, and the gap is visible to the session, the dashboard and the recording."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from runsense.clock import ManualClock
from runsense.decoding import PacketDecoder
from runsense.live.session import LiveSession
from runsense.model import RawPacket
from runsense.profiles import Profile
from runsense.recording import RecordingReader, RecordingWriter
from runsense.simulate import VirtualRadio
from runsense.simulate.player import Player
from runsense.simulate.scenario import SimulateSpec, build_simulation
from runsense.sources.base import SensorConnected, SensorLost, SensorReconnected
from runsense.sources.record import RecordingTee
from tests.ble.helpers import EventLog, source_for

DROP_AT_S, BACK_AT_S, END_S = 3.0, 5.0, 8.0


async def test_drop_reconnect_and_the_gap(
    radio: VirtualRadio, profiles: Mapping[str, Profile], tmp_path: Path
) -> None:
    simulation = build_simulation(radio, [SimulateSpec("runsense-imu")], profiles)
    await simulation.start()
    (sensor,) = simulation.sensors
    clock = ManualClock()
    source = source_for(radio, simulation.specs, profiles, clock=clock)
    log = EventLog(source)
    async with source:
        (info,) = source.sensors
        tee = RecordingTee(source, RecordingWriter(tmp_path / "run.rsrec", metadata={"source": "test"}))
        player = Player(radio, simulation.feeds, clock=clock)
        await player.play(until_s=DROP_AT_S)

        await sensor.drop_link(stay_away=True)
        lost = await log.wait_for(SensorLost)
        assert source.lost_sensor_ids() == {info.sensor_id}  # the dashboard marks it lost at once
        await player.play(until_s=BACK_AT_S)  # the sensor runs on; nobody hears it

        await sensor.come_back()
        back = await log.wait_for(SensorReconnected)
        assert source.lost_sensor_ids() == frozenset()
        assert sensor.streaming  # the start commands were sent again
        await player.play(until_s=END_S)
    packets: list[RawPacket] = [p async for p in tee.packets()]

    assert [type(e) for e in log.events] == [SensorConnected, SensorLost, SensorReconnected]
    assert lost.t_s == pytest.approx(DROP_AT_S)
    assert back.gap_s == pytest.approx(BACK_AT_S - DROP_AT_S)
    assert source.gaps == [back]

    data = [p for p in packets if p.char_uuid == info.char_uuid]
    decoder = PacketDecoder(info)
    gaps = [g for p in data if (g := decoder.decode_packet(p).gap_s) is not None]
    assert gaps == [pytest.approx(BACK_AT_S - DROP_AT_S, abs=0.05)]  # the sample clock sees the hole too

    session = LiveSession(source.sensors)
    for packet in packets:
        session.on_packet(packet)
    session.finish()
    in_gap = [s for s in session.record.steps if DROP_AT_S + 0.1 < s.t_s < BACK_AT_S]
    assert in_gap == []  # no step invented where there was no data
    assert any(s.t_s > BACK_AT_S for s in session.record.steps)  # and analysis resumed

    tee.finish(session)
    with RecordingReader(tmp_path / "run.rsrec") as reader:
        kinds = [(e.kind, round(e.t_s, 3)) for e in reader.iter_events() if e.kind.startswith("sensor_")]
        assert sum(1 for p in reader.iter_packets() if p.char_uuid == info.char_uuid) == len(data)
    assert kinds == [("sensor_connected", 0.0), ("sensor_lost", DROP_AT_S), ("sensor_reconnected", BACK_AT_S)]


async def test_reconnect_keeps_trying_through_failed_attempts(
    radio: VirtualRadio, profiles: Mapping[str, Profile]
) -> None:
    """Connections that die during set-up fail the attempt (BleakError), and the source tries again."""
    simulation = build_simulation(radio, [SimulateSpec("heart-rate")], profiles)
    await simulation.start()
    (sensor,) = simulation.sensors
    source = source_for(radio, simulation.specs, profiles)
    log = EventLog(source)
    async with source:
        sensor.reject_connections(2)
        await sensor.drop_link()
        back = await log.wait_for(SensorReconnected)
    assert back.attempts == 3
    assert [type(e) for e in log.events] == [SensorConnected, SensorLost, SensorReconnected]
