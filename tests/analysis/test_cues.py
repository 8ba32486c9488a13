"""The cue engine: each cue, dwell, cooldown, hysteresis, personal target, suppression; no UI, no clock."""

from __future__ import annotations

import itertools
import random
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runsense.analysis import CueEngine, CueSettings
from runsense.errors import ConfigError
from runsense.model import Cue, CueKind, Step

DT_S = 1 / 3  # one step every 1/3 s; the step times do not need to match the cadence for the engine


def _step(t_s: float, cadence_spm: float | None = 175.0, *, impact_g: float = 3.0, confidence: float = 0.9,
          clipped: bool = False) -> Step:
    return Step(t_s=t_s, sensor_id="imu", side=None, cadence_spm=cadence_spm, cadence_inst_spm=cadence_spm,
                impact_g=impact_g, clipped=clipped, contact_ms=None, flight_ms=None, step_length_m=None,
                confidence=confidence)


def _segment(
    t0_s: float, duration_s: float, cadence_spm: float | None = 175.0, **kw: float | bool
) -> list[Step]:
    """Steps every DT_S from t0_s for duration_s (end excluded), all alike."""
    n = round(duration_s / DT_S)
    return [_step(t0_s + i * DT_S, cadence_spm, **kw) for i in range(n)]  # type: ignore[arg-type]


def _feed(engine: CueEngine, steps: list[Step], *, speed_mps: float | None = None) -> list[Cue]:
    cues: list[Cue] = []
    for step in steps:
        cues += engine.feed(step, speed_mps=speed_mps)
    return cues


def _kinds(cues: list[Cue]) -> list[CueKind]:
    return [c.kind for c in cues]


def _active_kind(engine: CueEngine) -> CueKind | None:
    return None if engine.active is None else engine.active.kind


# --- raise_cadence, dwell, hysteresis, cooldown -----------------------------------------------------------


def test_raise_cadence_after_the_dwell_with_a_reason_in_numbers() -> None:
    engine = CueEngine()
    cues = _feed(engine, _segment(0, 10, 175) + _segment(10, 10, 162))
    assert _kinds(cues) == [CueKind.RAISE_CADENCE]
    cue = cues[0]
    assert cue.t_s == pytest.approx(15.0)  # below from t = 10, dwell 5 s
    assert cue.message == "Raise cadence"
    assert cue.reason == "cadence 162 spm < 170 for 5 s"
    assert (cue.cadence_spm, cue.target_low_spm, cue.target_high_spm) == (162, 170, 180)
    assert engine.active == cue


def test_below_for_less_than_the_dwell_says_nothing() -> None:
    engine = CueEngine()
    assert _feed(engine, _segment(0, 4.5, 160) + _segment(4.5, 30, 175) + _segment(34.5, 4.5, 160)) == []


def test_within_the_hysteresis_below_the_band_is_not_cued() -> None:
    assert _feed(CueEngine(), _segment(0, 120, 168.5)) == []  # < 170 but not < 170 - 2
    assert _kinds(_feed(CueEngine(), _segment(0, 120, 167.5))) == [CueKind.RAISE_CADENCE]


def test_one_start_per_episode_however_long_it_lasts() -> None:
    assert _kinds(_feed(CueEngine(), _segment(0, 300, 160))) == [CueKind.RAISE_CADENCE]


def test_the_active_cue_ends_only_past_the_hysteresis() -> None:
    engine = CueEngine()
    _feed(engine, _segment(0, 10, 160))
    assert _active_kind(engine) == CueKind.RAISE_CADENCE
    _feed(engine, _segment(10, 10, 171))  # back in the band, not yet by the hysteresis
    assert _active_kind(engine) == CueKind.RAISE_CADENCE
    _feed(engine, [_step(20.0, 172)])
    assert engine.active is None


def test_cooldown_delays_a_second_cue_of_the_same_kind() -> None:
    engine = CueEngine()
    cues = _feed(engine, _segment(0, 6, 160) + _segment(6, 6, 175) + _segment(12, 40, 160))
    raises = [c.t_s for c in cues if c.kind == CueKind.RAISE_CADENCE]
    assert raises[0] == pytest.approx(5.0)
    # below again from t = 12, dwell done at 17, but the cooldown runs until 5 + 20 = 25
    assert raises[1:] == [pytest.approx(25.0)]


