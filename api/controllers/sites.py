from __future__ import annotations


from litestar import Controller, delete, get, patch, post

from api.schemas import SiteCreate, SiteDeleted, SiteOut, SitePage, SiteUpdate, site_out
from domain.access import Principal
from domain.registry import sites
from domain.uow import UnitOfWork
from api.params import Limit, Offset, QueryId, Search, SiteId



class SiteController(Controller):
    path = "/api/sites"
    tags = ["sites"]

    @get("/", operation_id="listSites", description="List bridge sites; filter by unit and active flag.")
    async def list_(self, uow: UnitOfWork, principal: Principal, q: Search = None, unit_id: QueryId = None,
                    active: bool | None = None, limit: Limit = 50, offset: Offset = 0) -> SitePage:
        page = await sites.list_sites(uow, principal, q=q, unit_id=unit_id, active=active, limit=limit,
                                      offset=offset)
        return SitePage([site_out(s) for s in page.items], page.total, page.limit, page.offset)

    @post("/", operation_id="createSite", description="Create a bridge site (organizers).")
    async def create(self, data: SiteCreate, uow: UnitOfWork, principal: Principal) -> SiteOut:
        return site_out(await sites.create_site(uow, principal, data.fields()))

    @get("/{site_id:int}", operation_id="getSite", description="One bridge site.")
    async def get_(self, site_id: SiteId, uow: UnitOfWork, principal: Principal) -> SiteOut:
        return site_out(await sites.get_site(uow, principal, site_id))

    @patch("/{site_id:int}", operation_id="updateSite", description="Change a bridge site (organizers).")
    async def update(self, site_id: SiteId, data: SiteUpdate, uow: UnitOfWork, principal: Principal) -> SiteOut:
        return site_out(await sites.update_site(uow, principal, site_id, data.fields()))

    @delete("/{site_id:int}", operation_id="deleteSite", status_code=200,
            description="Delete an unused bridge site. A site any conference references is deactivated, "
                        "never deleted; the response says which happened.")
    async def delete_(self, site_id: SiteId, uow: UnitOfWork, principal: Principal) -> SiteDeleted:
        site = await sites.delete_site(uow, principal, site_id)
        if site is None:
            return SiteDeleted(deleted=True, detail="deleted")
        return SiteDeleted(deleted=False, site=site_out(site),
                           detail="the site is referenced by conferences and was deactivated instead")
