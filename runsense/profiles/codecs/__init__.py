"""Hand-written codecs, for formats a field list cannot describe; profiles name them (``codec = "..."``).

A codec is registered here with the value names it produces, so the loader can check a
profile's clock field against it. Each decoder gets fresh codec instances, because some
formats need memory between payloads (Movesense reassembles split packets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runsense.profiles.codecs.movesense import MovesenseGspCodec
from runsense.profiles.codecs.polar_pmd import PolarPmdAccCodec, PolarPmdControlCodec
from runsense.profiles.frame import Codec


@dataclass(frozen=True, slots=True)
class CodecInfo:
    """A registered codec: how to make one, and which values and settings it relies on."""

    factory: Callable[[], Codec]
    provides: frozenset[str]
    needs_settings: frozenset[str] = frozenset()


CODECS: dict[str, CodecInfo] = {
    "polar_pmd_acc": CodecInfo(
        PolarPmdAccCodec,
        frozenset({"measurement_type", "timestamp_ns", "frame_type"}),
        frozenset({"factor"}),
    ),
    "polar_pmd_control": CodecInfo(
        PolarPmdControlCodec, frozenset({"response_code", "measurement_type", "features"})
    ),
    "movesense_gsp": CodecInfo(
        MovesenseGspCodec,
        frozenset({"response_code", "reference", "timestamp_ms", "status"}),
        frozenset({"resource", "reference"}),
    ),
}


__all__ = ["CODECS", "CodecInfo"]
