"""Conferences for office staff: the list with filters, a month/week calendar, the wizard, the edit form, the
overview tab with its lifecycle actions."""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.i18n import gettext
from api.i18n.errors import error_text
from domain.access import Principal
from domain.db import utcnow
from domain.errors import MESSAGES, N_, Conflict, DomainError, Forbidden, NotFound
from domain.models import DEFAULT_TZ, ConferenceKind, ConferenceStatus, Visibility
from domain.conferences import service as conferences, dashboard
from domain.registry import sites
from domain.conferences.service import ConferenceView
from domain.uow import UnitOfWork

from .common import page, redirect

PAGE_SIZE = 25
CALENDAR_LIMIT = 500
OFFICE_TZ = ZoneInfo(DEFAULT_TZ)  # the calendar shows the office's local days
TIMEZONES = ["Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Vientiane", "Asia/Phnom_Penh", "Asia/Singapore",
             "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Europe/Moscow", "Europe/Paris",
             "Europe/London", "America/New_York", "UTC"]
FORM_FIELDS = ("title", "description", "kind", "visibility", "timezone", "date", "starts_at", "ends_at",
               "end_date", "host_site_id", "manager_ids")
ACTIONS = ("schedule", "start", "end", "cancel")
Req = Request[Any, Any, Any]


# ---- parsing -----------------------------------------------------------------------------------------------

def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _time(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is None or 0 < number < 2**31 else None


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def field_error(exc: DomainError) -> str:
    return error_text(exc)


@dataclass
class FormInput:
    values: dict[str, Any]
    fields: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


async def _read_form(request: Req, editing: bool) -> FormInput:
    """Local date and times in the conference's zone → UTC instants; what cannot be read is an error at its field."""
    form = await request.form()
    values = {k: (form.get(k) or "").strip() for k in FORM_FIELDS if k != "manager_ids"}
    values["manager_ids"] = [v for v in form.getall("manager_ids") if v] if "manager_ids" in form else []
    out = FormInput(values)
    err = out.errors
    tz_name = values["timezone"] or DEFAULT_TZ
    zone = _zone(tz_name)
    if zone is None:
        err["timezone"] = gettext(MESSAGES["invalid_timezone"])
    day, end_day = _date(values["date"]), _date(values["end_date"]) if values["end_date"] else None
    starts, ends = _time(values["starts_at"]), _time(values["ends_at"])
    if day is None:
        err["date"] = gettext("Enter the date of the conference.")
    if values["end_date"] and end_day is None:
        err["end_date"] = gettext("Enter a valid date, or leave it empty.")
    if starts is None:
        err["starts_at"] = gettext("Enter the start time, for example 08:00.")
    if ends is None:
        err["ends_at"] = gettext("Enter the end time, for example 11:30.")
    if not values["title"]:
        err["title"] = gettext(MESSAGES["blank"])
    kind, visibility = values["kind"] or "hybrid", values["visibility"] or "internal"
    if kind not in ConferenceKind.__members__:
        err["kind"] = gettext(MESSAGES["invalid"])
    if visibility not in Visibility.__members__:
        err["visibility"] = gettext(MESSAGES["invalid"])
    managers = [_int(v) for v in values["manager_ids"]]
    if None in managers:
        err["manager_ids"] = gettext(MESSAGES["unknown_reference"])
    host = _int(values["host_site_id"]) if values["host_site_id"] else None
    if values["host_site_id"] and host is None:
        err["host_site_id"] = gettext(MESSAGES["unknown_reference"])
    if err:
        return out
    assert zone is not None and day is not None and starts is not None and ends is not None
    out.fields = {"title": values["title"], "description": values["description"], "kind": ConferenceKind(kind),
                  "visibility": Visibility(visibility), "timezone": tz_name,
                  "starts_at": datetime.combine(day, starts, zone),
                  "ends_at": datetime.combine(end_day or day, ends, zone),
                  "manager_ids": [m for m in managers if m is not None]}
    if not editing:
        out.fields["host_site_id"] = host
    return out


def _values_of(view: ConferenceView) -> dict[str, Any]:
    conf = view.conference
    zone = ZoneInfo(conf.timezone)
    starts, ends = conf.starts_at.astimezone(zone), conf.ends_at.astimezone(zone)
    return {"title": conf.title, "description": conf.description, "kind": conf.kind.value,
            "visibility": conf.visibility.value, "timezone": conf.timezone, "date": starts.date().isoformat(),
            "starts_at": starts.strftime("%H:%M"), "ends_at": ends.strftime("%H:%M"),
            "end_date": ends.date().isoformat() if ends.date() != starts.date() else "",
            "host_site_id": str(view.host_site_id or ""), "manager_ids": [str(i) for i in view.manager_ids or []]}


def _default_values() -> dict[str, Any]:
    return {"title": "", "description": "", "kind": "hybrid", "visibility": "internal", "timezone": DEFAULT_TZ,
            "date": "", "starts_at": "08:00", "ends_at": "11:30", "end_date": "", "host_site_id": "",
            "manager_ids": []}


def _timezones(current: str) -> list[str]:
    return TIMEZONES if current in TIMEZONES or not current else [current, *TIMEZONES]


def _form_page(request: Req, form: dashboard.ConferenceForm, values: dict[str, Any], errors: dict[str, str],
               conflict: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    first_error = next((f for f in FORM_FIELDS if f in errors), None)
    conf = form.conference
    return page(request, "conferences/edit.html" if conf else "conferences/new.html", status_code=status_code,
                form=form, conf=conf,
                tab="overview", values=values, errors=errors, conflict=conflict, first_error=first_error,
                timezones=_timezones(values.get("timezone") or DEFAULT_TZ))


def _at_field(exc: DomainError) -> tuple[dict[str, str], dict[str, Any] | None]:
    """A service's refusal at the form's field ('' when the form has no such field), and the conflicting
    conference (id, title) when a bridge point or delegate is busy elsewhere."""
    name = exc.field if exc.field in FORM_FIELDS else ""
    conflict = exc.extra.get("conflicting_conference")
    return {name: field_error(exc)}, {**conflict, "field": name} if isinstance(conflict, dict) else None


def _status_of(exc: DomainError) -> int:
    return 409 if isinstance(exc, Conflict) else 422


# ---- list and calendar --------------------------------------------------------------------------------------

def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), OFFICE_TZ)
    return start, datetime.combine(day + timedelta(days=1), time(0), OFFICE_TZ)