# --- on_target -------------------------------------------------------------------------------------------


def test_on_target_confirms_a_correction_once() -> None:
    engine = CueEngine()
    cues = _feed(engine, _segment(0, 10, 160) + _segment(10, 60, 175))
    assert _kinds(cues) == [CueKind.RAISE_CADENCE, CueKind.ON_TARGET]
    on = cues[1]
    assert on.t_s == pytest.approx(15.0)
    assert on.message == "On target"
    assert on.reason == "cadence 175 spm in 170-180 for 5 s"
    assert engine.active == on  # shown while the cadence stays in the band
    _feed(engine, _segment(70, 1, 183))  # above the band by more than the hysteresis
    assert engine.active is None


def test_no_on_target_without_a_correction_to_confirm() -> None:
    assert _feed(CueEngine(), _segment(0, 120, 175)) == []


def test_on_target_needs_the_band_minus_the_hysteresis() -> None:
    engine = CueEngine()
    cues = _feed(engine, _segment(0, 10, 160) + _segment(10, 60, 171.5))
    assert _kinds(cues) == [CueKind.RAISE_CADENCE]  # 171.5 < 170 + 2: not clearly back


# --- stopped, walking, poor data ------------------------------------------------------------------------


def test_a_stop_restarts_the_dwell() -> None:
    stopped = _segment(0, 4, 160) + _segment(7, 4, 160)  # 3 s without steps
    assert _feed(CueEngine(), stopped) == []
    paused = _segment(0, 4, 160) + _segment(5.5, 4, 160)  # under 2 s: still the same episode
    assert _kinds(_feed(CueEngine(), paused)) == [CueKind.RAISE_CADENCE]


def test_a_stop_ends_the_active_cue() -> None:
    engine = CueEngine()
    _feed(engine, _segment(0, 10, 160))
    assert engine.active is not None
    _feed(engine, [_step(15.0, 160)])
    assert engine.active is None


def test_walking_steps_restart_the_dwell_and_end_the_active_cue() -> None:
    engine = CueEngine()
    assert _feed(engine, _segment(0, 4, 160) + _segment(4, 1, 120) + _segment(5, 4, 160)) == []
    _feed(engine, _segment(9, 10, 160))
    assert engine.active is not None
    _feed(engine, [_step(19.0, 130)])
    assert engine.active is None


def test_steps_without_cadence_are_skipped() -> None:
    steps = _segment(0, 10, 160)
    holes = [_step(s.t_s, None) if i % 3 == 0 else s for i, s in enumerate(steps)]
    assert _kinds(_feed(CueEngine(), holes)) == [CueKind.RAISE_CADENCE]
    assert _feed(CueEngine(), _segment(0, 30, None)) == []


def test_low_confidence_steps_are_no_evidence() -> None:
    assert _feed(CueEngine(), _segment(0, 30, 160, confidence=0.3)) == []
    # a 3 s patch of poor data is like a stop: the dwell starts again
    patchy = _segment(0, 4, 160) + _segment(4, 3, 160, confidence=0.3) + _segment(7, 4, 160)
    assert _feed(CueEngine(), patchy) == []
    # one odd step is not
    steps = _segment(0, 10, 160)
    steps[6] = _step(steps[6].t_s, 160, confidence=0.1)
    assert _kinds(_feed(CueEngine(), steps)) == [CueKind.RAISE_CADENCE]


# --- personal target ------------------------------------------------------------------------------------


def test_personal_target_is_measured_before_any_cadence_cue() -> None:
    engine = CueEngine(CueSettings(target_mode="personal"))
    assert engine.target_spm is None
    assert _feed(engine, _segment(0, 119, 160)) == []  # 160 < 170, but the target is being measured
    assert engine.target_spm is None
    assert engine.preferred_cadence_spm is None
    _feed(engine, _segment(119, 2, 160))
    assert engine.preferred_cadence_spm == pytest.approx(160)
    target = 160 * 1.075
    assert engine.target_spm == pytest.approx((target * 0.975, target * 1.025))  # 167.7 .. 176.3
    cues = _feed(engine, _segment(121, 10, 160))
    assert _kinds(cues) == [CueKind.RAISE_CADENCE]
    assert (cues[0].target_low_spm, cues[0].target_high_spm) == pytest.approx(engine.target_spm)


