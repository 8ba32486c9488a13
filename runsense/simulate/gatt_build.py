"""Bumble GATT attributes and advertising data built from a firmware profile (for the virtual sensors).

Pure construction: the sensor supplies what a read returns and what a write does. Bumble's
GATT server does not enforce characteristic properties, so the callbacks refuse reads and
writes the profile does not allow, as real devices do.
"""

from __future__ import annotations

from collections.abc import Callable

from bumble.att import ATT_Error, ErrorCode
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection
from bumble.gatt import Characteristic, CharacteristicValue

from runsense.profiles import normalize_uuid
from runsense.profiles.schema import CharacteristicSpec, CommandSpec, Profile

SIG_SUFFIX = "-0000-1000-8000-00805f9b34fb"
_FLAGS = {
    "read": Characteristic.Properties.READ,
    "write": Characteristic.Properties.WRITE,
    "write_without_response": Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
    "notify": Characteristic.Properties.NOTIFY,
    "indicate": Characteristic.Properties.INDICATE,
}


def bumble_uuid(uuid: str) -> UUID:
    """16-bit form for SIG UUIDs (as real devices advertise them), 128-bit otherwise."""
    text = normalize_uuid(uuid)
    if text.startswith("0000") and text.endswith(SIG_SUFFIX):
        return UUID.from_16_bits(int(text[4:8], 16))
    return UUID(text)


def advertising_data(name: str, service_uuids: tuple[str, ...]) -> bytes:
    """Flags, complete name and service lists (not split at 31 bytes: the link does not enforce it)."""
    uuids = [bumble_uuid(u) for u in service_uuids]
    short = b"".join(u.to_bytes() for u in uuids if len(u.to_bytes()) == 2)
    long = b"".join(u.to_bytes() for u in uuids if len(u.to_bytes()) == 16)
    fields: list[tuple[int, bytes]] = [
        (AdvertisingData.FLAGS, bytes([0x06])),
        (AdvertisingData.COMPLETE_LOCAL_NAME, name.encode()),
    ]
    if short:
        fields.append((AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS, short))
    if long:
        fields.append((AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, long))
    return bytes(AdvertisingData(fields))


LEGACY_ADVERTISING_BYTES = 31


def legacy_advertising_data(name: str, service_uuids: tuple[str, ...]) -> tuple[bytes, bytes]:
    """Advertising data and scan response that each fit a legacy advertising PDU (31 bytes).

    Flags and the service lists go first (a scanner recognises the profile from them); the name
    joins them if it fits, else it goes to the scan response (shortened if even that is too small).
    """
    uuids = [bumble_uuid(u) for u in service_uuids]
    short = b"".join(u.to_bytes() for u in uuids if len(u.to_bytes()) == 2)
    long = b"".join(u.to_bytes() for u in uuids if len(u.to_bytes()) == 16)
    lists = [
        (AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS, short),
        (AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, long),
    ]
    advertised: list[tuple[int, bytes]] = [(AdvertisingData.FLAGS, bytes([0x06]))]
    response: list[tuple[int, bytes]] = []
    for kind, value in [(k, v) for k, v in lists if v]:
        target = advertised if _size([*advertised, (kind, value)]) <= LEGACY_ADVERTISING_BYTES else response
        target.append((kind, value))
    encoded = name.encode()
    named = (AdvertisingData.COMPLETE_LOCAL_NAME, encoded)
    if _size([*advertised, named]) <= LEGACY_ADVERTISING_BYTES:
        advertised.append(named)
    else:
        room = LEGACY_ADVERTISING_BYTES - _size(response) - 2
        kind = (
            AdvertisingData.COMPLETE_LOCAL_NAME
            if len(encoded) <= room
            else AdvertisingData.SHORTENED_LOCAL_NAME
        )
        response.append((kind, encoded[: max(room, 0)]))
    return bytes(AdvertisingData(advertised)), bytes(AdvertisingData(response)) if response else b""


def _size(fields: list[tuple[int, bytes]]) -> int:
    return sum(2 + len(value) for _, value in fields)


def literal_prefix(template: str) -> tuple[bytes, bool]:
    """The fixed bytes a command starts with, and whether placeholders follow."""
    head, brace, _ = template.partition("{")
    return bytes.fromhex(head), bool(brace)


def build_characteristic(
    spec: CharacteristicSpec,
    *,
    read: Callable[[CharacteristicSpec], bytes],
    write: Callable[[CharacteristicSpec, bytes], None],
) -> Characteristic[bytes]:
    """A characteristic with the profile's properties; ``read``/``write`` run only where allowed."""
    properties = Characteristic.Properties(0)
    for prop in spec.properties:
        properties |= _FLAGS[prop]
    permissions = Characteristic.Permissions(0)
    if "read" in spec.properties:
        permissions |= Characteristic.READABLE
    writable = bool(spec.properties & {"write", "write_without_response"})
    if writable:
        permissions |= Characteristic.WRITEABLE

    def on_read(_connection: Connection | None) -> bytes:
        if "read" not in spec.properties:
            raise ATT_Error(ErrorCode.READ_NOT_PERMITTED)
        return read(spec)

    def on_write(_connection: Connection | None, value: bytes) -> None:
        if not writable:
            raise ATT_Error(ErrorCode.WRITE_NOT_PERMITTED)
        write(spec, bytes(value))

    value = CharacteristicValue(read=on_read, write=on_write)
    return Characteristic(bumble_uuid(spec.uuid), properties, permissions, value)


def match_command(profile: Profile, spec: CharacteristicSpec, value: bytes) -> CommandSpec | None:
    """The profile command a write to ``spec`` is: the longest matching fixed prefix wins."""
    best: tuple[int, CommandSpec] | None = None
    for command in profile.commands:
        if command.characteristic not in (spec.name, spec.uuid):
            continue
        prefix, has_params = literal_prefix(command.template)
        fits = value.startswith(prefix) if has_params else value == prefix
        if fits and (best is None or len(prefix) > best[0]):
            best = (len(prefix), command)
    return None if best is None else best[1]
