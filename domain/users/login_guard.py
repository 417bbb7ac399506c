"""Password checks off the event loop, a few at a time, and a growing back-off after failed sign-ins.

An argon2 check takes tens of milliseconds of CPU: run on the event loop, 40 wrong logins at once held up every
scanner and screen. Here it runs in a worker thread (argon2 releases the GIL) behind a semaphore, and failures are
counted per account and per client address: past the limit, further attempts are refused with `rate_limited`
and the time to wait, doubling with each failure up to a cap. Counters live in the process (each worker keeps
its own): a burst against one account is stopped within a few attempts on any worker. A flood also takes at most
`readers` pooled database connections at once, each only while it reads the account.
"""
from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from domain.errors import RateLimited


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass
class LoginGuard:
    account_limit: int = 5  # failures of one account before the back-off starts
    address_limit: int = 20  # failures from one client address (offices share one NAT address)
    window: float = 15 * 60.0  # a failure older than this is forgotten
    base_delay: float = 1.0
    max_delay: float = 15 * 60.0
    # password checks at once: leave a core to the event loop (scans and screens go on during a flood)
    concurrency: int = field(default_factory=lambda: max(1, (os.cpu_count() or 2) - 1))
    # sign-ins reading their account at once: a flood must not take every pooled connection (a health check, a
    # scan or a screen's snapshot then waited for one while new ones were opened)
    readers: int = 4
    clock: Callable[[], float] = time.monotonic
    _accounts: dict[str, _Failures] = field(default_factory=dict)
    _addresses: dict[str, _Failures] = field(default_factory=dict)
    _semaphore: asyncio.Semaphore | None = None
    _readers: asyncio.Semaphore | None = None

    def _wait(self, table: dict[str, _Failures], key: str, limit: int, now: float) -> float:
        f = table.get(key)
        if f is None or now - f.last > self.window:
            table.pop(key, None)
            return 0.0
        if f.count < limit:
            return 0.0
        delay = min(self.max_delay, self.base_delay * 2 ** (f.count - limit))
        return max(0.0, f.last + delay - now)

    def check(self, username: str, address: str) -> None:
        """Refuse an attempt while the account or the address is backing off."""
        now = self.clock()
        wait = max(self._wait(self._accounts, username.casefold(), self.account_limit, now),
                   self._wait(self._addresses, address, self.address_limit, now))
        if wait > 0:
            raise RateLimited("too many failed sign-ins; wait before trying again", code="rate_limited",
                              retry_after=math.ceil(wait))

    def failed(self, username: str, address: str) -> bool:
        """Count a failure; True when it starts (or extends) a back-off, worth an audit entry."""
        now, limited = self.clock(), False
        for table, key, limit in ((self._accounts, username.casefold(), self.account_limit),
                                  (self._addresses, address, self.address_limit)):
            f = table.setdefault(key, _Failures())
            if now - f.last > self.window:
                f.count = 0
            f.count, f.last = f.count + 1, now
            limited |= f.count >= limit
        if len(self._accounts) > 100_000:  # a spray over many names: forget the oldest half
            for key in sorted(self._accounts, key=lambda k: self._accounts[k].last)[:50_000]:
                del self._accounts[key]
        return limited

    def succeeded(self, username: str) -> None:
        self._accounts.pop(username.casefold(), None)

    def reading(self) -> asyncio.Semaphore:
        """Held while a sign-in reads its account from the database: at most `readers` at once."""
        if self._readers is None:
            self._readers = asyncio.Semaphore(self.readers)
        return self._readers

    async def verify(self, check: Callable[[], bool], username: str, address: str) -> bool:
        """Run a password check in a worker thread, at most `concurrency` at once; an attempt that waited its turn
        while its account or address began to back off is refused without being checked."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        async with self._semaphore:
            self.check(username, address)
            return await asyncio.to_thread(check)
