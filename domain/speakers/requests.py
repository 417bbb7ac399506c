"""Floor requests: a bridge point's operator (or the delegate) asks the floor; the chair accepts or declines."""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, visible_conference
from domain.db import local_iso
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.models import AgendaItem, BridgeSite, Conference, ConferenceSite, Delegate, Invitation, Role, Unit
from domain.speakers.models import REQUEST_PENDING, EntrySource, FloorRequest, SpeakerKind, SpeakerList
from domain.speakers.view import person_dict
from domain.uow import UnitOfWork
from domain.common import Page, audit
from domain.speakers.floor import Change, check_speaks_for, invitation_in, may_manage, require_requester, run_change

STATUSES = ("pending", "accepted", "declined", "withdrawn")
_BY_STATUS: dict[str, ColumnElement[bool]] = {
    "pending": REQUEST_PENDING,
    "accepted": FloorRequest.accepted_at.is_not(None),
    "declined": FloorRequest.declined_at.is_not(None),
    "withdrawn": FloorRequest.withdrawn_at.is_not(None),
}


def status_of(req: FloorRequest) -> str:
    if req.accepted_at is not None:
        return "accepted"
    if req.declined_at is not None:
        return "declined"
    return "withdrawn" if req.withdrawn_at is not None else "pending"


def _requests_query() -> Select[Any]:
    return (select(FloorRequest, AgendaItem, Invitation, Delegate, Unit.name, BridgeSite)
            .join(SpeakerList, SpeakerList.id == FloorRequest.list_id)
            .join(AgendaItem, AgendaItem.id == SpeakerList.agenda_item_id)
            .join(Invitation, Invitation.id == FloorRequest.invitation_id)
            .join(Delegate, Delegate.id == Invitation.delegate_id)
            .outerjoin(Unit, Unit.id == Delegate.unit_id)
            .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
            .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id))


def _request_dict(row: Any, zone: tzinfo) -> dict[str, Any]:
    req: FloorRequest = row[0]
    resolved = req.accepted_at or req.declined_at or req.withdrawn_at
    return {"id": req.id, "agenda_item_id": row[1].id, "agenda_item_title": row[1].title,
            **person_dict(row[2], row[3], row[4], row[5]), "kind": req.kind.value, "topic": req.topic,
            "requested_minutes": req.requested_minutes, "status": status_of(req),
            "requested_at": req.requested_at.astimezone(zone).isoformat(), "requested_by_id": req.requested_by_id,
            "resolved_at": local_iso(resolved, zone),
            "resolved_by_id": req.resolved_by_id, "decline_reason": req.decline_reason, "entry_id": req.entry_id}


async def _view(session: AsyncSession, request_id: int, zone: tzinfo) -> dict[str, Any]:
    await session.flush()
    return _request_dict((await session.execute(_requests_query().where(FloorRequest.id == request_id))).one(), zone)


async def _pending(c: Change, request_id: int, *, bump: bool) -> tuple[FloorRequest, SpeakerList]:
    """A pending request the caller may read (others are not found); its list is the one changed."""
    row = (await c.session.execute(
        select(FloorRequest, SpeakerList).join(SpeakerList, SpeakerList.id == FloorRequest.list_id)
        .join(Invitation, Invitation.id == FloorRequest.invitation_id)
        .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
        .where(FloorRequest.id == request_id, SpeakerList.conference_id == c.conf.id,
               _readable(c.principal, c.manager)))).first()
    if row is None:
        raise NotFound(f"floor request {request_id} not found", code="floor_request_not_found")
    req = row[0]
    if status_of(req) != "pending":
        raise Conflict(f"floor request {request_id} is {status_of(req)}", code="not_pending", status=status_of(req))
    await c.use_list(row[1], bump=bump)
    return req, row[1]


async def request_floor(uow: UnitOfWork, p: Principal, conference_id: int, *, invitation_id: int | None = None,
                        agenda_item_id: int | None = None, kind: SpeakerKind = SpeakerKind.ordinary,
                        topic: str = "", requested_minutes: int | None = None,
                        now: datetime | None = None) -> dict[str, Any]:
    """Ask the floor for a delegate, by default on the current item's list."""
    async def apply(c: Change) -> dict[str, Any]:
        require_requester(p, c.manager)
        inv_id = invitation_id if invitation_id is not None else p.invitation_id
        if inv_id is None:
            raise InvalidInput("name the delegate's invitation", code="required", field="invitation_id")
        inv = await invitation_in(c.session, c.conf, inv_id)
        await check_speaks_for(c.session, p, inv, c.manager)
        lst = await c.list_for(agenda_item_id, bump=False)
        if lst.closed:
            raise Conflict("the list of speakers is closed", code="list_closed")
        if await c.session.scalar(select(FloorRequest.id).where(
                FloorRequest.list_id == lst.id, FloorRequest.invitation_id == inv.id, FloorRequest.kind == kind,
                REQUEST_PENDING)) is not None:
            raise Conflict("this delegate already has a pending request", code="request_pending")
        if any(e.invitation_id == inv.id and e.kind is kind for e in await c.entries(lst, waiting=True)):
            raise Conflict("this delegate is already waiting on the list", code="already_waiting")
        req = FloorRequest(list_id=lst.id, invitation_id=inv.id, kind=kind, topic=topic,
                           requested_minutes=requested_minutes, requested_at=c.now, requested_by_id=p.user_id)
        c.session.add(req)
        await c.session.flush()
        audit(c.session, p, "speakers.requested", conference_id=c.conf.id, subject=req, invitation_id=inv.id)
        return await _view(c.session, req.id, ZoneInfo(c.conf.timezone))
    return await run_change(uow, p, conference_id, apply, manage=False, now=now)


