"""Need-to-know: who may see and change what. Query filters and checks, no HTTP."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Forbidden, NotFound
from domain.models import (BridgeSite, Conference, ConferenceSite, Delegate, Invitation, Role, Visibility,
                     conference_managers)


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    username: str
    role: Role | None
    site_ids: frozenset[int] = field(default_factory=frozenset)
    delegate_id: int | None = None
    invitation_id: int | None = None  # set for a delegate who came in through a personal link
    must_change_password: bool = False  # a password set by an administrator: only the change is allowed
    display_conference_id: int | None = None  # a wall board's display link: this one conference, counts only

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.admin, Role.organizer)

    @property
    def is_delegate_link(self) -> bool:
        return self.role is None and self.invitation_id is not None

    def runs_site(self, site_id: int) -> bool:
        """Organizers run every bridge point (check-in desk, heartbeats, notices, calendar), operators their own."""
        return self.is_staff or (self.role is Role.operator and site_id in self.site_ids)


def run_sites_filter(p: Principal) -> ColumnElement[bool]:
    """`Principal.runs_site` as a query condition on BridgeSite: every point for organizers, their own for operators."""
    if p.is_staff:
        return true()
    if p.role is Role.operator:
        return BridgeSite.id.in_(p.site_ids)
    return false()


def require_staff(p: Principal) -> None:
    if not p.is_staff:
        raise Forbidden("only organizers may change this", code="forbidden_role")


def require_admin(p: Principal) -> None:
    if p.role is not Role.admin:
        raise Forbidden("only administrators may do this", code="forbidden_role")


def _chaired(p: Principal) -> ColumnElement[bool]:
    managed = select(conference_managers.c.conference_id).where(conference_managers.c.user_id == p.user_id)
    cond = Conference.id.in_(managed)
    if p.delegate_id is not None:
        cond = or_(cond, Conference.chair_delegate_id == p.delegate_id)
    return cond


def conference_filter(p: Principal) -> ColumnElement[bool]:
    if p.is_staff:
        return true()
    if p.role is Role.operator:
        return Conference.id.in_(
            select(ConferenceSite.conference_id).where(ConferenceSite.site_id.in_(p.site_ids)))
    if p.role is Role.chair:
        return _chaired(p)
    if p.role is Role.viewer:
        return Conference.visibility == Visibility.internal
    if p.is_delegate_link:
        return Conference.id.in_(select(Invitation.conference_id).where(Invitation.id == p.invitation_id))
    if p.display_conference_id is not None:
        return Conference.id == p.display_conference_id
    return false()


def invitation_filter(p: Principal) -> ColumnElement[bool]:
    """Invitations (rosters) the caller may read."""
    if p.is_staff:
        return true()
    if p.role is Role.operator:
        return Invitation.conference_site_id.in_(
            select(ConferenceSite.id).where(ConferenceSite.site_id.in_(p.site_ids)))
    if p.role is Role.chair:
        return Invitation.conference_id.in_(select(Conference.id).where(_chaired(p)))
    if p.is_delegate_link:
        return Invitation.id == p.invitation_id
    return false()


def delegate_filter(p: Principal) -> ColumnElement[bool]:
    if p.is_staff:
        return true()
    if p.role in (Role.operator, Role.chair) or p.is_delegate_link:
        return Delegate.id.in_(select(Invitation.delegate_id).where(invitation_filter(p)))
    return false()


def may_read_rosters(p: Principal) -> bool:
    return p.is_staff or p.role in (Role.operator, Role.chair) or p.is_delegate_link


def require_roster_reader(p: Principal) -> None:
    if not may_read_rosters(p):
        raise Forbidden("this role may not read delegate data", code="forbidden_role")


async def visible_conference(session: AsyncSession, p: Principal, conference_id: int,
                             *, for_update: bool = False) -> Conference:
    stmt = select(Conference).where(Conference.id == conference_id, conference_filter(p))
    if for_update:
        stmt = stmt.with_for_update()
    conf = (await session.execute(stmt)).scalar_one_or_none()
    if conf is None:
        raise NotFound(f"conference {conference_id} not found", code="conference_not_found")
    return conf
