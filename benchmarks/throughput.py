"""Speed of the runsense analyser: batch throughput and per-chunk latency of the live path.

Batch: the 25-minute outdoor run (foot and sacrum sensor, 100 Hz) is analysed by the batch
path (``analyse_chunks``: a StepTable; also with the conversion to Step objects) and by the
streaming ``Analyser`` (one ``feed`` of the whole recording plus ``finish()``), beside a plain
numpy/scipy peak picker on the same arrays; the batch steps are checked equal to the streaming
ones. Live: the per-call latency of ``Analyser.feed`` for chunks of 1, 10 and 50 samples.
Writes a markdown report (default docs/performance.md).
Run: ``.venv/bin/python benchmarks/throughput.py [--data DIR] [--out FILE]``.
"""

# ruff: noqa: E402 -- the thread limits below must be set before numpy and scipy are imported.

from __future__ import annotations

import os

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
if __name__ == "__main__":  # only when run as a script: importing it (tests) must not change the process
    for _name in THREAD_VARIABLES:
        os.environ[_name] = "1"

import argparse
import math
import platform
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy

from runsense.analysis import ANALYSER_VERSION, Analyser, AnalyserSettings, StepTable, analyse_chunks
from runsense.errors import InputFileError
from runsense.evaluation.baseline import detect_naive_peaks
from runsense.evaluation.datasets import shared_data_dir
from runsense.importers.csv_import import read_imu_csv
from runsense.model import FloatArray, Placement, SampleChunk, Step

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ helpers, also when loaded by path
from report_sections import git_commit, replace_section, table_row  # noqa: I001 - needs the path above
RUN_FOLDER = "adept_outdoor_run"
SENSOR_FILES: tuple[tuple[str, Placement], ...] = (
    ("left_ankle.csv.gz", Placement.FOOT),
    ("left_hip.csv.gz", Placement.SACRUM),
)
LIVE_CHUNK_SAMPLES: tuple[int, ...] = (1, 10, 50)
GOAL_BATCH_SAMPLES_PER_S = 5_000_000.0
GOAL_LIVE_CHUNK_SAMPLES = 10
GOAL_LIVE_P99_US = 200.0
HOUR_200_HZ_SAMPLES = 3600 * 200
"""An hour of 200 Hz data, in samples (per axis); the report also gives how long it would take."""

NsArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Sensor:
    """One recording of the outdoor run, as imported (gap-free blocks)."""

    file_name: str
    placement: Placement
    fs_hz: float
    blocks: tuple[SampleChunk, ...]

    @property
    def n_samples(self) -> int:
        """Samples over all blocks."""
        return sum(block.n_samples for block in self.blocks)

    @property
    def label(self) -> str:
        """File stem, e.g. ``left_hip``."""
        return self.file_name.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Wall times of the repeated whole-recording runs of one detector on one sensor."""

    detector: str
    sensor: Sensor
    durations_s: FloatArray
    contact_times_s: FloatArray
    reported_cadence_spm: FloatArray
    """The analyser's own ``cadence_spm`` per step (empty for the baseline)."""
    same_as_streaming: bool | None = None
    """Batch path: its steps equal the streaming Analyser's (None: not a batch path)."""

    @property
    def best_samples_per_s(self) -> float:
        """Throughput of the fastest run."""
        return self.sensor.n_samples / float(self.durations_s.min())

    @property
    def median_samples_per_s(self) -> float:
        """Throughput of the median run."""
        return self.sensor.n_samples / float(np.median(self.durations_s))


@dataclass(frozen=True, slots=True)
class LiveResult:
    """Latency of every ``Analyser.feed`` call for one chunk size, in every pass (one row a pass)."""

    sensor: Sensor
    chunk_samples: int
    fed_samples: int
    latencies_ns: NsArray

    def per_pass_us(self, q: float) -> FloatArray:
        """The ``q``-th percentile of each pass, µs."""
        values: FloatArray = np.percentile(self.latencies_ns / 1e3, q, axis=1)
        return values


