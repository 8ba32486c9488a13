"""``runsense log``: subscribe to runsense topics and write every message to SQLite (and CSV/JSONL).

Loses nothing across a restart of itself or of the broker, by three MQTT means: a fixed
client id with ``clean_start=False`` and a session expiry (the broker keeps the
subscription and queues QoS 1 messages while the logger is away), QoS 1 subscriptions,
and acknowledging each message only after its row is committed (paho's manual ack), so
a message the logger received but had not stored yet is redelivered. Duplicates that
at-least-once delivery implies are dropped by the store (logstore.py).
``--share GROUP`` subscribes through ``$share/GROUP/...`` so several loggers split the load.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from runsense.errors import ConfigError, RunsenseError
from runsense.mqtt.config import BrokerSettings
from runsense.mqtt.connect import ignore_stale_socket_errors, make_client
from runsense.mqtt.logrows import decode_row
from runsense.mqtt.logstore import LogStore
from runsense.mqtt.topics import DEFAULT_TOPIC, slug_runner

SESSION_EXPIRY_S: Final = 7 * 24 * 3600
"""How long the broker keeps the logger's session (and queues for it) while it is away."""
ACK_BATCH: Final = 16
"""Commit and acknowledge after this many QoS 1 messages: below mosquitto's default in-flight
window (20), which stops sending to a client holding that many unacknowledged messages."""
FLUSH_S: Final = 0.005
"""Otherwise commit and acknowledge at most this long after a message arrived. Batching saves a
commit and the acknowledgement round of the event loop per message; the receive time is taken
when a message is read, so it is not delayed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggerConfig:
    """What to subscribe to and where to write."""

    broker: BrokerSettings
    out: Path
    topic: str = DEFAULT_TOPIC
    share_group: str | None = None
    csv_dir: Path | None = None
    jsonl: Path | None = None
    max_messages: int | None = None
    duration_s: float | None = None
    session_expiry_s: int = SESSION_EXPIRY_S
    reconnect_max_s: float = 5.0
    timeout_s: float = 10.0
    """Bound on the connect handshake and on subscribing."""

    def __post_init__(self) -> None:
        """Refuse a share group or topic that would subscribe to something else."""
        if self.share_group is not None and (
            not self.share_group or any(c in self.share_group for c in "/+#")
        ):
            raise ConfigError(f"--share {self.share_group!r}: a group name without '/', '+' or '#'")
        if not self.topic or self.topic.startswith("$share/"):
            raise ConfigError(
                f"--topic {self.topic!r}: give a topic filter; use --share for shared subscriptions"
            )
        levels = self.topic.split("/")
        for i, level in enumerate(levels):
            bad_hash = "#" in level and (level != "#" or i != len(levels) - 1)
            if bad_hash or ("+" in level and level != "+"):
                raise ConfigError(
                    f"--topic {self.topic!r}: '+' must be a whole level and '#' the whole last level, "
                    "e.g. runsense/v1/+/step or runsense/v1/#"
                )

    @property
    def subscription(self) -> str:
        """The filter as sent to the broker."""
        return self.topic if self.share_group is None else f"$share/{self.share_group}/{self.topic}"

    @property
    def client_id(self) -> str:
        """Fixed per host and output file, so a restarted logger resumes its own broker session."""
        if self.broker.client_id:
            return self.broker.client_id
        key = f"{self.out.resolve()}|{self.subscription}".encode()
        host = slug_runner(socket.gethostname())[:20]
        return f"runsense-log-{host}-{hashlib.sha256(key).hexdigest()[:10]}"


@dataclass(frozen=True, slots=True)
class LoggerStats:
    """Counts at the end of a run."""

    received: int
    stored: int
    duplicates: int
    errors: int
    connections: int


class MqttLogger:
    """One logging subscriber; ``ready`` is set once it is subscribed (tests wait on it)."""

    def __init__(self, config: LoggerConfig) -> None:
        """Nothing is opened until ``run``."""
        self.config = config
        self.ready = asyncio.Event()
        self._received = 0
        self._connections = 0
        self._store: LogStore | None = None

    @property
    def stats(self) -> LoggerStats:
        """Counts so far."""
        store = self._store
        return LoggerStats(
            received=self._received,
            stored=0 if store is None else store.stored,
            duplicates=0 if store is None else store.duplicates,
            errors=0 if store is None else store.errors,
            connections=self._connections,
        )

    async def run(self, stop: asyncio.Event | None = None) -> LoggerStats:
        """Log until ``stop`` is set, ``duration_s`` passes or ``max_messages`` rows are written.

        Raises ``RunsenseError`` if the broker cannot be reached at the start; later
        connection losses are retried with backoff.
        """
        cfg = self.config
        stop = stop or asyncio.Event()
        ignore_stale_socket_errors(asyncio.get_running_loop())
        self._store = store = LogStore(cfg.out, csv_dir=cfg.csv_dir, jsonl_path=cfg.jsonl)
        deadline = None if cfg.duration_s is None else time.monotonic() + cfg.duration_s
        delay_s = 0.1
        try:
            while not stop.is_set() and not self._full():
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                if remaining == 0.0:
                    break
                try:
                    await _until_stopped(self._connection(store), stop, remaining)
                except aiomqtt.MqttError as exc:
                    if self._connections == 0:
                        msg = f"cannot reach the MQTT broker at {cfg.broker.url}: {exc}"
                        raise RunsenseError(msg) from None
                    await _until_stopped(asyncio.sleep(delay_s), stop, None)
                    delay_s = min(delay_s * 2, cfg.reconnect_max_s)
                else:
                    delay_s = 0.1
        finally:
            store.close()
        return self.stats

    def _store_one(self, store: LogStore, message: aiomqtt.Message, pending: list[tuple[int, int]]) -> None:
        row = decode_row(
            str(message.topic), bytes(message.payload), received_unix_s=time.time(),
            qos=message.qos, retained=message.retain,
        )
        store.add(row)
        self._received += 1
        if message.qos > 0:
            pending.append((message.mid, message.qos))

    def _full(self) -> bool:
        limit = self.config.max_messages
        return limit is not None and self._store is not None and self._store.stored >= limit

    async def _connection(self, store: LogStore) -> None:
        cfg = self.config
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = cfg.session_expiry_s
        inbox: list[asyncio.Queue[aiomqtt.Message]] = []
        client = make_client(
            cfg.broker,
            identifier=cfg.client_id,
            clean_start=False,
            properties=properties,
            timeout_s=cfg.timeout_s,
            queue_type=_keeping(inbox),
        )
        # aiomqtt 2.5 has no public manual ack (empicano/aiomqtt#345); paho's is the known workaround.
        paho = client._client  # noqa: SLF001
        paho.manual_ack_set(True)
        async with client:
            self._connections += 1
            options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
            granted = await client.subscribe(cfg.subscription, options=options)
            refused = [str(code) for code in granted if _refused(code)]
            if refused:
                msg = f"{cfg.broker.url} refused the subscription to {cfg.subscription}: {refused[0]}"
                raise RunsenseError(msg)
            self.ready.set()
            pending: list[tuple[int, int]] = []
            dirty = asyncio.Event()
            flusher = asyncio.create_task(_flush_soon(store, paho.ack, pending, dirty))
            try:
                async for first in client.messages:
                    # One read of the socket often queues several messages: take them all now
                    # rather than through the iterator, which costs a task per message.
                    for message in _and_queued(first, inbox):
                        self._store_one(store, message, pending)
                        if len(pending) >= ACK_BATCH or self._full():
                            _commit_and_ack(store, paho.ack, pending)
                        if self._full():
                            return
                    dirty.set()
            finally:
                flusher.cancel()
                await asyncio.gather(flusher, return_exceptions=True)
                _commit_and_ack(store, paho.ack, pending)


def _refused(code: int | ReasonCode) -> bool:
    """A SUBACK code of 0x80 or more is a refusal (MQTT v5 reason codes; v3.1.1 uses 0x80 alone)."""
    return (code.value if isinstance(code, ReasonCode) else code) >= 0x80


def _keeping(holder: list[asyncio.Queue[aiomqtt.Message]]) -> type[asyncio.Queue[aiomqtt.Message]]:
    """A queue class for aiomqtt's ``queue_type`` that hands us the queue the client makes."""

    class Inbox(asyncio.Queue[aiomqtt.Message]):
        def __init__(self, maxsize: int = 0) -> None:
            super().__init__(maxsize)
            holder.append(self)

    return Inbox


