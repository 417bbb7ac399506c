"""The Mail tab: send the invitations, watch their progress (a small fragment htmx polls), each message's outbox
state, and resend one that failed."""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Response, Template

from api.i18n import gettext
from api.i18n.errors import error_text
from domain.access import Principal
from domain.errors import Conflict
from domain.mail.models import MailStatus
from domain.invitations import bulk as svc
from domain.mail import mailings
from domain.uow import UnitOfWork

from .common import page, redirect

Req = Request[Any, Any, Any]
PAGE_SIZE = 50


def _offset(request: Req) -> int:
    try:
        return max(0, min(int(request.query_params.get("offset", 0)), 10_000_000))
    except ValueError:
        return 0


def _base(conference_id: int) -> str:
    return f"/conferences/{conference_id}/mail"


@get("/conferences/{conference_id:int}/mail", include_in_schema=False)
async def mail(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    raw = request.query_params.get("status")
    status = MailStatus(raw) if raw in {s.value for s in MailStatus} else None
    view = await svc.mail_page(uow, principal, conference_id, status=status, limit=PAGE_SIZE,
                               offset=_offset(request))
    return page(request, "conferences/mail.html", conf=view.conference, tab="mail", view=view,
                progress=view.progress, conference_id=conference_id,
                params={"status": status.value if status else None})


@get("/conferences/{conference_id:int}/mail/progress", include_in_schema=False)
async def progress(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Template:
    """The counts of the invitation e-mails by state: the fragment the Mail tab polls while mail is going out."""
    counts = await svc.mail_progress(uow, principal, conference_id)
    response = page(request, "conferences/mail_progress.html", progress=counts, conference_id=conference_id)
    if not counts.busy:  # the last poll: the page reloads its list of messages
        response.headers["HX-Trigger"] = "mail-done"
    return response


@post("/conferences/{conference_id:int}/mail/send", include_in_schema=False, status_code=303)
async def send(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int) -> Response[Any]:
    try:
        report = await mailings.send_invitations(uow, principal, conference_id)
    except Conflict as exc:  # not scheduled yet: say so on the tab
        return redirect(_base(conference_id), flash=error_text(exc))
    flash = gettext("%(n)s invitations queued for sending.", n=report.queued)
    if report.without_email:
        flash += " " + gettext("%(n)s delegates have no e-mail address and get nothing.", n=len(report.without_email))
    return redirect(_base(conference_id), flash=flash)


@post("/conferences/{conference_id:int}/mail/{message_id:int}/resend", include_in_schema=False, status_code=303)
async def resend(request: Req, uow: UnitOfWork, principal: Principal, conference_id: int,
                 message_id: int) -> Response[Any]:
    try:
        msg = await svc.resend(uow, principal, conference_id, message_id)
    except Conflict as exc:  # sent or queued meanwhile
        return redirect(_base(conference_id), flash=error_text(exc))
    return redirect(_base(conference_id), flash=gettext("The message to %(to)s will be sent again.", to=msg.recipient))


ROUTES = [mail, progress, send, resend]
