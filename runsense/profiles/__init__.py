"""The sensor layer: declarative firmware profiles (``firmware_profiles/*.toml``) and their decoders.

Pure: TOML files become typed ``Profile`` objects (``loader``), bytes become readings and
sample chunks (``ProfileDecoder``) and back (``ProfileEncoder``). No BLE, no asyncio, no clock
reads; the shell (scan, run, virtual sensors) builds on this API.
"""

from __future__ import annotations

from runsense.profiles.commands import commands_for, encode_command, expected_reply
from runsense.profiles.decoder import PacketDecoder, ProfileDecoder
from runsense.profiles.encoders import ProfileEncoder
from runsense.profiles.errors import EncodeError, ProfileError
from runsense.profiles.examples import check_example
from runsense.profiles.frame import ControlResponse
from runsense.profiles.loader import default_profiles_dir, load_default_profiles, load_profile, load_profiles
from runsense.profiles.readings import (
    DecodedPacket,
    HeartRateReading,
    PowerReading,
    Reading,
    RunningReading,
    TreadmillReading,
)
from runsense.profiles.recognise import normalize_uuid, recognise
from runsense.profiles.sample_clock import Placement, SampleClock, Unwrapper
from runsense.profiles.schema import CharacteristicSpec, CommandSpec, Profile
from runsense.profiles.settings import resolve_settings

__all__ = [
    "CharacteristicSpec",
    "CommandSpec",
    "ControlResponse",
    "DecodedPacket",
    "EncodeError",
    "HeartRateReading",
    "PacketDecoder",
    "Placement",
    "PowerReading",
    "Profile",
    "ProfileDecoder",
    "ProfileEncoder",
    "ProfileError",
    "Reading",
    "RunningReading",
    "SampleClock",
    "TreadmillReading",
    "Unwrapper",
    "check_example",
    "commands_for",
    "default_profiles_dir",
    "encode_command",
    "expected_reply",
    "load_default_profiles",
    "load_profile",
    "load_profiles",
    "normalize_uuid",
    "recognise",
    "resolve_settings",
]