async def accept(uow: UnitOfWork, p: Principal, conference_id: int, request_id: int, *,
                 allotted_minutes: int | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Queue the requester: a point of order before the first ordinary speaker, anyone else at the end."""
    async def apply(c: Change) -> dict[str, Any]:
        req, lst = await _pending(c, request_id, bump=True)
        inv = await invitation_in(c.session, c.conf, req.invitation_id)
        entry = await c.add_entry(lst, inv, EntrySource.request, req.kind, topic=req.topic,
                                  requested_minutes=req.requested_minutes, allotted_minutes=allotted_minutes)
        req.accepted_at, req.resolved_by_id, req.entry_id = c.now, p.user_id, entry.id
        audit(c.session, p, "speakers.accepted", conference_id=c.conf.id, subject=req, entry_id=entry.id)
        return await _view(c.session, req.id, ZoneInfo(c.conf.timezone))
    return await run_change(uow, p, conference_id, apply, now=now)


async def decline(uow: UnitOfWork, p: Principal, conference_id: int, request_id: int, reason: str, *,
                  now: datetime | None = None) -> dict[str, Any]:
    if not reason.strip():
        raise InvalidInput("give the requester a reason", code="blank", field="reason")

    async def apply(c: Change) -> dict[str, Any]:
        req, _ = await _pending(c, request_id, bump=False)
        req.declined_at, req.resolved_by_id, req.decline_reason = c.now, p.user_id, reason
        audit(c.session, p, "speakers.declined", conference_id=c.conf.id, subject=req, reason=reason)
        return await _view(c.session, req.id, ZoneInfo(c.conf.timezone))
    return await run_change(uow, p, conference_id, apply, now=now)


async def withdraw(uow: UnitOfWork, p: Principal, conference_id: int, request_id: int, *,
                   now: datetime | None = None) -> dict[str, Any]:
    """The requester (the site's operator or the delegate) takes a pending request back."""
    async def apply(c: Change) -> dict[str, Any]:
        require_requester(p, c.manager)
        req, _ = await _pending(c, request_id, bump=False)
        req.withdrawn_at, req.resolved_by_id = c.now, p.user_id
        audit(c.session, p, "speakers.withdrawn", conference_id=c.conf.id, subject=req)
        return await _view(c.session, req.id, ZoneInfo(c.conf.timezone))
    return await run_change(uow, p, conference_id, apply, manage=False, now=now)


def _readable(p: Principal, manager: bool) -> ColumnElement[bool]:
    """Managers read every request; an operator those of their sites; a delegate their own."""
    if manager:
        return true()
    if p.is_delegate_link:
        return FloorRequest.invitation_id == p.invitation_id
    if p.role is Role.operator:
        return ConferenceSite.site_id.in_(p.site_ids)
    raise Forbidden("this role may not read floor requests", code="forbidden_role")


async def pending_in(s: AsyncSession, conf: Conference, *, limit: int = 100) -> list[dict[str, Any]]:
    """The pending requests of every list of a conference, oldest first, for those who run it (the chair console)."""
    rows = (await s.execute(_requests_query().where(SpeakerList.conference_id == conf.id, REQUEST_PENDING)
                            .order_by(FloorRequest.requested_at, FloorRequest.id).limit(limit))).all()
    zone = ZoneInfo(conf.timezone)
    return [_request_dict(r, zone) for r in rows]


async def list_requests(uow: UnitOfWork, p: Principal, conference_id: int, *, status: str | None = None,
                        agenda_item_id: int | None = None, limit: int = 100, offset: int = 0) -> Page[dict[str, Any]]:
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        stmt = _requests_query().where(SpeakerList.conference_id == conf.id,
                                       _readable(p, await may_manage(s, p, conf)))
        if status is not None:
            stmt = stmt.where(_BY_STATUS[status])
        if agenda_item_id is not None:
            stmt = stmt.where(SpeakerList.agenda_item_id == agenda_item_id)
        stmt = stmt.order_by(FloorRequest.requested_at, FloorRequest.id)
        total = await s.scalar(select(func.count()).select_from(stmt.with_only_columns(FloorRequest.id).subquery()))
        rows = (await s.execute(stmt.limit(limit).offset(offset))).all()
        zone = ZoneInfo(conf.timezone)
        return Page([_request_dict(r, zone) for r in rows], total or 0, limit, offset)
