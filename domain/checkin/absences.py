"""Absences: a point reports that an expected delegate will not attend, with the reason (leave, duty, illness, other
with a note). Offices report attendance as present / absent with a reason / missing.

Rules:
* The operator of the delegate's bridge point sets or clears it; organizers for any point. A delegate of another
  point is not found (404), as on the desk's roster.
* Only for an active invitation (invited or confirmed), and not while the delegate is checked in (409
  `delegate_present`: check them out first). Not in a cancelled conference; an ended one may still be completed.
* A check-in *after* the absence was recorded supersedes it: the delegate counts as present, and after a later
  check-out as missing, not absent. This is derived by comparing the absence's `set_at` with the presence row's
  `last_in_at` in the read models, so the check-in hot path never touches absences. Recording the absence again
  after that check-in makes it count again.
* Every change is audited (`absence.set`, `absence.cleared`) and marks the point's counts for the live view.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Principal, invitation_filter, visible_conference
from domain.checkin.models import Absence, AbsenceReason, Presence
from domain.checkin.service import require_desk_role
from domain.common import Page, audit
from domain.db import local_iso
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.models import (ACTIVE_INVITATION, Conference, ConferenceSite, ConferenceStatus, Delegate,
                           Invitation, Role, Unit)
from domain.uow import UnitOfWork

REASONS = tuple(r.value for r in AbsenceReason)
NOTE_MAX = 500


@dataclass(frozen=True)
class AbsenceView:
    invitation_id: int
    conference_site_id: int
    full_name: str
    rank: str
    unit: str | None
    reason: str
    note: str
    set_at: str
    set_by_user_id: int | None
    superseded: bool  # the delegate checked in after it was recorded: it no longer counts


async def set_absence(uow: UnitOfWork, p: Principal, conference_id: int, invitation_id: int, *, reason: str,
                      note: str = "", now: datetime) -> AbsenceView:
    """Record (or replace) the reason an expected delegate is absent."""
    if reason not in REASONS:
        raise InvalidInput(f"reason must be one of {', '.join(REASONS)}", code="invalid", field="reason")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"note: at most {NOTE_MAX} characters", code="too_long", field="note")
    if reason == AbsenceReason.other.value and not note:
        raise InvalidInput("say what the other reason is", code="blank", field="note")
    async with uow:
        s = uow.session
        conf, inv, site_id, present = await _target(s, p, conference_id, invitation_id)
        if inv.status not in ACTIVE_INVITATION:
            raise Conflict(f"invitation {invitation_id} is {inv.status.value}", code="invitation_not_active",
                           field="invitation_id")
        if present:
            raise Conflict("the delegate is checked in; check them out first", code="delegate_present",
                           field="invitation_id")
        absence = await s.get(Absence, invitation_id, with_for_update=True)
        before = {"reason": absence.reason.value, "note": absence.note} if absence is not None else None
        if absence is None:
            absence = Absence(invitation_id=invitation_id, conference_id=conference_id)
            s.add(absence)
        absence.reason, absence.note = AbsenceReason(reason), note
        absence.set_at, absence.set_by_user_id = now, p.user_id
        audit(s, p, "absence.set", conference_id=conference_id, site_id=site_id, subject=inv, source="manual",
              reason=reason, note=note, conference_site_id=inv.conference_site_id, before=before)
        uow.emit(conference_id, "attendance", conference_site_id=inv.conference_site_id)
        await uow.commit()
        return (await _views(s, conf, Absence.invitation_id == invitation_id))[0]


async def clear_absence(uow: UnitOfWork, p: Principal, conference_id: int, invitation_id: int) -> bool:
    """Take the absence back (the delegate is expected after all); True if there was one. Idempotent."""
    async with uow:
        s = uow.session
        _, inv, site_id, _ = await _target(s, p, conference_id, invitation_id)
        absence = await s.get(Absence, invitation_id, with_for_update=True)
        if absence is None:
            return False
        audit(s, p, "absence.cleared", conference_id=conference_id, site_id=site_id, subject=inv, source="manual",
              reason=absence.reason.value, note=absence.note, conference_site_id=inv.conference_site_id,
              set_at=absence.set_at.isoformat())
        await s.delete(absence)
        uow.emit(conference_id, "attendance", conference_site_id=inv.conference_site_id)
        await uow.commit()
        return True


async def list_absences(uow: UnitOfWork, p: Principal, conference_id: int, *, conference_site_id: int | None = None,
                        limit: int = 100, offset: int = 0) -> Page[AbsenceView]:
    """The absences the caller may read (operators: their points'; chairs: their conferences'), by name."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        if not (p.is_staff or p.role in (Role.operator, Role.chair)):
            raise Forbidden("this role may not read delegates' absences", code="forbidden_role")
        where = [Absence.conference_id == conference_id, invitation_filter(p),
                 Invitation.status.in_(ACTIVE_INVITATION)]
        if conference_site_id is not None:
            where.append(Invitation.conference_site_id == conference_site_id)
        total = await s.scalar(select(func.count()).select_from(Absence)
                               .join(Invitation, Invitation.id == Absence.invitation_id).where(*where))
        return Page(await _views(s, conf, *where, limit=limit, offset=offset), total or 0, limit, offset)


async def _target(s: AsyncSession, p: Principal, conference_id: int,
                  invitation_id: int) -> tuple[Conference, Invitation, int, bool]:
    """The conference, the invitation the caller may mark, its bridge site and whether the delegate is in."""
    conf = await visible_conference(s, p, conference_id)
    require_desk_role(p)
    if conf.status is ConferenceStatus.cancelled:
        raise Conflict(f"conference {conference_id} was cancelled", code="conference_read_only")
    row = (await s.execute(
        select(Invitation, ConferenceSite.site_id, Presence.present)
        .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
        .outerjoin(Presence, Presence.invitation_id == Invitation.id)
        .where(Invitation.id == invitation_id, Invitation.conference_id == conference_id)
        .with_for_update(of=Invitation))).first()
    if row is None or not p.runs_site(row[1]):
        raise NotFound(f"invitation {invitation_id} not found", code="invitation_not_found", field="invitation_id")
    return conf, row[0], row[1], bool(row[2])


async def _views(s: AsyncSession, conf: Conference, *where: Any, limit: int = 1, offset: int = 0
                 ) -> list[AbsenceView]:
    zone = ZoneInfo(conf.timezone)
    rows = (await s.execute(
        select(Absence, Invitation.conference_site_id, Delegate.full_name, Delegate.rank, Unit.name,
               Presence.last_in_at, Presence.present)
        .join(Invitation, Invitation.id == Absence.invitation_id)
        .join(Delegate, Delegate.id == Invitation.delegate_id)
        .outerjoin(Unit, Unit.id == Delegate.unit_id)
        .outerjoin(Presence, Presence.invitation_id == Absence.invitation_id)
        .where(*where).order_by(Delegate.full_name, Absence.invitation_id).limit(limit).offset(offset))).all()
    return [AbsenceView(a.invitation_id, cs_id, name, rank, unit, a.reason.value, a.note,
                        local_iso(a.set_at, zone) or "", a.set_by_user_id,
                        bool(present) or (last_in is not None and last_in > a.set_at))
            for a, cs_id, name, rank, unit, last_in, present in rows]
