"""``--record DIR``: every raw packet of a live run, its link events and its cues, in a new recording.

The tee sits between the source and whoever pumps it (dashboard or headless runner): each
packet is written before it is passed on, so what the session saw is exactly what a replay
will see. Link events become recording events (``sensor_lost`` with its time, ``sensor_reconnected``
with the gap), so a coach replaying the run sees where data is missing and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from runsense.errors import ConfigError
from runsense.live.session import LiveSession
from runsense.model import RawPacket
from runsense.recording import FILE_SUFFIX, JsonValue, RecordingWriter
from runsense.recording.events import cue_event
from runsense.sources.base import (
    CommandFailed,
    LinkEvent,
    SensorConnected,
    SensorLost,
    SensorReconnected,
    SourceTransport,
)
from runsense.sources.ble import BleSource

EVENT_KINDS: dict[type, str] = {
    SensorConnected: "sensor_connected",
    SensorLost: "sensor_lost",
    SensorReconnected: "sensor_reconnected",
    CommandFailed: "command_failed",
}


def recording_path(directory: Path, *, now: datetime | None = None) -> Path:
    """A new file in ``directory`` named by the start time (created when missing)."""
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"--record {directory} is a file; give a directory for the recordings")
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(tz=UTC)).strftime("%Y%m%d-%H%M%S")
    return directory / f"run-{stamp}{FILE_SUFFIX}"


def event_payload(event: LinkEvent) -> dict[str, JsonValue]:
    """The event's fields except time and kind, as JSON."""
    return {k: v for k, v in dataclasses.asdict(event).items() if k != "t_s"}


class RecordingTee:
    """A live source whose packets and link events are written to a recording on their way through."""

    def __init__(self, source: BleSource, writer: RecordingWriter) -> None:
        """Declare the source's sensors in the recording and listen to its link events."""
        self._source = source
        self.writer = writer
        for sensor in source.sensors:
            writer.add_sensor(sensor)
        for event in source.events:  # the connects happened before there was a file
            self._on_event(event)
        source.add_listener(self._on_event)

    @property
    def transport(self) -> SourceTransport:
        """The live source's transport."""
        return self._source.transport

    def seek(self, target_s: float) -> None:
        """Live data cannot seek: ignored."""

    def lost_sensor_ids(self) -> frozenset[str]:
        """Passed through from the source."""
        return self._source.lost_sensor_ids()

    def _on_event(self, event: LinkEvent) -> None:
        self.writer.write_event(event.t_s, EVENT_KINDS[type(event)], event_payload(event))

    async def packets(self) -> AsyncIterator[RawPacket]:
        """The source's packets, each written before it is yielded."""
        async for packet in self._source.packets():
            self.writer.write_packet(packet)
            yield packet

    def finish(self, session: LiveSession) -> None:
        """Store what the session produced (steps, cues, decode error counts) and close the file."""
        from runsense.analysis import ANALYSER_VERSION  # noqa: PLC0415 - only at the end of a run

        self.writer.write_steps(session.record.steps, ANALYSER_VERSION)
        for cue in session.record.cues:
            event = cue_event(cue)
            self.writer.write_event(event.t_s, event.kind, event.payload)
        snapshot = session.snapshot()
        self.writer.set_metadata("decode_errors", {s.sensor_id: s.decode_errors for s in snapshot.sensors})
        self.writer.set_metadata("dropped_packets", self._source.dropped_packets)
        self.writer.close()
