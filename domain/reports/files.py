"""The downloads: each report as a document (document.py), written as XLSX or PDF in the caller's language.

The data is read with every row (no paging); writing runs in a worker thread (the locale goes with it), so the
server keeps answering while a big report is written.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..access import Principal
from ..errors import NotFound
from ..i18n import format_datetime, format_number, format_percent, gettext
from ..uow import UnitOfWork
from . import pdf, xlsx
from .activity import (AcknowledgementReport, DeliveryReport, OutageReport, SpeakingReport, acknowledgement_report,
                       delivery_report, duration, outage_report, speaking_report)
from .attendance import AttendanceReport, attendance_report, reason_label
from .document import Document, Percent, Table
from .scope import Scope
from .trends import TrendsReport, trends_report

KINDS = ("attendance", "outages", "speaking", "delivery", "acknowledgements")
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


@dataclass(frozen=True)
class ReportFile:
    filename: str
    media_type: str
    content: bytes


def _pct(value: float | None) -> Percent | str:
    return Percent(value) if value is not None else ""


def _when(scope: Scope, t: datetime | None) -> str:
    return format_datetime(t, scope.conference.timezone, "dd/MM/yyyy HH:mm") if t else ""


def _facts(scope: Scope, generated_at: datetime | None) -> list[tuple[str, str]]:
    conf = scope.conference
    facts = [(gettext("Conference"), conf.title),
             (gettext("Time"), f"{format_datetime(conf.starts_at, conf.timezone, 'dd/MM/yyyy HH:mm')} – "
                               f"{format_datetime(conf.ends_at, conf.timezone, 'HH:mm')} ({conf.timezone})"),
             (gettext("Made at"), _when(scope, generated_at))]
    if scope.partial:
        facts.append((gettext("Covers"), gettext("Only the bridge points you operate")))
    if not scope.names:
        facts.append((gettext("Names"), gettext("Delegate names are not shown to wall boards")))
    return facts


def attendance_document(r: AttendanceReport) -> Document:
    t = r.totals
    doc = Document(gettext("Attendance report"), r.scope.conference.title, _facts(r.scope, r.generated_at) + [
        (gettext("Expected"), format_number(t.expected)),
        (gettext("Present"), f"{format_number(t.present)} ({gettext('of them walk-ins: %(n)s', n=format_number(t.walk_ins))})"),
        (gettext("Attendance rate"), format_percent(t.rate) if t.rate is not None else "—"),
        (gettext("Late"), format_number(t.late)), (gettext("Absent with a reason"), format_number(t.absent)),
        (gettext("Missing"), format_number(t.missing))])
    doc.blocks.append(r.chart())
    counts = [gettext("Expected"), gettext("Present"), gettext("Late"), gettext("Walk-ins"),
              gettext("Absent with a reason"), gettext("Missing"), gettext("Rate")]

    def numbers(c: Any) -> list[object]:
        return [c.expected, c.present, c.late, c.walk_ins, c.absent, c.missing, _pct(c.rate)]
    doc.blocks.append(Table(gettext("Per bridge point"), [gettext("Code"), gettext("Bridge point"), *counts],
                            [[pt.code, pt.name, *numbers(pt.counts)] for pt in r.points],
                            [16, 40, 9, 9, 8, 8, 10, 9, 8]))
    doc.blocks.append(Table(gettext("Per unit"), [gettext("Code"), gettext("Unit"), *counts],
                            [[u.code, u.name or gettext("(no unit)"), *numbers(u.counts)] for u in r.units],
                            [16, 40, 9, 9, 8, 8, 10, 9, 8]))
    if r.scope.names:
        doc.blocks.append(Table(gettext("Absent and missing delegates"), [
            gettext("Full name"), gettext("Rank"), gettext("Position"), gettext("Unit"), gettext("Point code"),
            gettext("Bridge point"), gettext("State"), gettext("Reason"), gettext("Note")],
            [[x.full_name, x.rank, x.position, x.unit_name, x.site_code, x.site_name,
              gettext("Absent") if x.state == "absent" else gettext("Missing"), reason_label(x.reason), x.note]
             for x in r.people], [28, 12, 22, 28, 14, 30, 10, 14, 24],
            empty=gettext("Every expected delegate is present.")))
    return doc


def outages_document(r: OutageReport) -> Document:
    doc = Document(gettext("Connection outages"), r.scope.conference.title, _facts(r.scope, r.generated_at) + [
        (gettext("Points"), format_number(r.points_in_scope)),
        (gettext("Points with an outage"), format_number(len(r.points))),
        (gettext("Outages"), format_number(r.outages)), (gettext("Time lost in all"), duration(r.seconds))])
    doc.blocks.append(r.timeline(r.points[:40]))
    doc.blocks.append(Table(gettext("Outages"), [
        gettext("Code"), gettext("Bridge point"), gettext("Lost at"), gettext("Back at"), gettext("Duration"),
        gettext("Seconds")],
        [[pt.code, pt.name, _when(r.scope, o.started_at), _when(r.scope, o.ended_at) or gettext("not back"),
          duration(o.seconds), int(o.seconds)] for pt in r.points for o in pt.outages],
        [16, 40, 16, 16, 10, 10], empty=gettext("No bridge point lost its connection.")))
    return doc


def speaking_document(r: SpeakingReport) -> Document:
    doc = Document(gettext("Speaking time"), r.scope.conference.title, _facts(r.scope, r.generated_at) + [
        (gettext("Speeches"), format_number(r.speeches)), (gettext("Speaking time in all"), duration(r.seconds))])
    doc.blocks.append(r.chart())
    doc.blocks.append(Table(gettext("Per bridge point"), [gettext("Code"), gettext("Bridge point"),
                                                          gettext("Speeches"), gettext("Time"), gettext("Seconds")],
                            [[pt.code, pt.name, pt.speeches, duration(pt.seconds), int(pt.seconds)] for pt in r.points],
                            [16, 40, 10, 10, 10], empty=gettext("Nobody has finished speaking yet.")))
    if r.scope.names:
        doc.blocks.append(Table(gettext("Per delegate"), [
            gettext("Full name"), gettext("Rank"), gettext("Unit"), gettext("Bridge point"), gettext("Speeches"),
            gettext("Time"), gettext("Seconds")],
            [[d.full_name, d.rank, d.unit_name, d.site_name, d.speeches, duration(d.seconds), int(d.seconds)]
             for d in r.delegates], [28, 12, 28, 30, 9, 9, 9], empty=gettext("Nobody has finished speaking yet.")))
    return doc


def delivery_document(r: DeliveryReport) -> Document:
    t = r.totals
    doc = Document(gettext("Invitation delivery"), r.scope.conference.title, _facts(r.scope, r.generated_at) + [
        (gettext("Invitations"), format_number(t.invitations)), (gettext("Sent"), format_number(t.sent)),
        (gettext("Pending"), format_number(t.pending)), (gettext("Failed"), format_number(t.failed)),
        (gettext("Not sent yet"), format_number(t.not_sent)), (gettext("No e-mail address"), format_number(t.no_email))])
    doc.blocks.append(r.chart())
    doc.blocks.append(Table(gettext("Per bridge point"), [
        gettext("Code"), gettext("Bridge point"), gettext("Invitations"), gettext("Sent"), gettext("Pending"),
        gettext("Failed"), gettext("Not sent yet"), gettext("No e-mail address")],
        [[pt.code, pt.name, pt.counts.invitations, pt.counts.sent, pt.counts.pending, pt.counts.failed,
          pt.counts.not_sent, pt.counts.no_email] for pt in r.points], [16, 40, 10, 9, 9, 9, 10, 10]))
    if r.scope.names:
        doc.blocks.append(Table(gettext("Failed invitations"), [
            gettext("Full name"), gettext("E-mail"), gettext("Bridge point"), gettext("Error")],
            [[f.full_name, f.email, f.site_name, f.error] for f in r.failed], [28, 30, 30, 40],
            empty=gettext("No invitation failed.")))
    return doc


def acknowledgements_document(r: AcknowledgementReport) -> Document:
    doc = Document(gettext("Acknowledgements of the conclusions"), r.scope.conference.title,
                   _facts(r.scope, r.generated_at) + [(gettext("Notices"), format_number(len(r.notices)))])
    if r.notices:
        doc.blocks.append(r.chart())
    else:
        doc.blocks.append(gettext("No conclusion has been published."))
    titles = {n.notice_id: n.title for n in r.notices}
    doc.blocks.append(Table(gettext("Notices"), [gettext("Notice"), gettext("Published"), gettext("Points"),
                                                 gettext("Acknowledged"), gettext("Not acknowledged yet")],
                            [[n.title, _when(r.scope, n.published_at), n.points, n.acknowledged, n.waiting]
                             for n in r.notices], [40, 16, 9, 12, 14], empty=gettext("No conclusion has been published.")))
    doc.blocks.append(Table(gettext("Acknowledgements per point"), [
        gettext("Notice"), gettext("Code"), gettext("Bridge point"), gettext("Acknowledged at"), gettext("By"),
        gettext("Note")],
        [[titles.get(x.notice_id, ""), x.code, x.name, _when(r.scope, x.acknowledged_at) or gettext("not yet"),
          x.acknowledged_by, x.note] for x in r.receipts], [30, 16, 34, 16, 18, 26],
        empty=gettext("No conclusion has been published.")))
    return doc


def trends_document(r: TrendsReport) -> Document:
    months = r.active_months
    period = f"{r.month_label(r.first)} – {r.month_label(r.last)}"
    facts = [(gettext("Period"), period), (gettext("Conferences"), format_number(len(r.conferences)))]
    if r.partial:
        facts.append((gettext("Covers"), gettext("Only the bridge points you operate")))
    doc = Document(gettext("Conferences over time"), period, facts)
    doc.blocks += r.charts()
    doc.blocks.append(Table(gettext("Conferences per month"), [gettext("Month"), gettext("Conferences")],
                            [[r.month_label(m), n] for m, n in zip(r.months, r.per_month)], [12, 12]))
    doc.blocks.append(Table(gettext("Points per conference"), [
        gettext("Conference"), gettext("Starts"), gettext("Status"), gettext("Bridge points"), gettext("Expected"),
        gettext("Present"), gettext("Rate")],
        [[c.title, format_datetime(c.starts_at, c.timezone, "dd/MM/yyyy HH:mm"), status_label(c.status.value),
          c.points, c.expected if c.status.value in ("live", "ended") else "",
          c.present if c.status.value in ("live", "ended") else "", _pct(c.rate)] for c in r.conferences],
        [44, 16, 12, 10, 10, 10, 8], empty=gettext("No conference in this period.")))
    doc.blocks.append(Table(gettext("Attendance rate per unit"), [
        gettext("Code"), gettext("Unit"), *[r.month_label(r.months[i]) for i in months], gettext("All months")],
        [[u.code, u.name or gettext("(no unit)"), *[_pct(u.cells[i].rate) for i in months], _pct(u.total.rate)]
         for u in r.units], [12, 30, *[8] * len(months), 9], empty=gettext("No conference has started in this period."),
        in_pdf=len(months) <= 13))
    if len(months) > 13:
        doc.blocks.append(gettext("The rate per unit is in the Excel file (too many months for a page)."))
    return doc


def status_label(value: str) -> str:
    return {"draft": gettext("Draft"), "scheduled": gettext("Scheduled"), "live": gettext("Live"),
            "ended": gettext("Ended"), "cancelled": gettext("Cancelled")}.get(value, value)


def _write(doc: Document, fmt: str) -> bytes:
    if fmt == "pdf":
        return pdf.render(doc)
    return xlsx.workbook([xlsx.Sheet(t.title, t.header, t.rows, t.widths) for t in doc.tables],
                         title=f"{doc.title} – {doc.subject}")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")


Loader = Callable[[UnitOfWork, Principal, int], Awaitable[Any]]
LOADERS: dict[str, tuple[Loader, Callable[[Any], Document]]] = {
    "attendance": (lambda uow, p, cid: attendance_report(uow, p, cid, limit=None), attendance_document),
    "outages": (lambda uow, p, cid: outage_report(uow, p, cid), outages_document),
    "speaking": (lambda uow, p, cid: speaking_report(uow, p, cid), speaking_document),
    "delivery": (lambda uow, p, cid: delivery_report(uow, p, cid), delivery_document),
    "acknowledgements": (lambda uow, p, cid: acknowledgement_report(uow, p, cid, limit=None),
                         acknowledgements_document),
}


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise NotFound(f"no report format {fmt!r}", code="report_not_found")


def check_kind(kind: str) -> None:
    if kind not in LOADERS:
        raise NotFound(f"no report {kind!r}", code="report_not_found")


async def conference_file(uow: UnitOfWork, p: Principal, conference_id: int, kind: str, fmt: str) -> ReportFile:
    """One report of a conference as XLSX or PDF (need-to-know as the report's page)."""
    check_kind(kind)
    check_format(fmt)
    load, document = LOADERS[kind]
    report = await load(uow, p, conference_id)
    content = await asyncio.to_thread(lambda: _write(document(report), fmt))
    return ReportFile(f"{kind}-{conference_id}.{fmt}", FORMATS[fmt], content)


async def trends_file(uow: UnitOfWork, p: Principal, fmt: str, *, start: str | None = None,
                      end: str | None = None) -> ReportFile:
    check_format(fmt)
    report = await trends_report(uow, p, start=start, end=end, limit=None)
    content = await asyncio.to_thread(lambda: _write(trends_document(report), fmt))
    name = _safe(f"conferences-{report.first:%Y-%m}-{report.last:%Y-%m}")
    return ReportFile(f"{name}.{fmt}", FORMATS[fmt], content)
