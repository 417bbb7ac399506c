"""The chair's speaker console: one page per conference, drawn from one read of domain.speakers.console and kept
live by the live view (static/js/chair.js). Every command the console gives goes to the speakers JSON API
(api/controllers/speakers.py, docs/speakers.md) with the session cookie and the CSRF token: the same services,
the same rules, the same errors."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from api.params import ConferenceId
from domain.access import Principal
from domain.speakers import console
from domain.uow import UnitOfWork

from .common import page


@get("/conferences/{conference_id:int}/chair", include_in_schema=False)
async def chair_console(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                        conference_id: ConferenceId) -> Template:
    return page(request, "chair/console.html", view=await console.console(uow, principal, conference_id))


ROUTES = [chair_console]
