"""Accuracy scores of a contact detector against ground truth, per trial and pooled.

Kept apart from the live path: these functions see the whole trial and the truth,
which the analyser never may. Undefined values (a precision with no detections, an
SD of one error, a cadence from fewer than two contacts) are NaN, never a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from runsense.evaluation.matching import match_events

if TYPE_CHECKING:
    from collections.abc import Sequence

    from runsense.model import FloatArray

DEFAULT_WINDOW_S = 5.0


@dataclass(frozen=True, slots=True, eq=False)
class Events:
    """Contacts from one source (truth or a detector) over one trial.

    ``contact_ms`` and ``cadence_spm`` are per event, NaN where the source gave none;
    ``None`` means the source never estimates that quantity.
    """

    ic_s: FloatArray
    contact_ms: FloatArray | None = None
    cadence_spm: FloatArray | None = None


@dataclass(frozen=True, slots=True, eq=False)
class TrialScores:
    """Raw per-trial errors, kept unreduced so trials can be pooled exactly."""

    n_truth: int
    n_detected: int
    n_matched: int
    n_outside_span: int
    ic_err_ms: FloatArray
    contact_err_ms: FloatArray | None
    cadence_err_spm: FloatArray
    reported_cadence_err_spm: FloatArray | None


@dataclass(frozen=True, slots=True)
class Summary:
    """Pooled scores over one or more trials; percentages 0-100, NaN where undefined.

    ``*_windows`` count the windows where the truth has a cadence (``reported_windows``
    is 0 for a detector that reports none); ``*_missing`` those where the detector had none.
    """

    trials: int
    contacts: int
    detections: int
    matched: int
    outside_span: int
    precision_pct: float
    recall_pct: float
    f1_pct: float
    ic_bias_ms: float
    ic_sd_ms: float
    contact_bias_ms: float
    contact_sd_ms: float
    contact_estimated: int
    """Matched contacts with a contact-time estimate (the bias and SD are over these)."""
    cadence_windows: int
    cadence_missing: int
    cadence_mean_abs_spm: float
    cadence_max_abs_spm: float
    reported_windows: int
    reported_missing: int
    reported_mean_abs_spm: float
    reported_max_abs_spm: float


def precision_recall_f1(*, n_matched: int, n_truth: int, n_detected: int) -> tuple[float, float, float]:
    """Fractions 0-1 from counts; NaN when a denominator is zero."""
    precision = n_matched / n_detected if n_detected else math.nan
    recall = n_matched / n_truth if n_truth else math.nan
    denom = precision + recall
    f1 = 2.0 * precision * recall / denom if denom > 0.0 else math.nan
    return precision, recall, f1


def mean_sd(values: npt.ArrayLike) -> tuple[float, float]:
    """Mean and sample SD (ddof=1) of the finite values; NaN when too few."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    mean = float(arr.mean()) if arr.size else math.nan
    sd = float(arr.std(ddof=1)) if arr.size >= 2 else math.nan
    return mean, sd


def cadence_windows_s(t_start_s: float, t_end_s: float, *, window_s: float = DEFAULT_WINDOW_S) -> FloatArray:
    """Consecutive non-overlapping windows ``(start_s, end_s)`` covering the trial.

    The remainder shorter than a window is folded into the last window, so every
    contact falls in exactly one window and a miss anywhere shows up; a trial shorter
    than ``window_s`` is one window spanning it.

    Returns:
        Array of shape (n_windows, 2).
    """
    if not (window_s > 0.0 and t_end_s > t_start_s):
        raise ValueError(f"need window_s > 0 and t_end_s > t_start_s, got {window_s}, {t_start_s}, {t_end_s}")
    n_windows = max(1, math.floor((t_end_s - t_start_s) / window_s + 1e-9))
    starts_s = t_start_s + window_s * np.arange(n_windows, dtype=np.float64)
    ends_s = np.append(starts_s[1:], t_end_s)
    return np.column_stack((starts_s, ends_s))


