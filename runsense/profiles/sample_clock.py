"""Sample times from the sensor's own clock, mapped onto session time with drift correction.

The rule: the spacing of samples comes from the sensor (its timestamps, its counters, or the
count of samples at the nominal rate), never from when notifications arrive, because BLE
delivers in bursts with 7.5-100+ ms of jitter. Arrival times are used only to place the
sensor clock on the session time line and to follow its drift.

How: every packet gives one observation ``offset = t_received - t_sensor(last sample)``.
Radio latency only ever adds, so the true offset is the *lower envelope* of these
observations. The clock keeps the minimum per ``window_s`` of sensor time, fits a line
through the last ``fit_windows`` minima (intercept = offset, slope = relative drift, clamped
to ``max_drift_ppm``), and slews the offset it applies towards that line by at most
``max_slew_ppm`` of the elapsed sensor time. Slewing keeps consecutive chunks continuous
(a few microseconds per packet), so the analyser never sees a jump, while 100 ppm of crystal
drift (0.36 s per hour) is followed. During the first ``warmup_s`` the offset follows the
running minimum directly, so a slow first notification does not bias the session.

Discontinuities: a sensor time ahead of the expected next sample by more than 1.5 periods is
a gap (lost packets: ``gap_s``; the new chunk keeps its true time). Sensor time going
backwards (reboot, reconnect with a reset clock) or a mapping that would put samples after
their own arrival by more than ``early_tolerance_s`` re-anchors the clock on arrival
(``resynced``). For sources without a sensor clock (counting samples), a packet arriving
``late_resync_s`` later than predicted is the only sign of a gap, and also re-anchors.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a packet's samples go: ``t0_s`` of the first sample, and what happened before it."""

    t0_s: float
    gap_s: float | None = None
    resynced: bool = False


class Unwrapper:
    """Turns a wrapping counter or timestamp (``bits`` wide) into a monotonic integer.

    A step of more than half the range is taken as going backwards, which the caller sees as
    a decrease of the unwrapped value (the sample clock then re-anchors).
    """

    def __init__(self, bits: int) -> None:
        """Count modulo ``2**bits``."""
        self.modulus = 1 << bits
        self._last_raw: int | None = None
        self._value = 0

    def update(self, raw: int) -> int:
        """The unwrapped value of ``raw``."""
        raw %= self.modulus
        if self._last_raw is None:
            self._value = raw
        else:
            step = (raw - self._last_raw) % self.modulus
            self._value += step if step < self.modulus // 2 else step - self.modulus
        self._last_raw = raw
        return self._value


