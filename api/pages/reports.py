"""Reports in the pages: a conference's Reports tab (attendance, outages, speaking time, invitation delivery,
conclusion acknowledgements) with SVG charts and downloads, and /reports across conferences. Each page asks the
same domain read model as the downloads, so an operator's page shows only their points, a wall board's no names."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from api.params import MonthFrom, MonthTo, PageOffset, PageSearch
from domain.access import Principal
from domain.errors import InvalidInput
from domain.reports import activity, files
from domain.reports.attendance import attendance_report, reason_label
from domain.reports.trends import rate_bucket, trends_report
from domain.uow import UnitOfWork

from .common import form_errors, gettext, page

PAGE_SIZE = 50
Req = Request[Any, Any, Any]


def _tabs() -> list[tuple[str, str, str]]:
    return [("attendance", "", gettext("Attendance")), ("outages", "/outages", gettext("Connection outages")),
            ("speaking", "/speaking", gettext("Speaking time")), ("delivery", "/delivery", gettext("Invitation delivery")),
            ("acknowledgements", "/acknowledgements", gettext("Acknowledgements"))]


def _report_page(request: Req, name: str, report: Any, kind: str, **context: Any) -> Template:
    return page(request, f"reports/{name}.html", conf=report.scope.conference, tab="reports", report=report,
                kind=kind, subtabs=_tabs(), page_size=PAGE_SIZE, **context)


def _window(rows: list[Any], offset: int) -> list[Any]:
    return rows[offset:offset + PAGE_SIZE]


@get("/conferences/{conference_id:int}/reports", include_in_schema=False)
async def attendance(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int, q: PageSearch = None,
                     offset: PageOffset = 0, points_from: PageOffset = 0, units_from: PageOffset = 0) -> Template:
    report = await attendance_report(uow, principal, conference_id, limit=PAGE_SIZE, offset=offset, q=q)
    return _report_page(request, "attendance", report, "attendance", chart=report.chart(), q=q or "",
                        points=_window(report.points, points_from), points_from=points_from,
                        units=_window(report.units, units_from), units_from=units_from, reason_label=reason_label,
                        params={k: v for k, v in {"q": q, "points_from": points_from, "units_from": units_from,
                                                  "offset": offset}.items() if v})


@get("/conferences/{conference_id:int}/reports/outages", include_in_schema=False)
async def outages(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                  offset: PageOffset = 0) -> Template:
    report = await activity.outage_report(uow, principal, conference_id)
    shown = _window(report.points, offset)
    return _report_page(request, "outages", report, "outages", timeline=report.timeline(shown), shown=shown,
                        offset=offset, duration=activity.duration)


@get("/conferences/{conference_id:int}/reports/speaking", include_in_schema=False)
async def speaking(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                   offset: PageOffset = 0) -> Template:
    report = await activity.speaking_report(uow, principal, conference_id)
    return _report_page(request, "speaking", report, "speaking", chart=report.chart(), duration=activity.duration,
                        delegates=_window(report.delegates, offset), offset=offset)


@get("/conferences/{conference_id:int}/reports/delivery", include_in_schema=False)
async def delivery(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                   points_from: PageOffset = 0) -> Template:
    report = await activity.delivery_report(uow, principal, conference_id)
    return _report_page(request, "delivery", report, "delivery", chart=report.chart(),
                        points=_window(report.points, points_from), points_from=points_from)


@get("/conferences/{conference_id:int}/reports/acknowledgements", include_in_schema=False)
async def acknowledgements(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                           offset: PageOffset = 0) -> Template:
    report = await activity.acknowledgement_report(uow, principal, conference_id, limit=PAGE_SIZE, offset=offset)
    return _report_page(request, "acknowledgements", report, "acknowledgements",
                        chart=report.chart() if report.notices else None, offset=offset)


@get("/reports", include_in_schema=False)
async def across(request: Req, uow: UnitOfWork, principal: Principal, start: MonthFrom = None, end: MonthTo = None,
                 offset: PageOffset = 0) -> Template:
    errors: dict[str, str] = {}
    status = 200
    try:
        report = await trends_report(uow, principal, start=start, end=end, limit=PAGE_SIZE, offset=offset)
    except InvalidInput as exc:
        errors, status = form_errors(exc), 422
        report = await trends_report(uow, principal, limit=PAGE_SIZE)
    months = {"from": start if errors else f"{report.first:%Y-%m}", "to": end if errors else f"{report.last:%Y-%m}"}
    return page(request, "reports/across.html", status_code=status, report=report, charts=report.charts(),
                errors=errors, months=months, rate_bucket=rate_bucket, status_label=files.status_label,
                params={"from": months["from"], "to": months["to"]} if not errors else {})


ROUTES = [attendance, outages, speaking, delivery, acknowledgements, across]
