"""The home page: what the signed-in person works on, by role (one read of domain.conferences.dashboard)."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from domain.access import Principal
from domain.conferences import dashboard
from domain.uow import UnitOfWork

from .common import page


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal) -> Template:
    return page(request, "home.html", home=await dashboard.home(uow, principal))


ROUTES = [home]
