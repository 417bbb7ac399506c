"""Conclusions of a conference: publish a notice with its attachment, and see each point's acknowledgement."""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from api.params import Form, Multipart, PathId
from domain.access import Principal
from domain.errors import Conflict, DomainError, InvalidInput
from domain.conferences import notices
from domain.uow import UnitOfWork

from .common import form_errors, gettext, page, redirect



def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


async def parse_notice(data: dict[str, Any]) -> dict[str, Any]:
    """Title, body and the optional file as the service takes them (an empty file input is no attachment)."""
    fields: dict[str, Any] = {"title": _text(data, "title"), "body": _text(data, "body")}
    upload = data.get("attachment")
    if isinstance(upload, UploadFile) and upload.filename:
        fields["attachment"] = {"filename": upload.filename.replace("\\", "/").rsplit("/", 1)[-1],
                                "content_type": (upload.content_type or "application/octet-stream")[:100],
                                "content": await upload.read()}
    return fields


def _errors(exc: DomainError) -> dict[str, str]:
    """The service names `attachment.filename` or `attachment.content`: both are the file field here."""
    return {("attachment" if k.startswith("attachment") else k): v for k, v in form_errors(exc).items()}


async def _page(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int, *,
                form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                status_code: int = 200) -> Template:
    view = await notices.conference_notices(uow, principal, conference_id)
    return page(request, "conferences/notices.html", status_code=status_code, view=view, conf=view.conference,
                tab="notices", form=form or {"title": "", "body": ""}, errors=errors or {},
                max_mib=notices.MAX_ATTACHMENT // 1024 // 1024)


@get("/conferences/{conference_id:int}/notices", include_in_schema=False)
async def notices_page(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                       conference_id: int) -> Template:
    return await _page(request, uow, principal, conference_id)


@post("/conferences/{conference_id:int}/notices", include_in_schema=False, status_code=303)
async def publish(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                  data: Multipart) -> Response[Any]:
    fields = await parse_notice(data)
    try:
        await notices.publish(uow, principal, conference_id, fields)
    except (InvalidInput, Conflict) as exc:
        return await _page(request, uow, principal, conference_id, form={"title": fields["title"],
                                                                          "body": fields["body"]},
                           errors=_errors(exc), status_code=409 if isinstance(exc, Conflict) else 422)
    return redirect(f"/conferences/{conference_id}/notices", gettext("The conclusions were published to every point."))


@post("/conferences/{conference_id:int}/notices/{notice_id:int}/receipts/{conference_site_id:int}/acknowledge",
      include_in_schema=False, status_code=303)
async def acknowledge(uow: UnitOfWork, principal: Principal, conference_id: int, notice_id: PathId,
                      conference_site_id: PathId, data: Form) -> Redirect:
    """An operator confirms that their point received the notice (the same service as the API)."""
    await notices.acknowledge(uow, principal, conference_id, notice_id, conference_site_id,
                              (data.get("note") or "").strip()[:500])
    return redirect(f"/conferences/{conference_id}/notices#notice-{notice_id}", gettext("Receipt acknowledged."))


ROUTES = [notices_page, publish, acknowledge]
