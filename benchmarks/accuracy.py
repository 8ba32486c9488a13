"""Contact-detection accuracy of the runsense analyser against force-plate contacts.

Scores the streaming analyser (fed in ~0.1 s chunks, as live) and the naive peak
baseline on every labelled trial in the shared data, and writes a markdown report
(default docs/accuracy.md) so regressions and failures are visible in review.
Run: ``.venv/bin/python benchmarks/accuracy.py [--out FILE] [--data DIR]``.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy

from runsense.errors import InputFileError
from runsense.evaluation.baseline import detect_naive_peaks, params_for
from runsense.evaluation.datasets import DATASET_NAMES, Trial, load_dataset, shared_data_dir
from runsense.evaluation.scores import Events, Summary, TrialScores, cadence_windows_s, score_trial, summarise
from runsense.model import FloatArray, Placement, SampleChunk, Step

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ helpers, also when loaded by path
from report_sections import git_commit, table_row  # noqa: E402, I001 - needs the path above
TOLERANCE_S = 0.08
CHUNK_S = 0.1
GOAL_PR_PCT = 99.5
GOAL_CADENCE_MEAN_SPM = 1.0
GOAL_CADENCE_MAX_SPM = 2.0
GOAL_CONTACT_BIAS_MS = 12.0
GOAL_CONTACT_SD_MS = 10.0
"""Foot-IMU literature (Falbriard et al. 2018, SCIENCE.md): contact-time bias < 12 +- 10 ms."""

Detector = Callable[[Trial], Events]


@dataclass(frozen=True, slots=True)
class Result:
    """One detector's scores on one trial."""

    detector: str
    trial: Trial
    scores: TrialScores


def goal_ic_bias_ms(placement: Placement) -> float:
    """A shank sees the impact directly; the sacrum sees it damped and later."""
    return 20.0 if placement.single_leg else 30.0


def run_baseline(trial: Trial) -> Events:
    """The naive peak picker on the whole trial at once."""
    return Events(ic_s=detect_naive_peaks(trial.acc_g, trial.fs_hz, placement=trial.placement) + trial.t_s[0])


def load_analyser() -> tuple[Detector | None, str]:
    """The streaming analyser as a detector (None if it is not importable) and a note for the report."""
    try:
        from runsense.analysis import ANALYSER_VERSION, Analyser, AnalyserSettings
    except ImportError as exc:
        print(f"runsense analyser not available ({exc}); scoring the naive baseline only.")
        return None, f"NOT AVAILABLE ({exc}); baseline only"

    def run(trial: Trial) -> Events:
        analyser = Analyser(
            AnalyserSettings(), placement=trial.placement, side=None, speed_mps=trial.speed_mps
        )
        chunk_n = max(1, round(CHUNK_S * trial.fs_hz))
        steps: list[Step] = []
        for start in range(0, trial.acc_g.shape[0], chunk_n):
            chunk = SampleChunk(
                sensor_id="imu",
                t0_s=float(trial.t_s[0]) + start / trial.fs_hz,
                fs_hz=trial.fs_hz,
                acc_g=trial.acc_g[start : start + chunk_n],
            )
            steps += analyser.feed(chunk)
        steps += analyser.finish()

        def column(values: list[float | None]) -> FloatArray:
            return np.array([math.nan if v is None else v for v in values], dtype=np.float64)

        contact_ms = column([s.contact_ms for s in steps])
        return Events(
            ic_s=column([s.t_s for s in steps]),
            contact_ms=contact_ms if np.isfinite(contact_ms).any() else None,
            cadence_spm=column([s.cadence_spm for s in steps]),
        )

    return run, f"scored as 'runsense' (ANALYSER_VERSION {ANALYSER_VERSION})"


def score(detector: str, trial: Trial, events: Events) -> Result:
    """Score one detector's events on one trial at the benchmark tolerance."""
    truth = Events(ic_s=trial.ic_s, contact_ms=trial.contact_ms)
    windows_s = cadence_windows_s(float(trial.t_s[0]), trial.t_end_s)
    scores = score_trial(
        truth=truth,
        detected=events,
        windows_s=windows_s,
        steps_per_contact=trial.steps_per_contact,
        tolerance_s=TOLERANCE_S,
    )
    return Result(detector, trial, scores)


def fmt(value: float, digits: int = 1) -> str:
    """Fixed decimals, 'n/a' for undefined values."""
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def goals_missed(summary: Summary, placement: Placement) -> str:
    """Names of the goals this row misses ('-' when none); a missing cadence counts as a miss."""
    missed = []
    if not summary.precision_pct >= GOAL_PR_PCT:
        missed.append("precision")
    if not summary.recall_pct >= GOAL_PR_PCT:
        missed.append("recall")
    if not abs(summary.ic_bias_ms) <= goal_ic_bias_ms(placement):
        missed.append("IC bias")
    cadence_ok = summary.cadence_missing == 0 and summary.cadence_mean_abs_spm <= GOAL_CADENCE_MEAN_SPM
    if not (cadence_ok and summary.cadence_max_abs_spm <= GOAL_CADENCE_MAX_SPM):
        missed.append("cadence")
    if summary.reported_windows and not (
        summary.reported_missing == 0
        and summary.reported_mean_abs_spm <= GOAL_CADENCE_MEAN_SPM
        and summary.reported_max_abs_spm <= GOAL_CADENCE_MAX_SPM
    ):
        missed.append("reported cadence")
    if summary.contact_estimated and not (
        abs(summary.contact_bias_ms) <= GOAL_CONTACT_BIAS_MS and summary.contact_sd_ms <= GOAL_CONTACT_SD_MS
    ):
        missed.append("contact time")
    return ", ".join(missed) or "-"