def load_sensors(data_dir: Path) -> list[Sensor]:
    """Read both sensors of the outdoor run; InputFileError if a file is missing or unusable."""
    folder = data_dir / RUN_FOLDER
    sensors = []
    for file_name, placement in SENSOR_FILES:
        path = folder / file_name
        if not path.is_file():
            raise InputFileError(str(path), "not found (the shared data folder is missing or incomplete)")
        imported = read_imu_csv(path, sensor_id=placement.value)
        sensors.append(Sensor(file_name, placement, imported.fs_hz, imported.blocks))
    return sensors


BATCH = "runsense batch"
"""The detector the goal applies to: runsense.analysis.batch (what `runsense analyse` uses)."""
BATCH_STEPS = "runsense batch + Step objects"
STREAMING = "runsense streaming, one feed"
NAIVE = "naive peaks"


def run_batch(sensor: Sensor) -> StepTable:
    """The batch path: every block of the recording in, a StepTable out."""
    return analyse_chunks(sensor.blocks, placement=sensor.placement)


def run_batch_steps(sensor: Sensor) -> list[Step]:
    """The batch path and its conversion to Step objects, as `runsense analyse` runs it."""
    return run_batch(sensor).steps()


def run_analyser(sensor: Sensor) -> list[Step]:
    """The streaming analyser: one ``feed`` per gap-free block (one for the outdoor run), then ``finish``."""
    analyser = Analyser(placement=sensor.placement)
    steps: list[Step] = []
    for block in sensor.blocks:
        steps += analyser.feed(block)
    steps += analyser.finish()
    return steps


def run_naive_peaks(sensor: Sensor) -> list[FloatArray]:
    """The plain numpy/scipy peak picker (|a| + find_peaks) on each block; contact times in seconds."""
    return [
        detect_naive_peaks(block.acc_g, block.fs_hz, placement=sensor.placement) + block.t0_s
        for block in sensor.blocks
    ]


def time_round_robin_s(runs: Sequence[Callable[[], object]], repeats: int) -> list[FloatArray]:
    """Wall time of ``repeats`` calls of each of ``runs``, taken in turn (one call of each per round).

    In turn, not one after the other: the machine's speed drifts over seconds (other tenants of a
    shared VM, the allocator's state), and a block of runs timed together would carry it all.
    """
    for run in runs:
        run()  # warm-up: imports, caches and page faults are not what is measured
    durations_s = np.empty((len(runs), repeats))
    for k in range(repeats):
        for i, run in enumerate(runs):
            start_s = time.perf_counter()
            run()
            durations_s[i, k] = time.perf_counter() - start_s
    return list(durations_s)


def batch_results(sensors: Sequence[Sensor], repeats: int) -> list[BatchResult]:
    """Time the batch path, batch + Steps, streaming and the baseline on every sensor, in turn."""
    kinds: tuple[tuple[str, Callable[[Sensor], object]], ...] = (
        (BATCH, run_batch),
        (BATCH_STEPS, run_batch_steps),
        (STREAMING, run_analyser),
        (NAIVE, run_naive_peaks),
    )
    pairs = [(detector, run, sensor) for detector, run in kinds for sensor in sensors]
    timings = time_round_robin_s([partial(run, sensor) for _, run, sensor in pairs], repeats)
    results = []
    for (detector, _, sensor), durations_s in zip(pairs, timings, strict=True):
        if detector == NAIVE:
            peaks = run_naive_peaks(sensor)
            times_s = np.concatenate(peaks) if peaks else np.empty(0)
            results.append(BatchResult(NAIVE, sensor, durations_s, times_s, np.empty(0)))
            continue
        steps = run_analyser(sensor) if detector == STREAMING else run_batch_steps(sensor)
        times_s = np.array([step.t_s for step in steps])
        reported = np.array([step.cadence_spm for step in steps if step.cadence_spm is not None])
        same = steps == run_analyser(sensor) if detector == BATCH else None  # steps: the batch path's
        results.append(BatchResult(detector, sensor, durations_s, times_s, reported, same))
    return results


