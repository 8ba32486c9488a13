"""The plain-language advice of SCIENCE.md that applies to a session. Pure: numbers in, sentences out.

Runners and coaches act on a sentence, not a chart. Each piece of advice says what was
measured, why it matters and what to try, with the study behind it, and nothing is said
that the evidence does not support (e.g. "impact", never "bone load"). The red flags and
"a training aid, not a diagnostic device" are not advice that may or may not apply:
every report shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from runsense.coach.stats import SessionStats

TRAINING_AID: Final = "runsense is a training aid, not a diagnostic device."
RED_FLAGS: Final = (
    "Pain that lasts more than two weeks, swelling, locking, or the knee giving way mean seeing a "
    "physiotherapist, not more cues."
)
LOAD_WHY: Final = "Too much too soon and worn shoes are common causes of running knee and heel pain."
TIBIAL_IMPACT_LIMIT_G: Final = 8.0
"""Crowell & Davis 2011 retrained runners above 8 g peak tibial acceleration."""
OVERSTRIDE_CADENCE_SPM: Final = 164.0
"""Below this the cue engine reads long steps at the speed as overstriding (see CueSettings)."""
TIBIAL_PLACEMENTS: Final = frozenset({"foot", "shank"})


@dataclass(frozen=True, slots=True)
class Advice:
    """One piece of advice: ``warn`` asks for a change, ``info`` explains or confirms."""

    topic: str
    text: str
    level: Literal["info", "warn"] = "info"


def _cadence(stats: SessionStats) -> list[Advice]:
    cadence = stats.mean_cadence_spm
    if cadence is None:
        return []
    lo, hi = stats.band_spm
    if cadence < lo:
        return [
            Advice(
                "Cadence",
                f"Mean cadence was {cadence:.0f} steps/min, below the {lo:.0f}-{hi:.0f} target. A low step "
                "rate usually comes with long steps that land ahead of the hips (overstriding), which loads "
                "the knee. Raising the step rate 5 % over your preferred rate reduced knee loading, and 10 % "
                "also hip loading and braking (Heiderscheit et al. 2011). Try +5-10 %: about "
                f"{cadence * 1.05:.0f}-{cadence * 1.10:.0f} steps/min at the same speed, with shorter steps; "
                "a personal target like this is better supported than a blanket 180. The metronome (key m) "
                "ticks at the target only while you are below it.",
                "warn",
            )
        ]
    fraction = stats.in_band_fraction
    share = "" if fraction is None else f"; {100 * fraction:.0f} % of the time was in {lo:.0f}-{hi:.0f}"
    if cadence <= hi:
        return [Advice("Cadence", f"Mean cadence {cadence:.0f} steps/min is on target{share}.")]
    return [
        Advice(
            "Cadence",
            f"Mean cadence {cadence:.0f} steps/min is above the {lo:.0f}-{hi:.0f} band{share}. The evidence "
            "for raising the step rate stops at +10 % over your preferred rate, and the most economical "
            "rate was about 170 steps/min (Lieberman et al. 2015): there is no need to go higher.",
        )
    ]


def _stride(stats: SessionStats) -> list[Advice]:
    cued = stats.cues_of("shorten_stride")
    long_steps = (
        stats.mean_step_length_m is not None
        and stats.mean_cadence_spm is not None
        and stats.mean_cadence_spm < OVERSTRIDE_CADENCE_SPM
    )
    if not cued and not long_steps:
        return []
    told = f"'Shorten stride' was cued {cued} time(s). " if cued else ""
    return [
        Advice(
            "Stride",
            f"{told}Long steps at a low step rate for the speed mean the foot lands ahead of the hips. "
            "Land under the hips with a quicker, shorter step; +10 steps/min moved foot landing 5.9 % "
            "closer to the hip (Lieberman et al. 2015).",
            "warn",
        )
    ]


def _impact(stats: SessionStats, placements: Iterable[str]) -> list[Advice]:
    impact = stats.mean_impact_g
    if impact is None:
        return []
    cued = stats.cues_of("land_softer")
    tibial = bool(TIBIAL_PLACEMENTS & set(placements))
    out = []
    if tibial and impact > TIBIAL_IMPACT_LIMIT_G:
        out.append(
            Advice(
                "Impact",
                f"Mean impact was {impact:.1f} g, above 8 g. Land softer and quieter: real-time feedback on "
                "peak tibial acceleration cut it by about 50 % in runners above 8 g (Crowell & Davis 2011).",
                "warn",
            )
        )
    elif cued:
        out.append(
            Advice(
                "Impact",
                f"'Land softer' was cued {cued} time(s): impact rose above your own baseline. Feedback "
                "on impact lowered it by 26-27 % in studies (Van den Berghe et al. 2021, van Gelder 2023).",
                "warn",
            )
        )
    if not tibial:
        out.append(
            Advice(
                "Impact",
                "Impact from a sensor at the waist or chest is lower than at the shin, so it is compared "
                "with your own baseline, not with the 8 g shin threshold. Impact is the peak acceleration "
                "at landing; it is not a measure of bone load.",
            )
        )
    return out


def _balance(stats: SessionStats) -> list[Advice]:
    balance = stats.balance
    if balance is None:
        return []
    shares = [("contact time", balance.contact_left_pct), ("impact", balance.impact_left_pct)]
    uneven = [(name, pct) for name, pct in shares if pct is not None and abs(pct - 50) > 2.5]
    if not uneven:
        return []
    text = ", ".join(f"{name} {pct:.1f} % left" for name, pct in uneven)
    return [
        Advice(
            "Left/right",
            f"Left/right is uneven ({text}; 50 % is even). A small difference is common; one that grows "
            "from session to session, or comes with pain on one side, is worth showing a physiotherapist.",
        )
    ]


def advice_for(
    stats: SessionStats, placements: Iterable[str] = (), load_warnings: Sequence[str] = ()
) -> list[Advice]:
    """The advice that applies, most actionable first; ``placements`` are the sensors' body places."""
    out = _cadence(stats) + _stride(stats) + _impact(stats, placements) + _balance(stats)
    out += [Advice("Training load", f"{warning} {LOAD_WHY}", "warn") for warning in load_warnings]
    return sorted(out, key=lambda a: a.level != "warn")