def _window_masks(t_s: FloatArray, windows_s: FloatArray) -> list[npt.NDArray[np.bool_]]:
    """Membership of each time in each window: [start, end), the last window closed."""
    masks = []
    last = windows_s.shape[0] - 1
    for k, (start_s, end_s) in enumerate(windows_s):
        upper = t_s <= end_s if k == last else t_s < end_s
        masks.append((t_s >= start_s) & upper)
    return masks


def window_cadence_spm(
    contacts_s: npt.ArrayLike, windows_s: FloatArray, *, steps_per_contact: int
) -> FloatArray:
    """Cadence per window: contact intervals inside it / first-to-last span * 60 * steps_per_contact.

    Truth and detections use this same definition, so the error isolates what the
    detector got wrong (a missed step in the middle drops an interval; a late or
    early detector shifts the span only slightly). ``steps_per_contact`` is 2 for a
    single-leg sensor whose contacts are one per stride. NaN for windows with fewer
    than two contacts.
    """
    t_s = np.sort(np.asarray(contacts_s, dtype=np.float64))
    out = np.full(windows_s.shape[0], math.nan)
    for k, mask in enumerate(_window_masks(t_s, windows_s)):
        inside_s = t_s[mask]
        if inside_s.size >= 2 and inside_s[-1] > inside_s[0]:
            out[k] = (inside_s.size - 1) / (inside_s[-1] - inside_s[0]) * 60.0 * steps_per_contact
    return out


def reported_cadence_spm(
    step_t_s: npt.ArrayLike, cadence_spm: npt.ArrayLike, windows_s: FloatArray
) -> FloatArray:
    """Median of the detector's own per-step cadence over the steps in each window (NaN if none).

    This is the number a runner is shown, so it is scored separately from the
    cadence recomputed from the detected contact times.
    """
    t_s = np.asarray(step_t_s, dtype=np.float64)
    values_spm = np.asarray(cadence_spm, dtype=np.float64)
    out = np.full(windows_s.shape[0], math.nan)
    for k, mask in enumerate(_window_masks(t_s, windows_s)):
        inside_spm = values_spm[mask & np.isfinite(values_spm)]
        if inside_spm.size:
            out[k] = float(np.median(inside_spm))
    return out


def _within_labelled_span(detected: Events, truth_s: FloatArray, tolerance_s: float) -> tuple[Events, int]:
    """Detections inside [first truth - tol, last truth + tol], and how many fell outside."""
    if truth_s.size == 0:
        return detected, 0
    keep = (detected.ic_s >= truth_s.min() - tolerance_s) & (detected.ic_s <= truth_s.max() + tolerance_s)
    kept = Events(
        ic_s=detected.ic_s[keep],
        contact_ms=None if detected.contact_ms is None else detected.contact_ms[keep],
        cadence_spm=None if detected.cadence_spm is None else detected.cadence_spm[keep],
    )
    return kept, int(keep.size - np.count_nonzero(keep))


