"""Value types that flow through runsense, from the sensor edge to the sinks.

Every quantity carries its unit in its name. Times are sample-domain seconds
(``t_s``) from the start of the input, never wall-clock times, so that a replay
gives the same events as the live run.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Placement(enum.StrEnum):
    """Where the sensor sits on the body; it decides what the analyser can estimate."""

    FOOT = "foot"
    SHANK = "shank"
    SACRUM = "sacrum"
    CHEST = "chest"
    WRIST = "wrist"

    @property
    def single_leg(self) -> bool:
        """True when the sensor sees only its own leg's contacts (one per stride)."""
        return self in (Placement.FOOT, Placement.SHANK)


class Side(enum.StrEnum):
    """Body side of a contact or of a single-leg sensor."""

    LEFT = "L"
    RIGHT = "R"


@dataclass(frozen=True, slots=True)
class RawPacket:
    """One notification or record exactly as received, so replay can re-decode it.

    ``t0_s`` and ``n_samples`` are the decoded time base of the samples inside the
    payload (``None`` when the payload carries no samples, e.g. a heart-rate value).
    """

    sensor_id: str
    char_uuid: str
    t_received_s: float
    payload: bytes
    t0_s: float | None = None
    n_samples: int | None = None


@dataclass(frozen=True, slots=True)
class SampleChunk:
    """Uniformly sampled acceleration: sample ``i`` was taken at ``t0_s + i / fs_hz``.

    ``acc_g`` has shape ``(n_samples, n_axes)`` with 1 to 3 axes, gravity included,
    in the sensor's own (unknown) orientation.
    """

    sensor_id: str
    t0_s: float
    fs_hz: float
    acc_g: FloatArray
    gyro_dps: FloatArray | None = None

    @property
    def n_samples(self) -> int:
        """Number of samples in the chunk."""
        return int(self.acc_g.shape[0])

    @property
    def end_s(self) -> float:
        """Time the sample after the last one would have been taken."""
        return self.t0_s + self.n_samples / self.fs_hz


@dataclass(frozen=True, slots=True)
class Step:
    """One detected initial contact and what was measured about it.

    ``cadence_spm`` is always steps per minute (both feet), also for single-leg
    sensors. Optional values are ``None`` where the placement or the inputs do not
    allow an estimate.
    """

    t_s: float
    sensor_id: str
    side: Side | None
    cadence_spm: float | None
    cadence_inst_spm: float | None
    impact_g: float
    clipped: bool
    contact_ms: float | None
    flight_ms: float | None
    step_length_m: float | None
    confidence: float
    flags: tuple[str, ...] = field(default=())


class CueKind(enum.StrEnum):
    """What the runner is asked to do; the values are stable identifiers (recordings, MQTT)."""

    RAISE_CADENCE = "raise_cadence"
    SHORTEN_STRIDE = "shorten_stride"
    LAND_SOFTER = "land_softer"
    ON_TARGET = "on_target"


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue that starts at the step that triggered it (``t_s`` = that step's contact time)."""

    t_s: float
    kind: CueKind
    message: str
    cadence_spm: float | None
    target_low_spm: float
    target_high_spm: float
    reason: str
    """Why, in numbers, e.g. 'cadence 162 < 170 for 10 s'; shown to coaches in replay."""