def live_latencies(sensor: Sensor, chunk_samples: int, duration_s: float, passes: int) -> LiveResult:
    """Time every ``feed`` call of the first ``duration_s`` of the first block, chunk by chunk.

    ``passes`` times over, each into a new analyser.
    """
    block = sensor.blocks[0]
    n = min(block.n_samples, round(duration_s * block.fs_hz))
    chunks = [
        SampleChunk(
            block.sensor_id,
            block.t0_s + start / block.fs_hz,
            block.fs_hz,
            block.acc_g[start : min(n, start + chunk_samples)],
        )
        for start in range(0, n, chunk_samples)
    ]
    latencies_ns = np.empty((passes, len(chunks)), dtype=np.int64)
    clock_ns = time.perf_counter_ns
    for one_pass in latencies_ns:
        analyser = Analyser(placement=sensor.placement)
        for k, chunk in enumerate(chunks):
            start_ns = clock_ns()
            analyser.feed(chunk)
            one_pass[k] = clock_ns() - start_ns
        analyser.finish()
    return LiveResult(sensor, chunk_samples, n, latencies_ns)


def cadence_from_contacts_spm(contact_times_s: FloatArray, placement: Placement) -> float:
    """Steps over running time: intervals longer than a stop (max_step_interval_s) are left out."""
    intervals_s = np.diff(np.sort(contact_times_s))
    running = intervals_s[(intervals_s > 0) & (intervals_s <= AnalyserSettings().max_step_interval_s)]
    if not running.size:
        return math.nan
    steps_per_contact = 2 if placement.single_leg else 1
    return 60.0 * steps_per_contact * running.size / float(running.sum())


def fmt(value: float, digits: int = 1) -> str:
    """Fixed decimals, 'n/a' for undefined values."""
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"




def _met(ok: bool) -> str:  # noqa: FBT001 -- a verdict, not a mode switch
    return "yes" if ok else "**NO**"


BATCH_HEADER = (
    "| detector | sensor | placement | samples | runs | best M samples/s | median M samples/s"
    " | best ms per run | 1 h at 200 Hz takes s | goal M samples/s | goal met |\n"
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|"
)
SANITY_HEADER = (
    "| detector | sensor | placement | contacts | steps (both feet) | cadence from contacts spm"
    " | mean reported cadence spm | same steps as streaming |\n"
    "|---|---|---|--:|--:|--:|--:|---|"
)
LIVE_HEADER = (
    "| sensor | placement | chunk samples | calls | median µs | p99 µs | max µs | median µs per sample"
    " | goal p99 µs | goal met | passes | p99 µs of each pass, lowest - highest |\n"
    "|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--|"
)


def batch_table(results: Sequence[BatchResult]) -> list[str]:
    """Throughput per detector and sensor; the goal applies to the analyser."""
    lines = [BATCH_HEADER]
    for r in results:
        is_analyser = r.detector == BATCH
        goal = fmt(GOAL_BATCH_SAMPLES_PER_S / 1e6, 1) if is_analyser else "-"
        met = _met(r.best_samples_per_s >= GOAL_BATCH_SAMPLES_PER_S) if is_analyser else "-"
        cells = [r.detector, r.sensor.label, r.sensor.placement, r.sensor.n_samples, r.durations_s.size]
        cells += [fmt(r.best_samples_per_s / 1e6, 2), fmt(r.median_samples_per_s / 1e6, 2)]
        cells += [fmt(float(r.durations_s.min()) * 1e3, 1)]
        cells += [fmt(HOUR_200_HZ_SAMPLES / r.best_samples_per_s, 2), goal, met]
        lines.append(table_row(cells))
    return lines


def sanity_table(results: Sequence[BatchResult]) -> list[str]:
    """Contacts, steps and cadence found by each detector: the two sensors should roughly agree."""
    lines = [SANITY_HEADER]
    for r in results:
        contacts = r.contact_times_s.size
        steps = contacts * (2 if r.sensor.placement.single_leg else 1)
        cadence = cadence_from_contacts_spm(r.contact_times_s, r.sensor.placement)
        reported = float(r.reported_cadence_spm.mean()) if r.reported_cadence_spm.size else math.nan
        cells = [r.detector, r.sensor.label, r.sensor.placement, contacts, steps, fmt(cadence)]
        cells += [fmt(reported) if r.detector != NAIVE else "-"]
        cells += ["-" if r.same_as_streaming is None else _met(r.same_as_streaming)]
        lines.append(table_row(cells))
    return lines


