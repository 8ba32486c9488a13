"""``--simulate PROFILE[=RECORDING]``: virtual sensors that stream a recording, and the specs to find them.

Each recorded acceleration sensor becomes one virtual IMU of the profile (a recording with a
left and a right pod gives two); a scalar profile (footpod, heart rate, power, treadmill) gets
one sensor fed from the recording's steps and speed; a recording made over BLE with the same
profile is replayed byte for byte. The sensors advertise names their profile recognises, and
runsense finds them by address through the ordinary scan, so recognition runs as with
hardware.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from runsense.errors import InputFileError
from runsense.profiles import Profile
from runsense.profiles.schema import SettingValue
from runsense.recording import JsonValue
from runsense.simulate.bleak_client import BumbleClientBackend
from runsense.simulate.bleak_scanner import BumbleScannerBackend
from runsense.simulate.feeds import (
    RecordingData,
    Scheduled,
    choose_fs_hz,
    load_recording,
    profile_schedule,
    raw_schedule,
)
from runsense.simulate.radio import VirtualRadio
from runsense.simulate.sensor import VirtualSensor
from runsense.sources.discovery import BleBackends, SensorSpec
from runsense.sources.errors import ProfileNotRecognisedError

DEMO_RECORDING = Path(__file__).resolve().parents[2] / "recordings" / "demo.rsrec"
DEVICE_NAMES = {
    "runsense-imu": "RS-IMU {n}",
    "polar-h10": "Polar H10 1A2B3C{n:02d}",
    "polar-verity": "Polar Sense 5E6F7A{n:02d}",
    "movesense": "Movesense 21040{n}",
    "metamotion": "MetaWear {n}",
    "rsc-footpod": "runsense footpod {n}",
    "stryd-power": "Stryd {n}",
    "heart-rate": "HR strap {n}",
    "ftms-treadmill": "Treadmill {n}",
}
"""Advertised names: each matches its profile's name patterns, as the real devices' names do."""


@dataclass(frozen=True, slots=True)
class SimulateSpec:
    """One ``--simulate`` option."""

    profile: str
    recording: Path = DEMO_RECORDING


def parse_simulate(text: str) -> SimulateSpec:
    """``PROFILE`` or ``PROFILE=RECORDING``."""
    profile, _, recording = text.partition("=")
    return SimulateSpec(profile.strip(), Path(recording) if recording else DEMO_RECORDING)


@dataclass(slots=True)
class Simulation:
    """The virtual sensors of a run, their schedules, and how runsense finds them."""

    radio: VirtualRadio
    sensors: list[VirtualSensor] = field(default_factory=list)
    specs: list[SensorSpec] = field(default_factory=list)
    schedules: list[Iterable[Scheduled]] = field(default_factory=list)
    duration_s: float = 0.0
    speed_kmh: float | None = None
    """Treadmill speed stored in the (first) recording, if any."""

    @property
    def backends(self) -> BleBackends:
        """The bleak backends that reach these sensors."""
        return BleBackends(BumbleClientBackend, BumbleScannerBackend, {"radio": self.radio})

    @property
    def feeds(self) -> list[tuple[VirtualSensor, Iterable[Scheduled]]]:
        """Sensor and schedule pairs for the ``Player``."""
        return list(zip(self.sensors, self.schedules, strict=True))

    def add(
        self,
        profile: Profile,
        settings: Mapping[str, SettingValue],
        schedule: Iterable[Scheduled],
        spec: SensorSpec,
    ) -> VirtualSensor:
        """One more virtual sensor with a unique advertised name."""
        n = 1 + sum(1 for s in self.sensors if s.profile.short_name == profile.short_name)
        name = DEVICE_NAMES.get(profile.short_name, profile.display_name + " {n}").format(n=n)
        sensor = VirtualSensor(self.radio, profile, name=name, settings=settings)
        self.sensors.append(sensor)
        self.schedules.append(schedule)
        self.specs.append(SensorSpec(sensor.address, spec.placement, spec.side, settings=dict(settings)))
        return sensor

    async def start(self) -> None:
        """Power on and advertise every sensor."""
        for sensor in self.sensors:
            await sensor.start()


def _settings(extra: Mapping[str, JsonValue]) -> dict[str, SettingValue]:
    raw = extra.get("profile_settings")
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if isinstance(v, str | int | float | bool)}


def build_simulation(
    radio: VirtualRadio, specs: Sequence[SimulateSpec], profiles: Mapping[str, Profile]
) -> Simulation:
    """Virtual sensors for every ``--simulate`` option (call ``start()`` inside the running loop)."""
    from runsense.profiles import ProfileEncoder  # noqa: PLC0415 - keep the import graph of this module small

    simulation = Simulation(radio)
    recordings: dict[Path, RecordingData] = {}
    for spec in specs:
        profile = profiles.get(spec.profile)
        if profile is None:
            raise ProfileNotRecognisedError(
                spec.profile, f"unknown profile {spec.profile!r}; choose one of {', '.join(sorted(profiles))}"
            )
        if not spec.recording.exists():
            raise InputFileError(str(spec.recording), "no such recording to simulate from")
        data = recordings.setdefault(spec.recording, load_recording(spec.recording))
        simulation.duration_s = max(simulation.duration_s, data.duration_s)
        if simulation.speed_kmh is None and data.speed_stored:
            simulation.speed_kmh = round(data.speed_mps * 3.6, 2)
        if profile.short_name in data.raw:
            for info, packets in data.raw[profile.short_name]:
                settings = _settings(info.extra)
                target = SensorSpec("", info.placement, info.side)
                simulation.add(profile, settings, raw_schedule(profile, packets), target)
        elif profile.imu is not None:
            if not data.tracks:
                raise InputFileError(str(spec.recording), f"has no acceleration to stream as {spec.profile}")
            for track in data.tracks:
                settings = {"fs_hz": choose_fs_hz(profile, track.fs_hz)}
                encoder = ProfileEncoder(profile, settings=settings)
                schedule = profile_schedule(encoder, data, track)
                simulation.add(profile, settings, schedule, SensorSpec("", track.placement, track.side))
        else:
            schedule = profile_schedule(ProfileEncoder(profile), data, None)
            simulation.add(profile, {}, schedule, SensorSpec(""))
    return simulation
