"""Batch analysis: a whole recorded stream in, a table of steps (one column per measure) out.

The same steps as feeding the chunks to an ``Analyser`` and calling ``finish()`` (tests compare
them value for value), several times faster: each gap-free segment is analysed at once
(``batch_contacts``, ``batch_cadence``) instead of chunk by chunk. Used wherever a recording is
analysed after the fact (``runsense analyse``, coach tools, FIT export); the live path keeps the
streaming ``Analyser``, which answers within a hold-back of each step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from runsense.analysis.analyser import chunk_offset_s, continues_segment
from runsense.analysis.batch_cadence import cadence_columns
from runsense.analysis.batch_contacts import detect_contacts
from runsense.analysis.settings import AnalyserSettings
from runsense.analysis.window import BoolArray
from runsense.model import FloatArray, IntArray, Placement, SampleChunk, Side, Step

FLAG_NAMES: tuple[str, ...] = ("segment_start", "clipped", "missed_before", "extra")
"""``Step.flags`` values by bit of ``StepTable.flags`` (bit 0 first), in the order a Step lists them."""
_SEGMENT_START, _CLIPPED, _MISSED_BEFORE, _EXTRA = (1 << i for i in range(len(FLAG_NAMES)))


@dataclass(frozen=True, slots=True)
class StepTable:
    """Steps of one sensor as columns (index i of every array is step i); NaN where a Step has None."""

    sensor_id: str
    side: Side | None
    t_s: FloatArray
    cadence_spm: FloatArray
    cadence_inst_spm: FloatArray
    impact_g: FloatArray
    clipped: BoolArray
    contact_ms: FloatArray
    flight_ms: FloatArray
    step_length_m: FloatArray
    confidence: FloatArray
    flags: IntArray
    """Bit i set: the step has flag ``FLAG_NAMES[i]``."""

    def __len__(self) -> int:
        """Number of steps."""
        return int(self.t_s.size)

    def steps(self) -> list[Step]:
        """The table as ``Step`` objects (what ``Analyser`` returns)."""
        flag_sets = {
            bits: tuple(name for i, name in enumerate(FLAG_NAMES) if bits >> i & 1)
            for bits in range(1 << len(FLAG_NAMES))
        }
        columns = zip(
            self.t_s.tolist(),
            _none_for_nan(self.cadence_spm),
            _none_for_nan(self.cadence_inst_spm),
            self.impact_g.tolist(),
            self.clipped.tolist(),
            _none_for_nan(self.contact_ms),
            _none_for_nan(self.flight_ms),
            _none_for_nan(self.step_length_m),
            self.confidence.tolist(),
            self.flags.tolist(),
            strict=True,
        )
        return [
            Step(t, self.sensor_id, self.side, cad, inst, imp, clip, con, fli, length, conf, flag_sets[bits])
            for t, cad, inst, imp, clip, con, fli, length, conf, bits in columns
        ]


def _none_for_nan(values: FloatArray) -> list[float | None]:
    return [None if v != v else v for v in values.tolist()]  # noqa: PLR0124 - v != v: NaN, fastest test


@dataclass(slots=True)
class _Segment:
    """One gap-free run of chunks (``continues_segment``), with where a sensor clock moved them."""

    sensor_id: str
    t0_s: float
    fs_hz: float
    parts: list[FloatArray]
    offset_from: list[int]
    offset_s: list[float]
    n: int = 0
    end_s: float = 0.0

    def continues(self, chunk: SampleChunk, settings: AnalyserSettings) -> bool:
        return continues_segment(
            chunk,
            sensor_id=self.sensor_id,
            fs_hz=self.fs_hz,
            n_axes=self.parts[0].shape[1],
            end_s=self.end_s,
            settings=settings,
        )

    def add(self, chunk: SampleChunk) -> None:
        offset_s = chunk_offset_s(chunk, self.t0_s, self.n, self.fs_hz)
        if not self.offset_s or self.offset_s[-1] != offset_s:
            self.offset_from.append(self.n)
            self.offset_s.append(offset_s)
        self.parts.append(chunk.acc_g)
        self.n += chunk.n_samples
        self.end_s = chunk.end_s

    def time_s(self, idx: IntArray) -> FloatArray:
        """Time of segment samples ``idx``, as ``Analyser._time_s`` gives it."""
        which = np.searchsorted(np.array(self.offset_from), idx, side="right") - 1
        times: FloatArray = self.t0_s + idx / self.fs_hz + np.array(self.offset_s)[which]
        return times


def _segments(chunks: Iterable[SampleChunk], settings: AnalyserSettings) -> list[_Segment]:
    segments: list[_Segment] = []
    for chunk in chunks:
        if chunk.n_samples == 0:
            continue
        if not segments or not segments[-1].continues(chunk, settings):
            segments.append(_Segment(chunk.sensor_id, chunk.t0_s, chunk.fs_hz, [], [], []))
        segments[-1].add(chunk)
    return segments


def analyse_chunks(
    chunks: Iterable[SampleChunk],
    *,
    placement: Placement,
    side: Side | None = None,
    speed_mps: float | None = None,
    settings: AnalyserSettings | None = None,
) -> StepTable:
    """The steps ``Analyser(settings, placement=..., side=..., speed_mps=...)`` gives ``chunks``, as a table.

    One sensor's stream (as one Analyser serves): the table carries the sensor id of its first chunk.
    """
    settings = settings if settings is not None else AnalyserSettings()
    side = side if placement.single_leg else None
    segments = _segments(chunks, settings)
    tables = [_analyse_segment(seg, settings, placement=placement, speed_mps=speed_mps) for seg in segments]
    sensor_id = segments[0].sensor_id if segments else ""
    return _concat(tables, sensor_id=sensor_id, side=side)


def _analyse_segment(
    seg: _Segment, settings: AnalyserSettings, *, placement: Placement, speed_mps: float | None
) -> dict[str, npt.NDArray[np.generic]]:
    acc_g = seg.parts[0] if len(seg.parts) == 1 else np.concatenate(seg.parts)
    contacts = detect_contacts(
        acc_g,
        settings,
        fs_hz=seg.fs_hz,
        single_leg=placement.single_leg,
        shank=placement is Placement.SHANK,
    )
    t_s = seg.time_s(contacts.ic_idx)
    steps_per_contact = 2 if placement.single_leg else 1
    # As Analyser._rhythm_time_s: a limb's cadence is counted on its impact peaks.
    rhythm_s = seg.time_s(contacts.peak_idx) if placement.single_leg else t_s
    cad = cadence_columns(
        rhythm_s,
        steps_per_contact=steps_per_contact,
        window_steps=settings.cadence_window_steps,
        max_interval_s=settings.max_step_interval_s,
    )
    n = t_s.size
    flags = np.zeros(n, dtype=np.int64)
    if n:
        flags[0] |= _SEGMENT_START
    flags |= np.where(contacts.clipped, _CLIPPED, 0)
    flags |= np.where(cad.steps_in_interval >= 2, _MISSED_BEFORE, 0)
    flags |= np.where(cad.steps_in_interval == 0, _EXTRA, 0)
    confidence = 0.5 * cad.regularity + 0.5 * np.minimum(1.0, contacts.prominence_ratio)
    confidence = np.where(cad.steps_in_interval != 1, confidence * 0.5, confidence)
    has_cadence = ~np.isnan(cad.cadence_spm) & (cad.cadence_spm != 0)
    step_length_m = np.full(n, np.nan)
    if speed_mps is not None:
        step_length_m[has_cadence] = speed_mps * 60.0 / cad.cadence_spm[has_cadence]
    contact_ms = np.full(n, np.nan)
    flight_ms = np.full(n, np.nan)
    for i in np.flatnonzero(~np.isnan(contacts.toe_off_idx)).tolist():  # shank only: a few per stride
        toe_off = float(contacts.toe_off_idx[i])
        contact = round(1000.0 * (toe_off - int(contacts.ic_idx[i])) / seg.fs_hz, 1)
        contact_ms[i] = contact
        if has_cadence[i]:
            flight = 60_000.0 / float(cad.cadence_spm[i]) - contact
            if flight > 0:
                flight_ms[i] = round(flight, 1)
    return {
        "t_s": t_s,
        "cadence_spm": cad.cadence_spm,
        "cadence_inst_spm": cad.cadence_inst_spm,
        "impact_g": contacts.impact_g,
        "clipped": contacts.clipped,
        "contact_ms": contact_ms,
        "flight_ms": flight_ms,
        "step_length_m": step_length_m,
        # Rounded as Python rounds (as a Step is), not as np.round: it differs in the last digit at times.
        "confidence": np.array([round(c, 3) for c in confidence.tolist()]),
        "flags": flags,
    }


_COLUMNS: tuple[tuple[str, type], ...] = (
    ("t_s", np.float64),
    ("cadence_spm", np.float64),
    ("cadence_inst_spm", np.float64),
    ("impact_g", np.float64),
    ("clipped", np.bool_),
    ("contact_ms", np.float64),
    ("flight_ms", np.float64),
    ("step_length_m", np.float64),
    ("confidence", np.float64),
    ("flags", np.int64),
)


def _concat(
    tables: Sequence[dict[str, npt.NDArray[np.generic]]], *, sensor_id: str, side: Side | None
) -> StepTable:
    columns: dict[str, npt.NDArray[np.generic]] = {
        name: (np.concatenate([t[name] for t in tables]) if tables else np.zeros(0)).astype(dtype, copy=False)
        for name, dtype in _COLUMNS
    }
    return StepTable(sensor_id=sensor_id, side=side, **columns)  # type: ignore[arg-type]
