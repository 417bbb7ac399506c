"""The attendance report of a conference: per bridge point and per unit, expected / present / late / walk-ins /
absent with a reason / missing, and the list of the absent and the missing.

Definitions (after the conference as during it):
- expected: active invitations (invited, confirmed) that are not walk-ins;
- present: checked in at least once (a presence row), unless marked absent after their last entry;
- late: present, and the first arrival was after the start; walk-ins: registered at the door (also present);
- absent: marked absent with a reason by the point's operator and not present;
- missing: expected, neither present nor absent. So expected = present (not walk-ins) + absent + missing.
Counts come from one aggregate query grouped by point and unit, whatever the size; the named list is paged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..access import Principal
from ..checkin.models import Absence, Presence
from ..db import utcnow
from ..errors import N_
from ..i18n import gettext
from ..models import ACTIVE_INVITATION, BridgeSite, ConferenceSite, Delegate, Invitation, SiteRole, Unit
from ..text import fold, like_pattern
from ..uow import UnitOfWork
from .charts import Bar, BarChart, Segment
from .scope import Scope, conference_scope


TOP_POINTS = 20  # points with the lowest attendance in the chart


@dataclass
class Counts:
    expected: int = 0
    present: int = 0
    late: int = 0
    walk_ins: int = 0
    absent: int = 0
    missing: int = 0

    def add(self, other: Counts) -> None:
        for k in ("expected", "present", "late", "walk_ins", "absent", "missing"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def present_expected(self) -> int:
        """Present among the expected (walk-ins are on top)."""
        return self.expected - self.absent - self.missing

    @property
    def rate(self) -> float | None:
        """Share of the expected who came; None when nobody was expected."""
        return self.present_expected / self.expected if self.expected else None


@dataclass
class PointRow:
    conference_site_id: int
    code: str
    name: str
    host: bool
    counts: Counts


@dataclass
class UnitRow:
    unit_id: int | None
    code: str
    name: str
    counts: Counts


@dataclass
class PersonRow:
    invitation_id: int
    full_name: str
    rank: str
    position: str
    unit_name: str
    site_code: str
    site_name: str
    state: str  # absent | missing
    reason: str  # the absence's reason code ("" when missing)
    note: str


@dataclass
class AttendanceReport:
    scope: Scope
    totals: Counts
    points: list[PointRow]
    units: list[UnitRow]
    people: list[PersonRow] = field(default_factory=list)  # one page of the absent and missing (named readers)
    people_total: int = 0
    limit: int = 0
    offset: int = 0
    generated_at: Any = None

    def chart(self) -> BarChart:
        return attendance_chart(self)


def _flag(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0).cast(Integer)


def _states() -> tuple[Any, Any, Any]:
    """(present, absent, missing) as SQL conditions on an invitation outer-joined to its presence and absence."""
    checked_in = Presence.invitation_id.is_not(None)
    marked = Absence.invitation_id.is_not(None)
    after_last_entry = and_(marked, or_(Presence.last_in_at.is_(None), Absence.set_at >= Presence.last_in_at))
    present = and_(checked_in, not_(after_last_entry))
    return present, and_(marked, not_(present)), and_(not_(Invitation.walk_in), not_(present), not_(marked))


def _joined(stmt: Any) -> Any:
    return (stmt.outerjoin(Presence, Presence.invitation_id == Invitation.id)
            .outerjoin(Absence, Absence.invitation_id == Invitation.id))


def _invitations(scope: Scope) -> list[Any]:
    conds = [Invitation.conference_id == scope.conference.id, Invitation.status.in_(ACTIVE_INVITATION)]
    if scope.site_ids is not None:
        conds.append(Invitation.conference_site_id.in_(select(ConferenceSite.id).where(scope.points())))
    return conds


async def _groups(s: AsyncSession, scope: Scope) -> list[tuple[int, int | None, Counts]]:
    present, absent, missing = _states()
    stmt = _joined(select(
        Invitation.conference_site_id, Delegate.unit_id, _flag(not_(Invitation.walk_in)), _flag(present),
        _flag(and_(present, Presence.late)), _flag(Invitation.walk_in), _flag(and_(absent, not_(Invitation.walk_in))),
        _flag(missing))
        .select_from(Invitation).join(Delegate, Delegate.id == Invitation.delegate_id))
    stmt = stmt.where(*_invitations(scope)).group_by(Invitation.conference_site_id, Delegate.unit_id)
    return [(cs, unit, Counts(*numbers)) for cs, unit, *numbers in (await s.execute(stmt)).all()]


async def _people(s: AsyncSession, scope: Scope, limit: int | None, offset: int,
                  q: str | None = None) -> tuple[list[PersonRow], int]:
    """The absent and the missing, by point then name; `limit` None: all of them (the downloads)."""
    present, absent, missing = _states()
    stmt = _joined(
        select(Invitation.id, Delegate.full_name, Delegate.rank, Delegate.position, Unit.name, BridgeSite.code,
               BridgeSite.name, case((missing, "missing"), else_="absent"), Absence.reason, Absence.note)
        .select_from(Invitation).join(Delegate, Delegate.id == Invitation.delegate_id)
        .outerjoin(Unit, Unit.id == Delegate.unit_id)
        .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id)
        .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id)).where(
        *_invitations(scope), not_(Invitation.walk_in), or_(absent, missing))
    if q:
        stmt = stmt.where(Delegate.search.like(like_pattern(q), escape="\\"))
    total = 0
    if limit is not None:
        total = (await s.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        stmt = stmt.limit(limit).offset(offset)
    rows = (await s.execute(stmt.order_by(ConferenceSite.role, BridgeSite.code, Delegate.search, Invitation.id))).all()
    people = [PersonRow(i, n or "", r or "", pos or "", u or "", code, site, state,
                        getattr(why, "value", why) or "", note or "")
              for i, n, r, pos, u, code, site, state, why, note in rows]
    return people, total if limit is not None else len(people)


async def build(s: AsyncSession, scope: Scope, *, limit: int | None = 50, offset: int = 0,
                q: str | None = None) -> AttendanceReport:
    groups = await _groups(s, scope)
    points = {cs: PointRow(cs, code, name, role is SiteRole.host, Counts())
              for cs, code, name, role in (await s.execute(
                  select(ConferenceSite.id, BridgeSite.code, BridgeSite.name, ConferenceSite.role)
                  .join(BridgeSite, BridgeSite.id == ConferenceSite.site_id).where(scope.points())
                  .order_by(ConferenceSite.role, BridgeSite.code))).all()}
    unit_ids = {u for _, u, _ in groups if u is not None}
    unit_names = {uid: (code, name) for uid, code, name in (await s.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(unit_ids)))).all()} if unit_ids else {}
    units: dict[int | None, UnitRow] = {}
    totals = Counts()
    for cs, unit, counts in groups:
        if cs in points:
            points[cs].counts.add(counts)
        code, name = unit_names.get(unit, ("", "")) if unit is not None else ("", "")
        units.setdefault(unit, UnitRow(unit, code, name, Counts())).counts.add(counts)
        totals.add(counts)
    people, people_total = ([], 0)
    if scope.names:
        people, people_total = await _people(s, scope, limit, offset, q)
    ordered_units = sorted(units.values(), key=lambda u: (u.unit_id is None, fold(u.name), u.code))
    return AttendanceReport(scope, totals, list(points.values()), ordered_units, people, people_total,
                            limit or 0, offset, generated_at=utcnow())


async def attendance_report(uow: UnitOfWork, p: Principal, conference_id: int, *, limit: int | None = 50,
                            offset: int = 0, q: str | None = None) -> AttendanceReport:
    async with uow:
        scope = await conference_scope(uow.session, p, conference_id)
        return await build(uow.session, scope, limit=limit, offset=offset, q=q)


STATE_KEYS = ("present", "late", "absent", "missing")


def legend() -> list[tuple[str, str]]:
    return [("present", gettext("Present on time")), ("late", gettext("Late")),
            ("absent", gettext("Absent with a reason")), ("missing", gettext("Missing"))]


def _segments(c: Counts) -> list[Segment]:
    on_time = max(c.present_expected - c.late, 0)
    return [Segment("present", on_time), Segment("late", min(c.late, c.present_expected)),
            Segment("absent", c.absent), Segment("missing", c.missing)]


def _pct(rate: float | None) -> str:
    from ..i18n import format_percent
    return format_percent(rate) if rate is not None else "—"


def attendance_chart(report: AttendanceReport) -> BarChart:
    """The whole conference in one bar, then the points with the lowest attendance."""
    bars = [Bar(gettext("All points"), _segments(report.totals), _pct(report.totals.rate), strong=True)]
    worst = sorted((pt for pt in report.points if pt.counts.expected), key=lambda pt: (pt.counts.rate, pt.code))
    for pt in worst[:TOP_POINTS]:
        bars.append(Bar(pt.name, _segments(pt.counts), _pct(pt.counts.rate)))
    title = (gettext("Attendance: the whole conference and the %(n)s points with the lowest attendance", n=len(bars) - 1)
             if len(bars) > 1 else gettext("Attendance"))
    return BarChart(title, bars, legend(), relative=True)


REASONS = {"leave": N_("On leave"), "duty": N_("On duty elsewhere"), "illness": N_("Ill"), "other": N_("Other")}


def reason_label(code: str) -> str:
    """The absence's reason in the reader's language (an unknown code as it is)."""
    return gettext(REASONS[code]) if code in REASONS else code