def score_trial(
    *, truth: Events, detected: Events, windows_s: FloatArray, steps_per_contact: int, tolerance_s: float
) -> TrialScores:
    """Match one trial's detections to truth and keep every error for pooling.

    Detections outside the labelled span (first truth - tolerance to last truth +
    tolerance) are dropped and only counted: the force plate labels only contacts
    whose whole stance lies inside the recording, so a correct detection of the
    half-seen contact at either end would otherwise count as a false positive.

    Timing errors are detected - truth in ms over matched pairs. Cadence errors are
    per window where the truth has a cadence; NaN where the detections give none.
    """
    detected, n_outside = _within_labelled_span(detected, truth.ic_s, tolerance_s)
    matches = match_events(ground_truth_s=truth.ic_s, detected_s=detected.ic_s, tolerance_s=tolerance_s)
    ic_err_ms = (detected.ic_s[matches.det_idx] - truth.ic_s[matches.gt_idx]) * 1000.0

    contact_err_ms: FloatArray | None = None
    if detected.contact_ms is not None and truth.contact_ms is not None:
        diff_ms = detected.contact_ms[matches.det_idx] - truth.contact_ms[matches.gt_idx]
        contact_err_ms = diff_ms[np.isfinite(diff_ms)]

    truth_spm = window_cadence_spm(truth.ic_s, windows_s, steps_per_contact=steps_per_contact)
    scored = np.isfinite(truth_spm)
    detected_spm = window_cadence_spm(detected.ic_s, windows_s, steps_per_contact=steps_per_contact)
    reported_err_spm: FloatArray | None = None
    if detected.cadence_spm is not None:
        shown_spm = reported_cadence_spm(detected.ic_s, detected.cadence_spm, windows_s)
        reported_err_spm = (shown_spm - truth_spm)[scored]

    return TrialScores(
        n_truth=int(truth.ic_s.size),
        n_detected=int(detected.ic_s.size),
        n_matched=matches.n_matched,
        n_outside_span=n_outside,
        ic_err_ms=ic_err_ms,
        contact_err_ms=contact_err_ms,
        cadence_err_spm=(detected_spm - truth_spm)[scored],
        reported_cadence_err_spm=reported_err_spm,
    )


def _abs_mean_max(errors: FloatArray) -> tuple[float, float, int]:
    """Mean and max of |finite errors|, and how many were NaN (no estimate)."""
    finite = np.abs(errors[np.isfinite(errors)])
    missing = int(errors.size - finite.size)
    if not finite.size:
        return math.nan, math.nan, missing
    return float(finite.mean()), float(finite.max()), missing


def summarise(trials: Sequence[TrialScores]) -> Summary:
    """Pool trials: counts are summed (micro-averaged), errors concatenated."""

    def cat(parts: list[FloatArray]) -> FloatArray:
        return np.concatenate(parts) if parts else np.empty(0)

    n_truth = sum(t.n_truth for t in trials)
    n_detected = sum(t.n_detected for t in trials)
    n_matched = sum(t.n_matched for t in trials)
    precision, recall, f1 = precision_recall_f1(n_matched=n_matched, n_truth=n_truth, n_detected=n_detected)
    ic_bias_ms, ic_sd_ms = mean_sd(cat([t.ic_err_ms for t in trials]))
    contact_parts = [t.contact_err_ms for t in trials if t.contact_err_ms is not None]
    contact_err_ms = cat(contact_parts)
    contact_bias_ms, contact_sd_ms = mean_sd(contact_err_ms)
    cadence_err_spm = cat([t.cadence_err_spm for t in trials])
    cad_mean, cad_max, cad_missing = _abs_mean_max(cadence_err_spm)
    reported_parts = [t.reported_cadence_err_spm for t in trials if t.reported_cadence_err_spm is not None]
    reported_err_spm = cat(reported_parts)
    rep_mean, rep_max, rep_missing = _abs_mean_max(reported_err_spm)
    return Summary(
        trials=len(trials),
        contacts=n_truth,
        detections=n_detected,
        matched=n_matched,
        outside_span=sum(t.n_outside_span for t in trials),
        precision_pct=100.0 * precision,
        recall_pct=100.0 * recall,
        f1_pct=100.0 * f1,
        ic_bias_ms=ic_bias_ms,
        ic_sd_ms=ic_sd_ms,
        contact_bias_ms=contact_bias_ms,
        contact_sd_ms=contact_sd_ms,
        contact_estimated=int(np.count_nonzero(np.isfinite(contact_err_ms))),
        cadence_windows=int(cadence_err_spm.size),
        cadence_missing=cad_missing,
        cadence_mean_abs_spm=cad_mean,
        cadence_max_abs_spm=cad_max,
        reported_windows=int(reported_err_spm.size),
        reported_missing=rep_missing,
        reported_mean_abs_spm=rep_mean,
        reported_max_abs_spm=rep_max,
    )