def test_preferred_cadence_is_a_median_of_running_only() -> None:
    engine = CueEngine(CueSettings(target_mode="personal", preferred_measure_s=60))
    odd = [_step(100 + i * DT_S, 200 if i % 4 == 0 else 165) for i in range(90)]  # 30 s, a quarter odd
    _feed(engine, _segment(0, 30, 165) + _segment(30, 60, 120) + odd)  # a minute of walking between
    assert engine.preferred_cadence_spm is None  # 30 + 29.7 s of running so far
    _feed(engine, _segment(131, 1, 165))
    assert engine.preferred_cadence_spm == pytest.approx(165)


def test_a_known_preferred_cadence_sets_the_target_from_the_first_step() -> None:
    settings = CueSettings(target_mode="personal", preferred_cadence_spm=170, personal_increase_pct=5)
    engine = CueEngine(settings)
    assert engine.target_spm == pytest.approx((178.5 * 0.975, 178.5 * 1.025))
    assert _kinds(_feed(engine, _segment(0, 10, 168))) == [CueKind.RAISE_CADENCE]


def test_band_mode_measures_the_preferred_cadence_too() -> None:
    engine = CueEngine()
    _feed(engine, _segment(0, 130, 176))
    assert engine.preferred_cadence_spm == pytest.approx(176)
    assert engine.target_spm == (170, 180)


# --- set_target -----------------------------------------------------------------------------------------


def test_set_target_applies_live_and_drops_cues_about_the_old_band() -> None:
    engine = CueEngine()
    _feed(engine, _segment(0, 10, 160))
    assert engine.active is not None
    engine.set_target(150, 165)
    assert engine.target_spm == (150, 165)
    assert engine.active is None
    assert _feed(engine, _segment(10, 30, 160)) == []
    cues = _feed(engine, _segment(40, 10, 145))
    assert [(c.kind, c.target_low_spm) for c in cues] == [(CueKind.RAISE_CADENCE, 150)]


@pytest.mark.parametrize(("low", "high"), [(180, 170), (0, 170), (170, 173)])
def test_set_target_refuses_a_band_it_cannot_use(low: float, high: float) -> None:
    with pytest.raises(ConfigError, match="set_target"):
        CueEngine().set_target(low, high)


# --- shorten_stride -------------------------------------------------------------------------------------


def test_shorten_stride_needs_the_speed() -> None:
    assert _kinds(_feed(CueEngine(), _segment(0, 10, 155))) == [CueKind.RAISE_CADENCE]
    cues = _feed(CueEngine(), _segment(0, 10, 155), speed_mps=3.0)
    assert _kinds(cues) == [CueKind.RAISE_CADENCE, CueKind.SHORTEN_STRIDE]
    stride = cues[1]
    assert stride.message == "Shorten stride"
    # step 3 * 60 / 155 = 1.16 m, limit 0.366 s x 3 m/s = 1.10 m
    assert stride.reason == "step 1.16 m > 1.10 m (0.366 s x 3.00 m/s, cadence 155 spm) for 5 s"


def test_shorten_stride_threshold_is_about_164_spm_with_hysteresis() -> None:
    for cadence_spm, expected in [(166.0, []), (163.0, []), (161.0, [CueKind.SHORTEN_STRIDE])]:
        cues = _feed(CueEngine(), _segment(0, 30, cadence_spm), speed_mps=3.5)
        assert [k for k in _kinds(cues) if k != CueKind.RAISE_CADENCE] == expected, cadence_spm


def test_shorten_stride_never_contradicts_a_lower_target() -> None:
    engine = CueEngine()
    engine.set_target(150, 160)
    assert _feed(engine, _segment(0, 30, 155), speed_mps=3.0) == []


# --- land_softer ----------------------------------------------------------------------------------------


