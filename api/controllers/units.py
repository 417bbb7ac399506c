from __future__ import annotations

from litestar import Controller, delete, get, patch, post

from api.schemas import UnitCreate, UnitOut, UnitPage, UnitUpdate, unit_out
from domain.access import Principal
from domain.registry import units
from domain.uow import UnitOfWork
from api.params import Limit, Offset, QueryId, Search, UnitId



class UnitController(Controller):
    path = "/api/units"
    tags = ["units"]

    @get("/", operation_id="listUnits", description="List units of the organisation tree; `q` searches names.")
    async def list_(self, uow: UnitOfWork, principal: Principal, q: Search = None, parent_id: QueryId = None,
                    limit: Limit = 50, offset: Offset = 0) -> UnitPage:
        page = await units.list_units(uow, principal, q=q, parent_id=parent_id, limit=limit, offset=offset)
        return UnitPage([unit_out(u) for u in page.items], page.total, page.limit, page.offset)

    @post("/", operation_id="createUnit", description="Create a unit (organizers).")
    async def create(self, data: UnitCreate, uow: UnitOfWork, principal: Principal) -> UnitOut:
        return unit_out(await units.create_unit(uow, principal, data.fields()))

    @get("/{unit_id:int}", operation_id="getUnit", description="One unit.")
    async def get_(self, unit_id: UnitId, uow: UnitOfWork, principal: Principal) -> UnitOut:
        return unit_out(await units.get_unit(uow, principal, unit_id))

    @patch("/{unit_id:int}", operation_id="updateUnit", description="Change a unit (organizers).")
    async def update(self, unit_id: UnitId, data: UnitUpdate, uow: UnitOfWork, principal: Principal) -> UnitOut:
        return unit_out(await units.update_unit(uow, principal, unit_id, data.fields()))

    @delete("/{unit_id:int}", operation_id="deleteUnit",
            description="Delete a unit that has no child units, sites or delegates (organizers).")
    async def delete_(self, unit_id: UnitId, uow: UnitOfWork, principal: Principal) -> None:
        await units.delete_unit(uow, principal, unit_id)