def _cadence_cell(mean_spm: float, max_spm: float, missing: int) -> str:
    """'mean / max', plus how many windows had no cadence at all ('none')."""
    cell = f"{fmt(mean_spm, 2)} / {fmt(max_spm, 2)}"
    return f"{cell} (+{missing} none)" if missing else cell


def _contact_cell(summary: Summary) -> str:
    """'bias ± SD (estimated/matched)', or 'n/a' when the detector gave no contact time."""
    if not summary.contact_estimated:
        return "n/a"
    cell = f"{fmt(summary.contact_bias_ms)} ± {fmt(summary.contact_sd_ms)}"
    return f"{cell} ({summary.contact_estimated}/{summary.matched})"


def _max_cell(max_spm: float, missing: int) -> str:
    """Largest error, plus how many windows had no cadence at all."""
    return f"{fmt(max_spm, 2)} (+{missing} none)" if missing else fmt(max_spm, 2)




SUMMARY_HEADER = (
    "| detector | data set | placement | activity | trials | contacts | precision % | recall % | IC bias ms"
    " | IC SD ms | contact-time bias ± SD ms (estimated/matched) | cadence mean / max abs err spm"
    " | reported cadence mean / max abs err spm | goals missed |\n"
    "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
)
TRIAL_HEADER = (
    "| data set | trial | activity | contacts | matched | missed | extra | unscored | IC bias ms | IC SD ms"
    " | contact-time bias ± SD ms | cadence max abs err spm | reported cadence max abs err spm |\n"
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
)


def summary_table(results: Sequence[Result]) -> list[str]:
    """One row per detector, data set and activity, with a goals row on top."""
    groups: dict[tuple[str, str, Placement, str], list[TrialScores]] = {}
    for r in results:
        key = (r.detector, r.trial.dataset, r.trial.placement, r.trial.activity)
        groups.setdefault(key, []).append(r.scores)
    cadence_goal = f"<= {GOAL_CADENCE_MEAN_SPM} / <= {GOAL_CADENCE_MAX_SPM}"
    pr_goal = f">= {GOAL_PR_PCT}"
    shank_ms, sacrum_ms = goal_ic_bias_ms(Placement.SHANK), goal_ic_bias_ms(Placement.SACRUM)
    ic_goal = f"abs <= {shank_ms:.0f} shank, <= {sacrum_ms:.0f} sacrum"
    contact_goal = f"abs <= {GOAL_CONTACT_BIAS_MS:.0f} ± <= {GOAL_CONTACT_SD_MS:.0f} where estimated"
    lines = [
        SUMMARY_HEADER,
        table_row(
            ["*goal*", *[""] * 5, pr_goal, pr_goal, ic_goal, "", contact_goal, cadence_goal, cadence_goal, ""]
        ),
    ]
    rank = {detector: k for k, detector in enumerate(dict.fromkeys(r.detector for r in results))}
    for (detector, dataset, placement, activity), scores in sorted(
        groups.items(), key=lambda item: (rank[item[0][0]], item[0][1], item[0][3])
    ):
        s = summarise(scores)
        reported = _cadence_cell(s.reported_mean_abs_spm, s.reported_max_abs_spm, s.reported_missing)
        cells = [detector, dataset, placement, activity, s.trials, s.contacts, fmt(s.precision_pct, 2)]
        cells += [fmt(s.recall_pct, 2), fmt(s.ic_bias_ms), fmt(s.ic_sd_ms)]
        cells += [_contact_cell(s)]
        cells += [_cadence_cell(s.cadence_mean_abs_spm, s.cadence_max_abs_spm, s.cadence_missing)]
        cells += [reported if s.reported_windows else "n/a", goals_missed(s, placement)]
        lines.append(table_row(cells))
    return lines


