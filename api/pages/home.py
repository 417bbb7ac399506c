"""The home page: what the signed-in person works on, by role."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from domain.access import Principal
from domain.models import ConferenceStatus
from domain.services import conferences
from domain.uow import UnitOfWork

from .common import page


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal) -> Template:
    live = await conferences.list_conferences(uow, principal, status=ConferenceStatus.live, limit=20)
    upcoming = await conferences.list_conferences(uow, principal, status=ConferenceStatus.scheduled, limit=20)
    return page(request, "home.html", live=live.items, upcoming=upcoming.items)


ROUTES = [home]