def live_table(results: Sequence[LiveResult]) -> list[str]:
    """Per-call latency percentiles; the goal applies to 10-sample chunks."""
    lines = [LIVE_HEADER]
    for r in results:
        median_us = float(np.median(r.per_pass_us(50)))
        p99s_us = r.per_pass_us(99)
        p99_us = float(np.median(p99s_us))
        has_goal = r.chunk_samples == GOAL_LIVE_CHUNK_SAMPLES
        cells = [r.sensor.label, r.sensor.placement, r.chunk_samples, r.latencies_ns.shape[1], fmt(median_us)]
        cells += [fmt(p99_us), fmt(float(r.latencies_ns.max()) / 1e3), fmt(median_us / r.chunk_samples, 2)]
        if has_goal:
            cells += [fmt(GOAL_LIVE_P99_US, 0), _met(p99_us <= GOAL_LIVE_P99_US)]
        else:
            cells += ["-", "-"]
        cells += [r.latencies_ns.shape[0], f"{fmt(float(p99s_us.min()))} - {fmt(float(p99s_us.max()))}"]
        lines.append(table_row(cells))
    return lines




def load_average() -> float:
    """1-minute load average (NaN where the OS has none): other work on the machine skews timings."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan


def _machine(load_at_start: float) -> str:
    """CPU model, cores, OS and library versions: enough to tell whether two reports are comparable."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        lines = cpuinfo.read_text().splitlines()
        models = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")]
        cpu = models[0] if models else cpu
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = f", 1-min load average {fmt(load_at_start, 2)} before / {fmt(load_average(), 2)} after timing"
    return (
        f"{cpu}, {os.cpu_count()} cores ({usable} usable){load}, {platform.platform()},"
        f" Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"
    )


def _threads() -> str:
    """The thread limits in effect for numpy/scipy."""
    return ", ".join(f"{name}={os.environ.get(name, 'unset')}" for name in THREAD_VARIABLES)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """How this report was made."""

    command: str
    data_dir: Path
    repeats: int
    live_s: float
    live_passes: int
    load_at_start: float
    """1-minute load average before the first timed run."""


def header(sensors: Sequence[Sensor], run: RunInfo) -> list[str]:
    """Provenance and method."""
    inputs = ", ".join(
        f"`{s.file_name}` as {s.placement} ({s.n_samples} samples, {s.fs_hz:g} Hz,"
        f" {s.blocks[0].acc_g.shape[1]} axes, {len(s.blocks)} block{'s' if len(s.blocks) > 1 else ''})"
        for s in sensors
    )
    return [
        "## Analyser throughput and latency",
        "",
        "Generated by `benchmarks/throughput.py`; do not edit by hand, re-run it.",
        "",
        f"- command: `{run.command}`",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- git commit: {git_commit()}",
        f"- machine: {_machine(run.load_at_start)}",
        f"- threads: single Python thread; {_threads()}",
        f"- data: `{run.data_dir / RUN_FOLDER}`: {inputs}",
        f"- runsense analyser: ANALYSER_VERSION {ANALYSER_VERSION}, default settings",
        "",
        "Method:",
        (
            "- Files are read (runsense.importers.csv_import.read_imu_csv) before any timing. Each"
            f" measurement is one warm-up run, then {run.repeats} timed runs (`time.perf_counter`); best and"
            " median are reported, in million samples (rows of 3 axes) per second on one core. The"
            " detectors and sensors are timed in turn, one run of each per round, so that a slow spell"
            " of the machine falls on all of them alike. Best of"
            " several runs is the speed of the code itself; the median also shows what else the machine"
            " was doing (on this shared 2-core VM the same run varies by up to 1.7x)."
        ),
        (
            f"- '{BATCH}': `runsense.analysis.analyse_chunks(blocks, placement=...)`, the whole recording"
            " analysed at once into a StepTable (one array per measure); the goal applies to it."
            f" '{BATCH_STEPS}': the same plus `StepTable.steps()` (what `runsense analyse` does)."
            f" '{STREAMING}': a new `Analyser(placement=...)`, one `feed()` of the whole recording"
            " (one per gap-free block), then `finish()` (the live path's code). The batch steps are"
            " checked equal to the streaming ones (Sanity table)."
            f" '{NAIVE}': |a| then `scipy.signal.find_peaks`"
            " with a fixed height and distance (runsense.evaluation.baseline.detect_naive_peaks),"
            " no filtering."
        ),
        (
            f"- Goal: >= {GOAL_BATCH_SAMPLES_PER_S / 1e6:g} M samples/s. Note that an hour of 200 Hz data"
            f" is {HOUR_200_HZ_SAMPLES:,} samples, so 'an hour in under a second' alone needs only"
            f" {HOUR_200_HZ_SAMPLES / 1e6:.2f} M samples/s; the column '1 h at 200 Hz takes s' shows it."
        ),
        (
            f"- Live: the first {run.live_s:g} s of each recording fed chunk by chunk to a new analyser,"
            " every `feed()` call timed with `time.perf_counter_ns` (garbage collector on, as live;"
            f" the first call also starts the segment), in {run.live_passes} passes. Calls, median and p99"
            " are per pass; the table gives the median pass's (and the range of the p99 over passes), max"
            " the highest of all; p99 and max also show other work on the machine (see the load average"
            f" above). Goal: p99 <= {GOAL_LIVE_P99_US:g} µs per {GOAL_LIVE_CHUNK_SAMPLES}-sample chunk."
        ),
        "",
    ]


