"""Reports (HTTP): a conference's attendance as JSON, every conference report as XLSX or PDF, the report across
conferences. (The registry lists in the import templates' columns are the imports' GET /api/imports/current/{kind}.)
Need-to-know is the domain's: an
operator's reports hold only their points, a wall board's no delegate names; a delegate's link reads none."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Response, get

from api.params import ConferenceId, Limit, MonthFrom, MonthTo, Offset, Search
from api.schemas.reports import AttendanceReportOut, TrendsOut, attendance_out, trends_out
from domain.access import Principal
from domain.errors import NotFound
from domain.models import DEFAULT_TZ
from domain.reports import files
from domain.reports.attendance import attendance_report
from domain.reports.files import ReportFile
from domain.reports.trends import trends_report
from domain.uow import UnitOfWork

KINDS = ", ".join(files.KINDS)
WHO = ("Organizers and admins: every point; a chair: their conferences; an operator: only the rows of their own "
       "points; a wall board (viewer): the numbers without delegate names. A delegate's link: 403.")


def download(f: ReportFile) -> Response[bytes]:
    """A file to save, never cached (it may name people)."""
    return Response(f.content, media_type=f.media_type, headers={
        "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{f.filename}"'})


@get("/api/conferences/{conference_id:int}/reports/{kind:str}", operation_id="getConferenceReport",
     tags=["reports"],
     description="`kind`: attendance (the other reports are downloads; their data is also in the outages, speaker "
                 "history, outbox and notices endpoints). Attendance per bridge point and per unit: expected, present, late, walk-ins, absent with a reason, "
                 "missing (expected = present + absent + missing; walk-ins are present on top), and one page of the "
                 "absent and missing delegates (`q` searches their names, diacritic-blind). " + WHO)
async def report_json(conference_id: ConferenceId, kind: str, uow: UnitOfWork, principal: Principal,
                      limit: Limit = 100, offset: Offset = 0, q: Search = None) -> AttendanceReportOut:
    if kind != "attendance":
        raise NotFound(f"no JSON report {kind!r}", code="report_not_found")
    return attendance_out(await attendance_report(uow, principal, conference_id, limit=limit, offset=offset, q=q))


@get("/api/conferences/{conference_id:int}/reports/{kind:str}/xlsx", operation_id="getConferenceReportXlsx",
     tags=["reports"], media_type=files.FORMATS["xlsx"],
     description=f"One report of the conference as an Excel workbook (a sheet per table, every row), in the caller's "
                 f"language. `kind`: {KINDS}. " + WHO)
async def report_xlsx(conference_id: ConferenceId, kind: str, uow: UnitOfWork,
                      principal: Principal) -> Response[bytes]:
    return download(await files.conference_file(uow, principal, conference_id, kind, "xlsx"))


@get("/api/conferences/{conference_id:int}/reports/{kind:str}/pdf", operation_id="getConferenceReportPdf",
     tags=["reports"], media_type=files.FORMATS["pdf"],
     description=f"One report of the conference as a PDF with its chart (DejaVu Sans embedded: Vietnamese prints "
                 f"intact), in the caller's language; tables longer than 1,000 rows are cut (the XLSX has them all). "
                 f"`kind`: {KINDS}. " + WHO)
async def report_pdf(conference_id: ConferenceId, kind: str, uow: UnitOfWork, principal: Principal) -> Response[bytes]:
    return download(await files.conference_file(uow, principal, conference_id, kind, "pdf"))


TRENDS = ("Across conferences (not drafts, not cancelled), by the office's calendar month of their start: "
          "conferences per month, points per conference, attendance rate per unit month by month (conferences that "
          "have started). The caller's conferences as the conference list shows them; an operator's numbers cover "
          "only their points.")


@get("/api/reports/trends", operation_id="getTrendsReport", tags=["reports"], description=TRENDS)
async def trends_json(uow: UnitOfWork, principal: Principal, start: MonthFrom = None, end: MonthTo = None,
                      limit: Limit = 100, offset: Offset = 0) -> TrendsOut:
    report = await trends_report(uow, principal, start=start, end=end, limit=limit, offset=offset)
    return trends_out(report, ZoneInfo(DEFAULT_TZ))


@get("/api/reports/trends/xlsx", operation_id="getTrendsReportXlsx", tags=["reports"],
     media_type=files.FORMATS["xlsx"], description=TRENDS + " As an Excel workbook.")
async def trends_xlsx(uow: UnitOfWork, principal: Principal, start: MonthFrom = None,
                      end: MonthTo = None) -> Response[bytes]:
    return download(await files.trends_file(uow, principal, "xlsx", start=start, end=end))


@get("/api/reports/trends/pdf", operation_id="getTrendsReportPdf", tags=["reports"],
     media_type=files.FORMATS["pdf"], description=TRENDS + " As a PDF with its charts.")
async def trends_pdf(uow: UnitOfWork, principal: Principal, start: MonthFrom = None,
                     end: MonthTo = None) -> Response[bytes]:
    return download(await files.trends_file(uow, principal, "pdf", start=start, end=end))


ROUTES: list[Any] = [report_json, report_xlsx, report_pdf, trends_json, trends_xlsx, trends_pdf]
