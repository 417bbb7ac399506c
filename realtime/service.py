"""The live view of one worker: the bus it shares with the others, its hub of screens, and the tick.

On a shared bus (Redis) the committed events go through a background publisher, so a slow or absent Redis
never holds a request; the worker's BusHealth tells the hub when the bus fails and comes back."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import live

from domain.point_links import presence
from domain.access import Principal, visible_conference
from domain.users.credentials import current_principals
from domain.db import make_sessionmaker, utcnow
from domain.errors import NotFound
from domain.invitations.passes import Keyring
from domain.uow import DomainEvent, UnitOfWork

from .bus import CONNECTED, Bus, MemoryBus
from .events import direct_frame, marks_for
from .health import BUS_ERRORS, BusHealth
from .hub import Hub
from .publisher import BusPublisher
from .protocol import CLOSE_SERVICE_RESTART, CLOSE_UNAUTHENTICATED
from .ticker import Ticker

log = logging.getLogger("bridgepoint.realtime")


class Realtime:
    def __init__(self, bus: Bus, engine: AsyncEngine, keyring: Keyring, *, clock: Callable[[], datetime] = utcnow,
                 tick_seconds: float = 0.25, queue_limit: int = 64, history_size: int = 1000,
                 recheck_seconds: float = 30.0, forget_token: Callable[[str], None] = lambda token: None,
                 bus_timeout: float = 0.5, publish_limit: int = 1000) -> None:
        self.bus, self.keyring, self.queue_limit = bus, keyring, queue_limit
        self.recheck_seconds, self.forget_token = recheck_seconds, forget_token
        self.sessionmaker = make_sessionmaker(engine)
        # Reads hold no transaction across statements: nothing here needs one, and a long-lived read lock
        # must never stand in the way of a schema change or a TRUNCATE.
        self.reader = make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))
        self.clock = clock
        heartbeat = {"heartbeat": {"interval_seconds": presence.HEARTBEAT_INTERVAL.total_seconds(),
                                   "timeout_seconds": presence.HEARTBEAT_TIMEOUT.total_seconds()}}
        self.hub = Hub(bus, self._snapshot, self._may_view, history_size=history_size, extras=heartbeat)
        self.health = BusHealth(on_change=self._bus_changed)
        if hasattr(bus, "health"):
            bus.health = self.health
        # In one process nothing can hang: events are delivered as the commit returns (tests rely on it).
        self.publisher = BusPublisher(bus, self.health, timeout=bus_timeout, limit=publish_limit) \
            if getattr(bus, "shared", False) else None
        self.ticker = Ticker(bus, self.sessionmaker, self.reader, self.publish, lambda: self.clock(),
                             interval=tick_seconds, health=self.health)
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def for_app(cls, state: State) -> "Realtime":
        """On Redis when BRIDGEPOINT_REDIS_URL is set, else in memory; `state.clock`, when a test sets one,
        is the time for heartbeats and timeouts."""
        settings = state.settings
        if settings.redis_url:
            from .redis_bus import RedisBus
            bus: Bus = RedisBus(settings.redis_url, settings.redis_prefix, timeout=settings.redis_timeout_seconds)
        else:
            bus = MemoryBus()
        return cls(bus, state.engine, state.keyring, clock=lambda: state.get("clock", utcnow)(),
                   recheck_seconds=settings.live_recheck_seconds, forget_token=state.principal_cache.drop,
                   bus_timeout=settings.redis_timeout_seconds, publish_limit=settings.live_queue_limit)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self.ticker.run()), asyncio.create_task(self._recheck_credentials())]
        if self.publisher is not None:
            self._tasks.append(asyncio.create_task(self.publisher.run()))

    async def pause(self) -> None:
        """Stop the periodic tick and credential checks (tests then run them by hand)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self) -> None:
        if self.publisher is not None and self._tasks:  # hand over what is queued, if the bus lets us soon
            try:
                await asyncio.wait_for(self.publisher.idle(), 2.0)
            except TimeoutError:
                log.warning("stopping with %d live events not published", len(self.publisher))
        await self.pause()
        await self.hub.close()
        await self.bus.close()

    async def publish(self, events: list[DomainEvent]) -> None:
        """The unit of work's publisher: runs only after the transaction committed. On a shared bus it only
        queues the events (never waits)."""
        if self.publisher is not None:
            self.publisher.put(events)
            return
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
        try:
            before = await self.bus.heartbeat(member, now.timestamp(), presence.HEARTBEAT_TIMEOUT.total_seconds())
        except BUS_ERRORS as e:  # not recorded; the tick gives points a grace period once the bus is back
            self.health.failed("commands", e)
            return
        if before == CONNECTED:
            return
        try:
            await presence.mark_connected(UnitOfWork(self.sessionmaker, self.publish), conference_site_id, now,
                                          p.user_id)
        except Exception:
            await self.bus.forget(member)  # so the next heartbeat tries again
            raise

    async def _recheck_credentials(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_seconds)
            try:
                await self.recheck_credentials()
            except Exception:
                log.exception("checking the tokens of the live-view screens")

    async def recheck_credentials(self) -> int:
        """Close the screens of this worker whose token no longer lets them in (logged out, expired, revoked, user
        deactivated, personal link replaced: 4401) or now stands for someone else (role or sites changed: 1012,
        so the screen reconnects under its new rights). How many were closed."""
        screens = [(room, sub) for room in list(self.hub.rooms.values()) for sub in list(room.subscribers)]
        if not screens:
            return 0
        async with self.reader() as session:
            now = await current_principals(session, self.keyring, {sub.token for _, sub in screens})
        closed = 0
        for room, sub in screens:
            principal = now.get(sub.token)
            if principal == sub.principal:
                continue
            room.subscribers.discard(sub)
            self.forget_token(sub.token)  # so a reconnect resolves it afresh
            if principal is None:
                sub.kick(CLOSE_UNAUTHENTICATED, "the token expired or was revoked")
            else:
                sub.kick(CLOSE_SERVICE_RESTART, "your access changed; reconnect")
            closed += 1
        return closed

    def _bus_changed(self, degraded: bool) -> None:
        self.hub.bus_changed(self.health.since if degraded else None)

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
