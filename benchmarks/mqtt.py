"""MQTT throughput and delay: N simulated runners -> mosquitto -> ``runsense log`` (SQLite).

Each simulated runner is an ``MqttSink`` with its own aiomqtt client (one TCP connection
each), all in this process's event loop, offered a real ``Step`` every 1/3 s (3 steps/s,
random phase), steps at QoS 1. mosquitto (Debian's, TCP_NODELAY on) and the logger
(``python -m runsense.mqtt log``, what ``runsense log`` runs) are separate processes on the
same machine. Per level: connect every runner, offer steps for ``--seconds``, close the
sinks, wait for the log to hold every step, then read the log: loss (steps offered minus
distinct steps logged) and the delay from the payload's ``t_unix_s`` (stamped when the sink
was offered the step) to the logger's ``received_unix_s``. Levels ramp until one misses the
goal (zero loss, p99 < 50 ms, delivered >= 98 % of offered).

One process holding hundreds of clients is the simulation's shape, not runsense's (a real
runner's process has one client): after connecting, the client objects are moved out of
the garbage collector's reach (``gc.freeze``) so full collections of that large heap do not
stall this process's event loop. The CPU used by other processes during a level is reported,
since the machine may be shared.

Run: ``.venv/bin/python benchmarks/mqtt.py [--runners 250,500,1000,...] [--seconds S] [--out FILE]``.
Writes the section between ``<!-- mqtt:start -->`` and ``<!-- mqtt:end -->`` of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_sections import replace_section  # noqa: E402 - needs the path above

from runsense.live.events import SessionEnded, SessionStarted  # noqa: E402
from runsense.model import Side, Step  # noqa: E402
from runsense.mqtt.config import MqttConfig, QosSettings, broker_settings, parse_broker_url  # noqa: E402
from runsense.mqtt.sink import MqttSink  # noqa: E402

STEPS_PER_S = 3.0
GOAL_RUNNERS = 500
GOAL_P99_MS = 50.0
MIN_DELIVERED_SHARE = 0.98
DRAIN_TIMEOUT_S = 60.0
SATURATED_PCT = 90.0
CAPACITY_MESSAGES = 20_000
RETRIES = 2
"""A level during which other processes took more than ``QUIET_OTHERS_PCT`` is run again (shared machine)."""
QUIET_OTHERS_PCT = 20.0
"""Before a level, wait until other processes use less than this share of one core (shared machines)."""
BROKER_CONF = """per_listener_settings false
listener {port} 127.0.0.1
allow_anonymous true
set_tcp_nodelay true
persistence false
max_queued_messages 100000
log_dest stderr
log_type error
log_type warning
"""
SETUP = (
    "- setup: one process of publishers (an `MqttSink` with its own aiomqtt client per runner, 3 steps/s "
    "each, steps at QoS 1), mosquitto (`set_tcp_nodelay true`, `max_queued_messages 100000`) and "
    "`runsense log` (SQLite WAL, acknowledges each message after its commit), one machine, loopback"
)


@dataclass(frozen=True, slots=True)
class Level:
    """One ramp level's outcome."""

    runners: int
    seconds: float
    offered: int
    logged: int
    offered_per_s: float
    delivered_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    sink_p99_ms: float
    """Of the delay, the part spent in the sink (offer to publish), p99."""
    cpu_pct: dict[str, float]
    connect_s: float

    @property
    def lost(self) -> int:
        """Steps offered but not in the log."""
        return self.offered - self.logged

    @property
    def ok(self) -> bool:
        """Zero loss, p99 under the goal, and the log kept up with the offered rate."""
        return (
            self.lost == 0
            and self.p99_ms < GOAL_P99_MS
            and self.delivered_per_s >= MIN_DELIVERED_SHARE * self.offered_per_s
        )


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def mosquitto_path() -> str:
    """Debian installs it in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def start_broker(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Mosquitto on a free loopback port, ready to accept connections."""
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(BROKER_CONF.format(port=port))
    conf.chmod(0o644)
    mosquitto = mosquitto_path()
    with (workdir / "mosquitto.log").open("wb") as log:
        proc = subprocess.Popen([mosquitto, "-c", str(conf)], stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.02)
        else:
            return proc, port
    proc.kill()
    raise SystemExit(f"mosquitto did not start on port {port}: {(workdir / 'mosquitto.log').read_text()}")


def step(t_s: float) -> Step:
    """A plausible step, as the analyser would emit it."""
    return Step(t_s, "sacrum", Side.LEFT, 172.0, 171.5, 2.4, clipped=False, contact_ms=None, flight_ms=None,
                step_length_m=1.16, confidence=0.93)


