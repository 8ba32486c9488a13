"""Raw packets to samples and readings, for ``runsense-f32`` and every firmware profile.

The decoders live in runsense/profiles/ (driven by firmware_profiles/*.toml). Pure: bytes in,
values out, so replay re-runs exactly what the live path ran.
"""

from runsense.profiles.decoder import PacketDecoder

__all__ = ["PacketDecoder"]
