"""What was said: every speech with its actual times and pauses, and speaking time per delegate and per site."""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, visible_conference
from domain.db import local_iso, utcnow
from domain.models import AgendaItem, Conference
from domain.speakers.models import SpeakerEntry, SpeakerList
from domain.speakers.view import entry_dict, people_query, spoken_seconds
from domain.uow import UnitOfWork
from domain.common import Page


def _speech(row: Any, item: AgendaItem, zone: tzinfo, now: datetime) -> dict[str, Any]:
    entry: SpeakerEntry = row[0]
    out = entry_dict(row, item, zone, now)
    allotted = out["allotted_seconds"]
    out.update(agenda_item_id=item.id, agenda_item_title=item.title,
               overtime_seconds=max(0, out["elapsed_seconds"] - allotted) if allotted else 0,
               pauses=[{"started_at": p.started_at.astimezone(zone).isoformat(),
                        "ended_at": local_iso(p.ended_at, zone),
                        "seconds": int(((p.ended_at or entry.ended_at or now) - p.started_at).total_seconds())}
                       for p in entry.pauses])
    return out


async def _items(session: AsyncSession, conference_id: int) -> dict[int, AgendaItem]:
    rows = await session.execute(select(AgendaItem).where(AgendaItem.conference_id == conference_id))
    return {i.id: i for i in rows.scalars()}


def _speeches(conference_id: int) -> Any:
    return (people_query().add_columns(SpeakerList.agenda_item_id)
            .join(SpeakerList, SpeakerList.id == SpeakerEntry.list_id)
            .where(SpeakerList.conference_id == conference_id, SpeakerEntry.started_at.is_not(None)))


async def history(uow: UnitOfWork, p: Principal, conference_id: int, *, agenda_item_id: int | None = None,
                  limit: int = 100, offset: int = 0, now: datetime | None = None) -> Page[dict[str, Any]]:
    """Speeches in the order they began: start, end, pauses, spoken and overtime seconds."""
    now = now or utcnow()
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        stmt = _speeches(conf.id)
        if agenda_item_id is not None:
            stmt = stmt.where(SpeakerList.agenda_item_id == agenda_item_id)
        total = await s.scalar(select(func.count()).select_from(
            stmt.with_only_columns(SpeakerEntry.id).subquery()))
        rows = (await s.execute(stmt.order_by(SpeakerEntry.started_at, SpeakerEntry.id)
                                .limit(limit).offset(offset))).all()
        items, zone = await _items(s, conf.id), ZoneInfo(conf.timezone)
        return Page([_speech(r, items[r[5]], zone, now) for r in rows], total or 0, limit, offset)


async def totals(uow: UnitOfWork, p: Principal, conference_id: int, *,
                 now: datetime | None = None) -> dict[str, Any]:
    """Finished speeches counted and timed per delegate and per bridge site, longest first."""
    now = now or utcnow()
    async with uow:
        s = uow.session
        return await totals_in(s, await visible_conference(s, p, conference_id), now)


async def totals_in(s: AsyncSession, conf: Conference, now: datetime) -> dict[str, Any]:
    """The totals of a conference the caller already may see (also the chair console's)."""
    rows = (await s.execute(_speeches(conf.id).where(SpeakerEntry.ended_at.is_not(None)))).all()
    delegates: dict[int, dict[str, Any]] = {}
    sites: dict[int, dict[str, Any]] = {}
    for entry, inv, delegate, unit_name, site, _ in rows:
        seconds = int(spoken_seconds(entry, now))
        person = delegates.setdefault(inv.id, {
            "invitation_id": inv.id, "delegate_id": delegate.id, "delegate_name": delegate.full_name,
            "rank": delegate.rank, "unit_name": unit_name or "", "site_id": site.id, "site_code": site.code,
            "site_name": site.name, "speeches": 0, "seconds": 0})
        place = sites.setdefault(site.id, {"site_id": site.id, "site_code": site.code, "site_name": site.name,
                                           "speeches": 0, "seconds": 0})
        for bucket in (person, place):
            bucket["speeches"] += 1
            bucket["seconds"] += seconds

    def longest_first(buckets: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(buckets.values(), key=lambda b: (-b["seconds"], b["site_code"], b.get("delegate_name", "")))
    return {"conference_id": conf.id, "speeches": len(rows), "seconds": sum(d["seconds"] for d in delegates.values()),
            "delegates": longest_first(delegates), "sites": longest_first(sites)}