def render(head: Sequence[str], batch: Sequence[BatchResult], live: Sequence[LiveResult]) -> str:
    """The whole markdown report: ``head`` (provenance, method), then the tables."""
    lines = [*head]
    lines += ["### Batch: whole recording at once", "", *batch_table(batch), ""]
    lines += ["### Sanity: steps found", "", *sanity_table(batch), ""]
    lines += [
        (
            "Cadence from contacts = steps / running time, leaving out intervals over"
            f" {AnalyserSettings().max_step_interval_s:g} s (stops); the foot sensor sees one contact"
            " per stride."
        ),
        "",
    ]
    lines += ["### Live path: latency of one Analyser.feed call", "", *live_table(live), ""]
    return "\n".join(lines)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Time the batch and live paths, write and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default_out = REPO_ROOT / "docs" / "performance.md"
    parser.add_argument("--out", type=Path, default=default_out, help="markdown report to write")
    parser.add_argument("--data", type=Path, default=None, help="shared data folder (default ../shared/data)")
    parser.add_argument(
        "--repeats",
        type=_positive_int,
        default=21,
        help="timed runs per measurement (21: on a shared VM the time of one run varies by up to 1.7x)",
    )
    parser.add_argument(
        "--live-s", type=_positive_float, default=300.0, help="seconds of each recording fed live (300)"
    )
    parser.add_argument(
        "--live-passes", type=_positive_int, default=5, help="passes over the live input per chunk size (5)"
    )
    args = parser.parse_args(argv)
    data_dir: Path = args.data if args.data is not None else shared_data_dir()

    try:
        sensors = load_sensors(data_dir)
    except InputFileError as exc:
        print(f"cannot load the outdoor run: {exc}", file=sys.stderr)
        return 2
    load_at_start = load_average()
    batch = batch_results(sensors, args.repeats)
    live = [live_latencies(s, n, args.live_s, args.live_passes) for s in sensors for n in LIVE_CHUNK_SAMPLES]

    executable = sys.executable
    if Path(executable).is_relative_to(Path.cwd()):
        executable = os.path.relpath(executable)
    command = shlex.join([executable, *(sys.argv if argv is None else ["benchmarks/throughput.py", *argv])])
    head = header(
        sensors, RunInfo(command, data_dir, args.repeats, args.live_s, args.live_passes, load_at_start)
    )
    report = render(head, batch, live)
    replace_section(args.out, "throughput", report)
    print(report)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
