"""Adding many bridge points to a conference in one call (HTTP)."""
from __future__ import annotations

from typing import Any

from litestar import post

from api.schemas.bulk import BulkSiteResultOut, BulkSitesIn, BulkSitesOut, ConflictingConferenceOut
from domain.access import Principal
from domain.conferences import site_selection
from domain.conferences.site_selection import BulkAdd, Selection
from domain.uow import UnitOfWork
from api.params import ConferenceId


def selection_of(data: Any) -> Selection:
    return Selection(site_ids=list(data.site_ids), unit_ids=[data.unit_id] if data.unit_id else [],
                     include_subunits=data.include_subunits)


def bulk_sites_out(done: BulkAdd) -> BulkSitesOut:
    return BulkSitesOut(done.conference.id, done.count("added"), [
        BulkSiteResultOut(i.site_id, i.result,  # type: ignore[arg-type]
                          i.site.code if i.site else None, i.site.name if i.site else None, i.conference_site_id,
                          ConflictingConferenceOut(**i.conflicting_conference) if i.conflicting_conference else None)
        for i in done.items])


@post("/api/conferences/{conference_id:int}/sites/bulk", operation_id="addConferenceSitesBulk",
      tags=["conference sites"], status_code=200,
      description="Add many bridge points to the conference as remote points, in one transaction (organizers). "
                  "Pick them one by one with `site_ids` (up to 20,000) and/or give `unit_id`: every active point of "
                  "that unit, and with `include_subunits` (default true) of every unit under it. Each point gets a "
                  "result: `added` (with its `conference_site_id`), `already_added`, `busy` (it takes part in an "
                  "overlapping conference, named in `conflicting_conference`), `inactive` or `not_found`; the "
                  "others are still added. Nothing picked (`empty_selection`) or an unknown unit "
                  "(`unknown_reference`, field `unit_id`) is a 422 and changes nothing. Set role, chair, operators "
                  "and expected attendance per point afterwards with PATCH …/sites/{id}.")
async def add_sites_bulk(conference_id: ConferenceId, data: BulkSitesIn, uow: UnitOfWork,
                         principal: Principal) -> BulkSitesOut:
    return bulk_sites_out(await site_selection.add_points(uow, principal, conference_id, selection_of(data)))


ROUTES: list[Any] = [add_sites_bulk]
