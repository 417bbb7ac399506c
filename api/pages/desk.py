"""The bridge-point desk: the chooser of the caller's desks, one point's desk page, and its service worker.

The page is a shell: everything it does goes through the check-in JSON API and the live view (docs/checkin.md,
/static/js/desk.js). It runs under the site's Content-Security-Policy plus 'wasm-unsafe-eval', which the camera's
QR decoder (zxing-wasm, served from /static/vendor/zxing/) needs to compile its WebAssembly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.response import Template

from api.params import ConferenceId, ConferenceSiteId
from api.security import CSP
from domain.access import Principal
from domain.checkin import desk
from domain.db import utcnow
from domain.uow import UnitOfWork

from .common import page

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "js" / "desk-sw.js"
DESK_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'")


@get("/desk", include_in_schema=False)
async def desk_chooser(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal) -> Template:
    clock = request.app.state.get("clock", utcnow)
    return page(request, "desk/chooser.html", chooser=await desk.chooser(uow, principal, clock()))


@get("/desk/conferences/{conference_id:int}/points/{conference_site_id:int}", include_in_schema=False)
async def desk_page(request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal,
                    conference_id: ConferenceId, conference_site_id: ConferenceSiteId) -> Template:
    view = await desk.desk_view(uow, principal, conference_id, conference_site_id)
    response = page(request, "desk/desk.html", desk=view)
    response.headers["content-security-policy"] = DESK_CSP
    return response


@get("/desk/sw.js", include_in_schema=False, exclude_from_auth=True, media_type="text/javascript")
async def desk_service_worker() -> Response[bytes]:
    """From /desk/ so that its scope covers every desk page (a worker's scope is its own folder at most)."""
    return Response(SERVICE_WORKER.read_bytes(), media_type="text/javascript",
                    headers={"service-worker-allowed": "/desk/", "cache-control": "no-cache"})


ROUTES = [desk_chooser, desk_page, desk_service_worker]
