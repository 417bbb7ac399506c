"""Committed events on their way to a shared bus (Redis), off the request path.

The unit of work hands its events over after the commit and returns at once: a check-in's answer never waits
on Redis. One background task sends them in order, each command bounded by the bus's timeout. While Redis is
slow or gone they wait here: marks merge per conference (a thousand check-ins are still one set of marks),
frames (the speakers state) queue up to a limit beyond which the oldest are dropped — the screens of this
worker resync from the database when the bus is back, so nothing dropped stays missing there.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from domain.uow import DomainEvent

from .bus import Bus
from .events import direct_frame, marks_for
from .health import BUS_ERRORS, BusHealth

log = logging.getLogger("bridgepoint.realtime")


class BusPublisher:
    def __init__(self, bus: Bus, health: BusHealth, *, timeout: float, limit: int = 1000,
                 retry_seconds: float = 0.25) -> None:
        self.bus, self.health, self.limit, self.retry_seconds = bus, health, limit, retry_seconds
        self.guard = 4 * timeout + 0.5  # the bus's own timeouts come first; this one only if they do not
        self._frames: deque[tuple[int, str, dict[str, Any]]] = deque()
        self._marks: dict[int, set[str]] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self._frames) + len(self._marks)

    def put(self, events: list[DomainEvent]) -> None:
        """Queue committed events; never waits."""
        for event in events:
            frame = direct_frame(event)
            if frame is not None:
                self._frames.append((event.conference_id, *frame))
                if len(self._frames) > self.limit:
                    self._frames.popleft()
                    self.health.dropped += 1
            marks = marks_for(event)
            if marks:
                self._marks.setdefault(event.conference_id, set()).update(marks)
            if self.health.degraded:
                self.health.queued += 1
        if len(self):
            self._idle.clear()
            self._wake.set()

    async def idle(self) -> None:
        """Until everything queued so far was sent."""
        await self._idle.wait()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while len(self):
                try:
                    await asyncio.wait_for(self._send_some(), self.guard)
                except BUS_ERRORS as e:
                    self.health.failed("commands", e)
                    await asyncio.sleep(self.retry_seconds)
                except Exception:  # a bug, not the bus: drop what failed rather than retry it forever
                    log.exception("publishing to the live-view bus; dropped")
                    if self._frames:
                        self._frames.popleft()
                    else:
                        self._marks.clear()
                else:
                    self.health.ok("commands")
            self._idle.set()

    async def _send_some(self) -> None:
        """The oldest frame, or else every pending mark. What could not be sent stays queued (a command that
        timed out may still have reached Redis: a frame or mark may then be sent twice, which is harmless —
        frames carry absolute values, marks are sets)."""
        if self._frames:
            conference_id, kind, body = self._frames[0]
            await self.bus.publish(conference_id, kind, body)
            self._frames.popleft()
            return
        marks, self._marks = self._marks, {}
        try:
            while marks:
                conference_id, conference_marks = next(iter(marks.items()))
                await self.bus.mark(conference_id, conference_marks)
                del marks[conference_id]
        finally:
            for conference_id, conference_marks in marks.items():  # not sent: back into the queue
                self._marks.setdefault(conference_id, set()).update(conference_marks)
