"""The points of a conference: the list, paged on the server with a search and a unit filter (role, chair,
operators, expected attendance with the capacity warning), adding many points from the unit tree (its branches
load when opened) or a search, per-row edits with htmx, removal."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.response import Response, Template

from api.i18n import gettext
from api.i18n.errors import error_text
from domain.access import Principal
from domain.errors import Conflict, DomainError, InvalidInput
from domain.models import SiteRole
from domain.conferences import site_selection as svc
from domain.conferences.site_selection import Selection
from domain.uow import UnitOfWork

from .common import form_errors, is_htmx, page, redirect

Req = Request[Any, Any, Any]
PAGE_SIZE = 50
MAX_ID = 2_147_483_647


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _ids(form: Any, name: str) -> list[int]:
    """Every value of a repeated field that is an id; anything else is bad input naming the field."""
    out = []
    for raw in form.getall(name) if name in form else []:
        if str(raw).strip() == "":
            continue
        value = _int(raw)
        if value is None:
            raise InvalidInput(f"{name}: not an id", code="invalid_input", field=name)
        out.append(value)
    return out


def _offset(request: Req) -> int:
    try:
        return max(0, min(int(request.query_params.get("offset", 0)), 10_000_000))
    except ValueError:
        return 0


def _q(request: Req) -> str:
    return (request.query_params.get("q") or "").strip()[:200]


def _base(conference_id: int) -> str:
    return f"/conferences/{conference_id}/points"


def _list_filters(request: Req) -> tuple[str, int | None, dict[str, str]]:
    """The list's search (`find`) and unit filter (`unit`); a unit that is not an id is said at its field."""
    find = (request.query_params.get("find") or "").strip()[:200]
    raw = (request.query_params.get("unit") or "").strip()
    unit = _int(raw) if raw else None
    errors = {"unit": gettext("Choose a unit from the list.")} if raw and unit is None else {}
    return find, unit, errors