async def simulated_runner(sink: MqttSink, seconds: float, start: float) -> int:
    """Offer 3 steps/s for ``seconds`` from ``start`` (monotonic), random phase; return the count."""
    sink.offer(SessionStarted(sink.runner, "benchmark", {}))
    phase = random.random() / STEPS_PER_S  # noqa: S311 - spreading load, not security
    n = 0
    while (due := start + phase + n / STEPS_PER_S) < start + seconds:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        sink.offer(step(n / STEPS_PER_S))
        n += 1
    sink.offer(SessionEnded(sink.runner, seconds, n, 0, 172.0, 0.0))
    return n


def query(db_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Rows from the logger's database, read-only (it may still be writing); none before it exists."""
    if not db_path.exists():
        return []
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def count_steps(db_path: Path, prefix: str) -> int:
    """Distinct good step rows of this level's runners."""
    rows = query(db_path, "SELECT COUNT(*) FROM messages WHERE kind = 'step' AND error IS NULL "
                          "AND runner LIKE ?", prefix + "%")
    return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]


def delays_ms(db_path: Path, prefix: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], float]:
    """Per step: offer-to-log and offer-to-publish delay (ms); and the span of receive times (s)."""
    sql = (
        "SELECT received_unix_s, json_extract(payload, '$.t_unix_s'), sent_unix_s "
        "FROM messages WHERE kind = 'step' AND error IS NULL AND runner LIKE ?"
    )
    rows = query(db_path, sql, prefix + "%")
    received, offered, sent = (np.array([r[i] for r in rows], dtype=np.float64) for i in range(3))
    return (received - offered) * 1000.0, (sent - offered) * 1000.0, float(received.max() - received.min())


async def poll_until(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """True once ``predicate`` holds, False if ``timeout_s`` passes first."""
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)


async def wait_for_quiet(broker: Broker, limit_s: float) -> float:
    """Wait (up to ``limit_s``) until other processes use < 20 % of one core; return their share."""
    deadline = time.monotonic() + limit_s
    while True:
        ours0, busy0 = cpu_s(os.getpid()) + cpu_s(broker.pid), machine_busy_s()
        await asyncio.sleep(1.0)
        others_pct = 100.0 * (machine_busy_s() - busy0 - (cpu_s(os.getpid()) + cpu_s(broker.pid) - ours0))
        if others_pct < QUIET_OTHERS_PCT or time.monotonic() > deadline:
            return others_pct


async def run_level(broker: Broker, runners: int, seconds: float, attempt: int = 0) -> Level:
    """Start a logger, run ``runners`` simulated runners for ``seconds``, measure the log."""
    url, out = broker.url, broker.workdir / f"log-{runners}-{attempt}.sqlite"
    logger = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "runsense.mqtt", "log", "--broker", url, "--out", str(out),
        cwd=REPO_ROOT, stdout=asyncio.subprocess.DEVNULL,
    )
    settings = broker_settings(parse_broker_url(url), environ={})
    try:
        probe = MqttSink(MqttConfig(broker=settings), runner="probe")  # its retained status: subscribed
        probe_task = asyncio.create_task(probe.run())
        probe_sql = "SELECT 1 FROM messages WHERE runner = 'probe'"
        if not await poll_until(lambda: bool(query(out, probe_sql)), 20):
            raise SystemExit("the logger did not subscribe")
        await probe.aclose()
        await probe_task
        config = MqttConfig(broker=settings, qos=QosSettings(step=1), reconnect_max_s=1.0)
        prefix = f"bench-{runners}-{attempt}-"
        sinks = [MqttSink(config, runner=f"{prefix}{i}") for i in range(runners)]
        tasks = [asyncio.create_task(s.run()) for s in sinks]
        t_connect = time.monotonic()
        if not await poll_until(lambda: all(s.status.connected for s in sinks), 120):
            raise SystemExit(f"{runners} runners did not all connect")
        connect_s = time.monotonic() - t_connect
        gc.collect()
        gc.freeze()  # see the module docstring: one process for N runners is the simulation, not runsense
        pids = {"publishers": os.getpid(), "mosquitto": broker.pid, "logger": logger.pid}
        cpu0, busy0 = {name: cpu_s(pid) for name, pid in pids.items()}, machine_busy_s()
        start = time.monotonic() + 0.5
        counts = await asyncio.gather(*(simulated_runner(s, seconds, start) for s in sinks))
        window_s = time.monotonic() - start
        cpu = {name: 100.0 * (cpu_s(pid) - cpu0[name]) / window_s for name, pid in pids.items()}
        cpu["others"] = 100.0 * (machine_busy_s() - busy0) / window_s - sum(cpu.values())
        await asyncio.gather(*(s.aclose(timeout_s=DRAIN_TIMEOUT_S) for s in sinks))
        await asyncio.gather(*tasks)
        gc.unfreeze()
        offered = sum(counts)
        await poll_until(lambda: count_steps(out, prefix) >= offered, DRAIN_TIMEOUT_S)
        logged = count_steps(out, prefix)
    finally:
        logger.send_signal(signal.SIGTERM)
        await logger.wait()
    delays, in_sink, span_s = delays_ms(out, prefix)
    return Level(
        runners=runners, seconds=seconds, offered=offered, logged=logged,
        offered_per_s=offered / seconds, delivered_per_s=logged / max(span_s, 1e-9),
        p50_ms=float(np.percentile(delays, 50)), p99_ms=float(np.percentile(delays, 99)),
        max_ms=float(delays.max()), sink_p99_ms=float(np.percentile(in_sink, 99)), cpu_pct=cpu,
        connect_s=connect_s,
    )


