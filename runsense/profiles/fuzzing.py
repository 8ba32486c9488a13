"""Random and mutated packets for fuzzing the decoders (the test suite and benchmarks/fuzz_decoders.py).

Mutations start from real example payloads, so they reach deep into each format: bit flips,
truncation, extension, extreme bytes and splices of two packets.
"""

from __future__ import annotations

import random


def mutated_packet(rng: random.Random, seeds: list[tuple[str, bytes]], uuids: list[str]) -> tuple[str, bytes]:
    """One (characteristic uuid, payload): random bytes, or a seed example mutated one to five times."""
    if rng.random() < 0.2:
        return rng.choice(uuids), rng.randbytes(rng.randrange(0, 300))
    uuid, payload = rng.choice(seeds)
    data = bytearray(payload)
    for _ in range(rng.randrange(1, 6)):
        op = rng.randrange(5)
        if op == 0 and data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif op == 1:
            del data[rng.randrange(len(data) + 1) :]
        elif op == 2:
            data += rng.randbytes(rng.randrange(1, 80))
        elif op == 3 and data:
            data[rng.randrange(len(data))] = rng.choice((0x00, 0x7F, 0x80, 0xFF))
        else:
            other = rng.choice(seeds)[1]
            cut = rng.randrange(len(data) + 1)
            data = data[:cut] + other[rng.randrange(len(other) + 1) :]
    return uuid, bytes(data)
