"""The wall board (signed in: viewers, organizers, chairs, anyone who may see the conference; or a display link
on a screen nobody signs in to) and the organizers' display links."""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.displays import after_revoke, display_url
from api.i18n import gettext
from api.params import Form, LinkToken
from domain.access import Principal
from domain.displays import board, service as displays
from domain.errors import DomainError
from domain.uow import UnitOfWork

from .common import form_errors, page, redirect

OPEN_ALL_UP_TO = 300  # more points than this: the board shows units with totals and opens one on demand
Req = Request[Any, Any, Any]


@get("/conferences/{conference_id:int}/board", include_in_schema=False)
async def board_page(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    head = await board.board_head(uow, principal, conference_id)
    return page(request, "board/board.html", board=head, token=None, manage=principal.is_staff,
                open_all_up_to=OPEN_ALL_UP_TO)


@get("/display/{token:str}", include_in_schema=False, exclude_from_auth=True)
async def display_page(request: Req, uow: UnitOfWork, token: LinkToken) -> Template:
    _, head = await displays.board_of_token(uow, request.app.state.keyring, token)
    response = page(request, "board/board.html", board=head, token=token, manage=False,
                    open_all_up_to=OPEN_ALL_UP_TO)
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is the screen's secret
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _links_page(request: Req, found: displays.DisplayLinks, form: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status_code: int = 200, created: int | None = None) -> Template:
    links = [{"id": v.id, "label": v.label, "created_at": v.created_at, "created_by": v.created_by,
              "revoked_at": v.revoked_at, "url": display_url(request, v.token) if v.token else None}
             for v in found.links]
    return page(request, "board/displays.html", status_code=status_code, conf=found.conference, tab="board",
                view={"links": links}, form=form or {"label": ""}, errors=errors or {}, created=created)


@get("/conferences/{conference_id:int}/displays", include_in_schema=False)
async def displays_page(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    found = await displays.list_links(uow, request.app.state.keyring, principal, conference_id)
    return _links_page(request, found)


@post("/conferences/{conference_id:int}/displays", include_in_schema=False, status_code=303)
async def create_display(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                         data: Form) -> Template | Redirect:
    ring = request.app.state.keyring
    try:
        link = await displays.create_link(uow, ring, principal, conference_id, data.get("label"))
    except DomainError as exc:
        if exc.field is None:
            raise
        found = await displays.list_links(uow, ring, principal, conference_id)
        return _links_page(request, found, {"label": data.get("label", "")}, form_errors(exc), status_code=422)
    return redirect(f"/conferences/{conference_id}/displays#display-{link.id}",
                    flash=gettext("The display link was created. Open it on the screen of “%(label)s”.",
                                  label=link.label))


@post("/conferences/{conference_id:int}/displays/{link_id:int}/revoke", include_in_schema=False, status_code=303)
async def revoke_display(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                         link_id: int) -> Redirect:
    link = await displays.revoke_link(uow, request.app.state.keyring, principal, conference_id, link_id)
    await after_revoke(request)
    return redirect(f"/conferences/{conference_id}/displays",
                    flash=gettext("The display link of “%(label)s” was revoked; its screen has stopped.",
                                  label=link.label))


ROUTES = [board_page, display_page, displays_page, create_display, revoke_display]
