"""The registry pages: the unit tree, bridge points and delegates (the users' page lives in its own module).

Each page asks the same service as its JSON twin (domain/registry/units.py, sites.py, delegates.py), so a role
answers here as it does in the API: units and points are read by every signed-in role, delegates by those who may
read rosters (operators and chairs only the people invited at their points or conferences), and only organizers
and admins change anything. A form is checked against the API's own schema, then by the service.
"""
from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.i18n import gettext
from api.schemas import (MAX_ID, DelegateCreate, DelegateUpdate, Input, SiteCreate, SiteUpdate, UnitCreate,
                         UnitUpdate)
from domain.access import Principal
from domain.errors import MESSAGES, Conflict, DomainError, InvalidInput
from domain.models import DEFAULT_TZ
from domain.registry import delegates, sites
from domain.registry import units
from domain.uow import UnitOfWork

from .common import checked, page, redirect
from .common import form_errors as _service_errors
from api.params import Filter, Form, Id, OptionalId, PageOffset, PageSearch

PAGE_SIZE = 50
TIMEZONES = ["Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Vientiane", "Asia/Phnom_Penh", "Asia/Singapore",
             "Asia/Shanghai", "Asia/Tokyo", "Europe/Paris", "Europe/Moscow", "America/New_York", "UTC"]


# ---- reading a form with the API's schema ----
def _field_message(field: str, problem: str) -> str:
    if "length >= 1" in problem:
        return gettext(MESSAGES["blank"])
    if "length <=" in problem:
        return gettext("This is too long.")
    if "regex" in problem:
        return {"code": gettext("Use letters, digits, dots, dashes and underscores only, without spaces."),
                "email": gettext("This is not a valid e-mail address."),
                "phone": gettext("Use digits, spaces and + ( ) . - only.")}.get(field, gettext(MESSAGES["invalid"]))
    if ">=" in problem or "<=" in problem:
        return gettext(MESSAGES["out_of_range"])
    if "Expected `int" in problem:
        return gettext("Enter a whole number.")
    return gettext(MESSAGES["invalid_input"])


