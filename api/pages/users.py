"""Registry → users (administrators): the accounts with search and role filter, one account's form, and operator
accounts for many points at once with one-time passwords shown once and a sheet to download."""
from __future__ import annotations

import json
from typing import Any

from litestar import Request, get, post
from litestar.response import Response, Template

from api.i18n import gettext
from domain.access import Principal
from domain.db import utcnow
from domain.errors import DomainError, InvalidInput
from domain.models import Role
from domain.users import operators as accounts, service as users
from domain.users.operators import SheetRow
from domain.conferences.site_selection import Selection
from domain.uow import UnitOfWork

from .common import checked, form_errors, is_htmx, page, redirect
from .points import _ids, _offset

Req = Request[Any, Any, Any]
PAGE_SIZE = 50
ROLES = [r.value for r in Role]
# A page that shows passwords: never cached, never sent on as a referrer.
PRIVATE = {"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer"}
BASE = "/registry/users"
OPS = BASE + "/operators"


def _role(value: str | None) -> Role | None:
    return Role(value) if value in ROLES else None


def _text(request: Req, name: str, limit: int = 200) -> str:
    return (request.query_params.get(name) or "").strip()[:limit]


@get(BASE, include_in_schema=False)
async def user_list(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    q, role = _text(request, "q"), request.query_params.get("role") or ""
    found = await accounts.list_accounts(uow, principal, q=q, role=_role(role), limit=PAGE_SIZE,
                                         offset=_offset(request))
    return page(request, "registry/users.html", tab="users", found=found, q=q, role=role if _role(role) else "")


# ---- one account ----
def _form_page(request: Req, form: accounts.AccountForm, typed: dict[str, Any], errors: dict[str, str],
               site_q: str = "", status_code: int = 200) -> Template:
    return page(request, "registry/users_form.html", status_code=status_code, tab="users", form=form, typed=typed,
                errors=errors, site_q=site_q)


@get(BASE + "/new", include_in_schema=False)
async def new_user(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    site_q = _text(request, "site_q")
    return _form_page(request, await accounts.account_form(uow, principal, None, site_q=site_q),
                      {"role": "operator", "active": True}, {}, site_q)


@get(BASE + "/points", include_in_schema=False)
async def point_search(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    """Points to bind an account to, found by a diacritic-blind search (htmx)."""
    form = await accounts.account_form(uow, principal, None, site_q=_text(request, "site_q"), keep_site_ids=[])
    return page(request, "registry/_users_points.html", found=form.found, form_id="user-form")


def _account_fields(form: Any, *, new: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {"display_name": str(form.get("display_name") or "").strip()[:200]}
    role = _role(form.get("role"))
    if role is None:
        raise InvalidInput("choose a role", code="required", field="role")
    fields["role"] = role
    fields["site_ids"] = _ids(form, "site_ids")
    password = str(form.get("password") or "")
    if new or password:
        fields["password"] = password
    if new:
        fields["username"] = str(form.get("username") or "").strip()[:64]
        if not fields["username"]:
            raise InvalidInput("username is required", code="required", field="username")
    else:
        fields["active"] = checked(form.get("active"))
    return fields


def _typed(form: Any) -> dict[str, Any]:
    return {"username": form.get("username") or "", "display_name": form.get("display_name") or "",
            "role": form.get("role") or "", "active": checked(form.get("active"))}


@post(BASE, include_in_schema=False, status_code=303)
async def create_user(request: Req, uow: UnitOfWork, principal: Principal) -> Any:
    form = await request.form()
    try:
        user = await users.create_user(uow, principal, _account_fields(form, new=True))
    except InvalidInput as exc:
        return await _form_error(request, uow, principal, None, form, exc)
    except DomainError as exc:
        if exc.code != "duplicate_username":
            raise
        return await _form_error(request, uow, principal, None, form, exc)
    return redirect(f"{BASE}?q={user.username}", flash=gettext("Account %(username)s created.", username=user.username))


async def _form_error(request: Req, uow: UnitOfWork, principal: Principal, user_id: int | None, form: Any,
                      exc: DomainError) -> Template:
    try:
        keep = _ids(form, "site_ids")
    except InvalidInput:
        keep = []
    view = await accounts.account_form(uow, principal, user_id, keep_site_ids=keep)
    return _form_page(request, view, _typed(form), form_errors(exc), status_code=409 if exc.code ==
                      "duplicate_username" else 422)


@get(BASE + "/{user_id:int}", include_in_schema=False)
async def edit_user(request: Req, uow: UnitOfWork, principal: Principal, user_id: int) -> Template:
    site_q = _text(request, "site_q")
    view = await accounts.account_form(uow, principal, user_id, site_q=site_q)
    assert view.user is not None
    return _form_page(request, view, {"display_name": view.user.display_name, "role": view.user.role.value,
                                      "active": view.user.active}, {}, site_q)


@post(BASE + "/{user_id:int}", include_in_schema=False, status_code=303)
async def save_user(request: Req, uow: UnitOfWork, principal: Principal, user_id: int) -> Any:
    form = await request.form()
    try:
        user = await users.update_user(uow, principal, user_id, _account_fields(form, new=False))
    except InvalidInput as exc:
        return await _form_error(request, uow, principal, user_id, form, exc)
    return redirect(BASE + f"?q={user.username}", flash=gettext("Saved."))


# ---- operator accounts for many points ----
@get(OPS, include_in_schema=False)
async def operators_form(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    q = _text(request, "q")
    pick = await accounts.accounts_picker(uow, principal, q=q)
    return page(request, "registry/users_operators.html", tab="users", pick=pick, q=q, errors={})


@get(OPS + "/search", include_in_schema=False)
async def operators_search(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    q = _text(request, "q")
    pick = await accounts.accounts_picker(uow, principal, q=q)
    if not is_htmx(request):
        return page(request, "registry/users_operators.html", tab="users", pick=pick, q=q, errors={})
    return page(request, "conferences/_points_search.html", pick=pick, form_id="make-accounts")


@get(OPS + "/units/{unit_id:int}", include_in_schema=False)
async def operators_unit(request: Req, uow: UnitOfWork, principal: Principal, unit_id: int) -> Template:
    found = await accounts.accounts_unit_points(uow, principal, unit_id or None)
    return page(request, "conferences/_points_unit.html", choices=found, form_id="make-accounts")


@post(OPS, include_in_schema=False, status_code=200)
async def operators_create(request: Req, uow: UnitOfWork, principal: Principal) -> Template:
    """Create the accounts and show each new one's password, once; the sheet is built from this page."""
    form = await request.form()
    try:
        sel = Selection(site_ids=_ids(form, "site_ids"), unit_ids=_ids(form, "unit_ids"), include_subunits=True)
        done = await accounts.create_operator_accounts(uow, principal, sel)
    except InvalidInput as exc:
        pick = await accounts.accounts_picker(uow, principal)
        return page(request, "registry/users_operators.html", status_code=422, tab="users", pick=pick, q="",
                    errors={"add": form_errors(exc).popitem()[1]})
    sheet = json.dumps([[i.site.code, i.site.name, i.username, i.password] for i in done.items
                        if i.result == "created" and i.site is not None], ensure_ascii=False)
    response = page(request, "registry/users_operators_done.html", tab="users", done=done, sheet=sheet)
    response.headers.update(PRIVATE)
    return response


def _sheet_rows(raw: Any) -> list[SheetRow]:
    try:
        rows = json.loads(str(raw or ""))
        assert isinstance(rows, list)
        return [SheetRow(*(str(cell)[:300] for cell in row)) for row in rows
                if isinstance(row, list) and len(row) == 4]
    except (ValueError, AssertionError, TypeError):
        raise InvalidInput("the sheet could not be read", code="invalid_input", field="sheet") from None


@post(OPS + "/sheet", include_in_schema=False, status_code=200)
async def operators_sheet(request: Req, principal: Principal) -> Response[bytes]:
    """The CSV sheet of the accounts just created, from the result page's own data (nothing is kept on the
    server, so nothing can be fetched again later)."""
    form = await request.form()
    login_url = request.app.state.settings.public_url.rstrip("/") + "/login"
    body = accounts.credential_sheet(principal, _sheet_rows(form.get("sheet")), login_url)
    name = f"operator-accounts-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'})


ROUTES = [user_list, new_user, point_search, create_user, edit_user, save_user, operators_form, operators_search,
          operators_unit, operators_create, operators_sheet]
