"""The streaming analyser: chunks of samples in, steps out. Pure: no I/O, no clock, no asyncio.

Contract (like h11's Connection): ``feed(chunk)`` never blocks and returns the steps
whose hold-back has passed; ``finish()`` flushes the rest at the end of input. The
same input gives the same steps however it is split into chunks. A gap in the
sample times (or a change of rate or axes) ends a segment: held-back candidates are
decided with the data there is, and cadence starts again from nothing after it.
"""

from __future__ import annotations

from runsense.analysis.cadence import CadenceEstimator
from runsense.analysis.contacts import Contact, ContactDetector
from runsense.analysis.settings import AnalyserSettings
from runsense.model import Placement, SampleChunk, Side, Step

ANALYSER_VERSION = "9"
"""Bumped whenever the steps produced for the same input change.

3: shank contact and flight time; 5: smoothed cadence over 6 steps as a median pairwise rate;
6: limb impacts picked on the jerk averaged over a burst (shank walking);
7: limb stride-phase consistency (an early candidate gives way to a comparable peak where the landing is due);
8: shank onsets from the loaded limb's sharpest jerk, at the start of its burst (foot, trunk unchanged);
9: limb cadence counted on impact peaks, not onsets (``Analyser._rhythm_time_s``).
"""
_OFFSET_NOISE_S = 1e-6
_OFFSET_MEMORY_S = 30.0
"""Chunk offsets older than this are forgotten (contacts are confirmed within ~1 s)."""


def chunk_offset_s(chunk: SampleChunk, seg_t0_s: float, seg_n: int, fs_hz: float) -> float:
    """Where a sensor clock (drift-corrected) places ``chunk`` off its segment's nominal grid.

    Sub-microsecond differences are arithmetic noise, not timing: they are 0, so that uniformly
    sampled input gives bit-identical steps however it is chunked.
    """
    offset_s = chunk.t0_s - (seg_t0_s + seg_n / fs_hz)
    return 0.0 if abs(offset_s) < _OFFSET_NOISE_S else offset_s


def continues_segment(  # noqa: PLR0913 - keyword-only: what identifies the segment, and where it ended
    chunk: SampleChunk, *, sensor_id: str, fs_hz: float, n_axes: int, end_s: float, settings: AnalyserSettings
) -> bool:
    """Whether ``chunk`` continues the segment of that sensor, rate and axes that ended at ``end_s``.

    Against the previous chunk's end, not the segment's nominal grid: a drift-corrected sensor
    clock moves chunks by microseconds, which must not add up to a false gap.
    """
    return (
        chunk.fs_hz == fs_hz
        and chunk.acc_g.shape[1] == n_axes
        and chunk.sensor_id == sensor_id
        and abs(chunk.t0_s - end_s) <= settings.gap_tolerance_samples / fs_hz
    )


