"""Publish a session's events to an MQTT broker without ever holding the session up.

``offer`` only appends to a bounded buffer (outbox.py). ``run`` owns the connection:
connect, retained ``online``, then publish the buffer in order with up to
``in_flight_max`` messages awaiting their acknowledgement; when the connection drops,
what was not acknowledged goes back to the front of the buffer and is republished in
order after reconnecting, with exponential backoff between attempts. ``aclose`` flushes
what it can within its timeout, publishes retained ``offline`` and disconnects; if the
process dies instead, the broker publishes the last will (retained ``offline``).

Each connection gets a fresh aiomqtt client. The client object could be re-entered
(it is reusable, not re-entrant), but paho keeps a re-used client's unacknowledged QoS 1
messages and resends them itself on reconnect, ahead of and then again with our own
in-order republish; a new client per connection leaves the buffer the only source.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import aiomqtt

from runsense.live.events import SessionEvent
from runsense.mqtt.config import MqttConfig
from runsense.mqtt.connect import ignore_stale_socket_errors, make_client
from runsense.mqtt.outbox import Outbox, Outgoing
from runsense.mqtt.payloads import PayloadEncoder, dumps, new_session_id
from runsense.mqtt.topics import slug_runner, topic_for

WINDOW_POLL_S = 0.25
"""While acknowledgements are awaited, how often the close deadline is checked."""
CLOSE_GRACE_S = 2.0
"""Beyond ``aclose``'s flush timeout: time for ``offline`` and the disconnect handshake."""


@dataclass(frozen=True, slots=True)
class SinkStatus:
    """What the dashboard shows about the broker link."""

    broker: str
    connected: bool
    buffered: int
    in_flight: int
    sent: int
    dropped: int
    requeued: int
    """Messages a lost connection left unacknowledged, put back to be published again."""
    connections: int
    last_error: str | None
    closed: bool = False
    """``aclose`` has finished."""

    def line(self) -> str:
        """One short line, e.g. ``MQTT mqtt://h:1883 connected, 120 sent, 0 buffered``."""
        state = "connected" if self.connected else "closed" if self.closed else "OFFLINE"
        text = f"MQTT {self.broker} {state}, {self.sent} sent, {self.buffered + self.in_flight} buffered"
        if self.dropped:
            text += f", {self.dropped} DROPPED"
        if not self.connected and not self.closed and self.last_error:
            text += f" ({self.last_error})"
        return text