async def logger_capacity(broker: Broker, n_messages: int) -> float:
    """Messages/s ``runsense log`` stores when a backlog waits for it (its persistent session).

    The logger subscribes once and stops; ``n_messages`` QoS 1 steps are published into its
    session; a new logger process drains them: rate over the span of receive times.
    """
    out = broker.workdir / "capacity.sqlite"
    command = [sys.executable, "-m", "runsense.mqtt", "log", "--broker", broker.url, "--out", str(out)]
    first = await asyncio.create_subprocess_exec(*command, "--duration", "1", cwd=REPO_ROOT,
                                                 stdout=asyncio.subprocess.DEVNULL)
    await first.wait()
    settings = broker_settings(parse_broker_url(broker.url), environ={})
    sink = MqttSink(MqttConfig(broker=settings, qos=QosSettings(step=1), buffer_max=n_messages + 10),
                    runner="capacity")
    task = asyncio.create_task(sink.run())
    for i in range(n_messages):
        sink.offer(step(i / STEPS_PER_S))
    await sink.aclose(timeout_s=DRAIN_TIMEOUT_S)
    await task
    second = await asyncio.create_subprocess_exec(
        *command, "--max-messages", str(n_messages + 1), "--duration", str(DRAIN_TIMEOUT_S),
        cwd=REPO_ROOT, stdout=asyncio.subprocess.DEVNULL,
    )
    await second.wait()
    rows = query(out, "SELECT COUNT(*), MAX(received_unix_s) - MIN(received_unix_s) FROM messages "
                      "WHERE kind = 'step' AND runner = 'capacity'")
    count, span_s = rows[0]
    return float(count) / max(float(span_s), 1e-9)  # type: ignore[arg-type]


