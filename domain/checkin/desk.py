"""Read models of the check-in desk pages: one bridge point's desk, and the chooser of the caller's desks.

Need-to-know as the desk's JSON routes (domain/checkin/service.py `desk_denial`), except that a desk is a page
of one point: an operator who does not run this point is told it does not exist (404), like a conference they
cannot see. Chairs and wall boards run no desk (403 forbidden_role).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from domain.access import Principal, conference_filter, visible_conference
from domain.checkin.service import require_desk_role
from domain.errors import NotFound
from domain.models import BridgeSite, Conference, ConferenceSite, ConferenceStatus
from domain.uow import UnitOfWork

S = ConferenceStatus
CHOOSER_LIMIT = 30  # conferences listed on the chooser (live first, then the next to start)


@dataclass(frozen=True)
class DeskPoint:
    conference_site_id: int
    site_id: int
    code: str
    name: str
    role: str
    readiness: str
    connection: str


@dataclass
class DeskView:
    conference: Conference
    point: DeskPoint
    other_points: list[DeskPoint]  # the caller's other points in this conference (operators; at most a few)


@dataclass
class ChooserLine:
    conference: Conference
    points: list[DeskPoint] = field(default_factory=list)


@dataclass
class Chooser:
    lines: list[ChooserLine]


def _point(row: tuple[ConferenceSite, BridgeSite]) -> DeskPoint:
    cs, site = row
    return DeskPoint(cs.id, site.id, site.code, site.name, cs.role.value, cs.readiness.value, cs.connection.value)


async def desk_view(uow: UnitOfWork, p: Principal, conference_id: int, conference_site_id: int) -> DeskView:
    """The desk of one point of a conference, for an organizer or an operator of that point."""
    async with uow:
        s = uow.session
        conf = await visible_conference(s, p, conference_id)
        require_desk_role(p)
        rows = (await s.execute(
            select(ConferenceSite, BridgeSite).join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
            .where(ConferenceSite.conference_id == conference_id,
                   or_(ConferenceSite.id == conference_site_id,
                       ConferenceSite.site_id.in_(p.site_ids) if p.site_ids else ConferenceSite.id == -1))
            .order_by(BridgeSite.name))).tuples().all()
        points = [_point(row) for row in rows]
        point = next((pt for pt in points if pt.conference_site_id == conference_site_id), None)
        if point is None or not p.runs_site(point.site_id):
            raise NotFound(f"no desk {conference_site_id} in conference {conference_id}",
                           code="conference_site_not_found")
        others = [pt for pt in points if pt.conference_site_id != conference_site_id and p.runs_site(pt.site_id)]
        return DeskView(conf, point, others)


async def chooser(uow: UnitOfWork, p: Principal, now: datetime) -> Chooser:
    """The desks the caller may open: their points in conferences that are live or still to come."""
    require_desk_role(p)
    async with uow:
        s = uow.session
        confs = list((await s.execute(
            select(Conference).where(conference_filter(p),
                                     or_(Conference.status == S.live,
                                         (Conference.status == S.scheduled)
                                         & (Conference.ends_at > now - timedelta(hours=1))))
            .order_by((Conference.status == S.live).desc(), Conference.starts_at, Conference.id)
            .limit(CHOOSER_LIMIT))).scalars())
        lines = {c.id: ChooserLine(c) for c in confs}
        if lines:
            stmt = (select(ConferenceSite, BridgeSite).join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)
                    .where(ConferenceSite.conference_id.in_(list(lines)))
                    .order_by(ConferenceSite.role, BridgeSite.name))
            if not p.is_staff:
                stmt = stmt.where(ConferenceSite.site_id.in_(p.site_ids))
            for cs, site in (await s.execute(stmt)).tuples():
                lines[cs.conference_id].points.append(_point((cs, site)))
        return Chooser([line for line in lines.values() if line.points])
