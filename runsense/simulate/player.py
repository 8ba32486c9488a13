"""Paces scheduled payloads through the virtual sensors, in real time or in virtual time.

With a real clock the player sleeps until each payload is due (times ``1/speed``): that is
``runsense run --simulate``. With a ``ManualClock`` it runs in virtual time: it moves the
clock to each payload's due time, sends it, and lets the loop turn until the notification has
reached bleak, so the source stamps it with exactly that time. Tests and benchmarks then play
minutes of data in a moment, with receive times that match the sensor's own clock.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator, Sequence

from runsense.clock import Clock, ManualClock
from runsense.simulate.feeds import Scheduled
from runsense.simulate.radio import VirtualRadio
from runsense.simulate.sensor import VirtualSensor


def _keyed(index: int, schedule: Iterable[Scheduled]) -> Iterator[tuple[float, int, int, Scheduled]]:
    """Sort keys that never compare two payloads: due time, feed, position in the feed."""
    for n, item in enumerate(schedule):
        yield item.due_s, index, n, item


class Player:
    """Merges the schedules of several sensors and sends each payload when it is due."""

    def __init__(
        self,
        radio: VirtualRadio,
        feeds: Sequence[tuple[VirtualSensor, Iterable[Scheduled]]],
        *,
        clock: Clock,
        speed: float = 1.0,
        log_sends: bool = False,
    ) -> None:
        """``speed`` > 1 plays faster than recorded (real clock only); ``log_sends`` keeps send times."""
        self._radio = radio
        self._clock = clock
        self._speed = speed
        keyed = [_keyed(i, schedule) for i, (_, schedule) in enumerate(feeds)]
        self._sensors = [sensor for sensor, _ in feeds]
        self._merged: Iterator[tuple[float, int, int, Scheduled]] = heapq.merge(*keyed)
        self._next: tuple[float, int, int, Scheduled] | None = None
        self._origin_s: float | None = None
        self.sent = 0
        """Payloads that reached at least one subscriber."""
        self.position_s = 0.0
        """Due time of the last payload handled."""
        self.sends: list[tuple[int, float]] | None = [] if log_sends else None
        """With ``log_sends``: (feed index, clock reading just before sending) per payload received."""

    def _peek(self) -> tuple[float, int, int, Scheduled] | None:
        if self._next is None:
            self._next = next(self._merged, None)
        return self._next

    @property
    def finished(self) -> bool:
        """True when every schedule is exhausted."""
        return self._peek() is None

    async def play(self, until_s: float = math.inf) -> int:
        """Send everything due up to ``until_s`` (seconds of schedule); returns how many were sent."""
        if self._origin_s is None:
            self._origin_s = self._clock.now_s()
        sent_before = self.sent
        while (item := self._peek()) is not None and item[0] <= until_s:
            self._next = None
            due_s, index, _, scheduled = item
            await self._wait_until(due_s)
            self.position_s = due_s
            sensor = self._sensors[index]
            before = self._radio.notifications_delivered
            send_s = self._clock.now_s()
            if scheduled.imu:
                receivers = await sensor.send_imu(scheduled.payload)
            else:
                receivers = await sensor.notify(scheduled.characteristic, scheduled.payload)
            if receivers:
                self.sent += 1
                if self.sends is not None:
                    self.sends.append((index, send_s))
                if isinstance(self._clock, ManualClock):
                    await self._radio.settle(before + receivers)
        return self.sent - sent_before

    async def _wait_until(self, due_s: float) -> None:
        assert self._origin_s is not None  # noqa: S101 - set by play()
        target_s = self._origin_s + due_s / self._speed
        if isinstance(self._clock, ManualClock):
            delta_s = target_s - self._clock.now_s()
            if delta_s > 0:
                self._clock.advance(delta_s)
        else:
            await self._clock.sleep_until(target_s)