def read_form(data: dict[str, str], schema: type[Input], *, ids: tuple[str, ...] = (), numbers: tuple[str, ...] = (),
              flags: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's fields as the JSON API would take them (same schema, same limits), or errors by field.
    Text is trimmed; an empty id is none; a missing checkbox is false; an empty number is left out."""
    raw: dict[str, Any] = {}
    for name in schema.__struct_fields__:
        value = (data.get(name) or "").strip()
        if name in ids:
            raw[name] = value or None
        elif name in numbers:
            if value:
                raw[name] = value
        elif name in flags:
            raw[name] = checked(value)
        elif name in data:
            raw[name] = value
    try:
        return msgspec.convert(raw, schema, strict=False).fields(), {}
    except msgspec.ValidationError as exc:
        text = str(exc)
        field = text.rsplit("at `$.", 1)[1].rstrip("`").split(".")[0].split("[")[0] if "at `$." in text else ""
        return raw, {field: _field_message(field, text)}


def form_errors(exc: DomainError) -> dict[str, str]:
    """The error at its field, in words for a person in either language (the registered text of its code; the
    services' English messages are written for API clients: "full_name must not be blank")."""
    text = MESSAGES.get(exc.code, "")
    if text and "%(" not in text:
        return {exc.field or "": gettext(text)}
    return _service_errors(exc)


def filter_id(value: str | None, name: str) -> int | None:
    """A unit filter from a GET form: empty is none; anything but an id is bad input."""
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise InvalidInput(f"{name}: not an id", code="invalid_input", field=name)
    return int(value)


def _values(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names} if obj is not None else {}


# ---- units ----
UNIT_FIELDS = ("code", "name", "parent_id")


@get("/registry/units", include_in_schema=False)
async def unit_list(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                    q: PageSearch = None) -> Template:
    tree = await units.unit_tree(uow, principal, q=q)
    return page(request, "registry/units.html", tab="units", tree=tree, q=q or "")


def _unit_page(request: Request[Any, Any, Any], form: units.UnitForm, values: dict[str, Any],
               errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    return page(request, "registry/units_form.html", status_code=status_code, tab="units", form=form,
                unit=form.unit, node=form.node, values=values, errors=errors or {})


@get("/registry/units/new", include_in_schema=False)
async def unit_new(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                   parent_id: OptionalId = None) -> Template:
    form = await units.unit_form(uow, principal)
    return _unit_page(request, form, {"parent_id": parent_id})


@post("/registry/units", include_in_schema=False, status_code=303)
async def unit_create(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                      data: Form) -> Redirect | Template:
    fields, errors = read_form(data, UnitCreate, ids=("parent_id",))
    status = 422
    if not errors:
        try:
            unit = await units.create_unit(uow, principal, fields)
            return redirect(f"/registry/units/{unit.id}", flash=gettext("Unit «%(name)s» created.", name=unit.name))
        except (InvalidInput, Conflict) as exc:
            errors, status = form_errors(exc), _code_status(exc)
    return _unit_page(request, await units.unit_form(uow, principal), {**data, **fields}, errors, status)


@get("/registry/units/{unit_id:int}", include_in_schema=False)
async def unit_show(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, unit_id: Id) -> Template:
    form = await units.unit_form(uow, principal, unit_id)
    return _unit_page(request, form, _values(form.unit, UNIT_FIELDS))


@post("/registry/units/{unit_id:int}", include_in_schema=False, status_code=303)
async def unit_update(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, unit_id: Id,
                      data: Form) -> Redirect | Template:
    fields, errors = read_form(data, UnitUpdate, ids=("parent_id",))
    status = 422
    if not errors:
        try:
            await units.update_unit(uow, principal, unit_id, fields)
            return redirect(f"/registry/units/{unit_id}", flash=gettext("Saved."))
        except (InvalidInput, Conflict) as exc:
            errors, status = form_errors(exc), _code_status(exc)
    form = await units.unit_form(uow, principal, unit_id)
    return _unit_page(request, form, {**data, **fields}, errors, status)


@post("/registry/units/{unit_id:int}/delete", include_in_schema=False, status_code=303)
async def unit_delete(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                      unit_id: Id) -> Redirect | Template:
    try:
        await units.delete_unit(uow, principal, unit_id)
    except Conflict as exc:
        form = await units.unit_form(uow, principal, unit_id)
        return _unit_page(request, form, _values(form.unit, UNIT_FIELDS), {"delete": form_errors(exc)[""]}, 409)
    return redirect("/registry/units", flash=gettext("Unit deleted."))


# ---- bridge points ----
SITE_FIELDS = ("code", "name", "unit_id", "address", "capacity", "timezone", "video_endpoint", "contact", "active")


@get("/registry/points", include_in_schema=False)
async def point_list(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, q: PageSearch = None,
                     unit: Filter = None, active: Filter = None, offset: PageOffset = 0) -> Template:
    flag = {"yes": True, "no": False}.get(active or "")
    listing = await sites.browse_sites(uow, principal, q=q, within_unit_id=filter_id(unit, "unit"), active=flag,
                                       limit=PAGE_SIZE, offset=offset)
    return page(request, "registry/points.html", tab="points", listing=listing, units=listing.units,
                params={"q": q, "unit": unit, "active": active if flag is not None else None})


def _point_page(request: Request[Any, Any, Any], form: sites.SiteForm, values: dict[str, Any],
                errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    return page(request, "registry/points_form.html", status_code=status_code, tab="points", site=form.site,
                units=form.units, values=values, errors=errors or {}, timezones=TIMEZONES)


@get("/registry/points/new", include_in_schema=False)
async def point_new(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                    unit: OptionalId = None) -> Template:
    form = await sites.site_form(uow, principal)
    return _point_page(request, form, {"unit_id": unit, "timezone": DEFAULT_TZ, "active": True, "capacity": 0})


def _read_site(data: dict[str, str], schema: type[Input]) -> tuple[dict[str, Any], dict[str, str]]:
    return read_form(data, schema, ids=("unit_id",), numbers=("capacity",), flags=("active",))


@post("/registry/points", include_in_schema=False, status_code=303)
async def point_create(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                       data: Form) -> Redirect | Template:
    fields, errors = _read_site(data, SiteCreate)
    status = 422
    if not errors:
        try:
            site = await sites.create_site(uow, principal, fields)
            return redirect(f"/registry/points/{site.id}", flash=gettext("Bridge point «%(name)s» created.",
                                                                         name=site.name))
        except (InvalidInput, Conflict) as exc:
            errors, status = form_errors(exc), _code_status(exc)
    return _point_page(request, await sites.site_form(uow, principal), {**data, **fields}, errors, status)


@get("/registry/points/{site_id:int}", include_in_schema=False)
async def point_show(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                     site_id: Id) -> Template:
    form = await sites.site_form(uow, principal, site_id)
    return _point_page(request, form, _values(form.site, SITE_FIELDS))


@post("/registry/points/{site_id:int}", include_in_schema=False, status_code=303)
async def point_update(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, site_id: Id,
                       data: Form) -> Redirect | Template:
    fields, errors = _read_site(data, SiteUpdate)
    status = 422
    if not errors:
        try:
            await sites.update_site(uow, principal, site_id, fields)
            return redirect(f"/registry/points/{site_id}", flash=gettext("Saved."))
        except (InvalidInput, Conflict) as exc:
            errors, status = form_errors(exc), _code_status(exc)
    return _point_page(request, await sites.site_form(uow, principal, site_id), {**data, **fields}, errors, status)


# ---- delegates ----
DELEGATE_FIELDS = ("full_name", "rank", "position", "unit_id", "email", "phone", "locale")
# The delegate's language (their e-mails, calendar entries and personal page), each named in itself
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]


@get("/registry/delegates", include_in_schema=False)
async def delegate_list(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, q: PageSearch = None,
                        unit: Filter = None, offset: PageOffset = 0) -> Template:
    listing = await delegates.browse_delegates(uow, principal, q=q, within_unit_id=filter_id(unit, "unit"),
                                               limit=PAGE_SIZE, offset=offset)
    return page(request, "registry/delegates.html", tab="delegates", listing=listing, units=listing.units,
                params={"q": q, "unit": unit}, languages=dict(LANGUAGES))


def _delegate_page(request: Request[Any, Any, Any], form: delegates.DelegateForm, values: dict[str, Any],
                   errors: dict[str, str] | None = None, status_code: int = 200,
                   duplicates: list[dict[str, Any]] | None = None) -> Template:
    return page(request, "registry/delegates_form.html", status_code=status_code, tab="delegates",
                delegate=form.delegate, units=form.units, values=values, errors=errors or {},
                duplicates=duplicates or [], languages=LANGUAGES)


@get("/registry/delegates/new", include_in_schema=False)
async def delegate_new(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                       unit: OptionalId = None) -> Template:
    form = await delegates.delegate_form(uow, principal)
    return _delegate_page(request, form, {"unit_id": unit, "locale": "vi"})


@post("/registry/delegates", include_in_schema=False, status_code=303)
async def delegate_create(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                          data: Form) -> Redirect | Template:
    """A possible duplicate is shown with links to the people found and a button to create the person anyway."""
    fields, errors = read_form(data, DelegateCreate, ids=("unit_id",), flags=("confirm_duplicate",))
    status, duplicates = 422, None
    if not errors:
        confirm = bool(fields.pop("confirm_duplicate", False))
        try:
            d = await delegates.create_delegate(uow, principal, fields, confirm_duplicate=confirm)
            return redirect(f"/registry/delegates/{d.id}", flash=gettext("Delegate «%(name)s» registered.",
                                                                         name=d.full_name))
        except (InvalidInput, Conflict) as exc:
            status = _code_status(exc)
            if exc.code == "possible_duplicate":
                duplicates, errors = exc.extra.get("existing", []), {}
            else:
                errors = form_errors(exc)
    values = {**data, **fields}
    values.pop("confirm_duplicate", None)
    return _delegate_page(request, await delegates.delegate_form(uow, principal), values, errors, status, duplicates)


@get("/registry/delegates/{delegate_id:int}", include_in_schema=False)
async def delegate_show(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                        delegate_id: Id) -> Template:
    form = await delegates.delegate_form(uow, principal, delegate_id)
    return _delegate_page(request, form, _values(form.delegate, DELEGATE_FIELDS))


@post("/registry/delegates/{delegate_id:int}", include_in_schema=False, status_code=303)
async def delegate_update(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, delegate_id: Id,
                          data: Form) -> Redirect | Template:
    fields, errors = read_form(data, DelegateUpdate, ids=("unit_id",))
    status = 422
    if not errors:
        try:
            await delegates.update_delegate(uow, principal, delegate_id, fields)
            return redirect(f"/registry/delegates/{delegate_id}", flash=gettext("Saved."))
        except (InvalidInput, Conflict) as exc:
            errors, status = form_errors(exc), _code_status(exc)
    form = await delegates.delegate_form(uow, principal, delegate_id)
    return _delegate_page(request, form, {**data, **fields}, errors, status)


def _code_status(exc: Exception) -> int:
    return 409 if isinstance(exc, Conflict) else 422


ROUTES = [unit_list, unit_new, unit_create, unit_show, unit_update, unit_delete,
          point_list, point_new, point_create, point_show, point_update,
          delegate_list, delegate_new, delegate_create, delegate_show, delegate_update]
