"""The attendance read model: per bridge point present / expected / late / walk-ins / absent with a reason /
missing, and conference totals. expected = present + absent + missing.

Read from site_counts, the per-point counts the database's triggers keep (domain/checkin/tally.py): the points
asked for (all, some, or a page) and the totals summed over the conference's points, two queries that never read an
invitation. `recount` counts the same from the invitations, for tests and checks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import core_rows
from domain.models import ACTIVE_INVITATION, ConferenceSite, Invitation
from domain.checkin.models import Absence, Presence, SiteCounts


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
    points: int = 0  # every point of the conference (the sites listed may be a page of them)

    def to_dict(self) -> dict[str, object]:
        return {"sites": [dict(vars(s)) for s in self.sites],  # asdict's deep copy: a third of a second at 10,000
                "totals": {"present": self.present, "expected": self.expected, "late": self.late,
                           "walk_ins": self.walk_ins, "absent": self.absent, "missing": self.missing},
                "total": self.points}


def counts_as_absent() -> ColumnElement[bool]:
    """An absence that still counts: the delegate is not in the room and has not checked in since it was recorded
    (with Presence outer-joined on the absence's invitation). A later check-in supersedes it."""
    return and_(Presence.present.isnot(True),
                or_(Presence.last_in_at.is_(None), Presence.last_in_at <= Absence.set_at))


def _sum(flag: object) -> object:
    return func.coalesce(func.sum(case((flag, 1), else_=0)), 0).cast(Integer)


def _site_rows(rows: Any) -> list[SiteAttendance]:
    out = []
    for cs_id, site_id, expected, n_invited, walk_ins, present, late, away in rows:
        expected = expected if expected > 0 else n_invited
        out.append(SiteAttendance(cs_id, site_id, present, expected, late, walk_ins, away,
                                  max(expected - present - away, 0)))
    return out


async def attendance(session: AsyncSession, conference_id: int, conference_site_ids: list[int] | None = None, *,
                     limit: int | None = None, offset: int = 0) -> Attendance:
    """Counts for the listed sites (all when None; a page of them with limit/offset, by point id); totals always
    cover every site of the conference. Read from site_counts (one row per point, kept by the database's triggers)
    and summed in the database: no invitation is read."""
    expected = case((ConferenceSite.expected_attendance > 0, ConferenceSite.expected_attendance),
                    else_=SiteCounts.invited)
    of_conference = (select().select_from(ConferenceSite)
                     .join(SiteCounts, SiteCounts.conference_site_id == ConferenceSite.id)
                     .where(ConferenceSite.conference_id == conference_id))
    stmt = of_conference.add_columns(
        ConferenceSite.id, ConferenceSite.site_id, ConferenceSite.expected_attendance, SiteCounts.invited,
        SiteCounts.walk_ins, SiteCounts.present, SiteCounts.late, SiteCounts.absent).order_by(ConferenceSite.id)
    if conference_site_ids is not None:
        stmt = stmt.where(ConferenceSite.id.in_(conference_site_ids))
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    missing = expected - SiteCounts.present - SiteCounts.absent
    whole = of_conference.add_columns(
        func.count(), *(func.coalesce(func.sum(c), 0) for c in (
            expected, SiteCounts.present, SiteCounts.late, SiteCounts.walk_ins, SiteCounts.absent,
            case((missing > 0, missing), else_=0))))
    sites = _site_rows(await core_rows(session, stmt))
    n, *totals = (await core_rows(session, whole))[0]
    expected_total, present, late, walk_ins, absent, missing_total = (int(v) for v in totals)
    return Attendance(conference_id, sites, present=present, expected=expected_total, late=late, walk_ins=walk_ins,
                      absent=absent, missing=missing_total, points=int(n))


def per_point_counts() -> Select[Any]:
    """(conference site id, invited, walk-ins, present, late, absent) per point, counted from the invitations with
    their presences and absences: the rules site_counts keeps (`recount`, and filling site_counts once)."""
    active = Invitation.status.in_(ACTIVE_INVITATION)
    return (select(Invitation.conference_site_id, _sum(active), _sum(and_(active, Invitation.walk_in)),
                   _sum(Presence.present), _sum(Presence.late),
                   _sum(and_(active, Absence.invitation_id.isnot(None), counts_as_absent())))
            .select_from(Invitation)
            .outerjoin(Presence, Presence.invitation_id == Invitation.id)
            .outerjoin(Absence, Absence.invitation_id == Invitation.id)
            .group_by(Invitation.conference_site_id))


async def recount(session: AsyncSession, conference_id: int) -> Attendance:
    """Every point counted from its invitations (what site_counts must always equal; for tests and checks)."""
    sites = await core_rows(session, (
        select(ConferenceSite.id, ConferenceSite.site_id, ConferenceSite.expected_attendance)
        .where(ConferenceSite.conference_id == conference_id).order_by(ConferenceSite.id)))
    per_site = {cs: rest for cs, *rest in await core_rows(
        session, per_point_counts().where(Invitation.conference_id == conference_id))}
    everywhere = _site_rows([(cs_id, site_id, expected, *per_site.get(cs_id, (0, 0, 0, 0, 0)))
                                             for cs_id, site_id, expected in sites])
    return Attendance(
        conference_id, everywhere,
        present=sum(s.present for s in everywhere), expected=sum(s.expected for s in everywhere),
        late=sum(s.late for s in everywhere), walk_ins=sum(s.walk_ins for s in everywhere),
        absent=sum(s.absent for s in everywhere), missing=sum(s.missing for s in everywhere),
        points=len(everywhere))
