"""The delegate page's service worker (static/js/delegate-sw.js), served under the personal page's own path so that
it may control that one page: `Service-Worker-Allowed: /p/{token}` lets it take the scope /p/{token} (the page
itself and its /agenda). The page is /p/{token} (api/controllers/passes.py, templates/delegate/page.html).

The script is the same for every link and says nothing about the delegate: no lookup, no credential is checked."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Response, get

from api.params import LinkToken

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "js" / "delegate-sw.js"


@get("/p/{token:str}/sw.js", include_in_schema=False, exclude_from_auth=True)
async def delegate_service_worker(token: LinkToken) -> Response[bytes]:
    return Response(SERVICE_WORKER.read_bytes(), media_type="text/javascript; charset=utf-8",
                    headers={"Service-Worker-Allowed": f"/p/{quote(token, safe='')}", "Cache-Control": "no-cache",
                             "Referrer-Policy": "no-referrer"})


ROUTES: list[Any] = [delegate_service_worker]