def _and_queued(
    first: aiomqtt.Message, inbox: list[asyncio.Queue[aiomqtt.Message]]
) -> Iterator[aiomqtt.Message]:
    """``first``, then whatever is already waiting in the client's queue, without awaiting."""
    yield first
    queue = inbox[0]
    while not queue.empty():
        yield queue.get_nowait()


async def _flush_soon(
    store: LogStore, ack: Callable[[int, int], object], pending: list[tuple[int, int]], dirty: asyncio.Event
) -> None:
    """Commit and acknowledge ``FLUSH_S`` after the first message not yet committed."""
    while True:
        await dirty.wait()
        await asyncio.sleep(FLUSH_S)
        dirty.clear()
        _commit_and_ack(store, ack, pending)


def _commit_and_ack(
    store: LogStore, ack: Callable[[int, int], object], pending: list[tuple[int, int]]
) -> None:
    """Acknowledge only what is committed: a crash before this line means redelivery, not loss."""
    store.commit()
    for mid, qos in pending:
        ack(mid, qos)
    pending.clear()


async def _until_stopped(work: Awaitable[None], stop: asyncio.Event, timeout_s: float | None) -> None:
    """Run ``work`` until it ends, ``stop`` is set or ``timeout_s`` passes (then cancel it)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, stopper):
            pending.cancel()
        await asyncio.gather(task, stopper, return_exceptions=True)
    if task.done() and not task.cancelled():
        task.result()
