"""Sign in, sign out and the language switch."""
from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template

from api.auth import LANG_COOKIE, SESSION_COOKIE, check_csrf, client_address, new_uow, session_for
from api.i18n import LOCALES, set_locale
from api.i18n.errors import error_text
from api.params import Form
from domain.errors import DomainError, Unauthenticated
from domain.users import sessions

from .common import page, session_of

LOGIN_CSRF_COOKIE = "bp_login_csrf"


def safe_next(target: str | None) -> str:
    """Only a path of this site (no `//host`, no scheme): never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _secure(state: State) -> bool:
    return state.settings.public_url.startswith("https://")


def _login_form(request: Request[Any, Any, Any], next_: str, errors: dict[str, str] | None = None,
                username: str = "", status_code: int = 200) -> Template:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, "login.html", status_code=status_code, login_csrf=token, next=safe_next(next_),
                    errors=errors or {}, username=username)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, path="/login", httponly=True, samesite="strict",
                        secure=_secure(request.app.state))
    return response


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any]) -> Template:
    return _login_form(request, request.query_params.get("next") or "/")


@post("/login", include_in_schema=False, status_code=303)
async def login_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    state = request.app.state
    next_ = data.get("next") or "/"
    try:
        check_csrf(data.get("_csrf"), request.cookies.get(LOGIN_CSRF_COOKIE) or "")
        session = await sessions.sign_in(new_uow(state), data.get("username", "").strip(), data.get("password", ""),
                                         state.session_policy, guard=state.login_guard,
                                         address=client_address(request))
    except DomainError as exc:
        status = {"csrf_failed": 403, "rate_limited": 429}.get(exc.code, 401)
        return _login_form(request, next_, {"": error_text(exc)}, data.get("username", ""), status_code=status)
    response = Redirect(safe_next(next_), status_code=303)
    response.set_cookie(SESSION_COOKIE, session.token, path="/", httponly=True, samesite="lax",
                        secure=_secure(state), max_age=int(state.session_policy.absolute.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    if session.locale:
        response.set_cookie(LANG_COOKIE, session.locale, path="/", samesite="lax", max_age=365 * 86400)
    return response


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    session = session_of(request)
    if session is not None:
        await sessions.sign_out(new_uow(request.app.state), session.token)
        request.app.state.principal_cache.drop(f"session:{session.token}")
    response = Redirect("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@post("/lang/{locale:str}", include_in_schema=False, status_code=303)
async def choose_language(request: Request[Any, Any, Any], locale: str, data: Form) -> Redirect:
    """Switch the pages' language; a signed-in user's choice is remembered on their account."""
    if locale not in LOCALES:
        locale = LOCALES[0]
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            session = await session_for(request.app.state, cookie)
        except Unauthenticated:
            session = None
        if session is not None:
            check_csrf(data.get("_csrf"), session.csrf_token)
            await sessions.choose_locale(new_uow(request.app.state), session.principal, locale)
            request.app.state.principal_cache.drop(f"session:{cookie}")
    set_locale(locale)
    response = Redirect(safe_next(data.get("next")), status_code=303)
    response.set_cookie(LANG_COOKIE, locale, path="/", samesite="lax", max_age=365 * 86400)
    return response


ROUTES = [login_page, login_submit, logout, choose_language]
