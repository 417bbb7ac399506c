"""The attendance read model: per bridge point present / expected / late / walk-ins / absent with a reason /
missing, and conference totals. expected = present + absent + missing.

Two queries whatever the size of the conference: the points, and one pass over the conference's invitations in
the covering index ix_invitations_conference_site_counts (migration 0011: an index-only scan on PostgreSQL, a
covering-index search on SQLite) with each one's presence and absence found by primary key, grouped by point. The
realtime layer calls this once per tick; no table is read whole, only this conference's index entries.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import core_rows
from domain.models import ACTIVE_INVITATION, ConferenceSite, Invitation
from domain.checkin.models import Absence, Presence


@dataclass
class SiteAttendance:
    conference_site_id: int
    site_id: int
    present: int  # in the room now (checked in and not checked out)
    expected: int  # the site's expected attendance, or its active invitations when that is not set
    late: int  # delegates whose first arrival was after the start
    walk_ins: int  # delegates registered at the door
    absent: int = 0  # reported absent with a reason (domain/checkin/absences.py), and not checked in since
    missing: int = 0  # expected but neither present nor absent with a reason: max(expected - present - absent, 0)


@dataclass
class Attendance:
    conference_id: int
    sites: list[SiteAttendance]
    present: int
    expected: int
    late: int
    walk_ins: int
    absent: int = 0
    missing: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"sites": [dict(vars(s)) for s in self.sites],  # asdict's deep copy: a third of a second at 10,000
                "totals": {"present": self.present, "expected": self.expected, "late": self.late,
                           "walk_ins": self.walk_ins, "absent": self.absent, "missing": self.missing}}


def counts_as_absent() -> ColumnElement[bool]:
    """An absence that still counts: the delegate is not in the room and has not checked in since it was recorded
    (with Presence outer-joined on the absence's invitation). A later check-in supersedes it."""
    return and_(Presence.present.isnot(True),
                or_(Presence.last_in_at.is_(None), Presence.last_in_at <= Absence.set_at))


def _sum(flag: object) -> object:
    return func.coalesce(func.sum(case((flag, 1), else_=0)), 0).cast(Integer)


async def attendance(session: AsyncSession, conference_id: int,
                     conference_site_ids: list[int] | None = None) -> Attendance:
    """Counts for the listed sites (all when None); totals always cover every site of the conference."""
    sites = await core_rows(session, (
        select(ConferenceSite.id, ConferenceSite.site_id, ConferenceSite.expected_attendance)
        .where(ConferenceSite.conference_id == conference_id).order_by(ConferenceSite.id)))
    active = Invitation.status.in_(ACTIVE_INVITATION)
    per_site = {cs: rest for cs, *rest in await core_rows(session,
        select(Invitation.conference_site_id, _sum(active), _sum(and_(active, Invitation.walk_in)),
               _sum(Presence.present), _sum(Presence.late),
               _sum(and_(active, Absence.invitation_id.isnot(None), counts_as_absent())))
        .select_from(Invitation)
        .outerjoin(Presence, Presence.invitation_id == Invitation.id)
        .outerjoin(Absence, Absence.invitation_id == Invitation.id)
        .where(Invitation.conference_id == conference_id)
        .group_by(Invitation.conference_site_id))}
    everywhere = []
    for cs_id, site_id, expected in sites:
        n_invited, walk_ins, present, late, away = per_site.get(cs_id, (0, 0, 0, 0, 0))
        expected = expected if expected > 0 else n_invited
        everywhere.append(SiteAttendance(cs_id, site_id, present, expected, late, walk_ins, away,
                                         max(expected - present - away, 0)))
    wanted = None if conference_site_ids is None else set(conference_site_ids)
    return Attendance(
        conference_id,
        [s for s in everywhere if wanted is None or s.conference_site_id in wanted],
        present=sum(s.present for s in everywhere), expected=sum(s.expected for s in everywhere),
        late=sum(s.late for s in everywhere), walk_ins=sum(s.walk_ins for s in everywhere),
        absent=sum(s.absent for s in everywhere), missing=sum(s.missing for s in everywhere))
