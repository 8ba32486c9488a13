"""Check a profile's embedded examples: each payload must decode to its expected values.

The examples are the profile's own tests (written next to the layout they exercise), so a
new profile file is tested as soon as it exists. Expected keys are those of
``DecodedPacket.flat()``: reading attributes, raw field values, ``acc_g`` (all samples),
``n_samples``, ``t0_s``, control reply fields. The string ``"none"`` expects an absent value.
"""

from __future__ import annotations

import math

from runsense.errors import DecodeError
from runsense.model import RawPacket
from runsense.profiles.decoder import ProfileDecoder
from runsense.profiles.schema import ExampleSpec, ExpectedValue, Profile


def _close(actual: object, expected: ExpectedValue, tolerance: float) -> bool:
    if expected == "none":
        return actual is None
    if isinstance(expected, list):
        if not isinstance(actual, list | tuple) or len(actual) != len(expected):
            return False
        return all(_close(a, e, tolerance) for a, e in zip(actual, expected, strict=True))
    if isinstance(expected, bool) or isinstance(actual, bool) or isinstance(expected, str):
        return actual == expected
    if not isinstance(actual, int | float):
        return False
    return math.isclose(float(actual), float(expected), rel_tol=tolerance, abs_tol=tolerance)


def check_example(profile: Profile, example: ExampleSpec) -> list[str]:
    """What is wrong with the example's decoding (empty when it decodes as documented)."""
    char = profile.characteristic(example.characteristic)
    decoder = ProfileDecoder(
        profile, sensor_id="example", settings=example.settings, device_name=example.device_name
    )
    packet = RawPacket("example", char.uuid, example.t_received_s, example.payload)
    where = f"{profile.path.name} {example.key_path} ({example.note})"
    try:
        decoded = decoder.decode(packet)
    except DecodeError as exc:
        if example.error is not None and example.error in str(exc):
            return []
        return [
            f"{where}: raised {exc}"
            if example.error is None
            else f"{where}: error {exc} lacks {example.error!r}"
        ]
    if example.error is not None:
        return [f"{where}: decoded without the expected error {example.error!r}"]
    flat = decoded.flat()
    problems = []
    for key, expected in example.expect.items():
        if key not in flat:
            problems.append(f"{where}: no value {key!r} (decoded: {sorted(flat)})")
        elif not _close(flat[key], expected, example.tolerance):
            problems.append(f"{where}: {key} = {flat[key]!r}, expected {expected!r}")
    return problems