@get("/conferences/{conference_id:int}/points", include_in_schema=False)
async def points(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    """The points tab: a page of the list (search, unit filter) and the "add points" panel."""
    find, unit, errors = _list_filters(request)
    status = 422 if errors else 200
    try:
        view = await svc.points_page(uow, principal, conference_id, q=_q(request), limit=PAGE_SIZE,
                                     offset=_offset(request), list_q=find, unit_id=unit)
    except InvalidInput as exc:  # a unit that does not exist: the list unfiltered by unit, said at the field
        if exc.field != "unit_id":
            raise
        errors, status = {"unit": form_errors(exc).popitem()[1]}, 422
        view = await svc.points_page(uow, principal, conference_id, q=_q(request), limit=PAGE_SIZE,
                                     offset=_offset(request), list_q=find)
    return page(request, "conferences/points.html", status_code=status, conf=view.view.conference, tab="points",
                pp=view, q=_q(request), errors=errors)


@get("/conferences/{conference_id:int}/points/search", include_in_schema=False)
async def search(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Any:
    """The points and units a search finds (htmx), or the page showing them."""
    q = _q(request)
    if not is_htmx(request):
        return redirect(f"{_base(conference_id)}?q={quote(q)}#point-search")
    found = await svc.picker(uow, principal, conference_id=conference_id, q=q, tree=False)
    return page(request, "conferences/_points_search.html", pick=found, conference_id=conference_id, q=q)


@get("/conferences/{conference_id:int}/points/units/{unit_id:int}", include_in_schema=False)
async def unit_points(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                      unit_id: int) -> Template:
    """The points directly at one unit of the tree (0: points without a unit), loaded when its branch opens."""
    found = await svc.points_of_unit(uow, principal, unit_id or None, conference_id=conference_id)
    return page(request, "conferences/_points_unit.html", choices=found)


@get("/conferences/{conference_id:int}/points/tree/{unit_id:int}", include_in_schema=False)
async def tree_branch(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                      unit_id: int) -> Template:
    """One branch of the unit tree, loaded when it opens: the units right under it (with their point counts,
    their own branches closed) and the points directly at it (0: the points without a unit)."""
    found = await svc.branch(uow, principal, conference_id, unit_id or None)
    return page(request, "conferences/_points_branch.html", b=found, tree_base=_base(conference_id),
                form_id="add-points")


@post("/conferences/{conference_id:int}/points/add", include_in_schema=False, status_code=200)
async def add(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    """Add what was ticked: single points and every point under the ticked units. The page shows each
    point's result (added, already added, busy in another conference, inactive)."""
    form = await request.form()
    try:
        sel = Selection(site_ids=_ids(form, "site_ids"), unit_ids=_ids(form, "unit_ids"), include_subunits=True)
        view = await svc.add_points_page(uow, principal, conference_id, sel, limit=PAGE_SIZE)
        errors: dict[str, str] = {}
        status = 200
    except InvalidInput as exc:
        view = await svc.points_page(uow, principal, conference_id, limit=PAGE_SIZE)
        errors = {"add": form_errors(exc).popitem()[1]}
        status = 422
    name = "conferences/_points_work.html" if is_htmx(request) else "conferences/points.html"
    return page(request, name, status_code=status, conf=view.view.conference, tab="points", pp=view, q="",
                errors=errors)


@get("/conferences/{conference_id:int}/points/{cs_id:int}", include_in_schema=False)
async def row(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int, cs_id: int) -> Any:
    """One point's row (htmx: after "cancel"); a browser without htmx goes back to the list."""
    if not is_htmx(request):
        return redirect(f"{_base(conference_id)}#cs-{cs_id}")
    conf, r = await svc.point_row(uow, principal, conference_id, cs_id)
    return page(request, "conferences/_points_row.html", conf=conf, r=r, editable=principal.is_staff,
                details=principal.is_staff)


@get("/conferences/{conference_id:int}/points/{cs_id:int}/edit", include_in_schema=False)
async def edit(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int, cs_id: int) -> Template:
    editor = await svc.point_editor(uow, principal, conference_id, cs_id)
    return _editor(request, editor, {}, None)


def _editor(request: Req, editor: svc.PointEditor, errors: dict[str, str], typed: dict[str, Any] | None,
            status_code: int = 200) -> Template:
    name = "conferences/_points_edit.html" if is_htmx(request) else "conferences/points_edit.html"
    return page(request, name, status_code=status_code, conf=editor.conference, tab="points", ed=editor,
                errors=errors, typed=typed)


def _point_fields(form: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    role = form.get("role")
    if role not in ("host", "remote"):
        raise InvalidInput("role must be host or remote", code="invalid_input", field="role")
    fields["role"] = SiteRole(role)
    raw = str(form.get("expected_attendance") or "0").strip()
    try:
        expected = int(raw)
    except ValueError:
        raise InvalidInput("expected attendance must be a whole number", code="invalid_input",
                           field="expected_attendance") from None
    if not 0 <= expected <= 1_000_000:
        raise InvalidInput("expected attendance is out of range", code="out_of_range", field="expected_attendance")
    fields["expected_attendance"] = expected
    chair = str(form.get("chair_delegate_id") or "").strip()
    fields["chair_delegate_id"] = _int(chair) if chair else None
    if chair and fields["chair_delegate_id"] is None:
        raise InvalidInput("chair: not an id", code="invalid_input", field="chair_delegate_id")
    fields["operator_ids"] = _ids(form, "operator_ids")
    return fields


@post("/conferences/{conference_id:int}/points/{cs_id:int}", include_in_schema=False, status_code=200)
async def save(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int, cs_id: int) -> Any:
    form = await request.form()
    typed = {k: form.get(k) for k in ("role", "expected_attendance", "chair_delegate_id")}
    typed["operator_ids"] = [str(v) for v in form.getall("operator_ids")] if "operator_ids" in form else []
    try:
        conf, r = await svc.save_point(uow, principal, conference_id, cs_id, _point_fields(form))
    except DomainError as exc:
        if exc.code in ("conference_not_found", "conference_site_not_found", "forbidden_role",
                        "conference_read_only"):
            raise
        editor = await svc.point_editor(uow, principal, conference_id, cs_id)
        return _editor(request, editor, form_errors(exc), typed, 409 if exc.code == "host_exists" else 422)
    if is_htmx(request):
        return page(request, "conferences/_points_row.html", conf=conf, r=r, editable=True, details=True,
                    saved=True)
    flash = gettext("Saved.")
    if r.warnings:
        flash += " " + gettext("Expected attendance %(expected)s is above the capacity %(capacity)s of %(point)s.",
                               expected=r.conference_site.expected_attendance, capacity=r.site.capacity,
                               point=r.site.name)
    return redirect(f"{_base(conference_id)}#cs-{cs_id}", flash=flash)


@post("/conferences/{conference_id:int}/points/{cs_id:int}/remove", include_in_schema=False, status_code=303)
async def remove(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int, cs_id: int) -> Response[Any]:
    try:
        site = await svc.remove_point(uow, principal, conference_id, cs_id)
    except Conflict as exc:  # delegates are invited there, or the conference is read-only: say so on the list
        return redirect(f"{_base(conference_id)}#cs-{cs_id}", flash=error_text(exc), htmx=is_htmx(request))
    return redirect(_base(conference_id), flash=gettext("%(point)s was removed from the conference.",
                                                        point=site.name), htmx=is_htmx(request))


ROUTES = [points, search, unit_points, tree_branch, add, row, edit, save, remove]
