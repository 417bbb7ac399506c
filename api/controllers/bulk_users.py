"""Operator accounts for many bridge points in one call (HTTP)."""
from __future__ import annotations

from typing import Any

from litestar import Response, post

from api.controllers.bulk_points import selection_of
from api.schemas.bulk import OperatorAccountOut, OperatorAccountsIn, OperatorAccountsOut
from domain.access import Principal
from domain.users import operators as operator_accounts
from domain.users.operators import AccountsCreated
from domain.uow import UnitOfWork

# The answer holds passwords: never cached, never sent on as a referrer.
PRIVATE = {"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer"}


def accounts_out(done: AccountsCreated) -> OperatorAccountsOut:
    return OperatorAccountsOut(done.count("created"), [
        OperatorAccountOut(i.site_id, i.result,  # type: ignore[arg-type]
                           i.site.code if i.site else None, i.site.name if i.site else None, i.username or None,
                           i.user_id, i.password, i.existing)
        for i in done.items])


@post("/api/users/operators", operation_id="createOperatorAccounts", tags=["users"], status_code=200,
      description="Create one operator account per bridge point, bound to it (administrators). Pick the points with "
                  "`site_ids` and/or `unit_id` (+ `include_subunits`, default true). The username is `vanhanh.` + "
                  "the point's code in lower case; each new account gets a random `one_time_password`, returned in "
                  "this answer only (it is stored as a hash; the answer is `Cache-Control: no-store`). A point that "
                  "already has an operator account gets `exists` (with `existing_usernames`) and no second account; "
                  "also `username_taken`, `inactive`, `not_found`, `invalid_username`. One transaction; an audit "
                  "entry `user.created` per account.")
async def create_operator_accounts(data: OperatorAccountsIn, uow: UnitOfWork,
                                   principal: Principal) -> Response[OperatorAccountsOut]:
    done = await operator_accounts.create_operator_accounts(uow, principal, selection_of(data))
    return Response(accounts_out(done), headers=PRIVATE)


ROUTES: list[Any] = [create_operator_accounts]
