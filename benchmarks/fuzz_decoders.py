"""Long fuzz run: random and mutated packets through every profile's decoder; only DecodeError may come out.

    .venv/bin/python benchmarks/fuzz_decoders.py                   # 1,000,000 packets per profile
    .venv/bin/python benchmarks/fuzz_decoders.py --packets 50000 --profile polar-verity

Packets are random bytes (a fifth) or mutations of the profiles' embedded examples (flipped
bits, cut, extended, bytes set to 0x00/0x7f/0x80/0xff, spliced with another example), sent in
streams through one decoder per profile so stateful paths (sample clock, learned factors, split
packets) are exercised too; the decoder is replaced every 1,000 packets. Any other exception
stops the run and prints the packet that caused it. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from runsense.errors import DecodeError
from runsense.model import RawPacket
from runsense.profiles import ProfileDecoder, load_default_profiles
from runsense.profiles.fuzzing import mutated_packet
from runsense.profiles.schema import Profile

STREAM_PACKETS = 1000


def fuzz_profile(profile: Profile, *, packets: int, seed: int) -> tuple[int, int, int]:
    """(packets decoded, DecodeErrors, chunks produced); raises on anything but DecodeError."""
    rng = random.Random(f"{seed}-{profile.short_name}")  # noqa: S311 - reproducible fuzzing, not crypto
    uuids = [c.uuid for c in profile.characteristics if c.frames or c.codec]
    seeds = [(profile.characteristic(e.characteristic).uuid, e.payload) for e in profile.examples]
    errors = chunks = 0
    decoder = ProfileDecoder(profile, sensor_id="fuzz")
    for i in range(packets):
        if i % STREAM_PACKETS == 0:
            decoder = ProfileDecoder(profile, sensor_id="fuzz")
        uuid, payload = mutated_packet(rng, seeds, uuids)
        try:
            decoded = decoder.decode(RawPacket("fuzz", uuid, i * 0.01, payload))
        except DecodeError:
            errors += 1
            continue
        except Exception:
            print(
                f"\n{profile.short_name}: packet {i} on {uuid} raised (payload {payload.hex()})",
                file=sys.stderr,
            )
            raise
        chunks += decoded.chunk is not None
    return packets, errors, chunks


def main(argv: list[str] | None = None) -> int:
    """Fuzz the chosen profiles and print counts and time per profile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--packets", type=int, default=1_000_000, help="packets per profile (default 1,000,000)"
    )
    parser.add_argument("--profile", action="append", help="short name (repeatable; default: all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    profiles = load_default_profiles()
    names = args.profile or sorted(profiles)
    print(f"{'profile':<16}{'packets':>10}{'DecodeError':>13}{'chunks':>9}{'time_s':>9}{'packets/s':>11}")
    total = 0
    for name in names:
        start = time.perf_counter()
        packets, errors, chunks = fuzz_profile(profiles[name], packets=args.packets, seed=args.seed)
        elapsed = time.perf_counter() - start
        total += packets
        print(
            f"{name:<16}{packets:>10}{errors:>13}{chunks:>9}{elapsed:>9.1f}{packets / elapsed:>11.0f}",
            flush=True,
        )
    print(f"{total} packets, no exception other than DecodeError")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
