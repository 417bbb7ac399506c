"""Display links at the edge: the URL a screen opens, and closing a revoked board at once."""
from __future__ import annotations

from typing import Any

from litestar import Request


def display_url(request: Request[Any, Any, Any], token: str) -> str:
    return f"{request.app.state.settings.public_url.rstrip('/')}/display/{token}"


async def after_revoke(request: Request[Any, Any, Any]) -> None:
    """Close the revoked board now on this worker (other workers: at their next credential check, ≤ 30 s)."""
    try:
        await request.app.state.realtime.recheck_credentials()
    except Exception:  # the link is revoked in the database; the periodic check will close it
        pass