def test_land_softer_above_the_runners_own_baseline() -> None:
    engine = CueEngine()
    assert _feed(engine, _segment(0, 61, impact_g=3.0)) == []
    assert engine.impact_baseline_g == pytest.approx(3.0)
    cues = _feed(engine, _segment(61, 10, impact_g=3.8))  # > 3.0 * 1.2
    assert _kinds(cues) == [CueKind.LAND_SOFTER]
    assert cues[0].t_s == pytest.approx(66.0)
    assert cues[0].message == "Land softer"
    assert cues[0].reason == "impact 3.8 g > 3.6 g (baseline 3.0 g + 20 %) for 5 s"
    _feed(engine, _segment(71, 5, impact_g=3.3))  # not below 3.6 * 0.9 = 3.24: still active
    assert engine.active is not None
    _feed(engine, [_step(76.0, impact_g=3.2)])
    assert engine.active is None


def test_land_softer_with_an_absolute_threshold_needs_no_baseline() -> None:
    engine = CueEngine(CueSettings(impact_abs_threshold_g=8.0))
    cues = _feed(engine, _segment(0, 10, impact_g=9.0))
    assert _kinds(cues) == [CueKind.LAND_SOFTER]
    assert cues[0].t_s == pytest.approx(5.0)
    assert "absolute threshold" in cues[0].reason


def test_clipped_steps_are_no_evidence_of_impact() -> None:
    engine = CueEngine(CueSettings(impact_abs_threshold_g=8.0))
    assert _feed(engine, _segment(0, 30, impact_g=16.0, clipped=True)) == []


# --- active, reset, settings ----------------------------------------------------------------------------


def test_active_is_the_most_recent_cue_still_holding() -> None:
    engine = CueEngine(CueSettings(impact_abs_threshold_g=8.0))
    _feed(engine, _segment(0, 6, 175, impact_g=9.0) + _segment(6, 10, 160, impact_g=9.0))
    assert _active_kind(engine) == CueKind.RAISE_CADENCE
    _feed(engine, _segment(16, 1, 175, impact_g=9.0))
    assert _active_kind(engine) == CueKind.LAND_SOFTER


def test_reset_starts_a_new_session() -> None:
    engine = CueEngine(CueSettings(target_mode="personal"))
    steps = _segment(0, 130, 160)
    first = _feed(engine, steps)
    engine.set_target(150, 160)
    engine.reset()
    assert engine.target_spm is None
    assert engine.active is None
    assert _feed(engine, steps) == first


