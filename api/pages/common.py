"""What every page handler shares: who is signed in, the template response, form values and flashes."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from litestar import Request
from litestar.response import Redirect, Template

from api.i18n import gettext
from domain.errors import DomainError
from domain.users.sessions import BrowserSession

from api.i18n.errors import error_text

FLASH_COOKIE = "bp_flash"


def session_of(request: Request[Any, Any, Any]) -> BrowserSession | None:
    auth = request.scope.get("auth")
    return auth if isinstance(auth, BrowserSession) else None


def page(request: Request[Any, Any, Any], name: str, status_code: int = 200, **context: Any) -> Template:
    """A page or an htmx fragment; `flash` from the redirect before it is shown once."""
    flash = unquote(request.cookies.get(FLASH_COOKIE) or "") or None
    response = Template(template_name=name, status_code=status_code,
                        context={"session": session_of(request), "flash": flash, **context})
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    return response


def redirect(path: str, flash: str | None = None, *, htmx: bool = False) -> Redirect:
    """303 to a page (htmx follows `HX-Redirect`), with a one-time message in the user's language."""
    response = Redirect(path=path, status_code=303, headers={"HX-Redirect": path} if htmx else None)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash), path="/", httponly=True, samesite="lax", max_age=60)
    return response


def form_errors(exc: DomainError) -> dict[str, str]:
    """A domain error as the message to show at its field (or at the top of the form: key "")."""
    return {exc.field or "": error_text(exc)}


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


def checked(value: Any) -> bool:
    return value in ("on", "true", "1", True)


__all__ = ["checked", "form_errors", "gettext", "is_htmx", "page", "redirect", "session_of"]
