"""Fuzzing in the suite: random and mutated payloads raise nothing but DecodeError, for every profile.

Two parts: an exhaustive sweep of simple mutations of every embedded example (each
truncation, each single-bit flip, extensions), and Hypothesis sequences of random and
mutated packets through one decoder, so stateful paths (the sample clock, a learned PMD
factor, half of a split Movesense packet) are fuzzed too. The long run (a million packets per
profile) is ``benchmarks/fuzz_decoders.py``.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runsense.errors import DecodeError
from runsense.model import RawPacket
from runsense.profiles import DecodedPacket, ProfileDecoder, load_default_profiles
from runsense.profiles.fuzzing import mutated_packet
from runsense.profiles.schema import Profile

PROFILES = load_default_profiles()
IDS = sorted(PROFILES)


def _decodable(profile: Profile) -> list[str]:
    return [c.uuid for c in profile.characteristics if c.frames or c.codec]


def _check(decoded: DecodedPacket) -> None:
    chunk = decoded.chunk
    if chunk is None:
        return
    assert chunk.n_samples > 0
    assert chunk.acc_g.ndim == 2
    assert 1 <= chunk.acc_g.shape[1] <= 3
    assert np.all(np.isfinite(chunk.acc_g))
    assert math.isfinite(chunk.t0_s)
    assert chunk.fs_hz > 0


def _decode_all(profile: Profile, packets: list[tuple[str, bytes]]) -> int:
    """Decode a sequence through one decoder; return how many raised DecodeError."""
    decoder = ProfileDecoder(profile, sensor_id="fuzz")
    errors = 0
    for i, (uuid, payload) in enumerate(packets):
        try:
            _check(decoder.decode(RawPacket("fuzz", uuid, 1.0 + 0.02 * i, payload)))
        except DecodeError:
            errors += 1
    return errors


def _mutants(payload: bytes, rng: random.Random) -> list[bytes]:
    out = [payload[:k] for k in range(len(payload))]
    for bit in range(8 * len(payload)):
        flipped = bytearray(payload)
        flipped[bit // 8] ^= 1 << (bit % 8)
        out.append(bytes(flipped))
    for n in (1, 2, 3, 6, 12):
        out += [payload + bytes(n), payload + b"\xff" * n, payload + rng.randbytes(n)]
    return out


@pytest.mark.parametrize("name", IDS)
def test_every_mutation_of_every_example_raises_only_decode_error(name: str) -> None:
    profile = PROFILES[name]
    rng = random.Random(name)  # noqa: S311 - reproducible fuzzing, not crypto
    total = 0
    for example in profile.examples:
        uuid = profile.characteristic(example.characteristic).uuid
        mutants = _mutants(example.payload, rng)
        total += len(mutants)
        for mutant in mutants:
            _decode_all(profile, [(uuid, example.payload), (uuid, mutant)])
    assert total > 300


def _packet_strategy(profile: Profile) -> st.SearchStrategy[tuple[str, bytes]]:
    uuids = _decodable(profile)
    seeds = [(profile.characteristic(e.characteristic).uuid, e.payload) for e in profile.examples]
    random_packet = st.tuples(st.sampled_from(uuids), st.binary(max_size=260))

    @st.composite
    def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
        uuid, payload = draw(st.sampled_from(seeds))
        data = bytearray(payload)
        for _ in range(draw(st.integers(0, 4))):
            op = draw(st.sampled_from(["flip", "cut", "extend", "set"]))
            if op == "flip" and data:
                data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
            elif op == "cut":
                del data[draw(st.integers(0, len(data))) :]
            elif op == "extend":
                data += draw(st.binary(min_size=1, max_size=64))
            elif op == "set" and data:
                data[draw(st.integers(0, len(data) - 1))] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0xFF]))
        return uuid, bytes(data)

    return st.one_of(random_packet, mutated())


@pytest.mark.parametrize("name", IDS)
def test_random_and_mutated_packet_sequences_raise_only_decode_error(name: str) -> None:
    profile = PROFILES[name]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_packet_strategy(profile), min_size=1, max_size=4))
    def run(packets: list[tuple[str, bytes]]) -> None:
        _decode_all(profile, packets)

    run()


@pytest.mark.parametrize("name", IDS)
def test_thousands_of_seeded_random_packets_through_one_decoder_raise_only_decode_error(name: str) -> None:
    profile = PROFILES[name]
    rng = random.Random(f"fuzz-{name}")  # noqa: S311 - reproducible fuzzing, not crypto
    seeds = [(profile.characteristic(e.characteristic).uuid, e.payload) for e in profile.examples]
    packets = [mutated_packet(rng, seeds, _decodable(profile)) for _ in range(3000)]
    errors = _decode_all(profile, packets)
    assert 0 < errors < len(packets)


def test_unknown_characteristic_is_a_decode_error() -> None:
    decoder = ProfileDecoder(PROFILES["heart-rate"], sensor_id="hr")
    with pytest.raises(DecodeError, match="not part of profile heart-rate") as info:
        decoder.decode(RawPacket("hr", "00002a53-0000-1000-8000-00805f9b34fb", 0.0, b"\x00\x01"))
    assert info.value.sensor_id == "hr"
    assert info.value.payload_hex == "0001"
