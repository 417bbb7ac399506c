"""The attendance read model: per bridge point present / expected / late / walk-ins, and conference totals.

Three aggregate queries whatever the size of the conference: the realtime layer calls this once per tick.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import ACTIVE_INVITATION, ConferenceSite, Invitation
from domain.checkin.models import Presence


@dataclass
class SiteAttendance:
    conference_site_id: int
    site_id: int
    present: int  # in the room now (checked in and not checked out)
    expected: int  # the site's expected attendance, or its active invitations when that is not set
    late: int  # delegates whose first arrival was after the start
    walk_ins: int  # delegates registered at the door


@dataclass
class Attendance:
    conference_id: int
    sites: list[SiteAttendance]
    present: int
    expected: int
    late: int
    walk_ins: int

    def to_dict(self) -> dict[str, object]:
        return {"sites": [asdict(s) for s in self.sites],
                "totals": {"present": self.present, "expected": self.expected, "late": self.late,
                           "walk_ins": self.walk_ins}}


def _sum(flag: object) -> object:
    return func.coalesce(func.sum(case((flag, 1), else_=0)), 0).cast(Integer)


async def attendance(session: AsyncSession, conference_id: int,
                     conference_site_ids: list[int] | None = None) -> Attendance:
    """Counts for the listed sites (all when None); totals always cover every site of the conference."""
    sites = (await session.execute(
        select(ConferenceSite.id, ConferenceSite.site_id, ConferenceSite.expected_attendance)
        .where(ConferenceSite.conference_id == conference_id).order_by(ConferenceSite.id))).all()
    invited = {cs: (n, walk_ins) for cs, n, walk_ins in await session.execute(
        select(Invitation.conference_site_id, func.count(), _sum(Invitation.walk_in))
        .where(Invitation.conference_id == conference_id, Invitation.status.in_(ACTIVE_INVITATION))
        .group_by(Invitation.conference_site_id))}
    presence = {cs: (present, late) for cs, present, late in await session.execute(
        select(Invitation.conference_site_id, _sum(Presence.present), _sum(Presence.late))
        .join(Invitation, Invitation.id == Presence.invitation_id)
        .where(Presence.conference_id == conference_id)
        .group_by(Invitation.conference_site_id))}
    everywhere = []
    for cs_id, site_id, expected in sites:
        n_invited, walk_ins = invited.get(cs_id, (0, 0))
        present, late = presence.get(cs_id, (0, 0))
        everywhere.append(SiteAttendance(cs_id, site_id, present, expected if expected > 0 else n_invited,
                                         late, walk_ins))
    wanted = None if conference_site_ids is None else set(conference_site_ids)
    return Attendance(
        conference_id,
        [s for s in everywhere if wanted is None or s.conference_site_id in wanted],
        present=sum(s.present for s in everywhere), expected=sum(s.expected for s in everywhere),
        late=sum(s.late for s in everywhere), walk_ins=sum(s.walk_ins for s in everywhere))
