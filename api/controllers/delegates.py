from __future__ import annotations


from litestar import Controller, delete, get, patch, post

from api.schemas import DelegateCreate, DelegateOut, DelegatePage, DelegateUpdate, delegate_out
from api.params import DelegateId, Limit, Offset, QueryId, Search
from domain.access import Principal
from domain.registry import delegates
from domain.uow import UnitOfWork



class DelegateController(Controller):
    path = "/api/delegates"
    tags = ["delegates"]

    @get("/", operation_id="listDelegates",
         description="Delegates the caller may see (operators: those invited at their sites). "
                     "`q` ignores case and diacritics: «le huy vinh» finds «Lê Huy Vịnh».")
    async def list_(self, uow: UnitOfWork, principal: Principal, q: Search = None, unit_id: QueryId = None,
                    limit: Limit = 50, offset: Offset = 0) -> DelegatePage:
        page = await delegates.list_delegates(uow, principal, q=q, unit_id=unit_id, limit=limit, offset=offset)
        return DelegatePage([delegate_out(d) for d in page.items], page.total, page.limit, page.offset)

    @post("/", operation_id="createDelegate",
          description="Register a delegate (organizers). A second person with the same name in the same unit, or "
                      "the same e-mail, answers 409 `possible_duplicate` naming them in `existing`, unless "
                      "`confirm_duplicate` is true.")
    async def create(self, data: DelegateCreate, uow: UnitOfWork, principal: Principal) -> DelegateOut:
        fields = data.fields()
        confirm = fields.pop("confirm_duplicate", False)
        return delegate_out(await delegates.create_delegate(uow, principal, fields, confirm_duplicate=confirm))

    @get("/{delegate_id:int}", operation_id="getDelegate", description="One delegate.")
    async def get_(self, delegate_id: DelegateId, uow: UnitOfWork, principal: Principal) -> DelegateOut:
        return delegate_out(await delegates.get_delegate(uow, principal, delegate_id))

    @patch("/{delegate_id:int}", operation_id="updateDelegate", description="Change a delegate (organizers).")
    async def update(self, delegate_id: DelegateId, data: DelegateUpdate, uow: UnitOfWork,
                     principal: Principal) -> DelegateOut:
        return delegate_out(await delegates.update_delegate(uow, principal, delegate_id, data.fields()))

    @delete("/{delegate_id:int}", operation_id="deleteDelegate",
            description="Delete a delegate who was never invited (organizers).")
    async def delete_(self, delegate_id: DelegateId, uow: UnitOfWork, principal: Principal) -> None:
        await delegates.delete_delegate(uow, principal, delegate_id)
