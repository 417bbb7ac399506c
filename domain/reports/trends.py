"""Across conferences: conferences per month, points per conference, attendance rate per unit month by month.

Months are the office's (Asia/Ho_Chi_Minh) calendar months of each conference's start. Drafts and cancelled
conferences are left out; attendance counts only conferences that have started (live or ended). An operator sees
the conferences of their points with only their points' numbers; everyone else what the conference list shows them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..access import Principal, conference_filter
from ..db import utcnow
from ..errors import InvalidInput
from ..i18n import format_percent, gettext
from ..models import (ACTIVE_INVITATION, DEFAULT_TZ, Conference, ConferenceSite, ConferenceStatus, Delegate,
                      Invitation, Unit)
from ..text import fold
from ..uow import UnitOfWork
from .attendance import _flag, _joined, _states
from .charts import Bar, BarChart, Segment
from .scope import point_condition, require_reader

OFFICE = ZoneInfo(DEFAULT_TZ)
MAX_MONTHS = 36
MAX_CONFERENCES = 1000
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
COUNTED = (ConferenceStatus.scheduled, ConferenceStatus.live, ConferenceStatus.ended)
STARTED = (ConferenceStatus.live, ConferenceStatus.ended)


def parse_month(value: str | None, field_name: str) -> date | None:
    """'2026-12' → 1 December 2026; blank → None; anything else is bad input at that field."""
    if value is None or not value.strip():
        return None
    m = MONTH.match(value.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise InvalidInput(f"{field_name}: a month is written YYYY-MM", code="invalid_month", field=field_name)
    return date(int(m.group(1)), int(m.group(2)), 1)


def _shift(d: date, months: int) -> date:
    n = d.year * 12 + d.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def month_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """First and last month of the report; by default the last twelve months and the next one."""
    first, last = parse_month(start, "from"), parse_month(end, "to")
    this = today.replace(day=1)
    last = last or (_shift(first, 12) if first else _shift(this, 1))
    first = first or _shift(last, -12)
    if first > last:
        raise InvalidInput("the first month comes after the last", code="month_range", field="from")
    if (last.year - first.year) * 12 + last.month - first.month + 1 > MAX_MONTHS:
        raise InvalidInput(f"at most {MAX_MONTHS} months at once", code="month_range", field="to",
                           most=MAX_MONTHS)
    return first, last


@dataclass
class ConferenceRow:
    conference_id: int
    title: str
    starts_at: datetime
    timezone: str
    status: ConferenceStatus
    points: int
    expected: int = 0
    present: int = 0  # among the expected (walk-ins not counted)

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected and self.status in STARTED else None


@dataclass
class MonthCell:
    expected: int = 0
    present: int = 0

    @property
    def rate(self) -> float | None:
        return self.present / self.expected if self.expected else None


@dataclass
class UnitTrend:
    unit_id: int | None
    code: str
    name: str
    cells: list[MonthCell]
    total: MonthCell


@dataclass
class TrendsReport:
    first: date
    last: date
    months: list[date]
    per_month: list[int]  # conferences starting in each month
    conferences: list[ConferenceRow]
    units: list[UnitTrend]  # one page, biggest first
    units_total: int
    limit: int
    offset: int
    partial: bool  # an operator's: only their points
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def active_months(self) -> list[int]:
        """Indexes of the months in which a conference started: the columns of the per-unit table."""
        started = {_month_of(c.starts_at) for c in self.conferences if c.status in STARTED}
        return [i for i, m in enumerate(self.months) if m in started]

    def month_label(self, m: date) -> str:
        return f"{m.month:02d}/{m.year}"

    def charts(self) -> list[BarChart]:
        per_month = BarChart(gettext("Conferences per month"), [
            Bar(self.month_label(m), [Segment("count", n)], str(n)) for m, n in zip(self.months, self.per_month)],
            [("count", gettext("Conferences"))])
        recent = sorted(self.conferences, key=lambda c: c.starts_at)[-20:]
        points = BarChart(gettext("Points per conference"), [
            Bar(c.title, [Segment("count", c.points)], str(c.points)) for c in recent],
            [("count", gettext("Bridge points"))])
        rates = BarChart(gettext("Attendance rate per month"), [
            Bar(self.month_label(m), [Segment("rate", cell.present), Segment("missing", cell.expected - cell.present)],
                format_percent(cell.rate) if cell.rate is not None else "—")
            for m, cell in zip(self.months, self._month_totals())],
            [("rate", gettext("Present")), ("missing", gettext("Not present"))], relative=True)
        return [per_month, points, rates]

    def _month_totals(self) -> list[MonthCell]:
        out = [MonthCell() for _ in self.months]
        index = {m: i for i, m in enumerate(self.months)}
        for c in self.conferences:
            if c.status in STARTED:
                i = index[_month_of(c.starts_at)]
                out[i].expected += c.expected
                out[i].present += c.present
        return out


def _month_of(t: datetime) -> date:
    return t.astimezone(OFFICE).date().replace(day=1)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time(0), OFFICE), datetime.combine(_shift(last, 1), time(0), OFFICE))


async def _unit_rows(s: AsyncSession, p: Principal, conf_ids: list[int]) -> list[tuple[Any, ...]]:
    if not conf_ids:
        return []
    present, _absent, _missing = _states()
    stmt = _joined(select(Delegate.unit_id, Invitation.conference_id, _flag(not_(Invitation.walk_in)),
                          _flag(and_(present, not_(Invitation.walk_in))))
                   .select_from(Invitation).join(Delegate, Delegate.id == Invitation.delegate_id)
                   .join(ConferenceSite, ConferenceSite.id == Invitation.conference_site_id))
    stmt = stmt.where(Invitation.conference_id.in_(conf_ids), Invitation.status.in_(ACTIVE_INVITATION),
                      point_condition(p)).group_by(Delegate.unit_id, Invitation.conference_id)
    return list((await s.execute(stmt)).all())


async def trends_report(uow: UnitOfWork, p: Principal, *, start: str | None = None, end: str | None = None,
                        limit: int | None = 25, offset: int = 0, now: datetime | None = None) -> TrendsReport:
    require_reader(p)
    now = now or utcnow()
    first, last = month_range(start, end, now.astimezone(OFFICE).date())
    lo, hi = _bounds(first, last)
    async with uow:
        s = uow.session
        confs = (await s.execute(
            select(Conference.id, Conference.title, Conference.starts_at, Conference.timezone, Conference.status)
            .where(conference_filter(p), Conference.status.in_(COUNTED), Conference.starts_at >= lo,
                   Conference.starts_at < hi).order_by(Conference.starts_at, Conference.id)
            .limit(MAX_CONFERENCES))).all()
        ids = [c[0] for c in confs]
        points = dict((await s.execute(
            select(ConferenceSite.conference_id, func.count().cast(Integer))
            .where(ConferenceSite.conference_id.in_(ids or [0]), point_condition(p))
            .group_by(ConferenceSite.conference_id))).all())
        rows = await _unit_rows(s, p, [c[0] for c in confs if c[4] in STARTED])
        unit_ids = {r[0] for r in rows if r[0] is not None}
        names = {uid: (code, name) for uid, code, name in (await s.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(unit_ids)))).all()} if unit_ids else {}
    months, m = [], first
    while m <= last:
        months.append(m)
        m = _shift(m, 1)
    index = {m: i for i, m in enumerate(months)}
    conferences = {cid: ConferenceRow(cid, title, starts, tz, status, points.get(cid, 0))
                   for cid, title, starts, tz, status in confs}
    per_month = [0] * len(months)
    for c in conferences.values():
        per_month[index[_month_of(c.starts_at)]] += 1
    units: dict[int | None, UnitTrend] = {}
    for unit_id, conf_id, expected, present in rows:
        c = conferences[conf_id]
        c.expected += expected
        c.present += present
        code, name = names.get(unit_id, ("", "")) if unit_id is not None else ("", "")
        u = units.setdefault(unit_id, UnitTrend(unit_id, code, name, [MonthCell() for _ in months], MonthCell()))
        for cell in (u.cells[index[_month_of(c.starts_at)]], u.total):
            cell.expected += expected
            cell.present += present
    ordered = sorted(units.values(), key=lambda u: (-u.total.expected, u.unit_id is None, fold(u.name)))
    page = ordered if limit is None else ordered[offset:offset + limit]
    return TrendsReport(first, last, months, per_month, list(conferences.values()), page, len(ordered),
                        limit or 0, offset, partial=p.role is not None and p.role.value == "operator")


def rate_bucket(rate: float | None) -> str:
    """A heat class for a rate cell: r0 (under 50 %) … r4 (95 % and more); '' for no data."""
    if rate is None:
        return ""
    return "r4" if rate >= 0.95 else "r3" if rate >= 0.85 else "r2" if rate >= 0.7 else "r1" if rate >= 0.5 else "r0"
