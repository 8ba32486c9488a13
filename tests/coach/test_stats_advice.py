"""Session numbers, plot series and advice from hand-made sessions (pure: no files)."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest

from runsense.coach.advice import RED_FLAGS, TRAINING_AID, advice_for
from runsense.coach.data import Session, SessionInfo
from runsense.coach.stats import (
    BALANCE,
    CONTACT,
    IMPACT,
    STEP_LENGTH,
    differences,
    session_series,
    session_stats,
)
from runsense.fit.metrics import SecondMetrics
from runsense.model import Cue, CueKind, Placement, Side, Step
from runsense.recording import SensorInfo
from tests.coach.conftest import step

SACRUM = SensorInfo("imu", "runsense-f32", Placement.SACRUM, None, 500.0, ("ax_g",), "x", {})
SHANK = SensorInfo("imu", "runsense-f32", Placement.SHANK, Side.LEFT, 500.0, ("ax_g",), "x", {})


def session(
    steps: list[Step] | None = None,
    *,
    seconds: list[SecondMetrics] | None = None,
    cues: list[Cue] | None = None,
    sensor: SensorInfo = SACRUM,
    speed_kmh: float | None = None,
) -> Session:
    fit = seconds is not None
    info = SessionInfo(
        path=Path("x.rsrec"), start=datetime(2026, 3, 2, 7),  # noqa: DTZ001 -- naive UTC, as SessionInfo keeps it
        runner="ana", shoes="", speed_kmh=speed_kmh,
        duration_s=60.0, distance_km=None, sensors=() if fit else (sensor,),
        metadata={"source": "fit-import:x.fit"} if fit else {},
    )  # fmt: skip
    return Session(info, tuple(steps or ()), "stored", tuple(seconds or ()), tuple(cues or ()), "stored", ())


def steady(cadence_spm: float, n: int = 61, impact_g: float = 3.0) -> list[Step]:
    """``n`` steps at a steady cadence, spaced as that cadence implies."""
    interval_s = 60.0 / cadence_spm
    return [step(i * interval_s, cadence_spm, impact_g) for i in range(n)]


def cue(t_s: float, kind: CueKind) -> Cue:
    return Cue(t_s, kind, kind.value, 160.0, 170.0, 180.0, "test")


def test_a_low_cadence_gets_the_plus_five_to_ten_percent_advice_with_numbers() -> None:
    stats = session_stats(session(steady(160.0)))
    assert stats.mean_cadence_spm == pytest.approx(160.0)
    assert stats.time_in_band_s == 0
    [cadence] = [a for a in advice_for(stats) if a.topic == "Cadence"]
    assert cadence.level == "warn"
    assert "below the 170-180 target" in cadence.text
    assert "about 168-176 steps/min" in cadence.text  # +5 % and +10 % of 160
    assert "Heiderscheit" in cadence.text


def test_cadence_in_band_is_confirmed_and_above_band_is_not_pushed_higher() -> None:
    [in_band] = [a for a in advice_for(session_stats(session(steady(175.0)))) if a.topic == "Cadence"]
    assert in_band.level == "info"
    assert "on target; 100 % of the time" in in_band.text
    [above] = [a for a in advice_for(session_stats(session(steady(190.0)))) if a.topic == "Cadence"]
    assert "no need to go higher" in above.text


def test_high_tibial_impact_is_warned_but_sacrum_impact_is_only_explained() -> None:
    hard = steady(172.0, impact_g=9.5)
    shank = [
        a for a in advice_for(session_stats(session(hard, sensor=SHANK)), ["shank"]) if a.topic == "Impact"
    ]
    assert [a.level for a in shank] == ["warn"]
    assert "above 8 g" in shank[0].text
    sacrum = [a for a in advice_for(session_stats(session(hard)), ["sacrum"]) if a.topic == "Impact"]
    assert [a.level for a in sacrum] == ["info"]
    assert "not a measure of bone load" in sacrum[0].text


def test_cues_given_are_counted_and_turned_into_advice() -> None:
    cues = [cue(5, CueKind.SHORTEN_STRIDE), cue(30, CueKind.LAND_SOFTER), cue(40, CueKind.LAND_SOFTER)]
    stats = session_stats(session(steady(175.0), cues=cues))
    assert stats.n_cues == 3
    assert stats.cues_by_kind == (("land_softer", 2), ("shorten_stride", 1))
    topics = {a.topic: a.text for a in advice_for(stats, ["sacrum"]) if a.level == "warn"}
    assert "'Shorten stride' was cued 1 time(s)" in topics["Stride"]
    assert "'Land softer' was cued 2 time(s)" in topics["Impact"]


def test_load_warnings_become_advice_first() -> None:
    advice = advice_for(session_stats(session(steady(175.0))), [], ["2026-W10: 20.0 km is 100 % over ..."])
    assert advice[0].topic == "Training load"
    assert advice[0].text.startswith("2026-W10")


def test_red_flags_and_training_aid_say_what_science_md_says() -> None:
    for words in ("more than two weeks", "swelling", "locking", "giving way", "physiotherapist"):
        assert words in RED_FLAGS
    assert TRAINING_AID == "runsense is a training aid, not a diagnostic device."


def test_left_right_balance_from_two_sides() -> None:
    steps = [
        step(i * 0.35, 172.0, 4.0 if i % 2 else 2.0, side=Side.RIGHT if i % 2 else Side.LEFT,
             contact_ms=260.0 if i % 2 else 240.0)
        for i in range(40)
    ]  # fmt: skip
    stats = session_stats(session(steps, sensor=SHANK))
    assert stats.balance is not None
    assert (stats.balance.n_left, stats.balance.n_right) == (20, 20)
    assert stats.balance.contact_left_pct == pytest.approx(48.0)
    assert stats.balance.impact_left_pct == pytest.approx(100 * 2 / 6)
    assert stats.mean_contact_ms == pytest.approx(250.0)
    series = session_series(session(steps, sensor=SHANK))
    assert BALANCE not in series.missing
    assert CONTACT not in series.missing
    advice = [a for a in advice_for(stats, ["shank"]) if a.topic == "Left/right"]
    assert "impact 33.3 % left" in advice[0].text


def test_missing_quantities_say_why_for_this_sensor() -> None:
    series = session_series(session(steady(175.0)))
    assert (
        "not available for this sensor: the sacrum sensor does not tell left from right"
        in series.missing[BALANCE]
    )
    assert "Contact time was not estimated: the sacrum sensor" in series.missing[CONTACT]
    assert "needs the running speed" in series.missing[STEP_LENGTH]
    assert IMPACT not in series.missing


def test_device_seconds_give_the_numbers_when_there_are_no_steps() -> None:
    seconds = [
        SecondMetrics(t_s=float(t), cadence_spm=0.0 if t < 2 else 176.0, speed_mps=3.0, distance_m=3.0 * t,
                      stance_time_ms=250.0, stance_time_balance_left_pct=51.0, step_length_m=1.02)
        for t in range(12)
    ]  # fmt: skip
    fit = session(seconds=seconds)
    stats = session_stats(fit)
    assert stats.mean_cadence_spm == pytest.approx(176.0)  # standing (cadence 0) is not running time
    assert stats.time_with_cadence_s == pytest.approx(9.0)
    assert stats.time_in_band_s == pytest.approx(9.0)
    assert stats.mean_contact_ms == pytest.approx(250.0)
    assert stats.mean_speed_kmh == pytest.approx(10.8)
    assert stats.balance is not None
    assert stats.balance.contact_left_pct == pytest.approx(51.0)
    series = session_series(fit)
    assert len(series.cadence_spm) == 10
    assert series.max_gap_s == 10.0
    assert "FIT import" in series.missing[IMPACT]
    assert set(series.missing) == {IMPACT}
    assert all(math.isnan(c) for c in series.stride_cadence_spm[:2])


def test_differences_are_after_minus_before() -> None:
    before = session_stats(session(steady(160.0), cues=[cue(1, CueKind.RAISE_CADENCE)]))
    after = session_stats(session(steady(172.0)))
    rows = {(r.label, r.unit): r for r in differences(before, after)}
    assert rows["mean cadence", "spm"].change == pytest.approx(12.0)
    assert rows["time in band", "%"].before == 0
    assert rows["time in band", "%"].after == pytest.approx(100.0)
    assert rows["cues", "count"].change == -1
    assert rows["mean contact time", "ms"].change is None
