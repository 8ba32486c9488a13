"""Training load: the physiotherapists' "add mileage gradually" and "replace worn shoes" as numbers. Pure.

SCIENCE.md: most running pain comes from how load is managed (too much too soon, worn
shoes). Two rules of thumb are checked here:

- the 10 % rule: a week's running distance should not rise more than 10 % over the mean of
  the previous four weeks (ISO weeks, Monday to Sunday; a week without sessions counts as
  0 km, so a rest week lowers the mean as it should);
- shoes: replace them after 300-500 miles; warned from 300 miles (480 km, as the team rounds it).

A runner's first recorded week has no history and is never warned about; later weeks use
the weeks since the first one (up to four), so a new runner is not compared with
invented zero weeks. Sessions whose distance is unknown are counted but add no distance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

WEEKLY_RISE_LIMIT: Final = 0.10
"""More than this rise over the previous four weeks' mean is warned about."""
BASELINE_WEEKS: Final = 4
SHOE_WARNING_KM: Final = 480.0
"""From here shoes are warned about: 300 miles (480 km), the low end of the 300-500 miles advice."""
KM_PER_MILE: Final = 1.609344
_TOLERANCE_KM: Final = 1e-9
"""Exactly +10 % is within the rule; float rounding must not turn it into a warning."""


@dataclass(frozen=True, slots=True)
class LoadSession:
    """What training load needs from one session."""

    runner: str
    day: date
    distance_km: float | None
    shoes: str = ""


@dataclass(frozen=True, slots=True)
class WeekLoad:
    """One ISO week of one runner; ``baseline_km`` is the mean of the previous (up to) four weeks."""

    runner: str
    monday: date
    distance_km: float
    n_sessions: int
    baseline_km: float | None

    @property
    def label(self) -> str:
        """ISO week as ``2026-W47``."""
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def rise_pct(self) -> float | None:
        """Rise over the baseline in %; None without a baseline or from a zero baseline."""
        if self.baseline_km is None or self.baseline_km <= 0:
            return None
        return 100.0 * (self.distance_km / self.baseline_km - 1.0)

    @property
    def warning(self) -> bool:
        """More than 10 % over the previous four weeks' mean (or running again after four empty weeks)."""
        if self.baseline_km is None or self.distance_km <= 0:
            return False
        return self.distance_km > self.baseline_km * (1 + WEEKLY_RISE_LIMIT) + _TOLERANCE_KM

    def warning_text(self) -> str:
        """The warning in plain language (empty when there is none)."""
        if not self.warning or self.baseline_km is None:
            return ""
        if self.baseline_km <= 0:
            return (
                f"{self.label}: {self.distance_km:.1f} km after four weeks without recorded running; "
                "build up gradually."
            )
        return (
            f"{self.label}: {self.distance_km:.1f} km is {self.rise_pct:.0f} % over the previous four weeks' "
            f"mean of {self.baseline_km:.1f} km; keep weekly increases within 10 %."
        )


def monday_of(day: date) -> date:
    """The Monday that starts ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def weekly_load(sessions: Iterable[LoadSession]) -> dict[str, list[WeekLoad]]:
    """Per runner, every ISO week from their first to their last session, with its baseline."""
    by_runner: dict[str, dict[date, list[LoadSession]]] = defaultdict(lambda: defaultdict(list))
    for session in sessions:
        by_runner[session.runner][monday_of(session.day)].append(session)
    out: dict[str, list[WeekLoad]] = {}
    for runner in sorted(by_runner):
        weeks = by_runner[runner]
        monday, last = min(weeks), max(weeks)
        history: list[float] = []
        rows = []
        while monday <= last:
            group = weeks.get(monday, [])
            distance_km = sum(s.distance_km for s in group if s.distance_km is not None)
            previous = history[-BASELINE_WEEKS:]
            baseline = sum(previous) / len(previous) if previous else None
            rows.append(WeekLoad(runner, monday, distance_km, len(group), baseline))
            history.append(distance_km)
            monday += timedelta(days=7)
        out[runner] = rows
    return out


@dataclass(frozen=True, slots=True)
class ShoeMileage:
    """Distance run in one pair of shoes (named as in the session metadata or runner settings)."""

    shoes: str
    distance_km: float
    n_sessions: int
    runners: tuple[str, ...]

    @property
    def distance_miles(self) -> float:
        """The same distance in miles, the unit the shoe advice is given in."""
        return self.distance_km / KM_PER_MILE

    @property
    def worn(self) -> bool:
        """At or past 300 miles (480 km)."""
        return self.distance_km >= SHOE_WARNING_KM

    def warning_text(self) -> str:
        """Plain-language warning (empty when the shoes are not worn yet)."""
        if not self.worn:
            return ""
        return (
            f"{self.shoes}: {self.distance_km:.0f} km ({self.distance_miles:.0f} miles); shoes are "
            "usually replaced after 300-500 miles (480-800 km)."
        )


def shoe_mileage(sessions: Iterable[LoadSession]) -> list[ShoeMileage]:
    """Per pair of shoes, most used first; sessions without named shoes are left out."""
    distance: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    runners: dict[str, set[str]] = defaultdict(set)
    for session in sessions:
        if not session.shoes:
            continue
        distance[session.shoes] += session.distance_km or 0.0
        count[session.shoes] += 1
        runners[session.shoes].add(session.runner)
    rows = [ShoeMileage(s, distance[s], count[s], tuple(sorted(runners[s]))) for s in distance]
    return sorted(rows, key=lambda row: (-row.distance_km, row.shoes))


def load_warnings(weeks: Sequence[WeekLoad], shoes: Sequence[ShoeMileage]) -> list[str]:
    """Every warning in plain language, weeks first."""
    return [w.warning_text() for w in weeks if w.warning] + [s.warning_text() for s in shoes if s.worn]