def render(levels: list[Level], command: str, capacity_per_s: float | None) -> str:
    """The report section (markdown)."""
    version = subprocess.run([mosquitto_path(), "-h"], capture_output=True, text=True, check=False).stdout
    lines = [
        "## MQTT: simulated runners -> mosquitto -> runsense log",
        "",
        f"- command: `{command}`",
        (f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {version.splitlines()[0] if version else 'mosquitto'}"),
        SETUP,
        ("- delay: payload `t_unix_s` (the sink was offered the step) to the logger's `received_unix_s`; "
        f"goal: {GOAL_RUNNERS} runners ({GOAL_RUNNERS * STEPS_PER_S:,.0f} msg/s), zero loss, "
        f"p99 < {GOAL_P99_MS:g} ms"),
        "",
        ("| runners | offered msg/s | delivered msg/s | lost | delay p50 / p99 / max ms | of which in the "
         "sink, p99 ms | CPU % publishers / mosquitto / logger / other processes | goal |"),
        "|--:|--:|--:|--:|--:|--:|--|--|",
    ]
    for lv in levels:
        cpu = " / ".join(f"{lv.cpu_pct[k]:.0f}" for k in ("publishers", "mosquitto", "logger", "others"))
        lines.append(
            f"| {lv.runners} | {lv.offered_per_s:,.0f} | {lv.delivered_per_s:,.0f} | {lv.lost} | "
            f"{lv.p50_ms:.1f} / {lv.p99_ms:.1f} / {lv.max_ms:.0f} | {lv.sink_p99_ms:.1f} | {cpu} | "
            f"{'met' if lv.ok else 'NOT met'} |"
        )
    lines.append("")
    goal = next((lv for lv in levels if lv.runners == GOAL_RUNNERS), None)
    if goal is not None:
        lines.append(f"Goal ({GOAL_RUNNERS} runners, {goal.offered_per_s:,.0f} msg/s, zero loss, p99 < "
                     f"{GOAL_P99_MS:g} ms): **{'met' if goal.ok else 'NOT met'}** "
                     f"(p99 {goal.p99_ms:.1f} ms, {goal.lost} lost).")
    if capacity_per_s is not None:
        lines.append(f"`runsense log` alone, draining a backlog of {CAPACITY_MESSAGES:,} QoS 1 steps from "
                     f"its persistent session: **{capacity_per_s:,.0f} msg/s**.")
    missed = next((lv for lv in levels if not lv.ok), None)
    if missed is not None and missed.cpu_pct["publishers"] >= SATURATED_PCT:
        share = missed.cpu_pct["publishers"]
        lines.append(f"At {missed.runners} runners the publishers' process used {share:.0f} % of a core: "
                     "there the simulation (every runner's client in one Python process) is the "
                     "bottleneck, not mosquitto or the logger.")
    ok = [lv for lv in levels if lv.ok]
    if ok:
        best = max(ok, key=lambda lv: lv.runners)
        lines.append(f"Most reached with every goal met: **{best.runners} runners, "
                     f"{best.delivered_per_s:,.0f} msg/s**, zero loss, p99 {best.p99_ms:.1f} ms.")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Broker:
    """Where the benchmark's mosquitto listens, its pid (for CPU) and its work directory."""

    url: str
    pid: int
    workdir: Path


@dataclass(frozen=True, slots=True)
class Plan:
    """What to ramp through and how patiently."""

    levels: list[int]
    seconds: float
    keep_going: bool
    quiet_wait_s: float
    retries: int


async def ramp(broker: Broker, plan: Plan) -> list[Level]:
    """Run the levels in order; stop after the first that misses the goal unless ``keep_going``."""
    results: list[Level] = []
    for runners in plan.levels:
        others_pct = await wait_for_quiet(broker, plan.quiet_wait_s)
        if others_pct >= QUIET_OTHERS_PCT:
            print(f"other processes use {others_pct:.0f} % of a core: pessimistic numbers", flush=True)
        level = await run_level(broker, runners, plan.seconds)
        for attempt in range(1, plan.retries + 1):
            if level.cpu_pct["others"] < QUIET_OTHERS_PCT:
                break
            print(f"{runners} runners: other processes took {level.cpu_pct['others']:.0f} % of a core; again",
                  flush=True)
            await wait_for_quiet(broker, plan.quiet_wait_s)
            again = await run_level(broker, runners, plan.seconds, attempt)
            level = min(level, again, key=lambda lv: lv.cpu_pct["others"])
        results.append(level)
        print(f"{runners:5d} runners: {level.offered_per_s:6.0f} msg/s offered, {level.delivered_per_s:6.0f} "
              f"delivered, lost {level.lost}, p50 {level.p50_ms:.1f} ms, p99 {level.p99_ms:.1f} ms "
              f"(sink p99 {level.sink_p99_ms:.1f} ms), CPU % "
              + ", ".join(f"{k} {v:.0f}" for k, v in level.cpu_pct.items()), flush=True)
        if not level.ok and not plan.keep_going:
            break
    return results


def main(argv: list[str] | None = None) -> int:
    """Ramp the runner count and write the report section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runners", default="250,500,750,1000,1500,2000", help="levels to ramp through")
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement window per level")
    parser.add_argument("--keep-going", action="store_true", help="run every level even after one fails")
    parser.add_argument("--quiet-wait", type=float, default=300.0, metavar="S",
                        help="before each level, wait up to S seconds for other processes to go quiet")
    parser.add_argument("--retries", type=int, default=RETRIES,
                        help="run a level again when other processes used the machine meanwhile")
    parser.add_argument("--no-capacity", action="store_true", help="skip the logger's backlog-drain rate")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    if not Path(mosquitto_path()).exists():
        print("mosquitto is not installed: apt-get install mosquitto", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="runsense-mqtt-bench-"))
    workdir.chmod(0o755)  # mosquitto, run as root, drops to its own user
    proc, port = start_broker(workdir)
    try:
        plan = Plan([int(x) for x in args.runners.split(",")], args.seconds, args.keep_going, args.quiet_wait,
                    args.retries)
        broker = Broker(f"mqtt://127.0.0.1:{port}", proc.pid, workdir)
        results = asyncio.run(ramp(broker, plan))
        capacity = None if args.no_capacity else asyncio.run(logger_capacity(broker, CAPACITY_MESSAGES))
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    shown = sys.argv[1:] if argv is None else argv
    command = " ".join([".venv/bin/python benchmarks/mqtt.py", *shown])
    replace_section(args.out, "mqtt", render(results, command, capacity))
    print(f"wrote the MQTT section of {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
