"""Training load rules with hand-made sessions: the 10 % rule at its boundary, ISO weeks, 480 km shoes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from runsense.coach.load import (
    SHOE_WARNING_KM,
    LoadSession,
    load_warnings,
    monday_of,
    shoe_mileage,
    weekly_load,
)

MONDAY = date(2026, 3, 2)  # ISO 2026-W10


def weeks_of(distances_km: list[float], runner: str = "ana") -> list[LoadSession]:
    """One session on the Wednesday of each consecutive week (0 km weeks: no session)."""
    return [
        LoadSession(runner, MONDAY + timedelta(weeks=i, days=2), km)
        for i, km in enumerate(distances_km)
        if km > 0
    ]


def test_exactly_ten_percent_over_the_four_week_mean_is_allowed() -> None:
    weeks = weekly_load(weeks_of([10, 10, 10, 10, 11]))["ana"]
    last = weeks[-1]
    assert last.baseline_km == pytest.approx(10)
    assert last.rise_pct == pytest.approx(10)
    assert not last.warning


def test_just_over_ten_percent_is_warned() -> None:
    last = weekly_load(weeks_of([10, 10, 10, 10, 11.01]))["ana"][-1]
    assert last.warning
    assert "over the previous four weeks' mean of 10.0 km" in last.warning_text()


def test_baseline_is_the_mean_of_the_previous_four_weeks_only() -> None:
    # 40 km five weeks ago must not count: the baseline is weeks -1..-4 = 10 km each.
    last = weekly_load(weeks_of([40, 10, 10, 10, 10, 11.5]))["ana"][-1]
    assert last.baseline_km == pytest.approx(10)
    assert last.warning


def test_a_rest_week_counts_as_zero_and_is_listed() -> None:
    weeks = weekly_load(weeks_of([10, 0, 10, 10, 12]))["ana"]
    assert [w.distance_km for w in weeks] == [10, 0, 10, 10, 12]
    assert weeks[1].n_sessions == 0
    assert weeks[-1].baseline_km == pytest.approx(7.5)
    assert weeks[-1].warning


def test_first_week_has_no_baseline_and_new_runners_use_only_their_own_weeks() -> None:
    weeks = weekly_load(weeks_of([10, 10.5, 12]))["ana"]
    assert weeks[0].baseline_km is None
    assert not weeks[0].warning
    assert not weeks[1].warning  # +5 % over week 1
    assert weeks[2].baseline_km == pytest.approx(10.25)
    assert weeks[2].warning  # +17 % over the mean of the two weeks there are


def test_running_again_after_four_empty_weeks_is_warned() -> None:
    last = weekly_load(weeks_of([10, 0, 0, 0, 0, 5]))["ana"][-1]
    assert last.baseline_km == 0
    assert last.rise_pct is None
    assert last.warning
    assert "after four weeks without recorded running" in last.warning_text()


def test_iso_weeks_run_monday_to_sunday_across_the_year_end() -> None:
    sunday = date(2027, 1, 3)  # ISO 2026-W53 ends on Sunday 3 January 2027
    sessions = [LoadSession("ana", sunday, 5), LoadSession("ana", sunday + timedelta(days=1), 7)]
    weeks = weekly_load(sessions)["ana"]
    assert [(w.label, w.distance_km) for w in weeks] == [("2026-W53", 5), ("2027-W01", 7)]
    assert monday_of(sunday) == date(2026, 12, 28)


def test_runners_are_counted_separately_and_unknown_distance_adds_nothing() -> None:
    sessions = [*weeks_of([10, 10]), *weeks_of([5, 20], runner="ben"), LoadSession("ben", MONDAY, None)]
    load = weekly_load(sessions)
    assert sorted(load) == ["ana", "ben"]
    assert not load["ana"][-1].warning
    assert load["ben"][0].n_sessions == 2
    assert load["ben"][0].distance_km == 5
    assert load["ben"][-1].warning


def test_shoes_are_warned_from_480_km_not_before() -> None:
    sessions = [
        LoadSession("ana", MONDAY, 479.9, "Pegasus 40"),
        LoadSession("ana", MONDAY, 200.0, "Clifton 9"),
        LoadSession("ana", MONDAY, 280.0, "Clifton 9"),
        LoadSession("ana", MONDAY, 50.0, ""),  # no shoes named: not counted
        LoadSession("ben", MONDAY, None, "Clifton 9"),  # unknown distance: counted as a session only
    ]
    shoes = {s.shoes: s for s in shoe_mileage(sessions)}
    assert set(shoes) == {"Pegasus 40", "Clifton 9"}
    assert not shoes["Pegasus 40"].worn
    assert shoes["Clifton 9"].distance_km == pytest.approx(SHOE_WARNING_KM)
    assert shoes["Clifton 9"].worn
    assert shoes["Clifton 9"].n_sessions == 3
    assert shoes["Clifton 9"].runners == ("ana", "ben")
    assert shoes["Clifton 9"].distance_miles == pytest.approx(298.3, abs=0.1)
    assert "300-500 miles" in shoes["Clifton 9"].warning_text()
    assert shoes["Pegasus 40"].warning_text() == ""


def test_load_warnings_lists_weeks_then_shoes() -> None:
    weeks = weekly_load(weeks_of([10, 10, 10, 10, 20]))["ana"]
    shoes = shoe_mileage([LoadSession("ana", MONDAY, 500, "Old pair")])
    warnings = load_warnings(weeks, shoes)
    assert len(warnings) == 2
    assert warnings[0].startswith("2026-W14: 20.0 km is 100 % over")
    assert warnings[1].startswith("Old pair: 500 km (311 miles)")
