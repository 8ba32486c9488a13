"""A synthetic shank signal whose initial contacts and toe-offs are known exactly.

It models what the analyser relies on, nothing more: a sharp impact at each contact
(a jerk spike), a specific force along the leg's average 'up' that is positive
through stance and dips below zero as the shank is flung into swing, crossing zero
exactly at toe-off, then a swing back around 1 g. The axes are turned by a random
rotation, so the sensor's orientation is unknown to the analyser, as on a real leg.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runsense.model import FloatArray

_FALL_S = 0.05
"""The 'up' reading falls from its stance level to zero over this long before toe-off."""
_STANCE_G = 1.6
_DIP_G = -0.6
_RISE_S = 0.08


@dataclass(frozen=True, slots=True)
class SyntheticShank:
    """Samples (n, 3) in g and the true event times in seconds."""

    acc_g: FloatArray
    fs_hz: float
    ic_s: FloatArray
    toe_off_s: FloatArray


def shank_signal(
    *, stride_s: float, contact_s: float, n_strides: int, fs_hz: float = 200.0, seed: int = 0
) -> SyntheticShank:
    """``n_strides`` strides of one leg, first contact at 0.5 s, mild noise, random orientation."""
    ic_s = 0.5 + stride_s * np.arange(n_strides, dtype=np.float64)
    return shank_signal_at(ic_s, stride_s=stride_s, contact_s=contact_s, fs_hz=fs_hz, seed=seed)


def shank_signal_at(
    ic_s: FloatArray, *, stride_s: float, contact_s: float, fs_hz: float = 200.0, seed: int = 0
) -> SyntheticShank:
    """Contacts at the given times (increasing, from ~0.5 s); the signal ends ``stride_s`` after the last."""
    rng = np.random.default_rng(seed)
    n = round((float(ic_s[-1]) + stride_s + 0.6) * fs_hz)
    t = np.arange(n) / fs_hz
    up = np.ones(n)
    side = np.zeros(n)
    for ic in ic_s:
        tau = t - ic
        stance = (tau >= 0) & (tau < contact_s - _FALL_S)
        up[stance] = _STANCE_G
        # One straight fall through zero exactly at toe-off, down to the dip, then back to 1 g.
        slope_g_per_s = _STANCE_G / _FALL_S
        dip_end_s = contact_s - _DIP_G / slope_g_per_s
        fall = (tau >= contact_s - _FALL_S) & (tau < dip_end_s)
        up[fall] = slope_g_per_s * (contact_s - tau[fall])
        rise = (tau >= dip_end_s) & (tau < dip_end_s + _RISE_S)
        up[rise] = _DIP_G + (1.0 - _DIP_G) * (tau[rise] - dip_end_s) / _RISE_S
        impact = (tau >= 0) & (tau < 0.02)  # 20 ms landing shock across the leg
        side[impact] = -5.0 * np.sin(np.pi * tau[impact] / 0.02)
    acc = np.column_stack([up, side, np.zeros(n)]) + rng.normal(scale=0.02, size=(n, 3))
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    return SyntheticShank(acc_g=acc @ q.T, fs_hz=fs_hz, ic_s=ic_s, toe_off_s=ic_s + contact_s)


def add_burst(acc_g: FloatArray, fs_hz: float, at_s: float, amplitude_g: float, seed: int = 0) -> None:
    """Add in place a jerk burst that is not a landing: a 40 Hz ring decaying over ~20 ms along a random
    direction, as the shank gives when the foot pushes off or the leg is whipped into swing."""
    rng = np.random.default_rng(seed)
    raw = np.asarray(rng.normal(size=acc_g.shape[1]), dtype=np.float64)
    direction: FloatArray = raw / float(np.linalg.norm(raw))
    i0 = round(at_s * fs_hz)
    tau = np.arange(min(round(0.08 * fs_hz), acc_g.shape[0] - i0)) / fs_hz
    ring: FloatArray = amplitude_g * np.sin(2 * np.pi * 40.0 * tau) * np.exp(-tau / 0.02)
    acc_g[i0 : i0 + tau.size] += ring[:, None] * direction[None, :]
