"""Bearer-token authentication middleware and the per-request dependencies."""
from __future__ import annotations

import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.datastructures import State

from domain.access import Principal
from domain.errors import NotFound, Unauthenticated
from domain.links import delegate_principal, invitation_of_link
from domain.passes import InvalidToken, decode_link
from domain.services import users
from domain.uow import UnitOfWork

CACHE_SECONDS = 5.0
PUBLIC_PATHS = ["^/health", "^/api/auth/login", "^/schema", "^/favicon", "^/$"]


class PrincipalCache:
    """Tokens resolved in the last few seconds, so a burst of requests costs one lookup."""

    def __init__(self, ttl: float = CACHE_SECONDS, max_size: int = 50_000) -> None:
        self.ttl, self.max_size = ttl, max_size
        self._items: dict[str, tuple[float, Principal]] = {}

    def get(self, token: str) -> Principal | None:
        hit = self._items.get(token)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, token: str, principal: Principal) -> None:
        if len(self._items) >= self.max_size:
            self._items.clear()
        self._items[token] = (time.monotonic() + self.ttl, principal)

    def drop(self, token: str) -> None:
        self._items.pop(token, None)


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any],
                 query_names: tuple[str, ...] = ("access_token",)) -> str | None:
    """`Authorization: Bearer …`, else the first of these query parameters that is set."""
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
        principal = await _delegate_for(state, token) or await users.resolve_token(new_uow(state), token)
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


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        token = bearer_token(connection)
        if token is None:
            raise Unauthenticated("send a bearer token (POST /api/auth/login)", code="unauthenticated")
        return AuthenticationResult(user=await principal_for(connection.app.state, token), auth=token)


async def provide_uow(state: State) -> UnitOfWork:
    return new_uow(state)


async def provide_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    return request.user
