from __future__ import annotations

from typing import Literal

from litestar import Controller, get, patch, post

from api.schemas import PickedUserOut, UserCreate, UserOut, UserPage, UserUpdate, enum_fields, user_out
from domain.access import Principal
from domain.models import Role
from domain.users import service as users
from domain.uow import UnitOfWork
from api.params import Limit, Offset, PickLimit, QueryId, Search, UserId



class UserController(Controller):
    path = "/api/users"
    tags = ["users"]

    @get("/", operation_id="listUsers", description="Accounts (administrators).")
    async def list_(self, uow: UnitOfWork, principal: Principal,
                    role: Literal["admin", "organizer", "chair", "operator", "viewer"] | None = None,
                    limit: Limit = 50, offset: Offset = 0) -> UserPage:
        page = await users.list_users(uow, principal, role=Role(role) if role else None, limit=limit, offset=offset)
        return UserPage([user_out(u) for u in page.items], page.total, page.limit, page.offset)

    @get("/picker", operation_id="pickUsers",
         description="Active chairs, operators and organizers to assign to a conference or a bridge point "
                     "(organizers and administrators): id, name, role and bound points only. `q` ignores case and "
                     "diacritics; `site_id` keeps the operators bound to that point.")
    async def picker(self, uow: UnitOfWork, principal: Principal, q: Search = None,
                     role: Literal["chair", "operator", "organizer"] | None = None, site_id: QueryId = None,
                     limit: PickLimit = 20) -> list[PickedUserOut]:
        found = await users.pick_users(uow, principal, role=Role(role) if role else None, q=q, site_id=site_id,
                                       limit=limit)
        return [PickedUserOut(u.id, u.username, u.display_name, u.role.value, u.site_ids) for u in found]

    @post("/", operation_id="createUser", description="Create an account; operators are bound to sites.")
    async def create(self, data: UserCreate, uow: UnitOfWork, principal: Principal) -> UserOut:
        return user_out(await users.create_user(uow, principal, enum_fields(data.fields(), role=Role)))

    @get("/{user_id:int}", operation_id="getUser", description="One account (administrators).")
    async def get_(self, user_id: UserId, uow: UnitOfWork, principal: Principal) -> UserOut:
        return user_out(await users.get_user(uow, principal, user_id))

    @patch("/{user_id:int}", operation_id="updateUser", description="Change an account (administrators).")
    async def update(self, user_id: UserId, data: UserUpdate, uow: UnitOfWork, principal: Principal) -> UserOut:
        return user_out(await users.update_user(uow, principal, user_id, enum_fields(data.fields(), role=Role)))
