"""The floor requests of one bridge point's delegates as its desk follows them: each with its live state —
pending, queued at position n, speaking, spoken, declined (with the reason), withdrawn, or removed from the list
(accepted, then taken off before speaking). A read of the speakers feature's tables for the desk; requesting,
withdrawing and the chair's decisions stay in domain/speakers/requests.py."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from domain.access import Principal
from domain.checkin.service import authorize_desk_at
from domain.db import local_iso
from domain.models import AgendaItem, Conference, Delegate, Invitation
from domain.speakers.models import FloorRequest, SpeakerEntry, SpeakerList
from domain.uow import UnitOfWork

_ahead = aliased(SpeakerEntry)


def _position() -> Any:
    """1 + the waiting entries before this one on its list (the order of the list of speakers: weight, id)."""
    return (select(func.count() + 1).where(
        _ahead.list_id == SpeakerEntry.list_id, _ahead.started_at.is_(None), _ahead.ended_at.is_(None),
        or_(_ahead.weight < SpeakerEntry.weight, and_(_ahead.weight == SpeakerEntry.weight,
                                                      _ahead.id < SpeakerEntry.id)))
            .correlate(SpeakerEntry).scalar_subquery())


def live_status(req: FloorRequest, entry_started: Any, entry_ended: Any, has_entry: bool) -> str:
    if req.declined_at is not None:
        return "declined"
    if req.withdrawn_at is not None:
        return "withdrawn"
    if req.accepted_at is None:
        return "pending"
    if not has_entry:
        return "removed"
    if entry_ended is not None:
        return "spoken"
    return "speaking" if entry_started is not None else "queued"


async def point_requests(uow: UnitOfWork, p: Principal, conference_id: int, conference_site_id: int, *,
                         limit: int = 50) -> list[dict[str, Any]]:
    """The newest floor requests for delegates of this point (every agenda item), newest first."""
    async with uow:
        s = uow.session
        await authorize_desk_at(s, p, conference_id, conference_site_id)
        zone = ZoneInfo(await s.scalar(select(Conference.timezone).where(Conference.id == conference_id)) or "UTC")
        rows = (await s.execute(
            select(FloorRequest, AgendaItem.id, AgendaItem.title, Invitation.id, Delegate.full_name, Delegate.rank,
                   SpeakerEntry.id, SpeakerEntry.started_at, SpeakerEntry.ended_at, _position())
            .join(SpeakerList, SpeakerList.id == FloorRequest.list_id)
            .join(AgendaItem, AgendaItem.id == SpeakerList.agenda_item_id)
            .join(Invitation, Invitation.id == FloorRequest.invitation_id)
            .join(Delegate, Delegate.id == Invitation.delegate_id)
            .outerjoin(SpeakerEntry, SpeakerEntry.id == FloorRequest.entry_id)
            .where(SpeakerList.conference_id == conference_id,
                   Invitation.conference_site_id == conference_site_id)
            .order_by(FloorRequest.requested_at.desc(), FloorRequest.id.desc()).limit(limit))).all()
    out = []
    for req, item_id, item_title, inv_id, name, rank, entry_id, started, ended, position in rows:
        state = live_status(req, started, ended, entry_id is not None)
        out.append({"id": req.id, "agenda_item_id": item_id, "agenda_item_title": item_title,
                    "invitation_id": inv_id, "delegate_name": name, "rank": rank, "kind": req.kind.value,
                    "topic": req.topic, "requested_minutes": req.requested_minutes,
                    "requested_at": local_iso(req.requested_at, zone), "live_status": state,
                    "position": position if state == "queued" else None,
                    "decline_reason": req.decline_reason if state == "declined" else None,
                    "resolved_at": local_iso(req.accepted_at or req.declined_at or req.withdrawn_at, zone),
                    "entry_id": entry_id})
    return out