def test_messages_are_short_enough_to_read_at_a_glance() -> None:
    engine = CueEngine(CueSettings(impact_abs_threshold_g=8.0))
    cues = _feed(engine, _segment(0, 10, 155, impact_g=9) + _segment(10, 10, 175, impact_g=3), speed_mps=3.0)
    assert {c.kind for c in cues} == set(CueKind)
    assert all(len(c.message) <= 16 for c in cues)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"band_low_spm": 185.0}, "band"),
        ({"personal_increase_pct": 15.0}, "personal_increase_pct"),
        ({"hysteresis_spm": 6.0}, "hysteresis"),
        ({"dwell_s": -1.0}, "dwell_s"),
        ({"min_confidence": 1.5}, "min_confidence"),
        ({"preferred_cadence_spm": 100.0}, "preferred_cadence_spm"),
        ({"walking_below_spm": 175.0}, "walking_below_spm"),
        ({"impact_abs_threshold_g": 0.0}, "impact_abs_threshold_g"),
        ({"target_mode": "fixed"}, "target_mode"),
        ({"target_mode": "personal", "personal_band_pct": 0.5}, "personal_band_pct"),
    ],
)
def test_settings_refuse_unusable_values_and_name_them(kw: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        CueSettings(**kw)  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------------------

_BAND = (170.0, 180.0)
_H_SPM = CueSettings().hysteresis_spm
_COOLDOWN_S = CueSettings().cooldown_s


def _starts_by_kind(cues: list[Cue]) -> dict[CueKind, list[float]]:
    out: dict[CueKind, list[float]] = {}
    for cue in cues:
        out.setdefault(cue.kind, []).append(cue.t_s)
    return out


@given(
    edge=st.sampled_from(_BAND),
    drift=st.lists(st.tuples(st.integers(1, 90), st.floats(-0.3, 0.3)), min_size=1, max_size=20),
    rnd=st.randoms(use_true_random=False),
)
def test_no_flapping_at_most_one_start_per_kind_per_cooldown(
    edge: float, drift: list[tuple[int, float]], rnd: random.Random
) -> None:
    """A cadence random-walking (stretches of steady drift, +-8 spm) around a band edge, noise +-h/2."""
    walk, cadences = 0.0, []
    for n_steps, slope_spm in drift:
        for _ in range(n_steps):
            walk = min(8.0, max(-8.0, walk + slope_spm))
            cadences.append(edge + walk + rnd.uniform(-_H_SPM / 2, _H_SPM / 2))
    cues = _feed(CueEngine(), [_step(i * DT_S, c) for i, c in enumerate(cadences)])
    for kind, starts in _starts_by_kind(cues).items():
        assert kind in {CueKind.RAISE_CADENCE, CueKind.ON_TARGET}
        assert all(b - a >= _COOLDOWN_S for a, b in itertools.pairwise(starts)), (kind, starts)


@given(
    edge=st.sampled_from(_BAND),
    noise=st.lists(st.floats(-_H_SPM / 2, _H_SPM / 2), min_size=1, max_size=900),
)
def test_noise_within_the_hysteresis_gives_no_cadence_cue_at_all(edge: float, noise: list[float]) -> None:
    cues = _feed(CueEngine(), [_step(i * DT_S, edge + n) for i, n in enumerate(noise)])
    assert cues == []


_walking_step = st.tuples(
    st.floats(0.2, 3.0),  # time since the previous step (s), stops included
    st.floats(100.0, 135.0),
    st.floats(0.0, 40.0),  # impact (g), up to a clipping tibial sensor
    st.floats(0.0, 1.0),
    st.booleans(),
)


@given(steps=st.lists(_walking_step, max_size=300), speed_mps=st.none() | st.floats(0.5, 3.0))
def test_no_cue_at_all_while_walking(
    steps: list[tuple[float, float, float, float, bool]], speed_mps: float | None
) -> None:
    engine = CueEngine(CueSettings(impact_abs_threshold_g=2.0, dwell_s=0.0, cooldown_s=0.0))
    t_s = 0.0
    for dt_s, cadence_spm, impact_g, confidence, clipped in steps:
        t_s += dt_s
        step = _step(t_s, cadence_spm, impact_g=impact_g, confidence=confidence, clipped=clipped)
        assert engine.feed(step, speed_mps=speed_mps) == []
        assert engine.active is None


_any_step = st.tuples(
    st.floats(0.05, 4.0),
    st.none() | st.floats(100.0, 220.0),
    st.floats(0.0, 20.0),
    st.floats(0.0, 1.0),
    st.booleans(),
    st.none() | st.floats(1.0, 6.0),  # speed (m/s)
)


@given(steps=st.lists(_any_step, max_size=400), mode=st.sampled_from(("band", "personal")))
def test_the_same_steps_give_the_same_cues(
    steps: list[tuple[float, float | None, float, float, bool, float | None]],
    mode: Literal["band", "personal"],
) -> None:
    settings = CueSettings(target_mode=mode, preferred_measure_s=20,
                           impact_baseline_s=10, impact_abs_threshold_g=12.0)
    t_s, inputs = 0.0, []
    for dt_s, cadence_spm, impact_g, confidence, clipped, speed_mps in steps:
        t_s += dt_s
        inputs.append((_step(t_s, cadence_spm, impact_g=impact_g, confidence=confidence, clipped=clipped),
                       speed_mps))

    def run(engine: CueEngine) -> list[tuple[list[Cue], Cue | None]]:
        return [(engine.feed(step, speed_mps=v), engine.active) for step, v in inputs]

    reused = CueEngine(settings)
    first = run(reused)
    assert run(CueEngine(settings)) == first
    reused.reset()
    assert run(reused) == first
