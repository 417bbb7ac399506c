"""The live view of one conference as every screen shows it: status and current agenda item, each bridge
point's connection and attendance, the totals, and the list of speakers.

Reads only. Each part is an absolute state for its keys, so a screen applying parts in order always ends up
with what the database holds; docs/realtime.md documents the shapes.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.checkin.attendance import attendance
from domain.db import core_rows, local_iso
from domain.models import BridgeSite, Conference, ConferenceSite
from domain.speakers.view import current_agenda_item, speakers_state

COUNTS = ("present", "expected", "late", "walk_ins", "absent", "missing")


async def _zone(session: AsyncSession, conference_id: int) -> tzinfo | None:
    name = await session.scalar(select(Conference.timezone).where(Conference.id == conference_id))
    return ZoneInfo(name) if name else None


async def conference_part(session: AsyncSession, conference_id: int) -> dict[str, Any] | None:
    """{"conference": header, "agenda_item": the item that has the floor or None}; None if there is none."""
    conf = (await session.execute(select(Conference).where(Conference.id == conference_id))).scalar_one_or_none()
    if conf is None:
        return None
    zone = ZoneInfo(conf.timezone)
    header = {"id": conf.id, "title": conf.title, "kind": conf.kind.value, "status": conf.status.value,
              "timezone": conf.timezone, "starts_at": local_iso(conf.starts_at, zone),
              "ends_at": local_iso(conf.ends_at, zone)}
    return {"conference": header, "agenda_item": await current_agenda_item(session, conference_id)}


def _status(cs: Any, zone: tzinfo) -> dict[str, Any]:
    """`cs`: a ConferenceSite or a row with its id, readiness, connection and connection_at."""
    return {"conference_site_id": cs.id, "readiness": cs.readiness.value, "connection": cs.connection.value,
            "connection_at": local_iso(cs.connection_at, zone)}


_STATUS_COLUMNS = (ConferenceSite.id, ConferenceSite.readiness, ConferenceSite.connection,
                   ConferenceSite.connection_at)


async def site_statuses(session: AsyncSession, conference_id: int, ids: set[int]) -> list[dict[str, Any]]:
    """Readiness and connection of the listed points that still take part."""
    zone = await _zone(session, conference_id)
    if zone is None or not ids:
        return []
    rows = await core_rows(session, select(*_STATUS_COLUMNS).where(
        ConferenceSite.conference_id == conference_id, ConferenceSite.id.in_(ids))
        .order_by(ConferenceSite.id))
    return [_status(cs, zone) for cs in rows]


async def counts(session: AsyncSession, conference_id: int, ids: set[int] | None = None) -> dict[str, Any]:
    """{"sites": [{conference_site_id, present, expected, late, walk_ins, absent, missing}], "totals": {...}} for
    the listed points (all when None); the totals always cover the whole conference."""
    att = await attendance(session, conference_id, sorted(ids) if ids is not None else None)
    sites = [{"conference_site_id": s.conference_site_id, **{k: getattr(s, k) for k in COUNTS}} for s in att.sites]
    return {"sites": sites, "totals": {k: getattr(att, k) for k in COUNTS}}


async def sites_part(session: AsyncSession, conference_id: int, ids: set[int] | None = None) -> dict[str, Any]:
    """Full entries (who, role, status and counts) of the listed points (all when None), and the totals."""
    zone = await _zone(session, conference_id)
    if zone is None:
        return {"sites": [], "totals": dict.fromkeys(COUNTS, 0)}
    # columns, not ORM objects: a national conference's first snapshot reads 10,000 of them
    stmt = (select(*_STATUS_COLUMNS, ConferenceSite.site_id, ConferenceSite.role, BridgeSite.code, BridgeSite.name)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(ConferenceSite.conference_id == conference_id).order_by(ConferenceSite.id))
    if ids is not None:
        stmt = stmt.where(ConferenceSite.id.in_(ids))
    rows = await core_rows(session, stmt)
    att = await counts(session, conference_id, ids)
    by_id = {s["conference_site_id"]: s for s in att["sites"]}
    none = dict.fromkeys(COUNTS, 0)
    sites = [{"conference_site_id": row.id, "site_id": row.site_id, "code": row.code, "name": row.name,
              "role": row.role.value, **_status(row, zone), **by_id.get(row.id, none)}
             for row in rows]
    return {"sites": sites, "totals": att["totals"]}


async def snapshot(session: AsyncSession, conference_id: int) -> dict[str, Any] | None:
    """Everything a screen shows, in one read; None if the conference does not exist (any more)."""
    head = await conference_part(session, conference_id)
    if head is None:
        return None
    return {**head, **await sites_part(session, conference_id),
            "speakers": await speakers_state(session, conference_id)}