class MqttSink:
    """An ``EventSink`` that publishes to ``runsense/v1/<runner>/...``."""

    def __init__(self, config: MqttConfig, *, runner: str) -> None:
        """``runner`` is the name as typed; the topic uses its slug."""
        self._config = config
        self.runner = slug_runner(runner)
        self.client_id = config.broker.client_id or f"runsense-{self.runner}-{new_session_id()[:8]}"
        self._encoder = PayloadEncoder(self.runner, runner)
        self._outbox = Outbox(config.buffer_max)
        self._in_flight: list[Outgoing] = []
        self._wake = asyncio.Event()
        self._done = asyncio.Event()
        self._close_requested = asyncio.Event()
        self._runner_task: asyncio.Task[None] | None = None
        self._closing = False
        self._deadline_s = float("inf")
        self._connected = False
        self._connections = 0
        self._sent = 0
        self._requeued = 0
        self._last_error: str | None = None

    @property
    def status_topic(self) -> str:
        """The retained ``online``/``offline`` topic."""
        return topic_for(self.runner, "status")

    @property
    def status(self) -> SinkStatus:
        """A snapshot of the link, cheap enough for every dashboard redraw."""
        return SinkStatus(
            broker=str(self._config.broker.url),
            connected=self._connected,
            buffered=len(self._outbox),
            in_flight=sum(not m.acked for m in self._in_flight),
            sent=self._sent,
            dropped=self._outbox.dropped,
            requeued=self._requeued,
            connections=self._connections,
            last_error=self._last_error,
            closed=self._closing and self._done.is_set(),
        )

    def offer(self, event: SessionEvent) -> None:
        """Queue an event; never waits. Ignored once ``aclose`` has begun."""
        if self._closing:
            return
        kind, body = self._encoder.encode(event, now_unix_s=time.time(), n_dropped=self._outbox.dropped)
        qos = self._config.qos.for_kind(kind)
        self._outbox.push(Outgoing(kind, topic_for(self.runner, kind), body, qos))
        self._wake.set()

    async def run(self) -> None:
        """Connect, publish, reconnect with backoff; returns once ``aclose`` is done with it."""
        self._runner_task = asyncio.current_task()
        ignore_stale_socket_errors(asyncio.get_running_loop())
        delay_s = self._config.reconnect_min_s
        try:
            while not self._give_up():
                connections = self._connections
                try:
                    await self._connection()
                except aiomqtt.MqttError as exc:
                    self._last_error = str(exc) or type(exc).__name__
                else:
                    return
                if self._connections > connections:
                    delay_s = self._config.reconnect_min_s
                await self._backoff(delay_s)
                delay_s = min(delay_s * 2, self._config.reconnect_max_s)
        finally:
            self._connected = False
            self._done.set()

    async def _backoff(self, delay_s: float) -> None:
        """Wait before reconnecting; ``aclose`` cuts the wait short once, then the deadline bounds it."""
        if self._closing:
            await asyncio.sleep(min(delay_s, max(0.0, self._deadline_s - _now_s())))
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._close_requested.wait(), delay_s)

    async def aclose(self, timeout_s: float = 5.0) -> None:
        """Flush for up to ``timeout_s``, publish retained ``offline``, disconnect."""
        self._closing = True
        self._deadline_s = _now_s() + timeout_s
        self._close_requested.set()
        self._wake.set()
        task = self._runner_task
        if task is None or task.done():
            self._done.set()
            return
        try:
            await asyncio.wait_for(self._done.wait(), timeout_s + CLOSE_GRACE_S)
        except TimeoutError:
            task.cancel()
            await self._done.wait()

    def _give_up(self) -> bool:
        """Closing, and either nothing is left to send or the flush time is over."""
        nothing_left = not self._outbox and not self._in_flight
        return self._closing and (nothing_left or _now_s() >= self._deadline_s)

    def _status_payload(self, *, online: bool, reason: str, now: float | None) -> bytes:
        body = self._encoder.status(online=online, reason=reason, now_unix_s=now, client_id=self.client_id)
        return dumps(body)

    async def _connection(self) -> None:
        will = aiomqtt.Will(
            self.status_topic,
            self._status_payload(online=False, reason="connection lost", now=None),
            qos=1,
            retain=True,
        )
        client = make_client(
            self._config.broker,
            identifier=self.client_id,
            will=will,
            max_inflight=self._config.in_flight_max,
            timeout_s=self._config.ack_timeout_s,
        )
        client.pending_calls_threshold = self._config.in_flight_max + 10  # pipelining is on purpose
        async with client:
            self._connected = True
            self._connections += 1
            try:
                online = self._status_payload(online=True, reason="running", now=time.time())
                await client.publish(self.status_topic, online, qos=1, retain=True)
                await _first_of(self._drain(client), _watch(client))
                offline = self._status_payload(online=False, reason="closed", now=time.time())
                await client.publish(self.status_topic, offline, qos=1, retain=True, timeout=CLOSE_GRACE_S)
            finally:
                self._connected = False
                unacked = [m for m in self._in_flight if not m.acked]
                self._requeued += len(unacked)
                self._outbox.put_back(unacked)
                self._in_flight = []

    async def _drain(self, client: aiomqtt.Client) -> None:
        """Publish the buffer in order, a window at a time; return when closing and done."""
        while True:
            if self._closing and (not self._outbox or _now_s() >= self._deadline_s):
                return
            if not self._outbox:
                self._wake.clear()
                await self._wake.wait()
                continue
            self._in_flight = self._outbox.take(self._config.in_flight_max)
            if len(self._in_flight) == 1 and not self._closing:
                await self._send(client, self._in_flight[0])  # the usual live case: no task, no timer
            else:
                await self._send_window(client, self._in_flight)
            self._in_flight = []

    async def _send_window(self, client: aiomqtt.Client, window: list[Outgoing]) -> None:
        """Publish a window and wait for its acknowledgements, but not past the close deadline."""
        pending = {asyncio.ensure_future(self._send(client, m)) for m in window}
        try:
            while pending:
                wait_s = WINDOW_POLL_S
                if self._closing:
                    wait_s = min(wait_s, max(0.0, self._deadline_s - _now_s()))
                done, pending = await asyncio.wait(
                    pending, timeout=wait_s, return_when=asyncio.FIRST_EXCEPTION
                )
                errors = [task.exception() for task in done]  # retrieves every one of them
                first = next((e for e in errors if e is not None), None)
                if first is not None:
                    raise first
                if self._closing and _now_s() >= self._deadline_s:
                    return
        finally:
            for task in pending:
                task.cancel()

    async def _send(self, client: aiomqtt.Client, message: Outgoing) -> None:
        payload = dumps(message.body | {"sent_unix_s": round(time.time(), 6)})
        await client.publish(message.topic, payload, qos=message.qos, retain=message.retain)
        message.acked = True
        self._sent += 1


async def _watch(client: aiomqtt.Client) -> None:
    """Raise ``MqttError`` as soon as the connection drops (aiomqtt's message stream ends so).

    A publisher awaiting acknowledgements would otherwise notice a dead broker only when
    each pending publish times out.
    """
    async for _ in client.messages:
        pass


async def _first_of(*coros: Coroutine[Any, Any, None]) -> None:
    """Run concurrently until the first finishes; cancel the rest; re-raise its error."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()


def _now_s() -> float:
    return time.monotonic()
