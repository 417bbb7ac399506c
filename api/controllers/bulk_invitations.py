"""Inviting many delegates in one call: a list of ids, a point's roster or a unit subtree (HTTP)."""
from __future__ import annotations

from typing import Any

from litestar import post

from api.schemas.bulk_invitations import BulkInviteIn, BulkInviteOut, bulk_invite_out
from domain.access import Principal
from domain.models import InvitationRole
from domain.invitations import bulk as bulk_invitations
from domain.uow import UnitOfWork
from api.params import ConferenceId


@post("/api/conferences/{conference_id:int}/invitations/bulk", operation_id="bulkInvite", tags=["invitations"],
      status_code=200,
      description="Invite many delegates in one transaction, with a result per delegate: `invited`, "
                  "`already_invited`, `busy` (code `delegate_busy`, with the overlapping conference), "
                  "`no_point_for_unit` or `not_found`. Give exactly one source: `delegate_ids` (up to 5,000); "
                  "`unit_id` with `include_subunits` (every delegate of the unit's subtree); or `roster: true` with "
                  "`conference_site_id` (the delegates of that point's unit). `conference_site_id` otherwise names "
                  "the point everyone is invited at; without it each delegate goes to the point of their unit, or of "
                  "its nearest ancestor unit that has a point in the conference. Bad input (unknown unit or point, "
                  "no or two sources) changes nothing (organizers).")
async def bulk_invite(conference_id: ConferenceId, data: BulkInviteIn, uow: UnitOfWork,
                      principal: Principal) -> BulkInviteOut:
    return bulk_invite_out(await bulk_invitations.bulk_invite(
        uow, principal, conference_id, delegate_ids=data.delegate_ids, unit_id=data.unit_id,
        include_subunits=data.include_subunits, roster=data.roster, conference_site_id=data.conference_site_id,
        role=InvitationRole(data.role)))


ROUTES: list[Any] = [bulk_invite]
