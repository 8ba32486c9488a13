"""Finding sensors: scan, match what the user named (address or name), recognise the firmware profile.

One scan serves every sensor of a run (two scanners at once confuse some adapters), and it
stops as soon as all of them were seen. What the sensor advertises (services, name) picks the
profile, unless the caller names one. ``sensor_info`` then fixes how the session and the
recording will know the sensor.
"""

from __future__ import annotations

import asyncio
import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from runsense.errors import ConfigError
from runsense.model import Placement, Side
from runsense.profiles import Profile, recognise
from runsense.profiles.schema import SettingValue
from runsense.recording import JsonValue, SensorInfo
from runsense.sources.errors import ProfileNotRecognisedError, SensorNotFoundError, ble_error_from

ADDRESS = re.compile(
    r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$|^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", re.IGNORECASE
)
"""A MAC address (Linux, Windows) or a CoreBluetooth UUID (macOS)."""
SCALAR_PLACEMENT = {"running": Placement.FOOT, "power": Placement.FOOT, "heart_rate": Placement.CHEST}
"""Where scalar sensors sit; they carry no samples, so this is only a label."""
IMU_PLACEMENT = {"polar-h10": Placement.CHEST, "polar-verity": Placement.WRIST}
"""Sensors that are worn in one place by design; others need ``=PLACEMENT``."""
SCALAR_CHANNELS = {
    "running": ("speed_mps", "cadence_spm"),
    "heart_rate": ("heart_rate_bpm",),
    "power": ("power_w",),
    "treadmill": ("speed_mps", "incline_pct"),
}


@dataclass(frozen=True, slots=True)
class BleBackends:
    """Which bleak backends to use; ``None`` is bleak's platform default (BlueZ, CoreBluetooth, WinRT).

    ``options`` go to both backends as keyword arguments (the virtual radio: ``radio=``).
    """

    client: type[Any] | None = None
    scanner: type[BaseBleakScanner] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """A sensor the user asked for: address or advertised name (``*`` wildcards allowed)."""

    query: str
    placement: Placement | None = None
    side: Side | None = None
    profile: str | None = None
    """Short profile name; ``None`` recognises it from the advertisement."""
    settings: Mapping[str, SettingValue] = field(default_factory=dict)
    sensor_id: str | None = None
    runner_settings: Mapping[str, SettingValue] = field(default_factory=dict)
    """From the runner's config (e.g. ``speed_factor`` for their shoes); used where the profile has the
    setting, and overridden by ``settings``."""


@dataclass(frozen=True, slots=True)
class FoundSensor:
    """A sensor seen while scanning, with the profile runsense will use for it."""

    spec: SensorSpec
    device: BLEDevice
    advertisement: AdvertisementData
    profile: Profile


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One line of ``runsense scan``."""

    address: str
    name: str | None
    rssi: int
    service_uuids: tuple[str, ...]
    profiles: tuple[str, ...]


def matches(spec: SensorSpec, device: BLEDevice, adv: AdvertisementData) -> bool:
    """True when the device is the one ``spec`` names (address exactly, name case-insensitively)."""
    query = spec.query.strip()
    if ADDRESS.match(query):
        return device.address.lower() == query.lower()
    name = adv.local_name or device.name
    if name is None:
        return False
    if any(c in query for c in "*?["):
        return fnmatch.fnmatch(name.casefold(), query.casefold())
    return name.casefold() == query.casefold()


async def scan(
    *, timeout_s: float, backends: BleBackends, profiles: Mapping[str, Profile]
) -> list[ScanResult]:
    """Everything advertising nearby, strongest first, with the profiles that fit it."""
    try:
        async with BleakScanner(None, backend=backends.scanner, **dict(backends.options)) as scanner:
            await asyncio.sleep(timeout_s)  # scanning is listening for a while
            found = scanner.discovered_devices_and_advertisement_data
    except (BleakError, OSError) as exc:
        _raise_clear(exc)
    results = [
        ScanResult(
            address=device.address,
            name=adv.local_name or device.name,
            rssi=adv.rssi,
            service_uuids=tuple(adv.service_uuids),
            profiles=tuple(
                p.short_name
                for p in recognise(
                    profiles, name=adv.local_name or device.name, service_uuids=adv.service_uuids
                )
            ),
        )
        for device, adv in found.values()
    ]
    return sorted(results, key=lambda r: -r.rssi)


async def find_sensors(
    specs: Sequence[SensorSpec],
    *,
    timeout_s: float,
    backends: BleBackends,
    profiles: Mapping[str, Profile],
) -> list[FoundSensor]:
    """Scan until every spec matched a device (or ``timeout_s``), then pick each one's profile."""
    seen: dict[int, tuple[BLEDevice, AdvertisementData]] = {}
    all_seen = asyncio.Event()

    def on_advertisement(device: BLEDevice, adv: AdvertisementData) -> None:
        for i, spec in enumerate(specs):
            if i not in seen and matches(spec, device, adv):
                seen[i] = (device, adv)
        if len(seen) == len(specs):
            all_seen.set()

    try:
        async with BleakScanner(on_advertisement, backend=backends.scanner, **dict(backends.options)):
            await asyncio.wait_for(all_seen.wait(), timeout_s)
    except TimeoutError:
        pass
    except (BleakError, OSError) as exc:
        _raise_clear(exc)
    missing = [spec for i, spec in enumerate(specs) if i not in seen]
    if missing:
        names = ", ".join(repr(s.query) for s in missing)
        raise SensorNotFoundError(
            missing[0].query,
            f"sensor {names} not found in {timeout_s:g} s of scanning; is it switched on, in range and not "
            "connected to another app (phone, watch)? 'runsense scan' lists what is nearby",
        )
    addresses = [seen[i][0].address for i in range(len(specs))]
    if len(set(addresses)) != len(addresses):
        raise ConfigError("two --sensor options name the same device; give each sensor once")
    found = []
    for i, spec in enumerate(specs):
        profile = _profile_for(spec, *seen[i], profiles)
        found.append(FoundSensor(_with_runner_settings(spec, profile), *seen[i], profile))
    return found


