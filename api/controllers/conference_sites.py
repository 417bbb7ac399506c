from __future__ import annotations

from typing import Literal

from litestar import Controller, delete, get, patch, post

from api.schemas import (ConferenceSiteCreate, ConferenceSiteOut, ConferenceSitePage, ConferenceSiteUpdate,
                         conference_site_out, enum_fields)
from domain.access import Principal
from domain.models import SiteRole
from domain.conferences import sites as svc
from domain.conferences.sites import ConferenceSiteView
from domain.uow import UnitOfWork
from api.params import ConferenceId, ConferenceSiteId, Limit, Offset



def out(v: ConferenceSiteView) -> ConferenceSiteOut:
    return conference_site_out(v.conference_site, v.operator_ids, v.warnings)


class ConferenceSiteController(Controller):
    path = "/api/conferences/{conference_id:int}/sites"
    tags = ["conference sites"]

    @get("/", operation_id="listConferenceSites", description="Bridge sites taking part in the conference.")
    async def list_(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal,
                    role: Literal["host", "remote"] | None = None, limit: Limit = 100,
                    offset: Offset = 0) -> ConferenceSitePage:
        page = await svc.list_conference_sites(uow, principal, conference_id,
                                               role=SiteRole(role) if role else None, limit=limit, offset=offset)
        return ConferenceSitePage([out(v) for v in page.items], page.total, page.limit, page.offset)

    @post("/", operation_id="addConferenceSite",
          description="Add a bridge site (host or remote). A site busy in an overlapping conference is a 409; "
                      "expected attendance above capacity is accepted with a warning.")
    async def add(self, conference_id: ConferenceId, data: ConferenceSiteCreate, uow: UnitOfWork,
                  principal: Principal) -> ConferenceSiteOut:
        return out(await svc.add_conference_site(uow, principal, conference_id,
                                                 enum_fields(data.fields(), role=SiteRole)))

    @get("/{conference_site_id:int}", operation_id="getConferenceSite", description="One participating site.")
    async def get_(self, conference_id: ConferenceId, conference_site_id: ConferenceSiteId, uow: UnitOfWork,
                   principal: Principal) -> ConferenceSiteOut:
        return out(await svc.get_conference_site(uow, principal, conference_id, conference_site_id))

    @patch("/{conference_site_id:int}", operation_id="updateConferenceSite",
           description="Change role, site chair, expected attendance or operators.")
    async def update(self, conference_id: ConferenceId, conference_site_id: ConferenceSiteId,
                     data: ConferenceSiteUpdate, uow: UnitOfWork, principal: Principal) -> ConferenceSiteOut:
        return out(await svc.update_conference_site(uow, principal, conference_id, conference_site_id,
                                                    enum_fields(data.fields(), role=SiteRole)))

    @delete("/{conference_site_id:int}", operation_id="removeConferenceSite",
            description="Remove a site that has no invitations.")
    async def remove(self, conference_id: ConferenceId, conference_site_id: ConferenceSiteId, uow: UnitOfWork,
                     principal: Principal) -> None:
        await svc.remove_conference_site(uow, principal, conference_id, conference_site_id)
