"""Authentication: bearer tokens for the API, a session cookie for browsers (with CSRF), and the request's
language. Also the per-request dependencies."""
from __future__ import annotations

import secrets
import time
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, Receive, Scope, Send

from api.i18n import negotiate, set_locale
from domain.access import Principal
from domain.displays import service as displays
from domain.errors import Forbidden, NotFound, Unauthenticated
from domain.invitations.links import delegate_principal, invitation_of_link
from domain.invitations.passes import InvalidToken, decode_link
from domain.users import sessions, service as users
from domain.users.sessions import BrowserSession
from domain.uow import UnitOfWork

CACHE_SECONDS = 5.0
PUBLIC_PATHS = ["^/health", "^/api/auth/login", "^/schema", "^/favicon", "^/static/", "^/login", "^/lang/"]
SESSION_COOKIE = "bp_session"
LANG_COOKIE = "bp_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RECEIVE_KEY = "bridgepoint.receive"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class PrincipalCache:
    """Personal and display links resolved in the last few seconds, so a burst of requests costs one lookup.
    API tokens and browser sessions are NOT cached: each request asks the database, so that a logout, a password
    change or reset, a deactivation or a role change ends them at once on every worker."""

    def __init__(self, ttl: float = CACHE_SECONDS, max_size: int = 50_000) -> None:
        self.ttl, self.max_size = ttl, max_size
        self._items: dict[str, tuple[float, Any]] = {}

    def get(self, token: str) -> Any:
        hit = self._items.get(token)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, token: str, principal: Any) -> None:
        if len(self._items) >= self.max_size:
            self._items.clear()
        self._items[token] = (time.monotonic() + self.ttl, principal)

    def drop(self, token: str) -> None:
        self._items.pop(token, None)


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any],
                 query_names: tuple[str, ...] = ()) -> str | None:
    """`Authorization: Bearer …`, else the first of these query parameters that is set (only where a header
    cannot be sent: the websocket)."""
    header = connection.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return next((value for name in query_names if (value := connection.query_params.get(name))), None)


def new_uow(state: State) -> UnitOfWork:
    return UnitOfWork(state.sessionmaker, state.publisher)


async def principal_for(state: State, token: str) -> Principal:
    """The user behind an API token, or the delegate behind a personal-link token."""
    cache: PrincipalCache = state.principal_cache
    principal = cache.get(token)
    if principal is None:
        principal = await _delegate_for(state, token) or await _display_for(state, token)
        if principal is None:  # an API token: one indexed query every time, never cached
            return await users.resolve_token(new_uow(state), token)
        cache.put(token, principal)
    return principal


async def _delegate_for(state: State, token: str) -> Principal | None:
    try:
        invitation_id, version = decode_link(state.keyring, token)
    except InvalidToken:
        return None  # not a personal link: try it as an API token
    async with new_uow(state) as uow:
        try:
            return delegate_principal(await invitation_of_link(uow.session, invitation_id, version))
        except NotFound:
            raise Unauthenticated("this personal link was revoked or replaced", code="bad_token") from None


async def _display_for(state: State, token: str) -> Principal | None:
    """A wall board's display link (None: not one; Unauthenticated: one that was revoked)."""
    try:
        displays.decode_display(state.keyring, token)
    except InvalidToken:
        return None  # not a display link: no database round trip
    async with new_uow(state) as uow:
        return await displays.principal_of_token(uow.session, state.keyring, token)


async def session_for(state: State, token: str) -> BrowserSession:
    """The browser session behind a cookie, asked of the database on every request (its idle time is written at
    most once a minute)."""
    return await sessions.resolve(new_uow(state), token, state.session_policy)


# What an account whose password was set by an administrator may still do before choosing its own.
PASSWORD_CHANGE_PATHS = ("/api/auth/", "/account/password", "/logout", "/lang/")


def require_own_password(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> None:
    if principal.must_change_password and not connection.scope["path"].startswith(PASSWORD_CHANGE_PATHS):
        raise Forbidden("your password was set by an administrator: change it first (POST /api/auth/password)",
                        code="password_change_required")


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address (uvicorn applies X-Forwarded-For from trusted proxies with --proxy-headers)."""
    return connection.client.host if connection.client else "unknown"


def request_locale(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The language cookie, else the browser's `Accept-Language`."""
    chosen = connection.cookies.get(LANG_COOKIE)
    return chosen if chosen in ("vi", "en") else negotiate(connection.headers.get("accept-language"))


async def submitted_csrf(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The CSRF token of a request: the `X-CSRF-Token` header (htmx, fetch) or the `_csrf` form field."""
    sent = connection.headers.get(CSRF_HEADER)
    if sent is None and connection.headers.get("content-type", "").startswith(FORM_TYPES):
        receive = connection.scope.get(RECEIVE_KEY, connection.receive)  # type: ignore[call-overload]
        form = await Request(connection.scope, receive).form()  # parsed once: the handler reads it again
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent


def check_csrf(sent: str | None, expected: str) -> None:
    if not sent or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("the form has expired or did not come from bridgepoint; reload the page and try again",
                        code="csrf_failed")


class LocaleMiddleware:
    """Sets the request's language before anything else runs (signed-in users' choice overrides it later)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            set_locale(request_locale(ASGIConnection(scope)))
        await self.app(scope, receive, send)


class AuthMiddleware(AbstractAuthenticationMiddleware):
    """A bearer token (API clients), else the session cookie (browsers; unsafe methods need the CSRF token)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[RECEIVE_KEY] = receive  # type: ignore[literal-required]  # the CSRF check may read a form body
        await super().__call__(scope, receive, send)

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        state = connection.app.state
        if "access_token" in connection.query_params:  # it would end up in logs, histories and referrers
            raise Unauthenticated("send the token in the Authorization header, not in the URL",
                                  code="token_in_url")
        token = bearer_token(connection)
        if token is not None:
            principal = await principal_for(state, token)
            require_own_password(connection, principal)
            return AuthenticationResult(user=principal, auth=token)
        cookie = connection.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise Unauthenticated("send a bearer token (POST /api/auth/login) or sign in", code="unauthenticated")
        session = await session_for(state, cookie)
        if session.locale:
            set_locale(session.locale)
        if connection.scope.get("method") in UNSAFE_METHODS:
            check_csrf(await submitted_csrf(connection), session.csrf_token)
        require_own_password(connection, session.principal)
        return AuthenticationResult(user=session.principal, auth=session)


async def provide_uow(state: State) -> UnitOfWork:
    return new_uow(state)


async def provide_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    return request.user
