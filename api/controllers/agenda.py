from __future__ import annotations


from litestar import Controller, delete, get, patch, post

from api.schemas import (AgendaCreate, AgendaOut, AgendaPage, AgendaReorder, AgendaUpdate, agenda_out, enum_fields)
from domain.access import Principal
from domain.models import AgendaKind
from domain.conferences import agenda
from domain.uow import UnitOfWork
from api.params import ConferenceId, ItemId, Limit, Offset



class AgendaController(Controller):
    path = "/api/conferences/{conference_id:int}/agenda"
    tags = ["agenda"]

    @get("/", operation_id="listAgendaItems", description="The agenda in order.")
    async def list_(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                    limit: Limit = 200, offset: Offset = 0) -> AgendaPage:
        page = await agenda.list_items(uow, principal, conference_id, limit=limit, offset=offset)
        return AgendaPage([agenda_out(a) for a in page.items], page.total, page.limit, page.offset)

    @post("/", operation_id="createAgendaItem",
          description="Append an item; without `planned_start` it follows the previous item.")
    async def create(self, conference_id: ConferenceId, data: AgendaCreate, uow: UnitOfWork,
                     principal: Principal) -> AgendaOut:
        return agenda_out(await agenda.create_item(uow, principal, conference_id,
                                                   enum_fields(data.fields(), kind=AgendaKind)))

    @post("/reorder", operation_id="reorderAgenda", status_code=200,
          description="Put the items in the given order; `item_ids` must name every item once.")
    async def reorder(self, conference_id: ConferenceId, data: AgendaReorder, uow: UnitOfWork,
                      principal: Principal) -> list[AgendaOut]:
        return [agenda_out(a) for a in await agenda.reorder(uow, principal, conference_id, data.item_ids)]

    @get("/{item_id:int}", operation_id="getAgendaItem", description="One agenda item.")
    async def get_(self, conference_id: ConferenceId, item_id: ItemId, uow: UnitOfWork,
                   principal: Principal) -> AgendaOut:
        return agenda_out(await agenda.get_item(uow, principal, conference_id, item_id))

    @patch("/{item_id:int}", operation_id="updateAgendaItem", description="Change an agenda item.")
    async def update(self, conference_id: ConferenceId, item_id: ItemId, data: AgendaUpdate, uow: UnitOfWork,
                     principal: Principal) -> AgendaOut:
        return agenda_out(await agenda.update_item(uow, principal, conference_id, item_id,
                                                   enum_fields(data.fields(), kind=AgendaKind)))

    @delete("/{item_id:int}", operation_id="deleteAgendaItem", description="Remove an agenda item.")
    async def delete_(self, conference_id: ConferenceId, item_id: ItemId, uow: UnitOfWork,
                      principal: Principal) -> None:
        await agenda.delete_item(uow, principal, conference_id, item_id)
