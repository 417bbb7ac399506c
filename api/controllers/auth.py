from __future__ import annotations

from litestar import Controller, Request, get, post

from api.auth import client_address
from api.schemas import LoginIn, TokenOut, UserOut, user_out
from domain.access import Principal
from domain.users import sessions, service as users
from domain.users.sessions import BrowserSession
from domain.uow import UnitOfWork


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", status_code=200, exclude_from_auth=True,
          description="Exchange username and password for a bearer token (valid for `BRIDGEPOINT_TOKEN_TTL_HOURS`, 12 by default). Repeated failures for an account or from an address answer 429 with `Retry-After`.")
    async def login(self, request: Request, data: LoginIn, uow: UnitOfWork) -> TokenOut:
        state = request.app.state
        token, user = await users.login(uow, data.username, data.password, guard=state.login_guard,
                                        address=client_address(request), ttl=state.settings.token_ttl())
        return TokenOut(access_token=token, token_type="bearer", user=user_out(user))

    @post("/logout", operation_id="logout", status_code=204, description="Revoke the token in use.")
    async def logout(self, request: Request, uow: UnitOfWork) -> None:
        if isinstance(request.auth, BrowserSession):
            await sessions.sign_out(uow, request.auth.token)
            request.app.state.principal_cache.drop(f"session:{request.auth.token}")
            return
        await users.logout(uow, request.auth)
        request.app.state.principal_cache.drop(request.auth)

    @get("/me", operation_id="me", description="Who the token belongs to.")
    async def me(self, principal: Principal, uow: UnitOfWork) -> UserOut:
        return user_out(await users.get_self(uow, principal))
