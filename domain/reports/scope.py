"""Who may read which report rows: the conference as the API shows it, the points, and whether names are shown."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession

from ..access import Principal, may_read_rosters, visible_conference
from ..errors import Forbidden
from ..models import Conference, ConferenceSite, Role

READERS = (Role.admin, Role.organizer, Role.chair, Role.operator, Role.viewer)


@dataclass(frozen=True)
class Scope:
    """What one caller reads of one conference's reports."""
    conference: Conference
    site_ids: frozenset[int] | None  # bridge sites whose rows they read; None: every point
    names: bool  # delegate names and details (no for wall boards)

    @property
    def partial(self) -> bool:
        """Only some points (an operator's): the report says so."""
        return self.site_ids is not None

    def points(self) -> ColumnElement[bool]:
        """Condition on ConferenceSite for the points in the report."""
        cond: Any = ConferenceSite.conference_id == self.conference.id
        return cond if self.site_ids is None else cond & ConferenceSite.site_id.in_(self.site_ids)


def require_reader(p: Principal) -> None:
    """Reports are for signed-in staff, chairs, operators and wall boards; not for a delegate's link."""
    if p.role not in READERS:
        raise Forbidden("this caller may not read reports", code="forbidden_role")


def site_filter(p: Principal) -> frozenset[int] | None:
    return p.site_ids if p.role is Role.operator else None


def point_condition(p: Principal) -> ColumnElement[bool]:
    """Across conferences: the conference sites whose numbers the caller reads."""
    return ConferenceSite.site_id.in_(p.site_ids) if p.role is Role.operator else true()


async def conference_scope(session: AsyncSession, p: Principal, conference_id: int) -> Scope:
    require_reader(p)
    conf = await visible_conference(session, p, conference_id)
    return Scope(conf, site_filter(p), may_read_rosters(p))
