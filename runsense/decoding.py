"""Raw packets to sample chunks. For now the built-in ``runsense-f32`` profile; BLE profiles plug in here.

Pure: bytes in, samples out, so replay re-runs exactly what the live path ran.
"""

from __future__ import annotations

from runsense.errors import DecodeError, RunsenseError
from runsense.model import RawPacket, SampleChunk
from runsense.recording import F32_PROFILE, SensorInfo, decode_f32_samples


class PacketDecoder:
    """Decodes the packets of one sensor into ``SampleChunk``s with the sensor's time base."""

    def __init__(self, sensor: SensorInfo) -> None:
        """Check once that the profile is one this version can decode."""
        if sensor.profile != F32_PROFILE:
            raise RunsenseError(
                f"sensor {sensor.sensor_id!r} uses profile {sensor.profile!r}, which this version of "
                "runsense cannot decode yet; update runsense"
            )
        self.sensor = sensor
        self._acc = list(sensor.acc_channel_indices)
        self._gyro = list(sensor.gyro_channel_indices)

    def decode(self, packet: RawPacket) -> SampleChunk | None:
        """Samples of the packet, or None for a packet without samples (another characteristic)."""
        if packet.char_uuid != self.sensor.char_uuid or packet.t0_s is None:
            return None
        try:
            samples = decode_f32_samples(packet.payload, len(self.sensor.channels))
        except ValueError as exc:
            raise DecodeError(self.sensor.sensor_id, str(exc), packet.payload) from None
        return SampleChunk(
            sensor_id=self.sensor.sensor_id,
            t0_s=packet.t0_s,
            fs_hz=self.sensor.fs_hz,
            acc_g=samples[:, self._acc],
            gyro_dps=samples[:, self._gyro] if self._gyro else None,
        )
