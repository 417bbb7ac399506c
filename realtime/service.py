"""The live view of one worker: the bus it shares with the others, its hub of screens, and the tick."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import live, presence
from domain.access import Principal, visible_conference
from domain.db import make_sessionmaker, utcnow
from domain.errors import NotFound
from domain.uow import DomainEvent, UnitOfWork

from .bus import CONNECTED, Bus, MemoryBus
from .events import direct_frame, marks_for
from .hub import Hub
from .ticker import Ticker

log = logging.getLogger("bridgepoint.realtime")


class Realtime:
    def __init__(self, bus: Bus, engine: AsyncEngine, *, clock: Callable[[], datetime] = utcnow,
                 tick_seconds: float = 0.25, queue_limit: int = 64, history_size: int = 1000) -> None:
        self.bus, self.queue_limit = bus, queue_limit
        self.sessionmaker = make_sessionmaker(engine)
        # Reads hold no transaction across statements: nothing here needs one, and a long-lived read lock
        # must never stand in the way of a schema change or a TRUNCATE.
        self.reader = make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))
        self.clock = clock
        heartbeat = {"heartbeat": {"interval_seconds": presence.HEARTBEAT_INTERVAL.total_seconds(),
                                   "timeout_seconds": presence.HEARTBEAT_TIMEOUT.total_seconds()}}
        self.hub = Hub(bus, self._snapshot, self._may_view, history_size=history_size, extras=heartbeat)
        self.ticker = Ticker(bus, self.sessionmaker, self.reader, self.publish, lambda: self.clock(),
                             interval=tick_seconds)
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_app(cls, state: State) -> "Realtime":
        """On Redis when BRIDGEPOINT_REDIS_URL is set, else in memory; `state.clock`, when a test sets one,
        is the time for heartbeats and timeouts."""
        settings = state.settings
        if settings.redis_url:
            from .redis_bus import RedisBus
            bus: Bus = RedisBus(settings.redis_url, settings.redis_prefix)
        else:
            bus = MemoryBus()
        return cls(bus, state.engine, clock=lambda: state.get("clock", utcnow)())

    def start(self) -> None:
        self._task = asyncio.create_task(self.ticker.run())

    async def pause(self) -> None:
        """Stop the periodic tick (tests then tick by hand)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def stop(self) -> None:
        await self.pause()
        await self.hub.close()
        await self.bus.close()

    async def publish(self, events: list[DomainEvent]) -> None:
        """The unit of work's publisher: runs only after the transaction committed."""
        for event in events:
            try:
                frame = direct_frame(event)
                if frame is not None:
                    await self.bus.publish(event.conference_id, *frame)
                marks = marks_for(event)
                if marks:
                    await self.bus.mark(event.conference_id, marks)
            except Exception:  # the change is committed; the caller must not see it fail
                log.exception("could not publish %s of conference %s", event.type, event.conference_id)

    async def admit(self, p: Principal, conference_id: int) -> dict[str, int]:
        """Raise NotFound unless the caller may see the conference; the points it may send heartbeats for."""
        async with self.reader() as session:
            await visible_conference(session, p, conference_id)
            return await presence.heartbeat_sites(session, p, conference_id)

    async def heartbeat(self, p: Principal, conference_id: int, conference_site_id: int) -> None:
        member = (conference_id, conference_site_id)
        now = self.clock()
        before = await self.bus.heartbeat(member, now.timestamp(), presence.HEARTBEAT_TIMEOUT.total_seconds())
        if before == CONNECTED:
            return
        try:
            await presence.mark_connected(UnitOfWork(self.sessionmaker, self.publish), conference_site_id, now,
                                          p.user_id)
        except Exception:
            await self.bus.forget(member)  # so the next heartbeat tries again
            raise

    async def _snapshot(self, conference_id: int) -> dict[str, Any] | None:
        async with self.reader() as session:
            return await live.snapshot(session, conference_id)

    async def _may_view(self, p: Principal, conference_id: int) -> bool:
        async with self.reader() as session:
            try:
                await visible_conference(session, p, conference_id)
            except NotFound:
                return False
            return True
