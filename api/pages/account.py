"""The signed-in user's own password. A password set by an administrator sends every page here until it is
changed (the auth middleware answers `password_change_required`; pages turn that into a redirect)."""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from api.auth import SESSION_COOKIE, client_address, new_uow
from api.i18n import gettext
from api.params import Form
from domain.errors import DomainError, InvalidInput
from domain.users import sessions

from .common import form_errors, page, redirect, session_of
from .session import _secure

PATH = "/account/password"


def _form(request: Request[Any, Any, Any], errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    session = session_of(request)
    required = bool(session and session.principal.must_change_password)
    return page(request, "account/password.html", status_code=status_code, errors=errors or {}, required=required)


@get(PATH, include_in_schema=False)
async def password_page(request: Request[Any, Any, Any]) -> Template:
    return _form(request)


@post(PATH, include_in_schema=False, status_code=303)
async def password_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    state = request.app.state
    session = session_of(request)
    if session is None:  # a bearer token on a page: nothing to change here
        return redirect("/login")
    new = data.get("new_password", "")
    try:
        if new != data.get("confirm_password", ""):
            raise InvalidInput("the two new passwords differ", code="passwords_differ", field="confirm_password")
        fresh = await sessions.change_password(new_uow(state), session.principal, data.get("current_password", ""),
                                               new, state.session_policy, guard=state.login_guard,
                                               address=client_address(request))
    except DomainError as exc:
        if exc.code == "rate_limited":
            raise
        return _form(request, form_errors(exc), status_code=422)
    response = redirect("/", gettext("Your password was changed. Other devices were signed out."))
    response.set_cookie(SESSION_COOKIE, fresh.token, path="/", httponly=True, samesite="lax", secure=_secure(state),
                        max_age=int(state.session_policy.absolute.total_seconds()))
    return response


ROUTES = [password_page, password_submit]
