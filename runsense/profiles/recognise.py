"""Which profile an advertising sensor is: by advertised services and by name (for ``runsense scan``).

A name pattern is more specific than a service (a Stryd advertises the generic RSC service,
and so does every footpod), so name matches rank first, then the number of matching
services. Pure: the shell passes what the scanner saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from runsense.profiles.schema import Profile
from runsense.profiles.settings import matches_name

SIG_BASE = "-0000-1000-8000-00805f9b34fb"


def normalize_uuid(uuid: str) -> str:
    """Full 128-bit lowercase form of a 16-bit, 32-bit or 128-bit UUID string."""
    text = uuid.strip().lower().removeprefix("0x")
    if len(text) == 4:
        return f"0000{text}{SIG_BASE}"
    if len(text) == 8:
        return f"{text}{SIG_BASE}"
    return text


def recognise(
    profiles: Mapping[str, Profile], *, name: str | None, service_uuids: Iterable[str]
) -> list[Profile]:
    """Profiles that match, best first (empty when none does)."""
    services = {normalize_uuid(u) for u in service_uuids}
    scored = []
    for profile in profiles.values():
        by_name = matches_name(profile.name_patterns, name)
        by_service = len(services & set(profile.advertised_services))
        if by_name or by_service:
            scored.append((by_name, by_service, profile.short_name, profile))
    scored.sort(key=lambda s: (not s[0], -s[1], s[2]))
    return [s[3] for s in scored]
