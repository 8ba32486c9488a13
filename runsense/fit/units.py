"""Cadence between runsense's steps/min and FIT's own unit, exactly and in one place.

FIT ``record.cadence`` for on-foot sports is **strides** per minute (one foot, "rpm") in
whole numbers, and ``fractional_cadence`` adds 1/128 strides/min. runsense always means
steps per minute (both feet). Getting the factor 2 or the 1/128 wrong halves or doubles a
runner's cadence in every tool downstream, so both directions live here and nowhere else.
"""

from __future__ import annotations

import math
from typing import Final

FRACTIONAL_STEPS: Final = 128
"""FIT ``fractional_cadence`` is an unsigned byte with scale 128 (units of 1/128 strides/min)."""
MAX_FIT_CADENCE: Final = 254
"""Largest valid ``cadence`` byte (255 means invalid)."""
STEPS_PER_STRIDE: Final = 2
SPM_RESOLUTION: Final = STEPS_PER_STRIDE / FRACTIONAL_STEPS
"""Smallest step in steps/min that FIT can express: 2 x 1/128 = 1/64 spm."""


def fit_cadence_from_spm(cadence_spm: float) -> tuple[int, float] | None:
    """``(cadence, fractional_cadence)`` in strides/min for a cadence in steps/min.

    The value is rounded once to FIT's 1/128 strides/min grid; ``fractional_cadence``
    is returned as an exact binary fraction (k/128) so an encoder that multiplies by
    128 gets k back without a second rounding. None when FIT cannot hold the value.
    """
    if not math.isfinite(cadence_spm) or cadence_spm < 0:
        return None
    units = round(cadence_spm / STEPS_PER_STRIDE * FRACTIONAL_STEPS)
    whole, fraction = divmod(units, FRACTIONAL_STEPS)
    if whole > MAX_FIT_CADENCE:
        return None
    return whole, fraction / FRACTIONAL_STEPS


def quantized_spm(cadence_spm: float) -> float | None:
    """The steps/min value a FIT file will hold for ``cadence_spm`` (what a decoder reads back)."""
    fit = fit_cadence_from_spm(cadence_spm)
    return None if fit is None else spm_from_fit_cadence(*fit)


def spm_from_fit_cadence(cadence: float, fractional_cadence: float | None) -> float:
    """Steps/min from decoded FIT values (decoders already divide ``fractional_cadence`` by 128)."""
    return STEPS_PER_STRIDE * (cadence + (fractional_cadence or 0.0))