def per_trial_table(results: Sequence[Result]) -> list[str]:
    """Every trial, worst first: most misses + extras, then largest cadence error, then IC bias."""
    rows = [(r, summarise([r.scores])) for r in results]

    def badness(item: tuple[Result, Summary]) -> tuple[float, float, float]:
        s = item[1]
        cadence = s.cadence_max_abs_spm
        cadence = math.inf if s.cadence_missing or math.isnan(cadence) else cadence
        ic_bias = math.inf if math.isnan(s.ic_bias_ms) else abs(s.ic_bias_ms)
        return (-float(s.contacts - s.matched + s.detections - s.matched), -cadence, -ic_bias)

    lines = [TRIAL_HEADER]
    for r, s in sorted(rows, key=badness):
        missed, extra = s.contacts - s.matched, s.detections - s.matched
        cells = [r.trial.dataset, r.trial.name, r.trial.activity, s.contacts, s.matched, missed]
        cells += [extra, s.outside_span, fmt(s.ic_bias_ms), fmt(s.ic_sd_ms), _contact_cell(s)]
        cells += [_max_cell(s.cadence_max_abs_spm, s.cadence_missing)]
        cells += [_max_cell(s.reported_max_abs_spm, s.reported_missing)]
        lines.append(table_row(cells))
    return lines




def _machine() -> str:
    """CPU, OS and library versions: enough to tell whether two reports are comparable."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        lines = cpuinfo.read_text().splitlines()
        models = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")]
        cpu = models[0] if models else cpu
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}"
    )


def _method(command: str, data_dir: Path, analyser_note: str) -> list[str]:
    """Report header: provenance and how each number is computed."""
    single, trunk = params_for(Placement.SHANK), params_for(Placement.SACRUM)
    tolerance_ms = TOLERANCE_S * 1000
    return [
        "# Contact-detection accuracy",
        "",
        "Generated by `benchmarks/accuracy.py`; do not edit by hand, re-run it.",
        "",
        f"- command: `{command}`",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- git commit: {git_commit()}",
        f"- machine: {_machine()}",
        f"- data: `{data_dir}` ({', '.join(DATASET_NAMES)})",
        f"- runsense analyser: {analyser_note}",
        "",
        "Method:",
        (
            f"- A detection matches a force-plate initial contact (IC) within ±{tolerance_ms:.0f} ms,"
            " one-to-one, nearest pairs first. IC bias/SD = detected - truth over the matches only, so a"
            " detector whose late detections go unmatched looks less late than it is: read them with recall."
        ),
        (
            "- Detections outside [first labelled IC - tolerance, last + tolerance] are not scored"
            " ('unscored'): the force plate labels only contacts whose whole stance lies inside the"
            " recording."
        ),
        (
            "- Cadence per 5 s window (a shorter trial, or the remainder, joins the last window): intervals"
            " between consecutive contacts in the window / first-to-last time * 60, for truth and detections"
            " alike, x2 for the shank (one labelled contact per stride). 'Reported' = median of the"
            " analyser's own `cadence_spm` over its steps in the window, against the same truth."
        ),
        (
            "- Contact time: the detector's own contact_ms (toe-off - its IC) against the force plate's"
            " to_s - ic_s, over the matched contacts that have an estimate (count in brackets); 'n/a' where"
            " none. The force-plate thresholds differ (shank set 1/8 of peak vertical force, sacrum set"
            " 0.05 body weight): a high threshold cuts both ends of a contact, so its truth is shorter than"
            " the contact itself. Goal: the foot-IMU literature figure (SCIENCE.md)."
        ),
        (
            f"- Baseline: peaks of |acc| (scipy find_peaks), fixed height {single.height_g} g / distance"
            f" {single.distance_s} s (shank), {trunk.height_g} g / {trunk.distance_s} s (sacrum)."
            f" The analyser is fed {CHUNK_S} s chunks, placement given, side unknown, treadmill speed given."
        ),
        "",
    ]


def render(results: Sequence[Result], *, command: str, data_dir: Path, analyser_note: str) -> str:
    """The whole markdown report: header, summary, then a worst-first per-trial table per detector."""
    lines = [*_method(command, data_dir, analyser_note), "## Summary", "", *summary_table(results), ""]
    for detector in dict.fromkeys(r.detector for r in results):
        lines += [f"## Per trial, worst first: {detector}", ""]
        lines += [*per_trial_table([r for r in results if r.detector == detector]), ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Score every trial with every available detector, write and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default_out = REPO_ROOT / "docs" / "accuracy.md"
    parser.add_argument("--out", type=Path, default=default_out, help="markdown report to write")
    parser.add_argument("--data", type=Path, default=None, help="shared data folder (default ../shared/data)")
    args = parser.parse_args(argv)
    data_dir: Path = args.data if args.data is not None else shared_data_dir()

    detectors: dict[str, Detector] = {"naive peaks": run_baseline}
    analyser, note = load_analyser()
    if analyser is not None:
        detectors = {"runsense": analyser, **detectors}
    try:
        trials = [trial for name in DATASET_NAMES for trial in load_dataset(name, data_dir=data_dir)]
    except InputFileError as exc:
        print(f"cannot load the labelled data: {exc}", file=sys.stderr)
        return 2
    results = [score(name, trial, run(trial)) for name, run in detectors.items() for trial in trials]

    executable = sys.executable
    if Path(executable).is_relative_to(Path.cwd()):
        executable = os.path.relpath(executable)
    command = shlex.join([executable, *(sys.argv if argv is None else ["benchmarks/accuracy.py", *argv])])
    report = render(results, command=command, data_dir=data_dir, analyser_note=note)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
