"""The Invitations tab: the conference's invitations (paged on the server, filters, diacritic-blind search), inviting
many at once (a unit subtree, a point's roster, delegates found by a search), substituting and cancelling."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.response import Response, Template

from api.i18n import gettext
from domain.access import Principal
from domain.errors import Conflict, DomainError, InvalidInput
from domain.models import InvitationRole, InvitationStatus
from domain.invitations import bulk as svc, service as invitations
from domain.uow import UnitOfWork

from .common import checked, form_errors, page, redirect

Req = Request[Any, Any, Any]
PAGE_SIZE = 50
MAX_ID = 2_147_483_647
MODES = ("unit", "roster", "pick")
PICKER = re.compile(r"[a-z][a-z0-9-]{0,30}")


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _text(request: Req, name: str) -> str:
    return (request.query_params.get(name) or "").strip()[:200]


def _offset(request: Req) -> int:
    try:
        return max(0, min(int(request.query_params.get("offset", 0)), 10_000_000))
    except ValueError:
        return 0


def _enum(kind: Any, raw: str | None) -> Any:
    try:
        return kind(raw) if raw else None
    except ValueError:
        return None


def _base(conference_id: int) -> str:
    return f"/conferences/{conference_id}/invitations"


@get("/conferences/{conference_id:int}/invitations", include_in_schema=False)
async def roster(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    q, point = _text(request, "q"), _int(request.query_params.get("point"))
    status = _enum(InvitationStatus, request.query_params.get("status"))
    role = _enum(InvitationRole, request.query_params.get("role"))
    view = await svc.roster_page(uow, principal, conference_id, q=q or None, conference_site_id=point, status=status,
                                 role=role, limit=PAGE_SIZE, offset=_offset(request))
    params = {"q": q, "point": point, "status": status.value if status else None, "role": role.value if role else None}
    here = _base(conference_id) + (request.url.query and "?" + request.url.query or "")
    others = urlencode({k: v for k, v in params.items() if v and k != "point"})
    return page(request, "conferences/invitations.html", conf=view.conference, tab="invitations", view=view,
                params=params, here=here, without_point=_base(conference_id) + (others and "?" + others))


@get("/conferences/{conference_id:int}/invitations/points", include_in_schema=False)
async def point_options(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    """The point search of a form: at most 20 points whose name or code contains `point_q` (diacritics ignored),
    as the options of the picker named `picker` (htmx swaps them into its list box)."""
    q = _text(request, "point_q")
    picker = request.query_params.get("picker") or ""
    found = await svc.point_suggestions(uow, principal, conference_id, q or None)
    return page(request, "conferences/invitations_points.html", found=found, q=q,
                picker=picker if PICKER.fullmatch(picker) else "point")


def _invite_page(request: Req, form: svc.InviteForm, *, q: str = "", unit_q: str = "", errors: dict[str, str] | None
                 = None, mode: str = "", typed: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    return page(request, "conferences/invitations_invite.html", status_code=status_code, conf=form.conference,
                tab="invitations", form=form, q=q, unit_q=unit_q, errors=errors or {}, mode=mode, typed=typed or {})


@get("/conferences/{conference_id:int}/invitations/invite", include_in_schema=False)
async def invite(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    q, unit_q = _text(request, "q"), _text(request, "unit_q")
    form = await svc.invite_form(uow, principal, conference_id, q=q, unit_q=unit_q,
                                 unit_id=_int(request.query_params.get("unit_id")))
    return _invite_page(request, form, q=q, unit_q=unit_q)


def _bulk_fields(form: Any) -> dict[str, Any]:
    """The bulk form as the service's arguments; what cannot be read is bad input naming its field."""
    mode = form.get("mode")
    if mode not in MODES:
        raise InvalidInput("mode must be unit, roster or pick", code="bulk_source", field="mode")
    try:
        role = InvitationRole(form.get("role") or "delegate")
    except ValueError:
        raise InvalidInput("unknown role", code="invalid_input", field="role") from None
    raw_site = str(form.get("conference_site_id") or "").strip()
    site = _int(raw_site) if raw_site else None
    if raw_site and site is None:
        raise InvalidInput("conference_site_id: not an id", code="invalid_input", field="conference_site_id")
    fields: dict[str, Any] = {"role": role, "conference_site_id": site}
    if mode == "unit":
        unit = _int(form.get("unit_id"))
        if unit is None:
            raise InvalidInput("choose a unit", code="required", field="unit_id")
        fields.update(unit_id=unit, include_subunits=checked(form.get("include_subunits")))
    elif mode == "roster":
        fields["roster"] = True
    else:
        ids = []
        for raw in form.getall("delegate_ids") if "delegate_ids" in form else []:
            value = _int(raw)
            if value is None:
                raise InvalidInput("delegate_ids: not an id", code="invalid_input", field="delegate_ids")
            ids.append(value)
        fields["delegate_ids"] = ids
    return fields