class Analyser:
    """Analyses one sensor's sample stream."""

    def __init__(
        self,
        settings: AnalyserSettings | None = None,
        *,
        placement: Placement,
        side: Side | None = None,
        speed_mps: float | None = None,
    ) -> None:
        """``side`` labels the contacts of a single-leg sensor; ``speed_mps`` enables step length."""
        self.settings = settings if settings is not None else AnalyserSettings()
        self.placement = placement
        self.side = side if placement.single_leg else None
        self.speed_mps = speed_mps
        self._cadence = CadenceEstimator(
            steps_per_contact=2 if placement.single_leg else 1,
            window_steps=self.settings.cadence_window_steps,
            max_interval_s=self.settings.max_step_interval_s,
        )
        self._detector: ContactDetector | None = None
        self._sensor_id = ""
        self._seg_t0_s = 0.0
        self._last_end_s = 0.0
        self._offsets: list[tuple[int, float]] = []
        """(first sample index, seconds) where a chunk's own t0 differs from seg_t0 + index / fs."""
        self._fs_hz = 0.0
        self._n_axes = 0
        self._seg_n = 0
        self._offsets = []
        self._seg_first_contact = True

    def set_speed(self, speed_mps: float | None) -> None:
        """Treadmill or footpod speed changed; applies to the following steps."""
        self.speed_mps = speed_mps

    def feed(self, chunk: SampleChunk) -> list[Step]:
        """Add a chunk; return the steps confirmed by it (possibly none)."""
        steps: list[Step] = []
        if chunk.n_samples == 0:
            return steps
        if self._detector is None or not self._continues(chunk):
            steps += self.finish()
            self._start_segment(chunk)
        assert self._detector is not None  # noqa: S101 - set by _start_segment
        self._note_offset(chunk)
        self._seg_n += chunk.n_samples
        self._last_end_s = chunk.end_s
        steps += self._to_steps(self._detector.feed(chunk.acc_g))
        return steps

    def finish(self) -> list[Step]:
        """End of input (or of a segment): decide what is held back."""
        if self._detector is None:
            return []
        steps = self._to_steps(self._detector.finish())
        self._detector = None
        self._cadence.reset()
        return steps

    def _note_offset(self, chunk: SampleChunk) -> None:
        """Remember where a sensor clock places this chunk off the nominal grid (``chunk_offset_s``)."""
        offset_s = chunk_offset_s(chunk, self._seg_t0_s, self._seg_n, self._fs_hz)
        if not self._offsets or self._offsets[-1][1] != offset_s:
            self._offsets.append((self._seg_n, offset_s))
            keep_from = self._seg_n - int(_OFFSET_MEMORY_S * self._fs_hz)
            while len(self._offsets) > 1 and self._offsets[1][0] <= keep_from:
                self._offsets.pop(0)

    def _time_s(self, sample_idx: int) -> float:
        offset_s = 0.0
        for first_idx, chunk_offset_s in self._offsets:
            if first_idx > sample_idx:
                break
            offset_s = chunk_offset_s
        return self._seg_t0_s + sample_idx / self._fs_hz + offset_s

    def _continues(self, chunk: SampleChunk) -> bool:
        return continues_segment(
            chunk,
            sensor_id=self._sensor_id,
            fs_hz=self._fs_hz,
            n_axes=self._n_axes,
            end_s=self._last_end_s,
            settings=self.settings,
        )

    def _start_segment(self, chunk: SampleChunk) -> None:
        self._sensor_id = chunk.sensor_id
        self._seg_t0_s = chunk.t0_s
        self._fs_hz = chunk.fs_hz
        self._n_axes = int(chunk.acc_g.shape[1])
        self._seg_n = 0
        self._offsets = []
        self._seg_first_contact = True
        self._detector = ContactDetector(
            self.settings,
            fs_hz=chunk.fs_hz,
            n_axes=self._n_axes,
            single_leg=self.placement.single_leg,
            # Toe-off and the loaded-limb onset were validated on the shank only; a foot moves differently.
            shank=self.placement is Placement.SHANK,
        )

    def _rhythm_time_s(self, contact: Contact, ic_s: float) -> float:
        """The time cadence is counted on: the contact itself (trunk) or its impact's peak (limb).

        Cadence wants the most regular landmark of each step, not the most exact one. A limb's onset
        is a threshold crossing of the barely smoothed jerk, right for timing the contact but jittered
        by transients around a heel strike (+-40 ms alternating on participant 3's walking); the peak
        of the burst-averaged jerk integrates the whole impact. A trunk's onset, the sharp end of the
        flight trough, is steadier than its broad mid-stance peak.
        """
        return self._time_s(contact.peak_idx) if self.placement.single_leg else ic_s

    def _to_steps(self, contacts: list[Contact]) -> list[Step]:
        return [self._to_step(c) for c in contacts]

    def _to_step(self, contact: Contact) -> Step:
        t_s = self._time_s(contact.ic_idx)
        update = self._cadence.update(self._rhythm_time_s(contact, t_s))
        flags: list[str] = []
        if self._seg_first_contact:
            flags.append("segment_start")
            self._seg_first_contact = False
        if contact.clipped:
            flags.append("clipped")
        if update.steps_in_interval >= 2:
            flags.append("missed_before")
        if update.steps_in_interval == 0:
            flags.append("extra")
        confidence = 0.5 * update.regularity + 0.5 * min(1.0, contact.prominence_ratio)
        if update.steps_in_interval != 1:
            confidence *= 0.5
        step_length_m = None
        if self.speed_mps is not None and update.cadence_spm:
            step_length_m = self.speed_mps * 60.0 / update.cadence_spm
        contact_ms = flight_ms = None
        if contact.toe_off_idx is not None:
            contact_ms = round(1000.0 * (contact.toe_off_idx - contact.ic_idx) / self._fs_hz, 1)
            if update.cadence_spm:
                # A single-leg sensor sees only its own toe-off and the next contact of the same leg;
                # flight (to the other foot's contact) assumes both legs take equal steps.
                flight = 60_000.0 / update.cadence_spm - contact_ms
                flight_ms = round(flight, 1) if flight > 0 else None
        return Step(
            t_s=t_s,
            sensor_id=self._sensor_id,
            side=self.side,
            cadence_spm=update.cadence_spm,
            cadence_inst_spm=update.cadence_inst_spm,
            impact_g=contact.impact_g,
            clipped=contact.clipped,
            contact_ms=contact_ms,
            flight_ms=flight_ms,
            step_length_m=step_length_m,
            confidence=round(confidence, 3),
            flags=tuple(flags),
        )
