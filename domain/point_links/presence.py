"""Site presence: a bridge point's link is `connected` while it sends heartbeats and `lost` after a silence.

The realtime layer decides *when* (heartbeat arrived, timeout elapsed); this module records the transition and
the outage in one transaction and emits "site_status". Transitions carry the time they happened at, and a
transition older than the one already recorded is ignored, so two workers racing each other cannot leave a
stale state behind.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, run_sites_filter, visible_conference
from domain.db import core_rows
from domain.models import BridgeSite, Conference, ConferenceSite, ConferenceStatus, Connection, Role
from domain.point_links.models import SiteOutage
from domain.common import Page, paginate
from domain.uow import UnitOfWork

HEARTBEAT_INTERVAL = timedelta(seconds=5)
HEARTBEAT_TIMEOUT = timedelta(seconds=15)
TRACKED = (ConferenceStatus.draft, ConferenceStatus.scheduled, ConferenceStatus.live)


async def heartbeat_sites(session: AsyncSession, p: Principal, conference_id: int) -> dict[str, int]:
    """Bridge site code → conference site id, for the points this caller may send heartbeats for."""
    if not p.is_staff and p.role is not Role.operator:
        return {}
    # in the query: an operator's connect reads their own points, not every point of a national conference
    rows = await core_rows(session, select(BridgeSite.code, ConferenceSite.id)
                           .join(ConferenceSite, ConferenceSite.site_id == BridgeSite.id)
                           .where(ConferenceSite.conference_id == conference_id, run_sites_filter(p)))
    return {code: cs_id for code, cs_id in rows}


async def _locked_site(uow: UnitOfWork, conference_site_id: int) -> tuple[ConferenceSite, Conference] | None:
    row = (await uow.session.execute(
        select(ConferenceSite, Conference).join(Conference, Conference.id == ConferenceSite.conference_id)
        .where(ConferenceSite.id == conference_site_id).with_for_update(of=ConferenceSite))).first()
    return (row[0], row[1]) if row else None


def _is_stale(cs: ConferenceSite, at: datetime) -> bool:
    return cs.connection_at is not None and at < cs.connection_at


async def mark_connected(uow: UnitOfWork, conference_site_id: int, at: datetime,
                         by_user_id: int | None = None) -> bool:
    """A heartbeat arrived: the point is connected (again); an open outage ends now. True if it changed."""
    async with uow:
        found = await _locked_site(uow, conference_site_id)
        if found is None:
            return False
        cs, conf = found
        if cs.connection is Connection.connected or conf.status not in TRACKED or _is_stale(cs, at):
            return False
        outage = (await uow.session.execute(select(SiteOutage).where(
            SiteOutage.conference_site_id == cs.id, SiteOutage.ended_at.is_(None)))).scalars().first()
        if outage is not None:
            outage.ended_at = max(at, outage.started_at)
        cs.connection, cs.connection_at, cs.connection_by_id = Connection.connected, at, by_user_id
        _emit(uow, cs)
        await uow.commit()
        return True


async def mark_lost(uow: UnitOfWork, conference_site_id: int, at: datetime, last_seen_at: datetime | None) -> bool:
    """No heartbeat within the timeout: the point is lost and an outage starts. True if it changed."""
    async with uow:
        found = await _locked_site(uow, conference_site_id)
        if found is None:
            return False
        cs, conf = found
        if cs.connection is not Connection.connected or conf.status not in TRACKED or _is_stale(cs, at):
            return False
        uow.session.add(SiteOutage(conference_id=cs.conference_id, conference_site_id=cs.id,
                                   last_seen_at=last_seen_at, started_at=at))
        cs.connection, cs.connection_at, cs.connection_by_id = Connection.lost, at, None
        _emit(uow, cs)
        await uow.commit()
        return True


def _emit(uow: UnitOfWork, cs: ConferenceSite) -> None:
    uow.emit(cs.conference_id, "site_status", conference_site_id=cs.id, readiness=cs.readiness.value,
             connection=cs.connection.value)


async def connected_sites(session: AsyncSession) -> list[tuple[int, int]]:
    """(conference id, conference site id) of every tracked point recorded as connected: after a restart
    their heartbeat deadlines are re-armed, so a point that went silent meanwhile still becomes lost."""
    rows = await session.execute(
        select(ConferenceSite.conference_id, ConferenceSite.id)
        .join(Conference, Conference.id == ConferenceSite.conference_id)
        .where(ConferenceSite.connection == Connection.connected, Conference.status.in_(TRACKED)))
    return [(c, s) for c, s in rows]


@dataclass
class Outages:
    page: Page[SiteOutage]
    timezone: str  # the conference's, to show the times in


async def list_outages(uow: UnitOfWork, p: Principal, conference_id: int, *, conference_site_id: int | None = None,
                       limit: int = 100, offset: int = 0) -> Outages:
    async with uow:
        conf = await visible_conference(uow.session, p, conference_id)
        stmt = (select(SiteOutage).where(SiteOutage.conference_id == conference_id)
                .order_by(SiteOutage.started_at, SiteOutage.id))
        if conference_site_id is not None:
            stmt = stmt.where(SiteOutage.conference_site_id == conference_site_id)
        return Outages(await paginate(uow.session, stmt, limit, offset), conf.timezone)
