"""The list of speakers as every screen sees it: the order, the current speaker and the clock.

Reads and pure rules only; the changes live in domain/speakers/service.py. The shapes returned here are
documented in docs/speakers.md and travel unchanged in the realtime "speakers" frames.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.db import local_iso, utcnow
from domain.errors import InvalidInput, NotFound
from domain.models import AgendaItem, BridgeSite, Conference, ConferenceSite, Delegate, Invitation, Unit
from domain.speakers.models import REQUEST_PENDING, FloorRequest, Floor, SpeakerEntry, SpeakerKind, SpeakerList

FINISHED_SHOWN = 5


# ---- pure rules ----
def status_of(entry: SpeakerEntry) -> str:
    if entry.started_at is None:
        return "waiting"
    if entry.ended_at is not None:
        return "finished"
    return "paused" if any(p.ended_at is None for p in entry.pauses) else "speaking"


def paused_seconds(entry: SpeakerEntry, now: datetime) -> float:
    """Time spent paused, counting an open pause up to `now` (or to the end of the speech)."""
    until = entry.ended_at or now
    return sum(((p.ended_at or until) - p.started_at).total_seconds() for p in entry.pauses)


def spoken_seconds(entry: SpeakerEntry, now: datetime) -> float:
    if entry.started_at is None:
        return 0.0
    return ((entry.ended_at or now) - entry.started_at).total_seconds() - paused_seconds(entry, now)


def insert_index(waiting_kinds: Sequence[SpeakerKind], kind: SpeakerKind) -> int:
    """Where a new entry joins: a point of order before the first ordinary speaker, anyone else at the end."""
    if kind is SpeakerKind.point_of_order:
        return next((i for i, k in enumerate(waiting_kinds) if k is SpeakerKind.ordinary), len(waiting_kinds))
    return len(waiting_kinds)


def check_new_order(waiting_ids: Sequence[int], proposed: Sequence[int]) -> None:
    """A reorder names every waiting entry exactly once and nothing else."""
    if len(proposed) != len(set(proposed)) or set(proposed) != set(waiting_ids):
        raise InvalidInput("entry_ids must list every waiting entry of the list exactly once",
                           code="incomplete_order", field="entry_ids", waiting_ids=list(waiting_ids))


def allotted_minutes(entry: SpeakerEntry, item: AgendaItem) -> int:
    """The speaker's own time if the chair set one, else the agenda item's default; 0 means no limit."""
    return entry.allotted_minutes if entry.allotted_minutes is not None else item.speaking_minutes


# ---- reads ----
def item_dict(item: AgendaItem, zone: tzinfo, since: datetime | None = None) -> dict[str, Any]:
    return {"id": item.id, "position": item.position, "kind": item.kind.value, "title": item.title,
            "planned_start": local_iso(item.planned_start, zone), "duration_minutes": item.duration_minutes,
            "speaking_minutes": item.speaking_minutes, "presenter_invitation_id": item.presenter_invitation_id,
            "since": local_iso(since, zone)}


async def current_agenda_item(session: AsyncSession, conference_id: int) -> dict[str, Any] | None:
    """The agenda item that has the floor, with `since` (when it became current); None before the first."""
    row = (await session.execute(
        select(AgendaItem, Floor.item_since, Conference.timezone)
        .join(Floor, Floor.agenda_item_id == AgendaItem.id)
        .join(Conference, Conference.id == Floor.conference_id)
        .where(Floor.conference_id == conference_id))).first()
    return item_dict(row[0], ZoneInfo(row[2]), row[1]) if row else None


def people_query() -> Select[Any]:
    """Entries with who they are: delegate, rank, unit and bridge site."""
    return (select(SpeakerEntry, Invitation, Delegate, Unit.name, BridgeSite)
            .join(Invitation, Invitation.id == SpeakerEntry.invitation_id)
            .join(Delegate, Delegate.id == Invitation.delegate_id)
            .outerjoin(Unit, Unit.id == Delegate.unit_id)
            .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .options(selectinload(SpeakerEntry.pauses)))


def person_dict(inv: Invitation, delegate: Delegate, unit_name: str | None, site: BridgeSite) -> dict[str, Any]:
    return {"invitation_id": inv.id, "delegate_id": delegate.id, "delegate_name": delegate.full_name,
            "rank": delegate.rank, "delegate_position": delegate.position, "unit_name": unit_name or "",
            "conference_site_id": inv.conference_site_id, "site_id": site.id, "site_code": site.code,
            "site_name": site.name}


def speech_times(entry: SpeakerEntry, item: AgendaItem, zone: tzinfo, now: datetime) -> dict[str, Any]:
    minutes = allotted_minutes(entry, item)
    spoken = int(spoken_seconds(entry, now))
    paused_at = next((p.started_at for p in entry.pauses if p.ended_at is None), None)
    return {"started_at": local_iso(entry.started_at, zone), "ended_at": local_iso(entry.ended_at, zone),
            "paused": paused_at is not None, "paused_at": local_iso(paused_at, zone),
            "paused_seconds": int(paused_seconds(entry, now)), "elapsed_seconds": spoken,
            "allotted_seconds": minutes * 60 or None,
            "remaining_seconds": minutes * 60 - spoken if minutes else None}


def entry_dict(row: Any, item: AgendaItem, zone: tzinfo, now: datetime) -> dict[str, Any]:
    entry: SpeakerEntry = row[0]
    return {"id": entry.id, **person_dict(row[1], row[2], row[3], row[4]), "kind": entry.kind.value,
            "source": entry.source.value, "topic": entry.topic, "requested_minutes": entry.requested_minutes,
            "allotted_minutes": allotted_minutes(entry, item), "status": status_of(entry), "position": None,
            **speech_times(entry, item, zone, now)}


def empty_state(conference_id: int, now: datetime, zone: tzinfo) -> dict[str, Any]:
    return {"conference_id": conference_id, "agenda_item_id": None, "agenda_item": None, "version": 0,
            "closed": False, "default_minutes": None, "current": None, "waiting": [], "finished": [],
            "pending_requests": 0, "server_time": local_iso(now, zone)}


async def speakers_state(session: AsyncSession, conference_id: int, *, agenda_item_id: int | None = None,
                         now: datetime | None = None) -> dict[str, Any]:
    """The full state of one list of speakers: by default the one of the item that has the floor."""
    now = now or utcnow()
    tz = await session.scalar(select(Conference.timezone).where(Conference.id == conference_id))
    if tz is None:
        raise NotFound(f"conference {conference_id} not found", code="conference_not_found")
    zone = ZoneInfo(tz)
    floor = await session.get(Floor, conference_id)
    item_id = agenda_item_id if agenda_item_id is not None else (floor.agenda_item_id if floor else None)
    state = empty_state(conference_id, now, zone)
    item = await session.get(AgendaItem, item_id) if item_id else None
    if item is None or item.conference_id != conference_id:
        if agenda_item_id is not None:
            raise NotFound(f"agenda item {agenda_item_id} not found", code="agenda_item_not_found")
        return state
    since = floor.item_since if floor and floor.agenda_item_id == item.id else None
    state.update(agenda_item_id=item.id, agenda_item=item_dict(item, zone, since),
                 default_minutes=item.speaking_minutes)
    lst = (await session.execute(select(SpeakerList).where(SpeakerList.agenda_item_id == item.id))).scalar_one_or_none()
    if lst is None:
        return state
    state.update(version=lst.version, closed=lst.closed)
    await _fill_entries(session, state, lst, item, zone, now)
    state["pending_requests"] = await session.scalar(
        select(func.count()).select_from(FloorRequest).where(FloorRequest.list_id == lst.id, REQUEST_PENDING))
    return state


async def _fill_entries(session: AsyncSession, state: dict[str, Any], lst: SpeakerList, item: AgendaItem,
                        zone: tzinfo, now: datetime) -> None:
    base = people_query().where(SpeakerEntry.list_id == lst.id)
    unfinished = await session.execute(base.where(SpeakerEntry.ended_at.is_(None))
                                       .order_by(SpeakerEntry.weight, SpeakerEntry.id))
    for row in unfinished:
        entry = entry_dict(row, item, zone, now)
        if row[0].started_at is not None:
            state["current"] = entry
        else:
            entry["position"] = len(state["waiting"]) + 1
            state["waiting"].append(entry)
    finished = await session.execute(base.where(SpeakerEntry.ended_at.is_not(None))
                                     .order_by(SpeakerEntry.ended_at.desc(), SpeakerEntry.id.desc())
                                     .limit(FINISHED_SHOWN))
    state["finished"] = [entry_dict(row, item, zone, now) for row in reversed(finished.all())]
