"""The agenda editor of a conference: items in order with planned times, presenters picked from the
invitations, reordering by drag and drop (agenda.js) or by the move buttons (plain form posts)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from api.schemas import MAX_ID, AgendaReorder
from api.params import Form, IdText, ItemId, Q
from domain.access import Principal
from domain.errors import Conflict, DomainError, InvalidInput, NotFound
from domain.models import AgendaKind
from domain.conferences import agenda
from domain.uow import UnitOfWork

from .common import form_errors, gettext, is_htmx, page, redirect

DEFAULTS = {"kind": "report", "title": "", "presenter_invitation_id": "", "duration_minutes": "10",
            "speaking_minutes": "5", "notes": ""}


def _base(conference_id: int) -> str:
    return f"/conferences/{conference_id}/agenda"


def _int(data: dict[str, str], name: str, blank: int | None) -> int | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return blank
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number", code="invalid", field=name) from None


def parse_item(data: dict[str, str]) -> dict[str, Any]:
    """The form's fields as the service takes them (the service checks blank titles, ranges and lengths)."""
    try:
        kind = AgendaKind(data.get("kind") or "")
    except ValueError:
        raise InvalidInput("choose the kind of item", code="required", field="kind") from None
    return {"kind": kind, "title": (data.get("title") or "").strip(),
            "presenter_invitation_id": _int(data, "presenter_invitation_id", None),
            "duration_minutes": _int(data, "duration_minutes", 0),
            "speaking_minutes": _int(data, "speaking_minutes", 0),
            "notes": (data.get("notes") or "").strip()}


def _values(data: dict[str, str]) -> dict[str, str]:
    return {k: data.get(k, v) for k, v in DEFAULTS.items()}


async def _editor_page(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                       *, form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                       status_code: int = 200) -> Template:
    view = await agenda.editor(uow, principal, conference_id)
    return page(request, "conferences/agenda.html", status_code=status_code, view=view, conf=view.conference,
                tab="agenda", form=form or dict(DEFAULTS), errors=errors or {})


@get("/conferences/{conference_id:int}/agenda", include_in_schema=False)
async def agenda_page(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                      conference_id: int) -> Template:
    return await _editor_page(request, uow, principal, conference_id)


@post("/conferences/{conference_id:int}/agenda", include_in_schema=False, status_code=303)
async def add_item(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                   data: Form) -> Response[Any]:
    try:
        item = await agenda.create_item(uow, principal, conference_id, parse_item(data))
    except (InvalidInput, Conflict) as exc:
        return await _editor_page(request, uow, principal, conference_id, form=_values(data),
                                  errors=form_errors(exc), status_code=_status(exc))
    return redirect(f"{_base(conference_id)}#item-{item.id}", gettext("The item was added."))


@get("/conferences/{conference_id:int}/agenda/{item_id:int}/edit", include_in_schema=False)
async def edit_page(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                    item_id: ItemId) -> Template:
    view = await agenda.editor(uow, principal, conference_id)
    line = _line(view, item_id)
    item = line.item
    form = {"kind": item.kind.value, "title": item.title,
            "presenter_invitation_id": str(item.presenter_invitation_id or ""),
            "duration_minutes": str(item.duration_minutes), "speaking_minutes": str(item.speaking_minutes),
            "notes": item.notes}
    return page(request, "conferences/agenda_edit.html", view=view, conf=view.conference, tab="agenda", line=line,
                form=form, errors={})


@post("/conferences/{conference_id:int}/agenda/{item_id:int}", include_in_schema=False, status_code=303)
async def save_item(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                    item_id: ItemId, data: Form) -> Response[Any]:
    try:
        await agenda.update_item(uow, principal, conference_id, item_id, parse_item(data))
    except (InvalidInput, Conflict) as exc:
        view = await agenda.editor(uow, principal, conference_id)
        return page(request, "conferences/agenda_edit.html", status_code=_status(exc), view=view,
                    conf=view.conference, tab="agenda", line=_line(view, item_id), form=_values(data),
                    errors=form_errors(exc))
    return redirect(f"{_base(conference_id)}#item-{item_id}", gettext("The item was saved."))


@post("/conferences/{conference_id:int}/agenda/{item_id:int}/delete", include_in_schema=False, status_code=303)
async def delete_item(uow: UnitOfWork, principal: Principal, conference_id: int, item_id: ItemId) -> Redirect:
    await agenda.delete_item(uow, principal, conference_id, item_id)
    return redirect(_base(conference_id), gettext("The item was removed."))


@post("/conferences/{conference_id:int}/agenda/{item_id:int}/move", include_in_schema=False, status_code=303)
async def move_item(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                    item_id: ItemId, data: Form) -> Response[Any]:
    """The keyboard's reorder: a plain form post (a redirect back), or through htmx the list again."""
    direction = data.get("direction")
    if direction not in ("up", "down"):
        raise InvalidInput("direction is up or down", code="invalid", field="direction")
    await agenda.move(uow, principal, conference_id, item_id, -1 if direction == "up" else 1)
    if is_htmx(request):
        return await _list_fragment(request, uow, principal, conference_id, moved=(item_id, direction))
    return redirect(f"{_base(conference_id)}#item-{item_id}")


@post("/conferences/{conference_id:int}/agenda/order", include_in_schema=False, status_code=200)
async def save_order(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                     data: AgendaReorder) -> Template:
    """The order after a drag and drop (agenda.js posts `{"item_ids": [...]}` as JSON with the CSRF header): the
    same service as POST /api/conferences/{id}/agenda/reorder; answers the list with its new planned times."""
    await agenda.reorder(uow, principal, conference_id, data.item_ids)
    return await _list_fragment(request, uow, principal, conference_id)


@get("/conferences/{conference_id:int}/agenda/presenters", include_in_schema=False)
async def presenters(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                     q: Q = "", presenter_invitation_id: IdText = "") -> Template:
    """The presenter picker's choices (an htmx fragment): invitations matching the search, diacritic-blind; the
    current choice ("" for none) stays among them."""
    selected = int(presenter_invitation_id) if presenter_invitation_id.isdigit() else None
    if selected is not None and not 1 <= selected <= MAX_ID:
        selected = None
    found = await agenda.presenter_choices(uow, principal, conference_id, q, include=selected)
    return page(request, "conferences/_agenda_presenters.html", choices=found, selected=selected, q=q)


@dataclass(frozen=True)
class Focus:
    """After a move with the keyboard: the button to keep the focus on, and what to announce."""
    id: int
    button: str
    title: str
    position: int


async def _list_fragment(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                         conference_id: int, moved: tuple[int, str] | None = None) -> Template:
    view = await agenda.editor(uow, principal, conference_id)
    focus = None
    if moved is not None:
        ids = [line.item.id for line in view.lines]
        at = ids.index(moved[0])
        button = moved[1]  # stay on the same button unless it is now disabled (first or last place)
        if (button == "up" and at == 0) or (button == "down" and at == len(ids) - 1):
            button = "down" if button == "up" else "up"
        focus = Focus(moved[0], button, view.lines[at].item.title, at + 1)
    return page(request, "conferences/_agenda_list.html", view=view, conf=view.conference, focus=focus)


def _line(view: agenda.AgendaEditor, item_id: int) -> agenda.EditorLine:
    for line in view.lines:
        if line.item.id == item_id:
            return line
    raise NotFound(f"agenda item {item_id} not found", code="agenda_item_not_found")


def _status(exc: DomainError) -> int:
    return 409 if isinstance(exc, Conflict) else 422


ROUTES = [agenda_page, add_item, edit_page, save_item, delete_item, move_item, save_order, presenters]
