from __future__ import annotations

from typing import Literal

from litestar import Controller, get, patch, post

from api.schemas import (InvitationCreate, InvitationOut, InvitationPage, InvitationUpdate, SubstituteIn,
                         enum_fields, invitation_out)
from domain.access import Principal
from domain.models import InvitationRole, InvitationStatus
from domain.invitations import service as svc
from domain.uow import UnitOfWork
from api.params import After, ConferenceId, InvitationId, Limit, Offset, QueryId, Search

ENUMS = {"role": InvitationRole, "status": InvitationStatus}


class InvitationController(Controller):
    path = "/api/conferences/{conference_id:int}/invitations"
    tags = ["invitations"]

    @get("/", operation_id="listInvitations",
         description="The roster by name: organizers see all, operators only their sites' invitations. "
                     "Page with `offset`, or with `after` set to the `next` of the page before.")
    async def list_(self, conference_id: ConferenceId, uow: UnitOfWork, principal: Principal, q: Search = None,
                    site_id: QueryId = None,
                    status: Literal["invited", "confirmed", "declined", "substituted", "cancelled"] | None = None,
                    role: Literal["chair", "presenter", "delegate", "observer"] | None = None,
                    limit: Limit = 50, offset: Offset = 0, after: After = None) -> InvitationPage:
        page = await svc.list_invitations(
            uow, principal, conference_id, q=q, site_id=site_id,
            status=InvitationStatus(status) if status else None, role=InvitationRole(role) if role else None,
            limit=limit, offset=offset, after=after)
        return InvitationPage([invitation_out(i) for i in page.items], page.total, page.limit, page.offset,
                              page.next)

    @post("/", operation_id="createInvitation",
          description="Invite a delegate at one of the conference's sites. A delegate is invited at most once "
                      "and never to two overlapping conferences.")
    async def create(self, conference_id: ConferenceId, data: InvitationCreate, uow: UnitOfWork,
                     principal: Principal) -> InvitationOut:
        return invitation_out(await svc.create_invitation(uow, principal, conference_id,
                                                          enum_fields(data.fields(), **ENUMS)))

    @get("/{invitation_id:int}", operation_id="getInvitation", description="One invitation.")
    async def get_(self, conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                   principal: Principal) -> InvitationOut:
        return invitation_out(await svc.get_invitation(uow, principal, conference_id, invitation_id))

    @patch("/{invitation_id:int}", operation_id="updateInvitation",
           description="Change site, role or status (invited, confirmed, declined, cancelled).")
    async def update(self, conference_id: ConferenceId, invitation_id: InvitationId, data: InvitationUpdate,
                     uow: UnitOfWork, principal: Principal) -> InvitationOut:
        return invitation_out(await svc.update_invitation(uow, principal, conference_id, invitation_id,
                                                          enum_fields(data.fields(), **ENUMS)))

    @post("/{invitation_id:int}/substitute", operation_id="substituteInvitation", status_code=201,
          description="The unit sends a deputy: the seat moves to another delegate; the old invitation is kept "
                      "as `substituted` and the new one points back to it.")
    async def substitute(self, conference_id: ConferenceId, invitation_id: InvitationId, data: SubstituteIn,
                         uow: UnitOfWork, principal: Principal) -> InvitationOut:
        return invitation_out(await svc.substitute(uow, principal, conference_id, invitation_id,
                                                   data.delegate_id))

    @get("/{invitation_id:int}/history", operation_id="invitationHistory",
         description="The seat's chain of substitutions, newest first.")
    async def history(self, conference_id: ConferenceId, invitation_id: InvitationId, uow: UnitOfWork,
                      principal: Principal) -> list[InvitationOut]:
        return [invitation_out(i) for i in await svc.invitation_history(uow, principal, conference_id,
                                                                        invitation_id)]
