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

ANALYSER_VERSION = "2"
"""Bumped whenever the steps produced for the same input change."""


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
            window_intervals=self.settings.cadence_window_steps,
            max_interval_s=self.settings.max_step_interval_s,
        )
        self._detector: ContactDetector | None = None
        self._sensor_id = ""
        self._seg_t0_s = 0.0
        self._fs_hz = 0.0
        self._n_axes = 0
        self._seg_n = 0
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
        self._seg_n += chunk.n_samples
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

    def _continues(self, chunk: SampleChunk) -> bool:
        expected_s = self._seg_t0_s + self._seg_n / self._fs_hz
        tolerance_s = self.settings.gap_tolerance_samples / self._fs_hz
        return (
            chunk.fs_hz == self._fs_hz
            and chunk.acc_g.shape[1] == self._n_axes
            and chunk.sensor_id == self._sensor_id
            and abs(chunk.t0_s - expected_s) <= tolerance_s
        )

    def _start_segment(self, chunk: SampleChunk) -> None:
        self._sensor_id = chunk.sensor_id
        self._seg_t0_s = chunk.t0_s
        self._fs_hz = chunk.fs_hz
        self._n_axes = int(chunk.acc_g.shape[1])
        self._seg_n = 0
        self._seg_first_contact = True
        self._detector = ContactDetector(
            self.settings, fs_hz=chunk.fs_hz, n_axes=self._n_axes, single_leg=self.placement.single_leg
        )

    def _to_steps(self, contacts: list[Contact]) -> list[Step]:
        return [self._to_step(c) for c in contacts]

    def _to_step(self, contact: Contact) -> Step:
        t_s = self._seg_t0_s + contact.ic_idx / self._fs_hz
        update = self._cadence.update(t_s)
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
        return Step(
            t_s=t_s,
            sensor_id=self._sensor_id,
            side=self.side,
            cadence_spm=update.cadence_spm,
            cadence_inst_spm=update.cadence_inst_spm,
            impact_g=contact.impact_g,
            clipped=contact.clipped,
            contact_ms=None,
            flight_ms=None,
            step_length_m=step_length_m,
            confidence=round(confidence, 3),
            flags=tuple(flags),
        )
