"""Whether this worker can reach the bus it shares with the others (Redis), told once per change.

Every bus operation reports here: the publisher's and the tick's commands, and the stream reader. The first
failure turns the worker `degraded` — one warning in the log, and its screens get a `degraded` frame — and the
first success after it (every part working again) turns it back — one warning with what happened meanwhile,
and its screens resync from the database. In between nothing more is logged, only counted: a Redis that
refuses connections costs two log lines, not one traceback per check-in.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.exceptions import RedisError

from .protocol import now_iso

log = logging.getLogger("bridgepoint.realtime")

# What a failing bus raises: Redis' own errors (its timeouts and refused connections among them), and
# asyncio's when a guard's timeout gives up first.
BUS_ERRORS: tuple[type[BaseException], ...] = (RedisError, TimeoutError)


def describe(e: BaseException) -> str:
    text = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


class BusHealth:
    def __init__(self, on_change: Callable[[bool], None] | None = None) -> None:
        self.on_change = on_change
        self.failing: set[str] = set()  # parts not working now: "commands", "stream"
        self.since: str | None = None  # when the worker became degraded (UTC, ISO 8601)
        self.recovered_at: float | None = None  # monotonic time of the last recovery
        self._began = 0.0
        self.failures = 0  # bus operations that failed while degraded
        self.dropped = 0  # events given up (the queue overflowed) while degraded
        self.queued = 0  # events that came while degraded and waited for the bus
        self.transitions = 0

    @property
    def degraded(self) -> bool:
        return bool(self.failing)

    def failed(self, part: str, e: BaseException) -> None:
        self.failures += 1
        if part in self.failing:
            return
        was, self.failing = self.degraded, self.failing | {part}
        if was:
            return
        self.since, self._began, self.transitions = now_iso(), time.monotonic(), self.transitions + 1
        self.failures, self.dropped, self.queued = 1, 0, 0
        log.warning("live-view bus lost (%s, %s); the live view of this worker is degraded until it is back, "
                    "check-in goes on", part, describe(e))
        if self.on_change is not None:
            self.on_change(True)

    def ok(self, part: str) -> None:
        if part not in self.failing:
            return
        self.failing = self.failing - {part}
        if self.failing:
            return
        self.since, self.recovered_at, self.transitions = None, time.monotonic(), self.transitions + 1
        log.warning("live-view bus back after %.1f s: %d operations failed, %d events waited for it (%d of them "
                    "dropped); screens resync", self.recovered_at - self._began, self.failures, self.queued,
                    self.dropped)
        if self.on_change is not None:
            self.on_change(False)
