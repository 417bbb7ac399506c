"""What a check-in desk reads: its roster with presence (searchable by name, diacritics-blind) and the counts."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, func, select

from domain.access import Principal, invitation_filter, visible_conference
from domain.checkin.attendance import Attendance, attendance
from domain.checkin.service import authorize_desk_at, require_desk_role
from domain.db import local_iso
from domain.models import BridgeSite, Conference, ConferenceSite, Delegate, Invitation, InvitationStatus, Unit
from domain.checkin.models import Absence, Presence, Scan
from domain.text import like_pattern
from domain.uow import UnitOfWork
from domain.common import Page, cursor_or_offset
from domain.invitations import names


async def roster(uow: UnitOfWork, p: Principal, conference_id: int, *, q: str | None = None,
                 conference_site_id: int | None = None, status: InvitationStatus | None = None,
                 present: bool | None = None, limit: int = 50, offset: int = 0,
                 after: str | None = None) -> Page[dict[str, Any]]:
    """Invitations the caller's desks check in (operators: their own sites only), with presence, by name (the
    invitations' own copy of it: no delegate is read to pick or count a page); from `offset` or after the cursor
    `after` of a page before, whose `next` is the cursor of the page after it."""
    async with uow:
        conf = await visible_conference(uow.session, p, conference_id)
        require_desk_role(p)
        cursor_or_offset(after, offset)
        where = [Invitation.conference_id == conference_id, invitation_filter(p)]
        if conference_site_id is not None:
            where.append(Invitation.conference_site_id == conference_site_id)
        if status is not None:
            where.append(Invitation.status == status)
        by_name = Invitation.search.like(like_pattern(q), escape="\\") if q else None
        by_presence = None if present is None else (
            Presence.present.is_(True) if present else Presence.present.isnot(True))
        where += [c for c in (by_name, by_presence) if c is not None]
        stmt = (select(Invitation.id.label("invitation_id"), Invitation.conference_site_id,
                       BridgeSite.name.label("site_name"), Delegate.full_name, Delegate.rank, Delegate.position,
                       Unit.name.label("unit"), Invitation.role, Invitation.status, Invitation.walk_in,
                       Presence.present, Presence.late, Presence.first_in_at, Presence.last_in_at,
                       Presence.last_out_at, Absence.reason.label("absence_reason"),
                       Absence.note.label("absence_note"), Absence.set_at.label("absence_set_at"))
                .join(Delegate, Delegate.id == Invitation.delegate_id)
                .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
                .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                .outerjoin(Unit, Unit.id == Delegate.unit_id)
                .outerjoin(Presence, Presence.invitation_id == Invitation.id)
                .outerjoin(Absence, Absence.invitation_id == Invitation.id)
                .order_by(*names.BY_NAME))
        # The page's invitations are picked, and the total counted, from the invitations by their name index
        # (joining presences only to filter by them); then only those rows are read with everything else.
        picked = select(Invitation.id, *names.BY_NAME)
        counted = select(func.count()).select_from(Invitation)
        if by_presence is not None:
            picked = picked.outerjoin(Presence, Presence.invitation_id == Invitation.id)
            counted = counted.outerjoin(Presence, Presence.invitation_id == Invitation.id)
        total = (await uow.session.execute(counted.where(*where))).scalar_one()
        if after is not None:
            where.append(names.after_name(after))
        ids, after_page = await names.pick(
            uow.session, picked.where(*where), sparse=by_name is not None and total <= names.SPARSE_SEARCH,
            limit=limit, offset=offset)
        stmt = stmt.where(Invitation.id.in_(ids))
        rows = (await uow.session.execute(stmt)).all() if ids else []
    zone = ZoneInfo(conf.timezone)
    return Page([_entry(r, zone) for r in rows], total, limit, offset, next=after_page)


def _entry(row: Row[Any], zone: ZoneInfo) -> dict[str, Any]:
    entry = {k: v for k, v in row._asdict().items() if not k.startswith("absence_")}
    absence = None
    if row.absence_reason is not None:  # superseded: the delegate checked in after it (domain/checkin/absences.py)
        absence = {"reason": row.absence_reason.value, "note": row.absence_note,
                   "set_at": local_iso(row.absence_set_at, zone),
                   "superseded": bool(row.present) or (row.last_in_at is not None
                                                       and row.last_in_at > row.absence_set_at)}
    return {**entry, "role": row.role.value, "status": row.status.value, "present": bool(row.present),
            "late": bool(row.late), "first_in_at": local_iso(row.first_in_at, zone),
            "last_in_at": local_iso(row.last_in_at, zone), "last_out_at": local_iso(row.last_out_at, zone),
            "absence": absence}


async def recent_scans(uow: UnitOfWork, p: Principal, conference_id: int, conference_site_id: int, *,
                       limit: int = 20) -> list[dict[str, Any]]:
    """The newest scans at one point (every desk there, every source), newest first, each with the outcome the
    desk was given. For the desk of that point: organizers any, operators their own."""
    async with uow:
        s = uow.session
        await authorize_desk_at(s, p, conference_id, conference_site_id)
        zone = ZoneInfo(await s.scalar(select(Conference.timezone).where(Conference.id == conference_id)) or "UTC")
        rows = (await s.execute(
            select(Scan.id, Scan.nonce, Scan.user_id, Scan.result, Scan.direction, Scan.source, Scan.at,
                   Scan.recorded_at, Scan.outcome)
            .where(Scan.conference_site_id == conference_site_id)
            .order_by(Scan.id.desc()).limit(limit))).all()
    return [{"id": r.id, "nonce": r.nonce, "user_id": r.user_id, "result": r.result, "direction": r.direction,
             "source": r.source, "at": local_iso(r.at, zone), "recorded_at": local_iso(r.recorded_at, zone),
             "outcome": r.outcome} for r in rows]


async def attendance_of(uow: UnitOfWork, p: Principal, conference_id: int, *, limit: int | None = None,
                        offset: int = 0) -> Attendance:
    """Counts only, no names: anyone who may see the conference may see them. A page of the points (by point id)
    when limit is given; the totals always cover every point."""
    async with uow:
        await visible_conference(uow.session, p, conference_id)
        return await attendance(uow.session, conference_id, limit=limit, offset=offset)