class SampleClock:
    """Maps sensor time (seconds, unwrapped) of each packet's first sample to session time.

    Pure and deterministic: given the same packets (with their recorded arrival times) it gives
    the same times, so replay reproduces the live session.
    """

    def __init__(  # noqa: PLR0913 - all keyword-only tuning knobs with documented defaults
        self,
        *,
        fs_hz: float,
        window_s: float = 10.0,
        fit_windows: int = 30,
        max_drift_ppm: float = 500.0,
        max_slew_ppm: float = 1000.0,
        warmup_s: float = 2.0,
        early_tolerance_s: float = 0.25,
        late_resync_s: float | None = None,
        gap_tolerance_samples: float = 1.5,
    ) -> None:
        """Settings are in seconds and ppm; ``late_resync_s`` only for sources without a sensor clock."""
        if fs_hz <= 0:
            raise ValueError(f"fs_hz must be > 0, got {fs_hz}")
        self.fs_hz = fs_hz
        self.window_s = window_s
        self.max_drift = max_drift_ppm * 1e-6
        self.max_slew = max_slew_ppm * 1e-6
        self.warmup_s = warmup_s
        self.early_tolerance_s = early_tolerance_s
        self.late_resync_s = late_resync_s
        self.gap_tolerance_s = gap_tolerance_samples / fs_hz
        self._minima: deque[tuple[float, float]] = deque(maxlen=fit_windows)
        self._reset()

    def _reset(self) -> None:
        self._offset_s: float | None = None
        self._anchor_sensor_s = 0.0
        self._prev_sensor_s = 0.0
        self._next_sensor_s: float | None = None
        self._window: tuple[float, float] | None = None  # (sensor time, minimum offset) of the open window
        self._window_start_s = 0.0
        self._minima.clear()

    @property
    def drift_ppm(self) -> float:
        """Current estimate of how much faster the sensor clock runs than session time."""
        _, slope = self._fit()
        return -slope * 1e6

    @property
    def offset_s(self) -> float | None:
        """Session time minus sensor time currently applied (None before the first packet)."""
        return self._offset_s

    def place(self, *, sensor_t0_s: float, n_samples: int, t_received_s: float) -> Placement:
        """Session time of the first sample of a packet of ``n_samples`` starting at ``sensor_t0_s``."""
        last_s = sensor_t0_s + max(n_samples - 1, 0) / self.fs_hz
        observed = t_received_s - last_s
        gap_s: float | None = None
        resynced = False
        if self._offset_s is not None and self._next_sensor_s is not None:
            ahead_s = sensor_t0_s - self._next_sensor_s
            deviation = observed - self._offset_s
            late = self.late_resync_s is not None and deviation > self.late_resync_s
            if ahead_s < -self.gap_tolerance_s or deviation < -self.early_tolerance_s or late:
                previous_end = self._next_sensor_s + self._offset_s
                self._reset()
                resynced = True
                gap_s = max(0.0, observed + sensor_t0_s - previous_end)
            elif ahead_s > self.gap_tolerance_s:
                gap_s = ahead_s
        if self._offset_s is None:
            self._offset_s = observed
            self._anchor_sensor_s = self._prev_sensor_s = last_s
            self._window_start_s = last_s
        self._observe(last_s, observed)
        self._steer(last_s)
        self._next_sensor_s = sensor_t0_s + n_samples / self.fs_hz
        return Placement(t0_s=sensor_t0_s + self._offset_s, gap_s=gap_s, resynced=resynced)

    def _observe(self, sensor_s: float, observed: float) -> None:
        if self._window is None or observed < self._window[1]:
            self._window = (sensor_s, observed)
        if sensor_s - self._window_start_s >= self.window_s:
            self._minima.append(self._window)
            self._window = None
            self._window_start_s = sensor_s

    def _fit(self) -> tuple[float, float]:
        """Offset at the anchor and slope (session s per sensor s - 1) of the lower envelope."""
        points = list(self._minima)
        if self._window is not None:
            points.append(self._window)
        if not points:
            return (self._offset_s or 0.0), 0.0
        if len(points) < 3:
            return min(p[1] for p in points), 0.0
        n = len(points)
        mean_s = sum(p[0] for p in points) / n
        mean_o = sum(p[1] for p in points) / n
        var = sum((p[0] - mean_s) ** 2 for p in points)
        slope = sum((p[0] - mean_s) * (p[1] - mean_o) for p in points) / var if var > 0 else 0.0
        slope = max(-self.max_drift, min(self.max_drift, slope))
        return mean_o - slope * (mean_s - self._anchor_sensor_s), slope

    def _steer(self, sensor_s: float) -> None:
        assert self._offset_s is not None  # noqa: S101 - set before steering
        elapsed_s = max(0.0, sensor_s - self._prev_sensor_s)
        self._prev_sensor_s = max(self._prev_sensor_s, sensor_s)
        if sensor_s - self._anchor_sensor_s < self.warmup_s:
            low = min(p[1] for p in [*self._minima, *([self._window] if self._window else [])])
            self._offset_s = min(self._offset_s, low)
            return
        intercept, slope = self._fit()
        target = intercept + slope * (sensor_s - self._anchor_sensor_s)
        step = max(-self.max_slew * elapsed_s, min(self.max_slew * elapsed_s, target - self._offset_s))
        self._offset_s += step
