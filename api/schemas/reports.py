"""Report schemas: a conference's attendance report and the report across conferences (JSON twins of the pages)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import Struct

from domain.reports.attendance import AttendanceReport, Counts
from domain.reports.trends import TrendsReport


class ReportCounts(Struct):
    expected: int
    present: int
    late: int
    walk_ins: int
    absent: int
    missing: int
    rate: float | None  # present among the expected ÷ expected


class PointAttendance(Struct):
    conference_site_id: int
    code: str
    name: str
    host: bool
    counts: ReportCounts


class UnitAttendance(Struct):
    unit_id: int | None
    code: str
    name: str
    counts: ReportCounts


class AbsentDelegate(Struct):
    invitation_id: int
    full_name: str
    rank: str
    position: str
    unit_name: str
    site_code: str
    site_name: str
    state: str  # absent | missing
    reason: str  # the absence's reason code; "" when missing
    note: str


class AttendanceReportOut(Struct):
    conference_id: int
    partial: bool  # only the caller's points (an operator)
    names: bool  # false: a wall board, no delegate names
    totals: ReportCounts
    points: list[PointAttendance]
    units: list[UnitAttendance]
    people: list[AbsentDelegate]  # one page of the absent and missing
    people_total: int
    limit: int
    offset: int


class MonthCount(Struct):
    month: str  # YYYY-MM
    conferences: int


class ConferencePoints(Struct):
    conference_id: int
    title: str
    starts_at: datetime
    status: str
    points: int
    expected: int
    present: int
    rate: float | None


class UnitMonth(Struct):
    month: str
    expected: int
    present: int
    rate: float | None


class UnitTrendOut(Struct):
    unit_id: int | None
    code: str
    name: str
    months: list[UnitMonth]
    expected: int
    present: int
    rate: float | None


class TrendsOut(Struct):
    first: str
    last: str
    partial: bool
    per_month: list[MonthCount]
    conferences: list[ConferencePoints]
    units: list[UnitTrendOut]
    units_total: int
    limit: int
    offset: int


def counts_out(c: Counts) -> ReportCounts:
    return ReportCounts(c.expected, c.present, c.late, c.walk_ins, c.absent, c.missing, c.rate)


def attendance_out(r: AttendanceReport) -> AttendanceReportOut:
    return AttendanceReportOut(
        r.scope.conference.id, r.scope.partial, r.scope.names, counts_out(r.totals),
        [PointAttendance(p.conference_site_id, p.code, p.name, p.host, counts_out(p.counts)) for p in r.points],
        [UnitAttendance(u.unit_id, u.code, u.name, counts_out(u.counts)) for u in r.units],
        [AbsentDelegate(x.invitation_id, x.full_name, x.rank, x.position, x.unit_name, x.site_code, x.site_name,
                        x.state, x.reason, x.note) for x in r.people],
        r.people_total, r.limit, r.offset)


def trends_out(r: TrendsReport, zone: Any) -> TrendsOut:
    months = [f"{m:%Y-%m}" for m in r.months]
    return TrendsOut(
        months[0], months[-1], r.partial, [MonthCount(m, n) for m, n in zip(months, r.per_month)],
        [ConferencePoints(c.conference_id, c.title, c.starts_at.astimezone(zone), c.status.value, c.points,
                          c.expected, c.present, c.rate) for c in r.conferences],
        [UnitTrendOut(u.unit_id, u.code, u.name, [UnitMonth(m, c.expected, c.present, c.rate)
                                                  for m, c in zip(months, u.cells)],
                      u.total.expected, u.total.present, u.total.rate) for u in r.units],
        r.units_total, r.limit, r.offset)
