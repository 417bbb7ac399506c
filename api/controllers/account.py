"""The signed-in user's own password (HTTP). A password set by an administrator must be changed here first: until
then every other route answers `403 password_change_required`."""
from __future__ import annotations

from typing import Any

from litestar import Request, post

from api.auth import client_address
from api.schemas import TokenOut, user_out
from api.schemas.account import PasswordChangeIn
from domain.access import Principal
from domain.uow import UnitOfWork
from domain.users import service as users


@post("/api/auth/password", operation_id="changePassword", tags=["auth"], status_code=200,
      description="Replace your own password: at least 12 characters, not a well-known password, not your username "
                  "(`422` with `password_too_short`, `password_common`, `password_is_username`; a wrong current "
                  "password is `422 wrong_password`). Every token and browser session of the account ends; the "
                  "answer carries a new bearer token. Required after an administrator set the password: until then "
                  "other routes answer `403 password_change_required`.")
async def change_password(request: Request[Any, Any, Any], data: PasswordChangeIn, uow: UnitOfWork,
                          principal: Principal) -> TokenOut:
    state = request.app.state
    address = client_address(request)
    token, user = await users.change_own_password(uow, principal, data.current_password, data.new_password,
                                                  guard=state.login_guard, address=address,
                                                  ttl=state.settings.token_ttl())
    return TokenOut(access_token=token, token_type="bearer", user=user_out(user))


ROUTES: list[Any] = [change_password]
