"""The tick (≈250 ms) run by the one leading worker: declare silent points lost, then turn the marks collected
since the last tick into at most one frame of each kind per conference, read in one short database session."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import live
from domain.checkin.models import Scan
from domain.point_links import presence
from domain.db import LoopFailures
from domain.uow import Publisher, UnitOfWork

from .bus import Bus
from .health import BUS_ERRORS, BusHealth
from .events import ALL_COUNTS, CONFERENCE_MARK, FLOOR_MARK, count_mark, marked_ids
from .protocol import ATTENDANCE, CONFERENCE, SITE_STATUS, SITES

log = logging.getLogger("bridgepoint.realtime")
SWEEP_MARGIN = 500  # scans that may commit after one with a higher id (the sweep reads this far back)
Clock = Callable[[], datetime]


class Ticker:
    def __init__(self, bus: Bus, sessionmaker: async_sessionmaker, reader: async_sessionmaker, publisher: Publisher,
                 clock: Clock, *, interval: float = 0.25, timeout: timedelta = presence.HEARTBEAT_TIMEOUT,
                 health: BusHealth | None = None) -> None:
        self.bus, self.publisher, self.clock, self.health = bus, publisher, clock, health
        self._failures = LoopFailures(log, "live view tick")
        self.sessionmaker, self.reader = sessionmaker, reader  # writes (outages), autocommit reads
        self.interval, self.timeout = interval, timeout
        self._leading = False
        self._lock = asyncio.Lock()
        self._last_conference: dict[int, dict[str, Any]] = {}
        self._swept_to: int | None = None  # the highest scan id swept for count marks (None: not leading)
        self._swept_ids: set[int] = set()

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except BUS_ERRORS as e:
                if self.health is None:
                    log.exception("live view tick failed; retrying")
                else:  # logged once, when the bus is lost
                    self.health.failed("commands", e)
            except Exception as e:
                self._failures.failed(e)
            await asyncio.sleep(self.interval)

    async def tick(self) -> None:
        async with self._lock:
            leads = await self.bus.lead()
            if self.health is not None:
                self.health.ok("commands")
            if not leads:
                self._leading = False
                return
            if not self._leading:
                await self._arm()
                self._leading = True
                self._swept_to = None
            if not self._in_grace():
                await self._expire()
            marks = await self.bus.drain()
            for conference_id, swept in (await self._swept()).items():
                marks.setdefault(conference_id, set()).update(swept)
            if marks:
                await self._publish(marks)

    async def _swept(self) -> dict[int, set[str]]:
        """Count marks for the points where check-ins were recorded since the last tick, read from the database
        (the scans' primary key, a short range): a worker killed between a commit and publishing its marks
        loses no count (its own marks normally come through the bus; this is the backstop). Scans are read from
        SWEEP_MARGIN ids back, as a scan may commit after a later one; the ids already swept are remembered so
        each scan marks once."""
        async with self.reader() as session:
            if self._swept_to is None:  # leading from now: the last SWEEP_MARGIN scans are marked once
                self._swept_to = int(await session.scalar(select(func.coalesce(func.max(Scan.id), 0))))
                self._swept_ids = set()
            swept_to = self._swept_to
            rows = (await session.execute(
                select(Scan.id, Scan.conference_id, Scan.conference_site_id)
                .where(Scan.id > swept_to - SWEEP_MARGIN, Scan.result == "ok"))).all()
        marks: dict[int, set[str]] = {}
        for scan_id, conference_id, cs_id in rows:
            if scan_id not in self._swept_ids and cs_id is not None:
                marks.setdefault(conference_id, set()).add(count_mark(cs_id))
        self._swept_to = swept_to = max(swept_to, max((r[0] for r in rows), default=0))
        self._swept_ids = {r[0] for r in rows if r[0] > swept_to - SWEEP_MARGIN}
        return marks

    def _in_grace(self) -> bool:
        """Right after the bus came back, heartbeats sent while it was gone were not recorded: points get one
        heartbeat timeout to be heard again before any is declared lost (a point silent all along then is,
        with the time of its last recorded heartbeat)."""
        back = self.health.recovered_at if self.health is not None else None
        return back is not None and time.monotonic() - back < self.timeout.total_seconds()

    async def _arm(self) -> None:
        async with self.reader() as session:
            members = await presence.connected_sites(session)
        await self.bus.arm(members, self.clock().timestamp(), self.timeout.total_seconds())

    async def _expire(self) -> None:
        for member, last_seen in await self.bus.expire(self.clock().timestamp()):
            seen = datetime.fromtimestamp(last_seen, timezone.utc) if last_seen is not None else None
            lost_at = seen + self.timeout if seen is not None else self.clock()
            try:
                await presence.mark_lost(UnitOfWork(self.sessionmaker, self.publisher), member[1], lost_at, seen)
            except Exception:
                log.exception("recording the outage of conference site %s; retrying next tick", member[1])
                await self.bus.forget(member)
                await self.bus.arm([member], self.clock().timestamp(), 0.0)

    async def _publish(self, marks: dict[int, set[str]]) -> None:
        async with self.reader() as session:
            for conference_id, conference_marks in marks.items():
                try:
                    frames = await self._read(session, conference_id, conference_marks)
                except Exception:
                    log.exception("reading the live view of conference %s; retrying next tick", conference_id)
                    await self.bus.mark(conference_id, conference_marks)
                    continue
                for kind, body in frames:
                    await self.bus.publish(conference_id, kind, body)

    async def _read(self, session: AsyncSession, conference_id: int, marks: set[str]
                    ) -> list[tuple[str, dict[str, Any]]]:
        frames: list[tuple[str, dict[str, Any]]] = []
        if CONFERENCE_MARK in marks or FLOOR_MARK in marks:
            part = await live.conference_part(session, conference_id)
            if part is None:
                self._last_conference.pop(conference_id, None)
                return []
            if CONFERENCE_MARK in marks or part != self._last_conference.get(conference_id):
                self._last_conference[conference_id] = part
                frames.append((CONFERENCE, part))
        rebuilt = marked_ids(marks, "site")
        if rebuilt:
            part = await live.sites_part(session, conference_id, rebuilt)
            gone = rebuilt - {s["conference_site_id"] for s in part["sites"]}
            frames.append((SITES, {**part, "removed": sorted(gone)}))
        counted = None if ALL_COUNTS in marks else marked_ids(marks, "count") - rebuilt
        if counted is None or counted:
            frames.append((ATTENDANCE, await live.counts(session, conference_id, counted)))
        statuses = marked_ids(marks, "status") - rebuilt
        if statuses:
            frames.append((SITE_STATUS, {"sites": await live.site_statuses(session, conference_id, statuses)}))
        return frames
