from __future__ import annotations

from typing import Literal

from litestar import Controller, delete, get, patch, post

from api.schemas import (ConferenceCreate, ConferenceOut, ConferencePage, ConferenceUpdate, conference_out,
                         enum_fields)
from domain.access import Principal
from domain.models import ConferenceKind, ConferenceStatus, Visibility
from domain.conferences import service as conferences
from domain.conferences.service import ConferenceView
from domain.uow import UnitOfWork
from api.params import ConferenceId, DateFrom, DateTo, Limit, Offset, QueryId, Search

ENUMS = {"kind": ConferenceKind, "visibility": Visibility}


def out(v: ConferenceView) -> ConferenceOut:
    return conference_out(v.conference, v.host_site_id, v.manager_ids)


class ConferenceController(Controller):
    path = "/api/conferences"
    tags = ["conferences"]

    @get("/", operation_id="listConferences",
         description="Conferences the caller may see; filter by status, date range (`from`/`to`), site, unit.")
    async def list_(self, uow: UnitOfWork, principal: Principal, q: Search = None,
                    status: Literal["draft", "scheduled", "live", "ended", "cancelled"] | None = None,
                    date_from: DateFrom = None,
                    date_to: DateTo = None,
                    site_id: QueryId = None, unit_id: QueryId = None,
                    limit: Limit = 50, offset: Offset = 0) -> ConferencePage:
        page = await conferences.list_conferences(
            uow, principal, q=q, status=ConferenceStatus(status) if status else None, starts_from=date_from,
            starts_to=date_to, site_id=site_id, unit_id=unit_id, limit=limit, offset=offset)
        return ConferencePage([out(v) for v in page.items], page.total, page.limit, page.offset)

    @post("/", operation_id="createConference",
          description="Schedule a new conference (as draft). `host_site_id` adds the host hall.")
    async def create(self, data: ConferenceCreate, uow: UnitOfWork, principal: Principal) -> ConferenceOut:
        return out(await conferences.create_conference(uow, principal, enum_fields(data.fields(), **ENUMS)))

    @get("/{conference_id:int}", operation_id="getConference", description="One conference.")
    async def get_(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> ConferenceOut:
        return out(await conferences.get_conference(uow, principal, conference_id))

    @patch("/{conference_id:int}", operation_id="updateConference",
           description="Change a conference that has not ended or been cancelled (organizers).")
    async def update(self, conference_id: ConferenceId, data: ConferenceUpdate, uow: UnitOfWork,
                     principal: Principal) -> ConferenceOut:
        return out(await conferences.update_conference(uow, principal, conference_id,
                                                       enum_fields(data.fields(), **ENUMS)))

    @delete("/{conference_id:int}", operation_id="deleteConference",
            description="Delete a draft conference; scheduled ones are cancelled instead (organizers).")
    async def delete_(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> None:
        await conferences.delete_conference(uow, principal, conference_id)

    @post("/{conference_id:int}/schedule", operation_id="scheduleConference", status_code=200,
          description="draft → scheduled.")
    async def schedule(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> ConferenceOut:
        return out(await conferences.transition(uow, principal, conference_id, "schedule"))

    @post("/{conference_id:int}/start", operation_id="startConference", status_code=200,
          description="scheduled → live. `409 site_busy` names another conference that is live on one of its "
                      "points; an administrator may start anyway with `override=true` (audited).")
    async def start(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                    override: bool = False) -> ConferenceOut:
        return out(await conferences.transition(uow, principal, conference_id, "start", override=override))

    @post("/{conference_id:int}/end", operation_id="endConference", status_code=200, description="live → ended.")
    async def end(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> ConferenceOut:
        return out(await conferences.transition(uow, principal, conference_id, "end"))

    @post("/{conference_id:int}/cancel", operation_id="cancelConference", status_code=200,
          description="draft or scheduled → cancelled.")
    async def cancel(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal) -> ConferenceOut:
        return out(await conferences.transition(uow, principal, conference_id, "cancel"))
