"""The sink's bounded, ordered buffer of messages not yet acknowledged by the broker.

Pure and synchronous: ``MqttSink.offer`` pushes without waiting, the sender task takes
from the front and puts back in order what a lost connection left unacknowledged.
When full, the oldest message of the least important kind goes: steps and metrics
first (the next one supersedes them), then cues, and session start/end only when the
buffer holds nothing else, so a subscriber still learns where a session began and ended.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from runsense.mqtt.payloads import Payload
from runsense.mqtt.topics import Kind

DROP_RANK: dict[Kind, int] = {"step": 0, "metrics": 0, "cue": 1, "session": 2, "status": 3}
"""Lower goes first when the buffer is full."""


@dataclass(slots=True, eq=False)
class Outgoing:
    """One message waiting to be published (``acked`` once the broker has it, per its QoS)."""

    kind: Kind
    topic: str
    body: Payload
    qos: int
    retain: bool = False
    acked: bool = field(default=False)


class Outbox:
    """FIFO with a bound in messages and a drop policy by kind; counts what it dropped."""

    def __init__(self, max_messages: int) -> None:
        """``max_messages`` >= 1: messages held before the oldest unimportant one is dropped."""
        if max_messages < 1:
            raise ValueError("the buffer must hold at least one message")
        self.max_messages = max_messages
        self.dropped = 0
        self.dropped_by_kind: dict[Kind, int] = {}
        self._queue: deque[Outgoing] = deque()

    def __len__(self) -> int:
        """Messages waiting (not counting those in flight)."""
        return len(self._queue)

    def __iter__(self) -> Iterator[Outgoing]:
        """Oldest first."""
        return iter(self._queue)

    def push(self, message: Outgoing) -> Outgoing | None:
        """Append; if over the bound, drop by policy and return the dropped message."""
        victim: Outgoing | None = None
        if len(self._queue) >= self.max_messages:
            victim = self._victim(message)
            if victim is not message:
                self._queue.remove(victim)
            self._count_drop(victim)
        if victim is not message:
            self._queue.append(message)
        return victim

    def take(self, n: int) -> list[Outgoing]:
        """Remove and return up to ``n`` messages from the front."""
        return [self._queue.popleft() for _ in range(min(n, len(self._queue)))]

    def put_back(self, messages: Iterable[Outgoing]) -> None:
        """Return unacknowledged messages to the front, keeping their order (may exceed the bound)."""
        self._queue.extendleft(reversed(list(messages)))

    def _victim(self, incoming: Outgoing) -> Outgoing:
        """The oldest message of the lowest rank; the incoming one is the newest of all."""
        best: Outgoing | None = None
        for queued in self._queue:
            if best is None or DROP_RANK[queued.kind] < DROP_RANK[best.kind]:
                best = queued
                if DROP_RANK[best.kind] == 0:
                    break
        if best is None or DROP_RANK[incoming.kind] < DROP_RANK[best.kind]:
            return incoming
        return best

    def _count_drop(self, message: Outgoing) -> None:
        self.dropped += 1
        self.dropped_by_kind[message.kind] = self.dropped_by_kind.get(message.kind, 0) + 1