def _with_runner_settings(spec: SensorSpec, profile: Profile) -> SensorSpec:
    """The spec with the runner's settings that this profile defines (the sensor's own win)."""
    names = {setting.name for setting in profile.settings}
    inherited = {k: v for k, v in spec.runner_settings.items() if k in names}
    return replace(spec, settings={**inherited, **spec.settings}) if inherited else spec


def _raise_clear(exc: BleakError | OSError) -> NoReturn:
    """Re-raise an adapter failure as its one-line error; anything else unchanged."""
    clear = ble_error_from(exc)
    if clear is None:
        raise exc
    raise clear from exc


def _profile_for(
    spec: SensorSpec, device: BLEDevice, adv: AdvertisementData, profiles: Mapping[str, Profile]
) -> Profile:
    if spec.profile is not None:
        if spec.profile not in profiles:
            raise ProfileNotRecognisedError(
                spec.query, f"unknown profile {spec.profile!r}; known profiles: {', '.join(sorted(profiles))}"
            )
        return profiles[spec.profile]
    name = adv.local_name or device.name
    candidates = recognise(profiles, name=name, service_uuids=adv.service_uuids)
    if not candidates:
        services = ", ".join(adv.service_uuids) or "none"
        raise ProfileNotRecognisedError(
            spec.query,
            f"sensor {spec.query!r} ({name or device.address}) advertises no service runsense has a "
            f"profile for (services: {services}); supported: {', '.join(sorted(profiles))}, see "
            "firmware_profiles/README.md",
        )
    return candidates[0]


def sensor_id_for(found: FoundSensor, taken: set[str]) -> str:
    """A short unique id: the user's, else the placement and side, else the profile."""
    spec = found.spec
    base = spec.sensor_id
    if base is None and spec.placement is not None:
        base = spec.placement.value + (f"-{spec.side.value}" if spec.side else "")
    base = base or found.profile.short_name
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def sensor_info(found: FoundSensor, sensor_id: str) -> SensorInfo:
    """How the session, the decoder and the recording know this sensor."""
    profile, spec = found.profile, found.spec
    extra: dict[str, JsonValue] = {
        "address": found.device.address,
        "device_name": found.advertisement.local_name or found.device.name,
        "profile_settings": dict(spec.settings),
        "profile_file": profile.path.name,
    }
    if profile.imu is not None:
        placement = spec.placement or IMU_PLACEMENT.get(profile.short_name)
        if placement is None:
            raise ConfigError(
                f"sensor {spec.query!r} ({profile.short_name}) needs a placement: "
                f"--sensor {spec.query}=foot:left (foot, shank, sacrum, chest or wrist)"
            )
        settings = {**profile.default_settings(), **spec.settings}
        fs_hz = float(settings.get("fs_hz", 0.0) or 0.0)
        data_uuid = profile.characteristic(profile.imu.characteristic).uuid
        return SensorInfo(
            sensor_id, profile.short_name, placement, spec.side, fs_hz, profile.imu.channels, data_uuid, extra
        )
    data = [c for c in profile.characteristics if c.role == "data"]
    kind = data[0].reading if data else None
    placement = spec.placement or SCALAR_PLACEMENT.get(kind or "", Placement.FOOT)
    channels = SCALAR_CHANNELS.get(kind or "", ("value",))
    return SensorInfo(
        sensor_id,
        profile.short_name,
        placement,
        spec.side,
        1.0,
        channels,
        data[0].uuid if data else "",
        extra,
    )
