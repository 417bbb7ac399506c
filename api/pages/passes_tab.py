"""The Passes tab of a conference: passes per point, downloads (PDF to print, ZIP of PNGs), revoked passes."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from api.params import Offset, PageSearch
from domain.access import Principal
from domain.invitations import pass_sheets
from domain.uow import UnitOfWork

from .common import page

PAGE_SIZE = 50


@get("/conferences/{conference_id:int}/passes", include_in_schema=False)
async def passes_tab(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal, conference_id: int,
                     q: PageSearch = None,
                     offset: Offset = 0) -> Template:
    view = await pass_sheets.passes_overview(uow, principal, conference_id, q=q, limit=PAGE_SIZE, offset=offset)
    return page(request, "conferences/passes.html", conf=view.conference, tab="passes", view=view, q=q or "",
                params={"q": q} if q else {})


ROUTES = [passes_tab]