@get("/conferences", include_in_schema=False)
async def conference_list(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    q = request.query_params
    params = {k: (q.get(k) or "").strip() for k in ("q", "status", "from", "to")}
    errors: dict[str, str] = {}
    status = params["status"] if params["status"] in ConferenceStatus.__members__ else ""
    day_from, day_to = _date(params["from"]), _date(params["to"])
    for key, parsed in (("from", day_from), ("to", day_to)):
        if params[key] and parsed is None:
            errors[key] = gettext("Enter a valid date, or leave it empty.")
    offset = max(_int(q.get("offset")) or 0, 0)
    result = await conferences.list_conferences(
        uow, principal, q=params["q"] or None, status=ConferenceStatus(status) if status else None,
        starts_from=_day_bounds(day_from)[0] if day_from else None,
        starts_to=_day_bounds(day_to)[1] if day_to else None, limit=PAGE_SIZE, offset=offset)
    return page(request, "conferences/list.html", result=result, params=params, errors=errors,
                statuses=[s.value for s in ConferenceStatus])


@dataclass
class Day:
    day: date
    in_range: bool  # belongs to the month shown (a month grid starts and ends with its neighbours' days)
    today: bool
    items: list[ConferenceView]


def _calendar_range(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first day shown, last day shown, previous anchor, next anchor) of a month grid or a week."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6), anchor - timedelta(days=7), anchor + timedelta(days=7)
    month_first = anchor.replace(day=1)
    month_last = anchor.replace(day=_calendar.monthrange(anchor.year, anchor.month)[1])
    first = month_first - timedelta(days=month_first.weekday())
    last = month_last + timedelta(days=6 - month_last.weekday())
    prev = (month_first - timedelta(days=1)).replace(day=1)
    return first, last, prev, month_last + timedelta(days=1)


@get("/conferences/calendar", include_in_schema=False)
async def conference_calendar(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    view = "week" if request.query_params.get("view") == "week" else "month"
    today = utcnow().astimezone(OFFICE_TZ).date()
    anchor = _date(request.query_params.get("date")) or today
    first, last, prev, next_ = _calendar_range(view, anchor)
    result = await conferences.list_conferences(uow, principal, starts_from=_day_bounds(first)[0],
                                                starts_to=_day_bounds(last)[1], limit=CALENDAR_LIMIT)
    days = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        start, end = _day_bounds(day)
        items = [v for v in result.items if v.conference.starts_at < end and v.conference.ends_at > start]
        days.append(Day(day, view == "week" or day.month == anchor.month, day == today, items))
    weeks = [days[i:i + 7] for i in range(0, len(days), 7)]
    return page(request, "conferences/calendar.html", view=view, anchor=anchor, today=today, weeks=weeks,
                days=days, prev=prev, next=next_, first=first, last=last, truncated=result.total > len(result.items),
                office_tz=DEFAULT_TZ)


# ---- the wizard and the edit form ---------------------------------------------------------------------------

@get("/conferences/new", include_in_schema=False)
async def conference_new(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    form = await dashboard.conference_form(uow, principal)
    return _form_page(request, form, _default_values(), {})


@post("/conferences/new", include_in_schema=False, status_code=303)
async def conference_create(request: Req, uow: UnitOfWork, principal: Principal) -> Template | Redirect:
    data = await _read_form(request, editing=False)
    conflict = None
    if not data.errors:
        try:
            view = await conferences.create_conference(uow, principal, data.fields)
            return redirect(f"/conferences/{view.conference.id}",
                            flash=gettext("The conference was created as a draft. Next, add its bridge points."))
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            errors, conflict = _at_field(exc)
            data.errors.update(errors)
            status = _status_of(exc)
    else:
        status = 422
    form = await dashboard.conference_form(uow, principal, host_site_id=_int(data.values["host_site_id"]))
    return _form_page(request, form, data.values, data.errors, conflict, status)


@get("/conferences/host-options", include_in_schema=False)
async def host_options(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    """The host-hall choices matching a search (htmx swaps them into the form's select)."""
    q = (request.query_params.get("host_q") or "").strip()
    selected = request.query_params.get("host_site_id") or ""
    found = await sites.list_sites(uow, principal, q=q or None, active=True, limit=dashboard.SITES_LIMIT)
    if q and found.items and selected not in {str(s.id) for s in found.items}:
        selected = str(found.items[0].id)
    return page(request, "conferences/_host_search.html", options=found.items, total=found.total,
                selected=selected, q=q)


@get("/conferences/{conference_id:int}/edit", include_in_schema=False)
async def conference_edit(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    form = await dashboard.conference_form(uow, principal, conference_id)
    assert form.conference is not None
    values = _values_of(ConferenceView(form.conference, form.host.id if form.host else None,
                                       [m.id for m in form.managers]))
    return _form_page(request, form, values, {})


@post("/conferences/{conference_id:int}/edit", include_in_schema=False, status_code=303)
async def conference_update(request: Req, uow: UnitOfWork, principal: Principal,
                            conference_id: int) -> Template | Redirect:
    data = await _read_form(request, editing=True)
    conflict = None
    status = 422
    if not data.errors:
        try:
            await conferences.update_conference(uow, principal, conference_id, data.fields)
            return redirect(f"/conferences/{conference_id}", flash=gettext("The conference was saved."))
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            errors, conflict = _at_field(exc)
            data.errors.update(errors)
            status = _status_of(exc)
    form = await dashboard.conference_form(uow, principal, conference_id)
    return _form_page(request, form, data.values, data.errors, conflict, status)


# ---- the overview tab and the lifecycle ---------------------------------------------------------------------

def _overview_page(request: Req, view: dashboard.Overview, errors: dict[str, str] | None = None,
                   status_code: int = 200) -> Template:
    return page(request, "conferences/overview.html", status_code=status_code, view=view, conf=view.conference,
                tab="overview", errors=errors or {})


@get("/conferences/{conference_id:int}", include_in_schema=False)
async def conference_overview(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    return _overview_page(request, await dashboard.overview(uow, principal, conference_id))


DONE = {"schedule": N_("The conference is scheduled."), "start": N_("The conference is live."),
        "end": N_("The conference has ended."), "cancel": N_("The conference was cancelled.")}


@post("/conferences/{conference_id:int}/actions/{action:str}", include_in_schema=False, status_code=303)
async def conference_action(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                            action: str) -> Template | Redirect:
    if action not in ACTIONS:
        raise NotFound(f"no action {action!r}", code="not_found")
    try:
        await conferences.transition(uow, principal, conference_id, action)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        view = await dashboard.overview(uow, principal, conference_id)
        return _overview_page(request, view, {"": field_error(exc)}, 409)
    return redirect(f"/conferences/{conference_id}", flash=gettext(DONE[action]))


@post("/conferences/{conference_id:int}/delete", include_in_schema=False, status_code=303)
async def conference_delete(request: Req, uow: UnitOfWork, principal: Principal,
                            conference_id: int) -> Template | Redirect:
    try:
        await conferences.delete_conference(uow, principal, conference_id)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        view = await dashboard.overview(uow, principal, conference_id)
        return _overview_page(request, view, {"": field_error(exc)}, 409)
    return redirect("/conferences", flash=gettext("The draft conference was deleted."))


ROUTES = [conference_list, conference_calendar, conference_new, conference_create, host_options, conference_edit,
          conference_update, conference_overview, conference_action, conference_delete]
