"""Relocation: an organizer lets a delegate attend at another bridge point than the one invited to.

The pass stays valid (it names the invitation, not where to sit); the next scan at the new point is `ok`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from domain.access import Principal, require_staff, visible_conference
from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import ACTIVE_INVITATION, ConferenceSite, Invitation
from domain.checkin.models import Relocation
from domain.uow import UnitOfWork
from domain.common import audit, ensure_editable


async def relocate(uow: UnitOfWork, p: Principal, conference_id: int, invitation_id: int,
                   to_conference_site_id: int, note: str, now: datetime) -> Relocation:
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        require_staff(p)
        ensure_editable(conf)
        inv = (await s.execute(select(Invitation).where(
            Invitation.id == invitation_id, Invitation.conference_id == conference_id).with_for_update())
        ).scalar_one_or_none()
        if inv is None:
            raise NotFound(f"invitation {invitation_id} not found", code="invitation_not_found")
        if inv.status not in ACTIVE_INVITATION:
            raise Conflict(f"invitation {inv.id} is {inv.status.value}", code="invitation_not_active")
        target = await s.get(ConferenceSite, to_conference_site_id)
        if target is None or target.conference_id != conference_id:
            raise InvalidInput(f"conference site {to_conference_site_id} is not part of this conference",
                               code="unknown_reference", field="conference_site_id")
        if target.id == inv.conference_site_id:
            raise Conflict("the delegate is already invited at this bridge point", code="same_site",
                           field="conference_site_id")
        moved = Relocation(conference_id=conference_id, invitation_id=inv.id, at=now, note=note,
                           from_conference_site_id=inv.conference_site_id, to_conference_site_id=target.id,
                           by_user_id=p.user_id)
        s.add(moved)
        inv.conference_site_id = target.id  # the delegate's presence now counts there
        await s.flush()
        audit(s, p, "checkin.relocated", conference_id=conference_id, site_id=target.site_id, subject=inv,
              source="manual", from_conference_site_id=moved.from_conference_site_id,
              to_conference_site_id=target.id, note=note)
        for cs_id in (moved.from_conference_site_id, target.id):
            uow.emit(conference_id, "attendance", conference_site_id=cs_id)
        uow.emit(conference_id, "roster_changed", invitation_id=inv.id,
                 conference_site_ids=[moved.from_conference_site_id, target.id])
        await uow.commit()
        return moved