@post("/conferences/{conference_id:int}/invitations/bulk", include_in_schema=False, status_code=200)
async def bulk(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    """Invite a unit subtree, a point's roster or the ticked delegates; the page shows each delegate's result."""
    form = await request.form()
    mode = str(form.get("mode") or "")
    typed = {k: form.get(k) for k in ("role", "conference_site_id", "unit_id", "include_subunits")}
    try:
        report = await svc.bulk_invite(uow, principal, conference_id, **_bulk_fields(form))
    except DomainError as exc:
        if exc.code in ("conference_not_found", "forbidden_role", "conference_read_only"):
            raise
        again = await svc.invite_form(uow, principal, conference_id, q=str(form.get("q") or "")[:200],
                                      unit_id=_int(form.get("unit_id")),
                                      point_ids=[_int(form.get("conference_site_id"))])
        return _invite_page(request, again, q=str(form.get("q") or "")[:200], errors=form_errors(exc), mode=mode,
                            typed=typed, status_code=409 if isinstance(exc, Conflict) else 422)
    return page(request, "conferences/invitations_result.html", conf=report.conference, tab="invitations",
                report=report, points=report.points)


@get("/conferences/{conference_id:int}/invitations/{invitation_id:int}/substitute", include_in_schema=False)
async def substitute_form(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                          invitation_id: int) -> Template:
    q = _text(request, "q")
    form = await svc.substitute_form(uow, principal, conference_id, invitation_id, q=q)
    return page(request, "conferences/invitations_substitute.html", conf=form.conference, tab="invitations",
                form=form, q=q, errors={})


@post("/conferences/{conference_id:int}/invitations/{invitation_id:int}/substitute", include_in_schema=False,
      status_code=303)
async def substitute(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                     invitation_id: int) -> Response[Any]:
    form = await request.form()
    q = str(form.get("q") or "")[:200]
    try:
        delegate = _int(form.get("delegate_id"))
        if delegate is None:
            raise InvalidInput("choose the delegate who takes the seat", code="required", field="delegate_id")
        new = await invitations.substitute(uow, principal, conference_id, invitation_id, delegate)
    except DomainError as exc:
        if exc.code in ("conference_not_found", "invitation_not_found", "forbidden_role", "conference_read_only"):
            raise
        again = await svc.substitute_form(uow, principal, conference_id, invitation_id, q=q)
        return page(request, "conferences/invitations_substitute.html",
                    status_code=409 if isinstance(exc, Conflict) else 422, conf=again.conference,
                    tab="invitations", form=again, q=q, errors=form_errors(exc),
                    conflict=exc.extra.get("conflicting_conference"))
    return redirect(f"{_base(conference_id)}?status=invited#inv-{new.id}",
                    flash=gettext("The seat was passed on; the earlier pass no longer opens the door."))


@post("/conferences/{conference_id:int}/invitations/{invitation_id:int}/cancel", include_in_schema=False,
      status_code=303)
async def cancel(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                 invitation_id: int) -> Response[Any]:
    form = await request.form()
    await invitations.update_invitation(uow, principal, conference_id, invitation_id,
                                        {"status": InvitationStatus.cancelled})
    back = str(form.get("next") or "")
    target = back if back.startswith(_base(conference_id)) and "//" not in back else _base(conference_id)
    return redirect(target, flash=gettext("The invitation was cancelled and its pass revoked."))


ROUTES = [roster, point_options, invite, bulk, substitute_form, substitute, cancel]
